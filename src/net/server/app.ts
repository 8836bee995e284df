// The fastify set-up the bank's and the shop's HTTP APIs share: CORS for the browser wallet's page,
// protocol messages as raw CBOR bodies (application/cbor or application/octet-stream, kept as a
// Buffer), JSON otherwise, and nothing else (text/plain is refused rather than guessed at); the
// JSON log (logging.ts), the API description (openapi.ts), rate limits (rate-limit.ts), the probes
// and the graceful stop (probes.ts), HTTPS when given a certificate.
import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import { CBOR_TYPE } from './bodies.ts';
import { type LogOptions, loggerOptions } from './logging.ts';
import { type ApiInfo, installOpenApi } from './openapi.ts';
import { installProbes } from './probes.ts';
import { installRateLimit } from './rate-limit.ts';

/** http(s)://localhost, 127.0.0.1 or [::1], any port: the default CORS origins. */
export const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/** A PEM certificate (chain) and its private key: the server answers HTTPS only. */
export interface TlsFiles {
  cert: string | Buffer;
  key: string | Buffer;
}

export interface AppOptions {
  /** Largest request body, bytes. */
  bodyLimit: number;
  /** JSON lines at this level (logging.ts); default no log. */
  log?: LogOptions;
  /** Origins allowed by CORS; default loopback origins (any port). */
  corsOrigins?: (string | RegExp)[];
  tls?: TlsFiles;
  /** The OpenAPI document's title, description and version. */
  api: ApiInfo;
  /** Readiness: resolves to the facts /ready reports, throws when the server cannot work. */
  ready: () => Promise<Record<string, unknown>>;
}

export async function createApp(o: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(o.log ? loggerOptions(o.log) : { logger: false }),
    bodyLimit: o.bodyLimit,
    // Our request ids, not the client's (logging.ts says why).
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // probes.ts answers requests that arrive while stopping, in the error envelope.
    return503OnClosing: false,
    // No coercion: "5" is not an amount, as the hand checks the schemas replace said.
    ajv: { customOptions: { coerceTypes: false } },
    ...(o.tls ? { https: { cert: o.tls.cert, key: o.tls.key } } : {}),
  }) as unknown as FastifyInstance;
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  await app.register(cors, { origin: o.corsOrigins ?? [LOOPBACK_ORIGIN], exposedHeaders: ['x-request-id'] });
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser([CBOR_TYPE, 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
  await installOpenApi(app, o.api);
  await installRateLimit(app);
  installProbes(app, o.ready);
  return app;
}
