// The servers' log: pino's JSON lines through fastify, one request id on every line a request
// writes (fastify's child logger adds `reqId`), answered in `x-request-id` so a client can quote it.
// The id is ours (a random UUID), not the client's: nobody is trusted for what they send.
// Nothing secret reaches a line: any field whose name says credential (authorization, cookie,
// token, PIN, secret, key material, activation code, passphrase) is censored at any depth, bytes
// are logged as their length only, and the request line carries no headers, body or query values.
import type { FastifyRequest } from 'fastify';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogOptions {
  level: LogLevel;
  /** Where the JSON lines go; default stdout. */
  stream?: { write(line: string): void };
}

export const REDACTED = '[redacted]';

/** Field names that hold a credential or key material, whatever their case or prefix. */
const SENSITIVE =
  /authorization|cookie|token|secret|private|passphrase|password|activation|credential|api.?key|^kek|wrap|pin$|^puk/i;

/**
 * A copy of `value` with every sensitive field censored and every byte array reduced to its length.
 * Plain objects, arrays and errors are walked; other objects (fastify's request and reply) are left
 * to the serializers below, which pick their fields.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error)
    return { type: value.name, message: value.message, stack: value.stack, ...fields(value, depth) };
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null ? fields(value, depth) : value;
}

function fields(value: object, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SENSITIVE.test(k) ? REDACTED : redact(v, depth + 1);
  return out;
}

/** The path with every query value censored: tokens and codes have been put in URLs before. */
const pathOnly = (url: string): string => {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?${url.slice(q + 1).replace(/=[^&]*/g, `=${REDACTED}`)}`;
};

/** fastify's `logger` options for `createApp`. */
export function loggerOptions(o: LogOptions) {
  return {
    logger: {
      level: o.level,
      ...(o.stream ? { stream: o.stream } : {}),
      formatters: { log: (object: Record<string, unknown>) => redact(object) as Record<string, unknown> },
      serializers: {
        req: (request: FastifyRequest) => ({
          method: request.method,
          url: pathOnly(request.url),
          remoteAddress: request.ip,
        }),
      },
    },
  };
}
