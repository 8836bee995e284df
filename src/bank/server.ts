// The bank's HTTP API (fastify), on loopback by default. Bodies are the protocol's CBOR messages
// as they are (application/cbor or application/octet-stream), or JSON with the bytes in base64.
// The answer takes the request's form: CBOR in, CBOR out (the sealed token, the signed receipt).
//
//   POST /v1/load             sealed value-token request → sealed value token
//   POST /v1/deposit          sealed deposit batch       → signed capture receipt
//   GET  /v1/revocation-list  the signed revocation list (CBOR; JSON with Accept: application/json)
//   GET  /health              { status, driver, bankId }
//   GET  /metrics             checks/s, queue, time per capture phase
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { PoolError } from '../../bindings/pool/index.ts';
import { verifyRevocationList } from '../protocol/revocation.ts';
import { errorDescriptions, ProtocolError } from '../protocol/errors.ts';
import { BankError } from './errors.ts';
import type { BankService } from './service.ts';

export interface ServerOptions {
  /** Largest request body, bytes; default 8 MiB (a 10,000-check batch is about 5 MiB). */
  bodyLimit?: number;
  logger?: boolean;
}

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
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length === 0) throw new BankError('bad_request', `${field}: expected base64`);
    return new Uint8Array(Buffer.from(text, 'base64'));
  }
  throw new BankError('bad_request', `expected a CBOR body (${CBOR}) or JSON { "${field}": base64 }`);
}

const wantsCbor = (request: FastifyRequest) => Buffer.isBuffer(request.body);

export async function buildServer(service: BankService, o: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: o.logger ?? false, bodyLimit: o.bodyLimit ?? 8 << 20 });
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser([CBOR, 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number; code?: unknown }, _request, reply: FastifyReply) => {
    if (error instanceof ProtocolError) return reply.code(422).send({ error: { kind: 'protocol', code: error.code, description: errorDescriptions[error.code], message: error.message } });
    if (error instanceof BankError) {
      const status = { bad_request: 400, not_found: 404, conflict: 409, overloaded: 503, not_ready: 503 }[error.code];
      return reply.code(status).send({ error: { kind: 'bank', code: error.code, message: error.message } });
    }
    if (error instanceof PoolError) return reply.code(503).send({ error: { kind: 'pool', code: error.code, message: error.message } });
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: { kind: 'http', code: String(error.code ?? error.statusCode), message: error.message } });
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
      return { list: b64(list), listNumber: body.listNumber, issuedAt: body.issuedAt, nextUpdate: body.nextUpdate, revoked: body.revoked };
    }
    return reply.type(CBOR).send(Buffer.from(list));
  });

  app.get('/health', async () => {
    await service.db.query('select 1');
    return { status: 'ok', driver: service.db.driver, bankId: service.bank.id };
  });

  app.get('/metrics', async () => service.metrics());
  return app;
}
