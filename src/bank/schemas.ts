// The bank's route schemas: fastify validates JSON bodies with them and @fastify/swagger writes the
// OpenAPI document (/openapi.json) from them. Each route documents the statuses it can answer:
// 500 and 503 (stopping, overloaded, the pool) everywhere; 400, 413 and 415 where a body is read;
// 422 where a protocol message is judged; 429 where a rate limit applies; the back office's
// refusals (BankError codes, server.ts's BANK_STATUS) on its routes.
import { BASE64, errorResponses, jsonOrCbor, messageBody } from '../net/server/index.ts';
import { GAP_RANGES_LISTED } from './reports/gaps.ts';
import { BATCHES_PER_PAGE, BATCHES_PER_PAGE_MAX, STATEMENT_DAYS } from './reports/merchant.ts';
import { UNDEPOSITED_DAYS, UNDEPOSITED_DAYS_MAX } from './reports/purse.ts';

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
        object(
          {
            token: BASE64,
            purseId: { type: 'string' },
            amount: { type: 'integer' },
            replayed: { type: 'boolean' },
            certificate: BASE64,
          },
          ['token', 'purseId', 'amount', 'replayed'],
        ),
      ),
      ...errorResponses(...BODY, 422, 429, ...ALWAYS),
    },
  },
  statementOffer: {
    summary: "interbank: a peer bank's settlement offer → this bank's signed settlement statement",
    description:
      "The offer (src/protocol/settlement.ts) is the peer's signed statement of one cycle and the presentment references it hashes. The peer is authenticated by its scheme bank certificate and signature, never by its address. This bank closes the same cycle over those references on its own books, checks that its statement mirrors the offered one (same references and cutoff, owed and due swapped, net negated), books the net and answers with its statement; the same offer again gets the same statement. Refused (422, codes 345–349 or the signature's) it changes nothing.",
    tags: ['interbank'],
    body: messageBody('offer', 'the settlement offer: [signed statement, references]'),
    response: {
      200: jsonOrCbor(object({ statement: BASE64 })),
      ...errorResponses(...BODY, 422, ...ALWAYS),
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
  refund: {
    summary: "a merchant's sealed, signed refund → the check reversed (it was credited) or recorded (it never will be)",
    tags: ['merchant'],
    body: messageBody('envelope', 'the sealed merchant-signed refund'),
    response: {
      200: object({
        checkHash: BASE64,
        outcome: { type: 'string', enum: ['reversed', 'recorded'] },
        amount: { type: 'integer' },
        replayed: { type: 'boolean' },
      }),
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
  presentment: {
    summary: "interbank: an acquirer's sealed, signed presentment of foreign checks → the issuer's signed answer",
    description:
      "The acquirer bank of the scheme presents its merchants' checks drawn on this bank's purses (src/bank/interbank/README.md). Judged by the signer's bank certificate (role Acquirer), not by the connection. The same presentment again gets the same stored answer.",
    tags: ['interbank'],
    body: messageBody('envelope', 'the sealed presentment'),
    response: {
      200: jsonOrCbor(object({ answer: BASE64, replayed: { type: 'boolean' } })),
      ...errorResponses(...BODY, 422, ...ALWAYS),
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
  purseCertificate: {
    summary: "a purse's current certificate (renewed ones included): the wallet installs a renewal after a load",
    tags: ['public'],
    params: ID_PARAMS,
    response: {
      200: object({ purseId: { type: 'string' }, certificate: BASE64 }),
      ...errorResponses(422, ...ALWAYS),
    },
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

const INTEGER = { type: 'integer' } as const;
const STRING = { type: 'string' } as const;
/** A whole number in a query string (not coerced: the service checks its range). */
const digits = (description: string) => ({ type: 'string', pattern: '^[0-9]{1,15}$', description }) as const;
const HEX = { type: 'string', pattern: '^[0-9a-f]*$' } as const;

/** A lost card settled (settlement.ts: Settled). */
const SETTLED = object({ purseId: STRING, cardholderId: STRING, currency: CURRENCY, refunded: INTEGER });

/** reports/purse.ts: PurseReport. */
const PURSE_REPORT = object({
  purseId: STRING,
  cardholderId: STRING,
  currency: CURRENCY,
  status: STRING,
  revokedAt: { type: ['integer', 'null'] },
  settleAfter: { type: ['integer', 'null'] },
  loaded: INTEGER,
  captured: INTEGER,
  refunded: INTEGER,
  outstanding: INTEGER,
  gaps: object({
    highestSerial: INTEGER,
    deposited: INTEGER,
    count: INTEGER,
    ranges: { type: 'array', maxItems: GAP_RANGES_LISTED, items: object({ from: INTEGER, to: INTEGER }) },
  }),
  undeposited: object({ days: INTEGER, before: INTEGER, count: INTEGER, belowSerial: INTEGER, atMost: INTEGER }),
  maxPerCheck: INTEGER,
});

/** reports/merchant.ts: MerchantStatement. */
const MERCHANT_STATEMENT = object({
  merchantId: STRING,
  from: INTEGER,
  to: INTEGER,
  totals: {
    type: 'array',
    items: object({
      currency: CURRENCY,
      checks: INTEGER,
      credited: INTEGER,
      refundedChecks: INTEGER,
      refunded: INTEGER,
      net: INTEGER,
    }),
  },
  batches: object({
    total: INTEGER,
    offset: INTEGER,
    limit: INTEGER,
    items: {
      type: 'array',
      items: object({
        batchId: HEX,
        batchHash: HEX,
        receiptHash: HEX,
        at: INTEGER,
        checks: INTEGER,
        credited: { type: 'array', items: object({ currency: CURRENCY, checks: INTEGER, amount: INTEGER }) },
      }),
    },
  }),
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
  '/v1/admin/purses/:id/renewal-nonce': {
    summary: "the counter's certificate renewal, step 1: a nonce for the card to sign (good once, 5 minutes)",
    tags: ['back office'],
    params: ID_PARAMS,
    response: {
      200: object({ purseId: { type: 'string' }, nonce: BASE64 }),
      ...errorResponses(401, 403, 422, ...ALWAYS),
    },
  },
  '/v1/admin/purses/:id/renew': {
    summary: "the counter's certificate renewal, step 2: the card's signature over the nonce → the renewed certificate",
    tags: ['back office'],
    params: ID_PARAMS,
    body: object({ nonce: BASE64, signature: BASE64 }),
    response: {
      200: object({ purseId: { type: 'string' }, certificate: BASE64 }),
      ...errorResponses(400, 401, 403, 413, 415, 422, ...ALWAYS),
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
  '/v1/admin/lost-cards/settle': {
    summary: 'settle now the lost cards whose settlement window has passed (the server also does on its schedule)',
    description:
      "Each lost card's remaining value (loaded − captured − refunded) goes back to its cardholder's account, recorded as a `settle` action of the credential. Idempotent: a card is settled once, whoever runs first.",
    tags: ['back office'],
    response: {
      200: object({ settled: { type: 'array', items: SETTLED } }),
      ...errorResponses(401, 403, ...ALWAYS),
    },
  },
  '/v1/admin/settlement/close': {
    summary: 'close the interbank settlement cycle with every peer bank now',
    description:
      "For each peer: the next cycle over the unsettled presentments (or the one proposed and not yet agreed, offered again unchanged), sent to the peer's POST /v1/interbank/statements; its answer checked against this bank's statement and the nets booked. One pair failing does not stop the others. Recorded as a `settle` action of the credential.",
    tags: ['back office', 'interbank'],
    response: {
      200: object({
        pairs: {
          type: 'array',
          items: object(
            {
              bankId: { type: 'string' },
              cycle: { type: 'integer' },
              nothing: { type: 'boolean' },
              error: { type: 'string' },
            },
            ['bankId'],
          ),
        },
      }),
      ...errorResponses(401, 403, ...ALWAYS),
    },
  },
  '/v1/admin/purses/:id/report': {
    summary: "a purse's shadow account, serial gaps, and value signed but not deposited after `days`",
    description:
      "The bank never sees the card's log: missing serials are known from the checks deposited, those older than `days` from a later serial deposited before then, and their value is bounded by the outstanding value and the certified per-check limit. Read-only.",
    tags: ['back office', 'reports'],
    params: ID_PARAMS,
    querystring: object({ days: digits(`0 to ${UNDEPOSITED_DAYS_MAX}, default ${UNDEPOSITED_DAYS}`) }, []),
    response: { 200: PURSE_REPORT, ...errorResponses(400, 401, 403, 404, ...ALWAYS) },
  },
  '/v1/admin/merchants/:id/statement': {
    summary: "a merchant's statement: credited checks and receipts over [from, to), totals per currency",
    description:
      'Period of capture time in unix seconds (default: the last 30 days); batches a page at a time, each with the SHA-256 of its signed receipt. Read-only.',
    tags: ['back office', 'reports'],
    params: ID_PARAMS,
    querystring: object(
      {
        from: digits(`unix seconds, included; default: ${STATEMENT_DAYS} days before to`),
        to: digits("unix seconds, excluded; default: the bank's clock + 1 (all booked so far)"),
        limit: digits(`batches listed, 1 to ${BATCHES_PER_PAGE_MAX}, default ${BATCHES_PER_PAGE}`),
        offset: digits('batches skipped, default 0'),
      },
      [],
    ),
    response: { 200: MERCHANT_STATEMENT, ...errorResponses(400, 401, 403, 404, ...ALWAYS) },
  },
} as const;
