// Rate limits per client (@fastify/rate-limit) on the routes that cost the server work: the bank's
// load and deposit, the shop's orders and payments. Over the limit: 429 with `Retry-After` and the
// error envelope ({ kind: 'http', code: 'rate_limited' }).
//
// Who "the client" is: the requests that are signed (a purse's load, a merchant's deposit, a
// cardholder's check) carry the signer's identity INSIDE an envelope sealed to the server; it is
// known only after the envelope is opened and its signature checked, which is the work a limit
// must spare. Shop orders are not signed at all. So the key is the TCP peer address — the address
// this server sees, never X-Forwarded-For or any other header (fastify's trustProxy stays off):
// a header is whatever the sender wants it to be. Behind a reverse proxy every request has the
// proxy's address, so there the proxy limits per client and this limit is its backstop.
import rateLimit from '@fastify/rate-limit';
import type { FastifyContextConfig, FastifyInstance } from 'fastify';

export interface RateLimit {
  /** Requests per client per window on each limited route. */
  max: number;
  /** The window, milliseconds. */
  windowMs: number;
}

/** Registers the plugin; routes opt in with `config: limited(limit)`. */
export async function installRateLimit(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => request.socket.remoteAddress ?? 'unknown',
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`more than ${context.max} requests in ${context.after}: retry later`), {
        statusCode: 429,
        code: 'rate_limited',
      }),
  });
}

/** A route's `config`: limited when `limit` is set, unlimited otherwise. */
export const limited = (limit: RateLimit | undefined): FastifyContextConfig =>
  limit ? { rateLimit: { max: limit.max, timeWindow: limit.windowMs } } : {};
