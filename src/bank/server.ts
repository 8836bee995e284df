// The bank's HTTP API (fastify), on loopback by default. Bodies are the protocol's CBOR messages
// as they are (application/cbor or application/octet-stream), or JSON with the bytes in base64.
// The answer takes the request's form: CBOR in, CBOR out (the sealed token, the signed receipt).
//
//   POST /v1/load             sealed value-token request → sealed value token
//   POST /v1/deposit          sealed deposit batch       → signed capture receipt
//   POST /v1/refunds          sealed merchant refund     → { checkHash, outcome, amount, replayed } (JSON)
//   POST /v1/interbank/statements  a peer bank's settlement offer → this bank's signed statement
//                             (interbank/README.md § Settlement; the peer authenticated by its signature)
//   POST /v1/interbank/presentments  an acquirer's sealed presentment → the issuer's signed answer
//   GET  /v1/revocation-list  the signed revocation list (CBOR; JSON with Accept: application/json)
//   GET  /v1/bank             { bankId, bankCertificate (base64), roots [{ id, publicKey }] }
//   GET  /v1/purses/:id/certificate  { purseId, certificate }: the purse's current certificate (a renewal)
//   GET  /ready, /health      { status, driver, bankId }; 503 when the database does not answer
//   GET  /live                { status: 'ok' } while the process answers
//   GET  /metrics             Prometheus text (metrics.ts and src/net/server/metrics.ts)
//   GET  /openapi.json        the OpenAPI 3.1 description of all of this, from the routes' schemas
//
// With option `settleLostEveryS` the server also settles lost cards past their window on that
// schedule while it runs (settle-schedule.ts), as the actor `scheduler`; with `settleInterbankEveryS`
// it closes the interbank settlement cycles with its peers on that schedule (interbank/schedule.ts).
// In a scheme (peers given), the acquirer's unanswered presentments are sent on the service's
// schedule (presentEveryS).
//
// Load, deposit and refunds are rate-limited per client (option `rateLimit`; src/net/server/rate-limit.ts
// says who the client is). JSON bodies are validated by the routes' schemas (schemas.ts).
//
//   POST /v1/enrol            a cardholder's device enrols its purse with a one-time activation code
//   POST /v1/unblock          a cardholder asks for its purse's PIN unblock, signed with its approval key
//   POST /v1/admin/…          the back office: bearer-token credentials with roles, every action
//                             recorded (back-office/routes.ts lists the routes and their roles)
//
// The back office is served here (option `admin`, default true) or on a listener of its own
// (buildAdminServer, `smartcheck bank serve --admin-listen`), so that it can be kept off the
// network cardholders and merchants reach. Either way it trusts no client address.
//
// This file only maps HTTP to BankService (service.ts): reading bodies, the answer's form, the
// error envelope. What the bank does is in the service; what both servers share is src/net/server/.
// CORS (for the browser wallet): the origins in option `corsOrigins`, default loopback origins.
import type { FastifyInstance } from 'fastify';
import { PoolError } from '../../bindings/pool/index.ts';
import { toBase64 } from '../bytes.ts';
import {
  CBOR_TYPE,
  createApp,
  type ErrorReply,
  installErrorEnvelope,
  installMetrics,
  type LogOptions,
  limited,
  messageBytes,
  type RateLimit,
  sentCbor,
  type TlsFiles,
  validationErrors,
} from '../net/server/index.ts';
import { verifyRevocationList } from '../protocol/revocation.ts';
import { registerBackOffice, registerCardholderRoutes } from './back-office/routes.ts';
import { BankError, badRequest } from './errors.ts';
import { scheduleInterbankSettlement } from './interbank/schedule.ts';
import { bankMetrics } from './metrics.ts';
import { adminSchemas, bankSchemas } from './schemas.ts';
import type { BankService } from './service.ts';
import { type SettleSchedule, scheduleSettlement } from './settle-schedule.ts';

export { LOOPBACK_ORIGIN } from '../net/server/index.ts';

export interface ServerOptions {
  /** Largest request body, bytes; default 8 MiB (a 10,000-check batch is about 5 MiB). */
  bodyLimit?: number;
  /** JSON log lines (src/net/server/logging.ts); default none. */
  log?: LogOptions;
  /** Serve HTTPS with this certificate and key. */
  tls?: TlsFiles;
  /** Load and deposit requests per client per window; default unlimited. */
  rateLimit?: RateLimit;
  /** The back office (/v1/admin/…, bearer-token credentials) on this server; default true. */
  admin?: boolean;
  /** Origins allowed by CORS (the browser wallet's page); default loopback origins (any port). */
  corsOrigins?: (string | RegExp)[];
  /**
   * Settle lost cards past their window every this many seconds while the server runs (from its
   * start to its close; settle-schedule.ts); default none (`bank serve` sets it, hourly).
   */
  settleLostEveryS?: number;
  /**
   * Close the interbank settlement cycles with every peer bank every this many seconds while the
   * server runs (interbank/schedule.ts; a day is INTERBANK_SETTLE_INTERVAL_S); default none: on
   * demand only (POST /v1/admin/settlement/close).
   */
  settleInterbankEveryS?: number;
}

/** The status of each BankError code (the OpenAPI document's statuses are tested against it). */
export const BANK_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  overloaded: 503,
  not_ready: 503,
} as const;

function bankErrors(error: Error): ErrorReply | undefined {
  if (error instanceof BankError)
    return { status: BANK_STATUS[error.code], kind: 'bank', code: error.code, message: error.message };
  if (error instanceof PoolError) return { status: 503, kind: 'pool', code: error.code, message: error.message };
  return undefined;
}

export async function buildServer(service: BankService, o: ServerOptions = {}): Promise<FastifyInstance> {
  const app = await createApp({
    bodyLimit: o.bodyLimit ?? 8 << 20,
    ...(o.log ? { log: o.log } : {}),
    ...(o.tls ? { tls: o.tls } : {}),
    ...(o.corsOrigins ? { corsOrigins: o.corsOrigins } : {}),
    api: {
      title: 'smartcheck bank',
      version: '1',
      description:
        'Loads value onto purses, captures merchant deposits, publishes the revocation list; the back office under /v1/admin.',
    },
    ready: () => service.health(),
  });
  installErrorEnvelope(app, [bankErrors, validationErrors('bank')]);
  const metrics = bankMetrics(installMetrics(app), service);

  app.post('/v1/load', { schema: bankSchemas.load, config: limited(o.rateLimit) }, async (request, reply) => {
    const r = await service.load(messageBytes(request, 'envelope', badRequest)).catch((error: unknown) => {
      metrics.refused('load', error);
      throw error;
    });
    metrics.loaded(r);
    if (sentCbor(request)) return reply.type(CBOR_TYPE).send(Buffer.from(r.token));
    return {
      token: toBase64(r.token),
      purseId: r.purseId,
      amount: r.amount,
      replayed: r.replayed,
      ...(r.certificate ? { certificate: toBase64(r.certificate) } : {}),
    };
  });

  app.post('/v1/deposit', { schema: bankSchemas.deposit, config: limited(o.rateLimit) }, async (request, reply) => {
    const r = await service.deposit(messageBytes(request, 'envelope', badRequest)).catch((error: unknown) => {
      metrics.refused('deposit', error);
      throw error;
    });
    metrics.captured(r);
    if (sentCbor(request)) return reply.type(CBOR_TYPE).send(Buffer.from(r.receipt));
    return { receipt: toBase64(r.receipt), credited: r.credited, replayed: r.replayed, outcomes: r.outcomes };
  });

  app.post('/v1/interbank/statements', { schema: bankSchemas.statementOffer }, async (request, reply) => {
    const statement = await service.acceptStatementOffer(messageBytes(request, 'offer', badRequest));
    if (sentCbor(request)) return reply.type(CBOR_TYPE).send(Buffer.from(statement));
    return { statement: toBase64(statement) };
  });

  app.post('/v1/refunds', { schema: bankSchemas.refund, config: limited(o.rateLimit) }, async (request) => {
    const r = await service.refund(messageBytes(request, 'envelope', badRequest));
    return { ...r, checkHash: toBase64(r.checkHash) };
  });

  // Interbank: an acquirer of the scheme presents its merchants' checks of this bank's purses. No
  // credential: the presentment is signed by the acquirer bank and judged by its certificate.
  app.post('/v1/interbank/presentments', { schema: bankSchemas.presentment }, async (request, reply) => {
    const r = await service.answerPresentment(messageBytes(request, 'envelope', badRequest));
    if (sentCbor(request)) return reply.type(CBOR_TYPE).send(Buffer.from(r.answer));
    return { answer: toBase64(r.answer), replayed: r.replayed };
  });

  app.get('/v1/revocation-list', { schema: bankSchemas.revocationList }, async (request, reply) => {
    const list = await service.revocationList();
    if ((request.headers.accept ?? '').includes('application/json')) {
      const body = verifyRevocationList(list, { anchors: service.bank.anchors, now: service.clock() }).body;
      return {
        list: toBase64(list),
        listNumber: body.listNumber,
        issuedAt: body.issuedAt,
        nextUpdate: body.nextUpdate,
        revoked: body.revoked,
      };
    }
    return reply.type(CBOR_TYPE).send(Buffer.from(list));
  });

  app.get('/v1/revocations', { schema: bankSchemas.revocations }, async (request) => {
    const { issuer } = request.query as { issuer?: string };
    const lists = await service.revocationLists(issuer);
    if (issuer !== undefined && lists.length === 0) throw new BankError('not_found', `no revocation list of ${issuer}`);
    return { lists: lists.map((l) => ({ bankId: l.issuer, list: toBase64(l.bytes) })) };
  });

  app.get('/v1/bank', { schema: bankSchemas.info }, async () => service.info());

  app.get<{ Params: { id: string } }>(
    '/v1/purses/:id/certificate',
    { schema: bankSchemas.purseCertificate },
    async (request) => ({
      purseId: request.params.id,
      certificate: toBase64(await service.purseCertificate(request.params.id)),
    }),
  );

  registerCardholderRoutes(app, service);
  if (o.admin ?? true) registerAdminRoutes(app, service);
  const lostEveryS = o.settleLostEveryS;
  if (lostEveryS) runSchedule(app, () => scheduleSettlement(service, { everyS: lostEveryS, log: app.log }));
  const interbankEveryS = o.settleInterbankEveryS;
  if (interbankEveryS)
    runSchedule(app, () => scheduleInterbankSettlement(service, { everyS: interbankEveryS, log: app.log }));
  runPresentments(app, service);
  return app;
}

/** A schedule (lost cards, interbank settlement) from the server's start to its close. */
function runSchedule(app: FastifyInstance, start: () => SettleSchedule): void {
  let schedule: SettleSchedule | undefined;
  app.addHook('onReady', async () => {
    schedule = start();
  });
  app.addHook('onClose', async () => {
    await schedule?.stop();
  });
}

/** In a scheme, the acquirer's outbox of presentments sent on a schedule, from the server's start to its close. */
function runPresentments(app: FastifyInstance, service: BankService): void {
  let stop: (() => Promise<void>) | undefined;
  app.addHook('onReady', async () => {
    stop = service.schedulePresentments();
  });
  app.addHook('onClose', async () => {
    await stop?.();
  });
}

/** The back office with its routes' schemas (validation and the OpenAPI document), in its own scope. */
function registerAdminRoutes(app: FastifyInstance, service: BankService): void {
  app.register(async (admin) => {
    admin.addHook('onRoute', (route) => {
      route.schema = { ...adminSchemas[route.url as keyof typeof adminSchemas], ...route.schema };
    });
    registerBackOffice(admin, service);
  });
}

/** The back office alone, for a listener of its own (the public server then built with `admin: false`). */
export async function buildAdminServer(
  service: BankService,
  o: Pick<ServerOptions, 'bodyLimit' | 'log' | 'tls'> = {},
): Promise<FastifyInstance> {
  const app = await createApp({
    bodyLimit: o.bodyLimit ?? 1 << 20,
    ...(o.log ? { log: o.log } : {}),
    ...(o.tls ? { tls: o.tls } : {}),
    corsOrigins: [],
    api: {
      title: 'smartcheck bank back office',
      version: '1',
      description:
        'Accounts, funding, merchants, purses, lost cards, PIN unblocks, activation codes: bearer tokens with roles.',
    },
    ready: () => service.health(),
  });
  installErrorEnvelope(app, [bankErrors, validationErrors('bank')]);
  registerAdminRoutes(app, service);
  return app;
}
