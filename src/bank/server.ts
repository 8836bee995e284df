// The bank's HTTP API (fastify), on loopback by default. Bodies are the protocol's CBOR messages
// as they are (application/cbor or application/octet-stream), or JSON with the bytes in base64.
// The answer takes the request's form: CBOR in, CBOR out (the sealed token, the signed receipt).
//
//   POST /v1/load             sealed value-token request → sealed value token
//   POST /v1/deposit          sealed deposit batch       → signed capture receipt
//   GET  /v1/revocation-list  the signed revocation list (CBOR; JSON with Accept: application/json)
//   GET  /health              { status, driver, bankId }
//   GET  /metrics             checks/s, queue, time per capture phase
//   GET  /v1/bank             { bankId, bankCertificate (base64), roots [{ id, publicKey }] }
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
// CORS (for the browser wallet): the origins in option `corsOrigins`, default loopback origins.
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ed25519 } from '../../bindings/index.ts';
import { PoolError } from '../../bindings/pool/index.ts';
import { type OfflineLimits, parseCertificate } from '../protocol/certificate.ts';
import { ErrorCode, errorDescriptions, ProtocolError } from '../protocol/errors.ts';
import { verifyRevocationList } from '../protocol/revocation.ts';
import { unblockMessage } from '../protocol/unblock.ts';
import { reportLost } from './audit.ts';
import { BankError } from './errors.ts';
import { fund, personalisePurseKeys, registerCardholderKey, registerMerchantKeys } from './issuing.ts';
import { balance } from './ledger.ts';
import type { BankService } from './service.ts';

export interface ServerOptions {
  /** Largest request body, bytes; default 8 MiB (a 10,000-check batch is about 5 MiB). */
  bodyLimit?: number;
  logger?: boolean;
  /** The loopback admin API (demo back office, no authentication); default true. */
  admin?: boolean;
  /** Origins allowed by CORS (the browser wallet's page); default loopback origins (any port). */
  corsOrigins?: (string | RegExp)[];
  /** How long a card reported lost waits before its remaining value is settled; default 30 days. */
  lostSettleWindowS?: number;
}

/** http(s)://localhost, 127.0.0.1 or [::1], any port. */
export const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

const CBOR = 'application/cbor';
const b64 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');

function bodyBytes(request: FastifyRequest, field: string): Uint8Array {
  const body = request.body;
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) throw new BankError('bad_request', 'empty body');
    return new Uint8Array(body.buffer, body.byteOffset, body.length);
  }
  if (body && typeof body === 'object' && typeof (body as Record<string, unknown>)[field] === 'string') {
    const text = (body as Record<string, string>)[field] as string;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length === 0)
      throw new BankError('bad_request', `${field}: expected base64`);
    return new Uint8Array(Buffer.from(text, 'base64'));
  }
  throw new BankError('bad_request', `expected a CBOR body (${CBOR}) or JSON { "${field}": base64 }`);
}

const wantsCbor = (request: FastifyRequest) => Buffer.isBuffer(request.body);

const isLoopback = (ip: string) => /^(127\.|::1$|::ffff:127\.)/.test(ip);

function jsonBody(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body) || Array.isArray(body))
    throw new BankError('bad_request', 'expected a JSON object body');
  return body as Record<string, unknown>;
}

function text(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (typeof v !== 'string' || v.length === 0) throw new BankError('bad_request', `${field}: a string is required`);
  return v;
}

function key(body: Record<string, unknown>, field: string, optional = false): Uint8Array | undefined {
  const v = body[field];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(v))
    throw new BankError('bad_request', `${field}: 32 bytes in base64 expected`);
  const bytes = new Uint8Array(Buffer.from(v, 'base64'));
  if (bytes.length !== 32)
    throw new BankError('bad_request', `${field}: 32 bytes in base64 expected, got ${bytes.length}`);
  return bytes;
}

const positive = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;

function limitsOf(v: unknown): OfflineLimits {
  if (!v || typeof v !== 'object')
    throw new BankError(
      'bad_request',
      'limits: { currency, maxBalance, maxPerCheck, maxOfflineChecks, maxOfflineAmount } required',
    );
  const l = v as Record<string, unknown>;
  if (typeof l.currency !== 'string' || !/^[A-Z]{3}$/.test(l.currency))
    throw new BankError('bad_request', 'limits.currency: three capital letters');
  for (const f of ['maxBalance', 'maxPerCheck', 'maxOfflineChecks', 'maxOfflineAmount']) {
    if (!positive(l[f])) throw new BankError('bad_request', `limits.${f}: a positive integer`);
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
  const app = Fastify({ logger: o.logger ?? false, bodyLimit: o.bodyLimit ?? 8 << 20 });
  await app.register(cors, { origin: o.corsOrigins ?? [LOOPBACK_ORIGIN] });
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser([CBOR, 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );

  app.setErrorHandler((error: Error & { statusCode?: number; code?: unknown }, _request, reply: FastifyReply) => {
    if (error instanceof ProtocolError)
      return reply.code(422).send({
        error: {
          kind: 'protocol',
          code: error.code,
          description: errorDescriptions[error.code],
          message: error.message,
        },
      });
    if (error instanceof BankError) {
      const status = { bad_request: 400, not_found: 404, conflict: 409, overloaded: 503, not_ready: 503 }[error.code];
      return reply.code(status).send({ error: { kind: 'bank', code: error.code, message: error.message } });
    }
    if (error instanceof PoolError)
      return reply.code(503).send({ error: { kind: 'pool', code: error.code, message: error.message } });
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return reply
        .code(error.statusCode)
        .send({ error: { kind: 'http', code: String(error.code ?? error.statusCode), message: error.message } });
    }
    app.log.error(error);
    return reply.code(500).send({ error: { kind: 'internal', code: 'internal', message: 'internal error' } });
  });

  app.post('/v1/load', async (request, reply) => {
    const r = await service.load(bodyBytes(request, 'envelope'));
    if (wantsCbor(request)) return reply.type(CBOR).send(Buffer.from(r.token));
    return { token: b64(r.token), purseId: r.purseId, amount: r.amount, replayed: r.replayed };
  });

  app.post('/v1/deposit', async (request, reply) => {
    const r = await service.deposit(bodyBytes(request, 'envelope'));
    if (wantsCbor(request)) return reply.type(CBOR).send(Buffer.from(r.receipt));
    return { receipt: b64(r.receipt), credited: r.credited, replayed: r.replayed, outcomes: r.outcomes };
  });

  app.get('/v1/revocation-list', async (request, reply) => {
    const list = await service.revocationList();
    if ((request.headers.accept ?? '').includes('application/json')) {
      const body = verifyRevocationList(list, { anchors: service.bank.anchors, now: service.clock() }).body;
      return {
        list: b64(list),
        listNumber: body.listNumber,
        issuedAt: body.issuedAt,
        nextUpdate: body.nextUpdate,
        revoked: body.revoked,
      };
    }
    return reply.type(CBOR).send(Buffer.from(list));
  });

  app.get('/health', async () => {
    await service.db.query('select 1');
    return { status: 'ok', driver: service.db.driver, bankId: service.bank.id };
  });

  app.get('/metrics', async () => service.metrics());

  const info = () => ({
    bankId: service.bank.id,
    bankCertificate: b64(service.bank.party.certificate),
    roots: [...service.bank.anchors].map(([id, publicKey]) => ({ id, publicKey: b64(publicKey) })),
  });
  app.get('/v1/bank', async () => {
    await service.refreshKeys();
    return info();
  });

  if (o.admin ?? true) registerAdmin(app, service, info, o);
  return app;
}

function registerAdmin(
  app: FastifyInstance,
  service: BankService,
  info: () => Record<string, unknown>,
  o: ServerOptions,
): void {
  app.register(async (admin) => {
    admin.addHook('onRequest', async (request, reply) => {
      if (!isLoopback(request.ip))
        return reply
          .code(403)
          .send({ error: { kind: 'bank', code: 'forbidden', message: 'the admin API answers loopback clients only' } });
    });

    admin.post('/v1/admin/cardholders', async (request) => {
      const body = jsonBody(request);
      const cardholderId = text(body, 'cardholderId');
      const signingKey = key(body, 'signingKey', true);
      const certificate = await registerCardholderKey(service.db, service.bank, cardholderId, {
        now: service.clock(),
        ...(signingKey ? { signingKey } : {}),
      });
      return { cardholderId, ...(certificate ? { certificate: b64(certificate) } : {}) };
    });

    admin.post<{ Params: { id: string } }>('/v1/admin/cardholders/:id/fund', async (request) => {
      const body = jsonBody(request);
      const currency = text(body, 'currency');
      if (!/^[A-Z]{3}$/.test(currency)) throw new BankError('bad_request', 'currency: three capital letters');
      const reference =
        body.reference === undefined
          ? `admin:${Date.now()}:${Math.random().toString(36).slice(2)}`
          : text(body, 'reference');
      await fund(service.db, request.params.id, body.amount as number, currency, reference);
      return {
        cardholderId: request.params.id,
        balance: await balance(service.db, 'cardholder', request.params.id, currency),
      };
    });

    admin.post('/v1/admin/merchants', async (request) => {
      const body = jsonBody(request);
      const merchantId = text(body, 'merchantId');
      const certificate = await registerMerchantKeys(service.db, service.bank, merchantId, {
        now: service.clock(),
        signingKey: key(body, 'signingKey') as Uint8Array,
        kxKey: key(body, 'kxKey') as Uint8Array,
      });
      return { merchantId, certificate: b64(certificate), ...info() };
    });

    admin.post('/v1/admin/purses', async (request) => {
      const body = jsonBody(request);
      const purseId = text(body, 'purseId');
      const cardholderId = text(body, 'cardholderId');
      const certificate = await personalisePurseKeys(service.db, service.bank, purseId, {
        cardholderId,
        signingKey: key(body, 'signingKey') as Uint8Array,
        kxKey: key(body, 'kxKey') as Uint8Array,
        limits: limitsOf(body.limits),
        now: service.clock(),
      });
      return { purseId, cardholderId, certificate: b64(certificate), ...info() };
    });

    admin.post<{ Params: { id: string } }>('/v1/admin/purses/:id/lost', async (request) => {
      const [known] = await service.db.query<{ status: string }>('select status from purses where purse_id = $1', [
        request.params.id,
      ]);
      if (!known) throw new BankError('not_found', `purse ${request.params.id}`);
      if (known.status !== 'lost')
        await reportLost(service.db, request.params.id, service.clock(), o.lostSettleWindowS ?? 30 * 86_400);
      return { purseId: request.params.id, status: 'lost' };
    });

    // PIN unblock. The card takes a counter above the last one it applied and does not report that
    // one, so the counter is a time (unix milliseconds, the caller's clock): always above any
    // earlier unblock. The bank refuses a counter more than 5 minutes ahead of its own clock, so
    // no caller can spend the card's counter space (a counter near 2^53 would end unblocking).
    // The signature is made with the bank key generation that certified the purse: the card
    // verifies it with the bank key it pinned at personalisation.
    admin.post<{ Params: { id: string } }>('/v1/admin/purses/:id/unblock', async (request) => {
      const body = jsonBody(request);
      const counter = body.counter;
      const latest = (service.clock() + 300) * 1000;
      if (typeof counter !== 'number' || !Number.isSafeInteger(counter) || counter < 1)
        throw new BankError('bad_request', 'counter: a positive integer');
      if (counter > latest)
        throw new BankError(
          'bad_request',
          `counter: unix milliseconds, at most the bank's clock + 5 min (${latest}), got ${counter}`,
        );
      const purseId = request.params.id;
      const [purse] = await service.db.query<{ status: string; certificate: Uint8Array }>(
        'select status, certificate from purses where purse_id = $1',
        [purseId],
      );
      if (!purse) throw new BankError('not_found', `purse ${purseId}`);
      if (purse.status !== 'active')
        throw new ProtocolError(ErrorCode.Revoked, `purse ${purseId} is ${purse.status}: not unblocked`);
      const certificate = parseCertificate(new Uint8Array(purse.certificate));
      const issuer = [service.bank.party, ...service.bank.previous].find((g) =>
        ed25519.verify(certificate.signature, certificate.toBeSigned, g.publicKey),
      );
      if (!issuer) throw new BankError('conflict', `purse ${purseId}: certified by no key of this bank`);
      const signature = ed25519.sign(unblockMessage(purseId, counter), issuer.secretKey);
      return { purseId, counter, signature: b64(signature) };
    });
  });
}
