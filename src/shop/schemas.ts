// The shop's route schemas: fastify validates JSON bodies with them and @fastify/swagger writes the
// OpenAPI document (/openapi.json) from them. Statuses: 500 and 503 (stopping, overloaded, the
// bank unreachable) everywhere; 400, 413 and 415 where a body is read; the ShopError and
// TerminalError statuses (orders.ts's shopErrorStatus, server.ts's shopErrors) where they arise.
import { BASE64, errorResponses, messageBody } from '../net/server/index.ts';

const ALWAYS = [500, 503];
const BODY = [400, 413, 415];
const STRING = { type: 'string' } as const;
const INTEGER = { type: 'integer' } as const;

const object = (properties: Record<string, object>, required: string[] = Object.keys(properties)) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: true,
});
const ID_PARAMS = object({ id: { type: 'string', minLength: 1 } });

const CONFIRMATION = object({
  orderId: STRING,
  status: STRING,
  checkId: STRING,
  purseId: STRING,
  serial: INTEGER,
  amount: INTEGER,
  currency: STRING,
});

export const shopSchemas = {
  order: {
    summary: 'an order with its slip signed by the merchant, to be paid with a check',
    body: object({
      item: { type: 'string', minLength: 1, maxLength: 200 },
      amount: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
      currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    }),
    response: {
      200: object({
        orderId: STRING,
        slip: BASE64,
        expiresAt: INTEGER,
        merchantId: STRING,
        item: STRING,
        amount: INTEGER,
        currency: STRING,
      }),
      ...errorResponses(...BODY, 429, ...ALWAYS),
    },
  },
  pay: {
    summary: 'pays an order with a check sealed to the merchant; confirmed once the check is durable',
    params: ID_PARAMS,
    body: messageBody('check', 'the sealed Internet check'),
    response: { 200: CONFIRMATION, ...errorResponses(...BODY, 404, 409, 410, 422, 429, ...ALWAYS) },
  },
  status: {
    summary: "an order's status",
    params: ID_PARAMS,
    response: {
      200: object(
        {
          orderId: STRING,
          status: STRING,
          item: STRING,
          amount: INTEGER,
          currency: STRING,
          expiresAt: INTEGER,
          checkId: STRING,
        },
        ['orderId', 'status', 'item', 'amount', 'currency', 'expiresAt'],
      ),
      ...errorResponses(404, ...ALWAYS),
    },
  },
  shop: {
    summary: "the merchant's id and certificate, the currencies accepted",
    response: {
      200: object({ merchantId: STRING, merchantCertificate: BASE64, currencies: { type: 'array', items: STRING } }, [
        'merchantId',
        'merchantCertificate',
      ]),
      ...errorResponses(...ALWAYS),
    },
  },
  deposit: {
    summary: 'deposits the pending checks at the bank (loopback clients only): the per-check report',
    response: {
      200: { type: 'object', additionalProperties: true },
      ...errorResponses(403, 409, 502, ...ALWAYS),
    },
  },
} as const;
