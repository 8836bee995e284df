// The fastify set-up the bank's and the shop's HTTP APIs share: CORS for the browser wallet's page,
// protocol messages as raw CBOR bodies (application/cbor or application/octet-stream, kept as a
// Buffer), JSON otherwise, and nothing else (text/plain is refused rather than guessed at).
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';

export const CBOR_TYPE = 'application/cbor';

/** http(s)://localhost, 127.0.0.1 or [::1], any port: the default CORS origins. */
export const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

export interface AppOptions {
  /** Largest request body, bytes. */
  bodyLimit: number;
  /** false (default), true, or fastify's logger options (level, a stream: what tests capture). */
  logger?: boolean | { level?: string; stream?: { write(line: string): void } };
  /** Origins allowed by CORS; default loopback origins (any port). */
  corsOrigins?: (string | RegExp)[];
}

export async function createApp(o: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: o.logger ?? false, bodyLimit: o.bodyLimit });
  await app.register(cors, { origin: o.corsOrigins ?? [LOOPBACK_ORIGIN] });
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser([CBOR_TYPE, 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
  return app;
}
