// The bank's route schemas: fastify validates JSON bodies with them and @fastify/swagger writes the
// OpenAPI document (/openapi.json) from them. Each route documents the statuses it can answer:
// 500 and 503 (stopping, overloaded, the pool) everywhere; 400, 413 and 415 where a body is read;
// 422 where a protocol message is judged; 429 where a rate limit applies; the back office's
// refusals (BankError codes, server.ts's BANK_STATUS) on its routes.
import { BASE64, errorResponses, jsonOrCbor, messageBody } from '../net/server/index.ts';

const ID = { type: 'string', minLength: 1 } as const;
const INTEGER_1 = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;
/** A 32-byte public key in standard base64. */
const KEY = { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$', description: '32 bytes, base64' } as const;
const CURRENCY = { type: 'string', pattern: '^[A-Z]{3}$' } as const;
const ALWAYS = [500, 503];
const BODY = [400, 413, 415];

const object = (properties: Record<string, object>, required: string[] = Object.keys(properties)) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: true,
});

const ROOTS = { type: 'array', items: object({ id: { type: 'string' }, publicKey: { type: 'string' } }) };
const BANK_INFO = { bankId: { type: 'string' }, bankCertificate: { type: 'string' }, roots: ROOTS };
const ID_PARAMS = object({ id: ID });

export const bankSchemas = {
  load: {
    summary: 'a value-token request sealed to the bank → the sealed value token',
    tags: ['cardholder'],
    body: messageBody('envelope', 'the sealed value-token request'),
    response: {
      200: jsonOrCbor(
        object({
          token: BASE64,
          purseId: { type: 'string' },
          amount: { type: 'integer' },
          replayed: { type: 'boolean' },
        }),
      ),
      ...errorResponses(...BODY, 422, 429, ...ALWAYS),
    },
  },
  deposit: {
    summary: "a merchant's sealed deposit batch → the signed capture receipt",
    tags: ['merchant'],
    body: messageBody('envelope', 'the sealed deposit batch'),
    response: {
      200: jsonOrCbor(
        object({
          receipt: BASE64,
          credited: { type: 'integer' },
          replayed: { type: 'boolean' },
          outcomes: { type: 'array', items: object({ code: { type: 'integer' }, credited: { type: 'integer' } }) },
        }),
      ),
      ...errorResponses(...BODY, 422, 429, ...ALWAYS),
    },
  },
  revocations: {
    summary:
      "in a scheme: this bank's signed revocation list and the latest of every other issuer it relays, each as its issuer signed it (one issuer's with ?issuer=)",
    tags: ['public'],
    querystring: { type: 'object', properties: { issuer: ID }, additionalProperties: false },
    response: {
      200: object({ lists: { type: 'array', items: object({ bankId: { type: 'string' }, list: BASE64 }) } }),
      ...errorResponses(400, 404, ...ALWAYS),
    },
  },
  revocationList: {
    summary: 'the signed revocation list: CBOR, or JSON with Accept: application/json',
    tags: ['public'],
    response: {
      200: jsonOrCbor(
        object({
          list: BASE64,
          listNumber: { type: 'integer' },
          issuedAt: { type: 'integer' },
          nextUpdate: { type: 'integer' },
          revoked: { type: 'array', items: {} },
        }),
      ),
      ...errorResponses(...ALWAYS),
    },
  },
  info: {
    summary: "the bank's id, certificate and trusted roots",
    tags: ['public'],
    response: { 200: object(BANK_INFO), ...errorResponses(...ALWAYS) },
  },
} as const;

/** A purse's certified offline limits. */
const LIMITS = object({
  currency: CURRENCY,
  maxBalance: INTEGER_1,
  maxPerCheck: INTEGER_1,
  maxOfflineChecks: INTEGER_1,
  maxOfflineAmount: INTEGER_1,
});

/** The back office's schemas by route (server.ts adds them to its routes as they are registered). */
export const adminSchemas = {
  '/v1/admin/cardholders': {
    summary: "a cardholder's account; with signingKey, its certificate for Internet approvals",
    tags: ['back office'],
    body: object({ cardholderId: ID, signingKey: KEY }, ['cardholderId']),
    response: {
      200: object({ cardholderId: { type: 'string' }, certificate: BASE64 }, ['cardholderId']),
      ...errorResponses(400, 401, 403, 409, 413, 415, ...ALWAYS),
    },
  },
  '/v1/admin/cardholders/:id/fund': {
    summary: "money paid in to a cardholder's account (the same reference twice is one payment)",
    tags: ['back office'],
    params: ID_PARAMS,
    body: object({ amount: INTEGER_1, currency: CURRENCY, reference: ID }, ['amount', 'currency']),
    response: {
      200: object({ cardholderId: { type: 'string' }, balance: { type: 'integer' } }),
      ...errorResponses(400, 401, 403, 404, 413, 415, ...ALWAYS),
    },
  },
  '/v1/admin/cardholders/:id/activation-codes': {
    summary: "a one-time activation code for the cardholder's own enrolment (POST /v1/enrol), with the purse's limits",
    tags: ['back office'],
    params: ID_PARAMS,
    body: object({ limits: LIMITS, ttlS: INTEGER_1 }, ['limits']),
    response: {
      200: object({ cardholderId: { type: 'string' }, code: { type: 'string' }, expiresAt: { type: 'integer' } }),
      ...errorResponses(400, 401, 403, 404, 413, 415, ...ALWAYS),
    },
  },
  '/v1/admin/merchants': {
    summary: 'a merchant certified from its own public keys',
    tags: ['back office'],
    body: object({ merchantId: ID, signingKey: KEY, kxKey: KEY }),
    response: {
      200: object({ merchantId: { type: 'string' }, certificate: BASE64, ...BANK_INFO }),
      ...errorResponses(400, 401, 403, 409, 413, 415, ...ALWAYS),
    },
  },
  '/v1/admin/purses': {
    summary: "a purse personalised for a cardholder from the card's own public keys",
    tags: ['back office'],
    body: object({
      purseId: ID,
      cardholderId: ID,
      signingKey: KEY,
      kxKey: KEY,
      limits: LIMITS,
    }),
    response: {
      200: object({
        purseId: { type: 'string' },
        cardholderId: { type: 'string' },
        certificate: BASE64,
        ...BANK_INFO,
      }),
      ...errorResponses(400, 401, 403, 404, 409, 413, 415, ...ALWAYS),
    },
  },
  '/v1/admin/purses/:id/lost': {
    summary: 'a lost or stolen card: revoked now, its value settled after the window',
    tags: ['back office'],
    params: ID_PARAMS,
    response: {
      200: object({ purseId: { type: 'string' }, status: { type: 'string' } }),
      ...errorResponses(401, 403, 404, ...ALWAYS),
    },
  },
  '/v1/admin/purses/:id/unblock': {
    summary: "the bank's signature that unblocks an active purse's PIN",
    tags: ['back office'],
    params: ID_PARAMS,
    body: object({ counter: { type: 'integer' } }),
    response: {
      200: object({ purseId: { type: 'string' }, counter: { type: 'integer' }, signature: BASE64 }),
      ...errorResponses(400, 401, 403, 404, 409, 413, 415, ...ALWAYS),
    },
  },
} as const;
