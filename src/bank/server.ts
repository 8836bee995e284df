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
  type AppOptions,
  CBOR_TYPE,
  createApp,
  type ErrorReply,
  installErrorEnvelope,
  messageBytes,
  sentCbor,
} from '../net/server/index.ts';
import { verifyRevocationList } from '../protocol/revocation.ts';
import { registerBackOffice, registerCardholderRoutes } from './back-office/routes.ts';
import { BankError, badRequest } from './errors.ts';
import type { BankService } from './service.ts';

export { LOOPBACK_ORIGIN } from '../net/server/index.ts';

export interface ServerOptions {
  /** Largest request body, bytes; default 8 MiB (a 10,000-check batch is about 5 MiB). */
  bodyLimit?: number;
  logger?: AppOptions['logger'];
  /** The back office (/v1/admin/…, bearer-token credentials) on this server; default true. */
  admin?: boolean;
  /** Origins allowed by CORS (the browser wallet's page); default loopback origins (any port). */
  corsOrigins?: (string | RegExp)[];
}

const BANK_STATUS = {
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
    ...(o.logger !== undefined ? { logger: o.logger } : {}),
    ...(o.corsOrigins ? { corsOrigins: o.corsOrigins } : {}),
  });
  installErrorEnvelope(app, [bankErrors]);

  app.post('/v1/load', async (request, reply) => {
    const r = await service.load(messageBytes(request, 'envelope', badRequest));
    if (sentCbor(request)) return reply.type(CBOR_TYPE).send(Buffer.from(r.token));
    return { token: toBase64(r.token), purseId: r.purseId, amount: r.amount, replayed: r.replayed };
  });

  app.post('/v1/deposit', async (request, reply) => {
    const r = await service.deposit(messageBytes(request, 'envelope', badRequest));
    if (sentCbor(request)) return reply.type(CBOR_TYPE).send(Buffer.from(r.receipt));
    return { receipt: toBase64(r.receipt), credited: r.credited, replayed: r.replayed, outcomes: r.outcomes };
  });

  app.get('/v1/revocation-list', async (request, reply) => {
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

  app.get('/health', async () => ({ status: 'ok', ...(await service.health()) }));
  app.get('/metrics', async () => service.metrics());
  app.get('/v1/bank', async () => service.info());

  registerCardholderRoutes(app, service);
  if (o.admin ?? true) registerBackOffice(app, service);
  return app;
}

/** The back office alone, for a listener of its own (the public server then built with `admin: false`). */
export async function buildAdminServer(
  service: BankService,
  o: Pick<ServerOptions, 'bodyLimit' | 'logger'> = {},
): Promise<FastifyInstance> {
  const app = await createApp({
    bodyLimit: o.bodyLimit ?? 1 << 20,
    ...(o.logger !== undefined ? { logger: o.logger } : {}),
    corsOrigins: [],
  });
  installErrorEnvelope(app, [bankErrors]);
  registerBackOffice(app, service);
  return app;
}
