// The bank's HTTP API (fastify), on loopback by default. Bodies are the protocol's CBOR messages
// as they are (application/cbor or application/octet-stream), or JSON with the bytes in base64.
// The answer takes the request's form: CBOR in, CBOR out (the sealed token, the signed receipt).
//
//   POST /v1/load             sealed value-token request → sealed value token
//   POST /v1/deposit          sealed deposit batch       → signed capture receipt
//   GET  /v1/revocation-list  the signed revocation list (CBOR; JSON with Accept: application/json)
//   GET  /v1/bank             { bankId, bankCertificate (base64), roots [{ id, publicKey }] }
//   GET  /ready, /health      { status, driver, bankId }; 503 when the database does not answer
//   GET  /live                { status: 'ok' } while the process answers
//   GET  /metrics             Prometheus text (metrics.ts and src/net/server/metrics.ts)
//   GET  /openapi.json        the OpenAPI 3.1 description of all of this, from the routes' schemas
//
// Load and deposit are rate-limited per client (option `rateLimit`; src/net/server/rate-limit.ts
// says who the client is). JSON bodies are validated by the routes' schemas (schemas.ts).
//
// The admin API (option `admin`, default on) is a DEMO BACK OFFICE: it has no authentication and
// answers loopback clients only. A real bank puts personalisation, account opening and funding
// behind its own systems (HSM-backed personalisation bureau, core banking, staff authentication),
// never on the API its cardholders and merchants reach. JSON in and out, keys in base64:
//   POST /v1/admin/cardholders            { cardholderId, signingKey? } → { cardholderId, certificate? }
//   POST /v1/admin/cardholders/:id/fund   { amount, currency, reference? } → { cardholderId, balance }
//   POST /v1/admin/merchants              { merchantId, signingKey, kxKey } → { merchantId, certificate, bankId, bankCertificate, roots }
//   POST /v1/admin/purses                 { purseId, cardholderId, signingKey, kxKey, limits } → { purseId, cardholderId, certificate, bankId, bankCertificate, roots }
//   POST /v1/admin/purses/:id/lost        a lost or stolen card: revoked now → { purseId, status }
//   POST /v1/admin/purses/:id/unblock     { counter } → { purseId, counter, signature }: the bank's
//                                         signature over unblockMessage(purseId, counter) for the
//                                         card's RESET RETRY COUNTER (PIN blocked). Active purses only.
//
// This file only maps HTTP to BankService (service.ts): reading bodies, the answer's form, the
// error envelope. What the bank does is in the service; what both servers share is src/net/server/.
// CORS (for the browser wallet): the origins in option `corsOrigins`, default loopback origins.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PoolError } from '../../bindings/pool/index.ts';
import { toBase64 } from '../bytes.ts';
import {
  base64Field,
  CBOR_TYPE,
  createApp,
  type ErrorReply,
  installErrorEnvelope,
  installMetrics,
  isLoopback,
  jsonObject,
  type LogOptions,
  limited,
  messageBytes,
  type RateLimit,
  sentCbor,
  type TlsFiles,
  validationErrors,
} from '../net/server/index.ts';
import type { OfflineLimits } from '../protocol/certificate.ts';
import { verifyRevocationList } from '../protocol/revocation.ts';
import { BankError } from './errors.ts';
import { bankMetrics } from './metrics.ts';
import { adminSchemas, bankSchemas } from './schemas.ts';
import type { BankService } from './service.ts';

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
  /** The loopback admin API (demo back office, no authentication); default true. */
  admin?: boolean;
  /** Origins allowed by CORS (the browser wallet's page); default loopback origins (any port). */
  corsOrigins?: (string | RegExp)[];
}

const badRequest = (message: string) => new BankError('bad_request', message);
/** The status of each BankError code (the OpenAPI document's statuses are tested against it). */
export const BANK_STATUS = {
  bad_request: 400,
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

function text(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (typeof v !== 'string' || v.length === 0) throw badRequest(`${field}: a string is required`);
  return v;
}

/** A 32-byte public key in base64. */
function key(body: Record<string, unknown>, field: string): Uint8Array {
  const bytes = base64Field(body[field], field, () => badRequest(`${field}: 32 bytes in base64 expected`));
  if (bytes.length !== 32) throw badRequest(`${field}: 32 bytes in base64 expected, got ${bytes.length}`);
  return bytes;
}

const positive = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;

function limitsOf(v: unknown): OfflineLimits {
  if (!v || typeof v !== 'object')
    throw badRequest('limits: { currency, maxBalance, maxPerCheck, maxOfflineChecks, maxOfflineAmount } required');
  const l = v as Record<string, unknown>;
  if (typeof l.currency !== 'string' || !/^[A-Z]{3}$/.test(l.currency))
    throw badRequest('limits.currency: three capital letters');
  for (const f of ['maxBalance', 'maxPerCheck', 'maxOfflineChecks', 'maxOfflineAmount']) {
    if (!positive(l[f])) throw badRequest(`limits.${f}: a positive integer`);
  }
  return {
    currency: l.currency,
    maxBalance: l.maxBalance as number,
    maxPerCheck: l.maxPerCheck as number,
    maxOfflineChecks: l.maxOfflineChecks as number,
    maxOfflineAmount: l.maxOfflineAmount as number,
  };
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
    return { token: toBase64(r.token), purseId: r.purseId, amount: r.amount, replayed: r.replayed };
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

  app.get('/v1/bank', { schema: bankSchemas.info }, async () => service.info());

  if (o.admin ?? true) registerAdmin(app, service);
  return app;
}

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

function registerAdmin(app: FastifyInstance, service: BankService): void {
  app.register(async (admin) => {
    admin.addHook('onRoute', (route) => {
      route.schema = { ...adminSchemas[route.url as keyof typeof adminSchemas], ...route.schema };
    });
    admin.addHook('onRequest', async (request, reply) => {
      if (!isLoopback(request.ip))
        return reply
          .code(403)
          .send({ error: { kind: 'bank', code: 'forbidden', message: 'the admin API answers loopback clients only' } });
    });

    admin.post('/v1/admin/cardholders', async (request) => {
      const body = jsonObject(request, badRequest);
      const cardholderId = text(body, 'cardholderId');
      const signingKey = body.signingKey === undefined ? undefined : key(body, 'signingKey');
      const certificate = await service.registerCardholder(cardholderId, signingKey);
      return { cardholderId, ...(certificate ? { certificate: toBase64(certificate) } : {}) };
    });

    admin.post('/v1/admin/cardholders/:id/fund', async (request: IdRequest) => {
      const body = jsonObject(request, badRequest);
      const reference = body.reference === undefined ? undefined : text(body, 'reference');
      const cardholderId = request.params.id;
      const balance = await service.fund(cardholderId, body.amount as number, text(body, 'currency'), reference);
      return { cardholderId, balance };
    });

    admin.post('/v1/admin/merchants', async (request) => {
      const body = jsonObject(request, badRequest);
      const merchantId = text(body, 'merchantId');
      const keys = { signingKey: key(body, 'signingKey'), kxKey: key(body, 'kxKey') };
      const certificate = await service.registerMerchant(merchantId, keys);
      return { merchantId, certificate: toBase64(certificate), ...(await service.info()) };
    });

    admin.post('/v1/admin/purses', async (request) => {
      const body = jsonObject(request, badRequest);
      const purseId = text(body, 'purseId');
      const cardholderId = text(body, 'cardholderId');
      const certificate = await service.personalisePurse(purseId, {
        cardholderId,
        signingKey: key(body, 'signingKey'),
        kxKey: key(body, 'kxKey'),
        limits: limitsOf(body.limits),
      });
      return { purseId, cardholderId, certificate: toBase64(certificate), ...(await service.info()) };
    });

    admin.post('/v1/admin/purses/:id/lost', async (request: IdRequest) => {
      await service.reportLost(request.params.id);
      return { purseId: request.params.id, status: 'lost' };
    });

    admin.post('/v1/admin/purses/:id/unblock', async (request: IdRequest) => {
      const counter = jsonObject(request, badRequest).counter as number;
      const signature = await service.unblock(request.params.id, counter);
      return { purseId: request.params.id, counter, signature: toBase64(signature) };
    });
  });
}
