// The back office over HTTP (`/v1/admin/…`, JSON in and out, keys in base64) and the
// cardholder-facing enrolment (`/v1/enrol`). Every back-office route names the action it performs;
// its onRequest hook authenticates the bearer token (credentials.ts) before the body is read and
// checks the credential's roles: no credential, a malformed, unknown, wrong or revoked one is 401,
// a role without the right 403, the refusal logged (credential id and reason, never the token) and
// nothing changed. The client's address plays no part (no loopback trust, X-Forwarded-For ignored).
//
//   POST /v1/admin/cardholders              issuer    { cardholderId, signingKey? } → { cardholderId, certificate? }
//   POST /v1/admin/cardholders/:id/fund     operator  { amount, currency, reference? } → { cardholderId, balance }
//   POST /v1/admin/cardholders/:id/activation-codes
//                                           issuer    { limits, ttlS? } → { cardholderId, code, expiresAt }
//   POST /v1/admin/merchants                issuer    { merchantId, signingKey, kxKey } → { merchantId, certificate, bankId, bankCertificate, roots }
//   POST /v1/admin/purses                   issuer    { purseId, cardholderId, signingKey, kxKey, limits } → { purseId, cardholderId, certificate, bankId, bankCertificate, roots }
//   POST /v1/admin/purses/:id/lost          operator  a lost or stolen card: revoked now → { purseId, status }
//   POST /v1/admin/purses/:id/unblock       operator  { counter } → { purseId, counter, signature }: the bank's
//                                           signature over unblockMessage(purseId, counter) for the card's
//                                           RESET RETRY COUNTER (PIN blocked). Active purses only.
//   POST /v1/admin/lost-cards/settle        operator  settles the lost cards past their window now (the server
//                                           also does on its schedule) → { settled: [{ purseId, cardholderId,
//                                           currency, refunded }] }: those this request settled
//   POST /v1/admin/settlement/close         operator  closes the interbank settlement cycle with every peer bank now
//                                           → { pairs: [{ bankId, cycle?, nothing?, error? }] } (interbank/README.md)
//   GET  /v1/admin/purses/:id/report?days=  operator  the purse's shadow account, serial gaps, value not deposited
//                                           after `days` (reports/purse.ts); read-only, not an action record
//   GET  /v1/admin/merchants/:id/statement?from=&to=&limit=&offset=
//                                           operator  credited checks and receipts over [from, to) (unix seconds),
//                                           totals per currency, batches a page at a time (reports/merchant.ts)
//   POST /v1/admin/purses/:id/renewal-nonce issuer    → { purseId, nonce }: the counter's renewal, step 1 (the card
//                                           signs renewalMessage(purseId, nonce), RENEW CERTIFICATE P1 01)
//   POST /v1/admin/purses/:id/renew         issuer    { nonce, signature } → { purseId, certificate }: step 2, the
//                                           renewed certificate for the card's RENEW CERTIFICATE (src/bank/renewal.ts)
//   POST /v1/enrol                          no credential: the activation code
//        { activationCode, purseId, signingKey, kxKey, cardholderKey? }
//        → { purseId, cardholderId, certificate, cardholderCertificate?, bankId, bankCertificate, roots }
//   POST /v1/unblock                        no credential: the cardholder's signature
//        { purseId, counter, signature } → { purseId, counter, signature }: signature is the
//        cardholder's over unblockRequestMessage(purseId, counter), with its certified approval key
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toBase64 } from '../../bytes.ts';
import { base64Field, jsonObject } from '../../net/server/index.ts';
import type { OfflineLimits } from '../../protocol/certificate.ts';
import { badRequest } from '../errors.ts';
import type { BankService } from '../service.ts';
import type { Actor } from './actions.ts';
import {
  authenticate,
  type BackOfficeAction,
  type BackOfficeRead,
  type Credential,
  READ_RIGHTS,
  RIGHTS,
} from './credentials.ts';

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

/** What an action record keeps of the HTTP request: never a header (the token is one). */
const requestOf = (r: FastifyRequest) => ({ id: r.id, method: r.method, url: r.url, ip: r.ip });

const credentials = new WeakMap<FastifyRequest, Credential>();

function refuse(reply: FastifyReply, status: 401 | 403, code: 'unauthorized' | 'forbidden', message: string) {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="smartcheck back office"');
  return reply.code(status).send({ error: { kind: 'bank', code, message } });
}

/** The onRequest hook of a route performing `action`: a live credential whose roles give the right. */
function authorise(service: BankService, action: BackOfficeAction | BackOfficeRead) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const found = await authenticate(service.db, header === undefined ? undefined : (token ?? ''));
    if ('refused' in found) {
      request.log.warn(
        { backOffice: { action, refused: found.refused, credential: found.credentialId } },
        'back office: refused',
      );
      return refuse(reply, 401, 'unauthorized', 'a valid back-office credential is required (Authorization: Bearer …)');
    }
    const { credential } = found;
    const role = { ...RIGHTS, ...READ_RIGHTS }[action];
    if (!credential.roles.includes(role)) {
      request.log.warn(
        { backOffice: { action, refused: 'role', credential: credential.id, roles: credential.roles } },
        'back office: refused',
      );
      return refuse(
        reply,
        403,
        'forbidden',
        `${action} needs the ${role} role; credential ${credential.id} has ${credential.roles.join(', ')}`,
      );
    }
    credentials.set(request, credential);
  };
}

function actorOf(request: FastifyRequest): Actor {
  const c = credentials.get(request) as Credential;
  return { credentialId: c.id, name: c.name, request: requestOf(request) };
}

type IdRequest = FastifyRequest<{ Params: { id: string } }>;
type QueryRequest = FastifyRequest<{ Params: { id: string }; Querystring: Record<string, unknown> }>;

/** A number from the query string (the schema coerces it; a bad one is refused by the service). */
const queryNumber = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));

export function registerBackOffice(app: FastifyInstance, service: BankService): void {
  const route = <R extends FastifyRequest>(
    action: BackOfficeAction,
    path: string,
    handler: (request: R, by: Actor) => Promise<unknown>,
  ) => app.post(path, { onRequest: authorise(service, action) }, (request) => handler(request as R, actorOf(request)));

  route('cardholder', '/v1/admin/cardholders', async (request, by) => {
    const body = jsonObject(request, badRequest);
    const cardholderId = text(body, 'cardholderId');
    const signingKey = body.signingKey === undefined ? undefined : key(body, 'signingKey');
    const certificate = await service.registerCardholder(cardholderId, signingKey, by);
    return { cardholderId, ...(certificate ? { certificate: toBase64(certificate) } : {}) };
  });

  route('fund', '/v1/admin/cardholders/:id/fund', async (request: IdRequest, by) => {
    const body = jsonObject(request, badRequest);
    const reference = body.reference === undefined ? undefined : text(body, 'reference');
    const cardholderId = request.params.id;
    const balance = await service.fund(cardholderId, body.amount as number, text(body, 'currency'), reference, by);
    return { cardholderId, balance };
  });

  route('activation', '/v1/admin/cardholders/:id/activation-codes', async (request: IdRequest, by) => {
    const body = jsonObject(request, badRequest);
    const ttlS = body.ttlS === undefined ? undefined : (body.ttlS as number);
    const cardholderId = request.params.id;
    const r = await service.issueActivationCode(
      cardholderId,
      { limits: limitsOf(body.limits), ...(ttlS !== undefined ? { ttlS } : {}) },
      by,
    );
    return { cardholderId, code: r.code, expiresAt: r.expiresAt };
  });

  route('merchant', '/v1/admin/merchants', async (request, by) => {
    const body = jsonObject(request, badRequest);
    const merchantId = text(body, 'merchantId');
    const keys = { signingKey: key(body, 'signingKey'), kxKey: key(body, 'kxKey') };
    const certificate = await service.registerMerchant(merchantId, keys, by);
    return { merchantId, certificate: toBase64(certificate), ...(await service.info()) };
  });

  route('purse', '/v1/admin/purses', async (request, by) => {
    const body = jsonObject(request, badRequest);
    const purseId = text(body, 'purseId');
    const cardholderId = text(body, 'cardholderId');
    const certificate = await service.personalisePurse(
      purseId,
      { cardholderId, signingKey: key(body, 'signingKey'), kxKey: key(body, 'kxKey'), limits: limitsOf(body.limits) },
      by,
    );
    return { purseId, cardholderId, certificate: toBase64(certificate), ...(await service.info()) };
  });

  route('lost', '/v1/admin/purses/:id/lost', async (request: IdRequest, by) => {
    await service.reportLost(request.params.id, by);
    return { purseId: request.params.id, status: 'lost' };
  });

  // Renewing a purse's certificate is certifying a purse: the issuer's 'purse' right, recorded as one.
  route('purse', '/v1/admin/purses/:id/renewal-nonce', async (request: IdRequest) => {
    const nonce = await service.renewalNonce(request.params.id);
    return { purseId: request.params.id, nonce: toBase64(nonce) };
  });

  route('purse', '/v1/admin/purses/:id/renew', async (request: IdRequest, by) => {
    const body = jsonObject(request, badRequest);
    const nonce = base64Field(body.nonce, 'nonce', () => badRequest('nonce: base64 expected'));
    const signature = base64Field(body.signature, 'signature', () => badRequest('signature: base64 expected'));
    const certificate = await service.renewAtCounter({ purseId: request.params.id, nonce, signature }, by);
    return { purseId: request.params.id, certificate: toBase64(certificate) };
  });

  route('unblock', '/v1/admin/purses/:id/unblock', async (request: IdRequest, by) => {
    const counter = jsonObject(request, badRequest).counter as number;
    const signature = await service.unblock(request.params.id, counter, by);
    return { purseId: request.params.id, counter, signature: toBase64(signature) };
  });

  route('settle', '/v1/admin/lost-cards/settle', async (_request, by) => ({ settled: await service.settleLost(by) }));

  route('settle', '/v1/admin/settlement/close', async (_request, by) => ({ pairs: await service.closeSettlement(by) }));

  const report = (path: string, handler: (request: QueryRequest) => Promise<unknown>) =>
    app.get(path, { onRequest: authorise(service, 'report') }, (request) => handler(request as QueryRequest));

  report('/v1/admin/purses/:id/report', (request) =>
    service.purseReport(request.params.id, queryNumber(request.query.days)),
  );

  report('/v1/admin/merchants/:id/statement', (request) => {
    const q = request.query;
    const o = {
      from: queryNumber(q.from),
      to: queryNumber(q.to),
      limit: queryNumber(q.limit),
      offset: queryNumber(q.offset),
    };
    return service.merchantStatement(
      request.params.id,
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
    );
  });
}

/**
 * The cardholder-facing routes: the enrolment, authorised by the activation code in the body alone,
 * and the unblock, by the cardholder's signature with its certified approval key.
 */
export function registerCardholderRoutes(app: FastifyInstance, service: BankService): void {
  app.post('/v1/unblock', async (request) => {
    const body = jsonObject(request, badRequest);
    const purseId = text(body, 'purseId');
    const counter = body.counter as number;
    const signature = base64Field(body.signature, 'signature', () => badRequest('signature: base64 expected'));
    const r = await service.cardholderUnblock({ purseId, counter, signature }, requestOf(request));
    return { purseId, counter, signature: toBase64(r) };
  });

  app.post('/v1/enrol', async (request) => {
    const body = jsonObject(request, badRequest);
    const r = await service.enrol(
      {
        activationCode: text(body, 'activationCode'),
        purseId: text(body, 'purseId'),
        signingKey: key(body, 'signingKey'),
        kxKey: key(body, 'kxKey'),
        ...(body.cardholderKey === undefined ? {} : { cardholderKey: key(body, 'cardholderKey') }),
      },
      requestOf(request),
    );
    return {
      purseId: r.purseId,
      cardholderId: r.cardholderId,
      certificate: toBase64(r.certificate),
      ...(r.cardholderCertificate ? { cardholderCertificate: toBase64(r.cardholderCertificate) } : {}),
      ...(await service.info()),
    };
  });
}
