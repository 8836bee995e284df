// Liveness, readiness and the graceful stop both servers share.
//
//   GET /live    200 while the process answers at all (restart it when this fails)
//   GET /ready   200 with the server's own facts when it can do its work, 503 when it cannot (the
//                database does not answer) or is stopping (take it out of the load balancer)
//   GET /health  the same as /ready, kept for the scripts and monitors that already call it
//
// Stopping: once `app.close()` is called (SIGTERM), requests already running finish and are
// answered; any new request, on a connection still open, is refused with 503 `stopping` and the
// connection is closed after each answer so that clients reconnect elsewhere.
import type { FastifyInstance } from 'fastify';

const STATUS = {
  type: 'object',
  properties: { status: { type: 'string' } },
  required: ['status'],
  additionalProperties: true,
} as const;

/** `ready` resolves to what the server reports when ready, and throws when it is not. */
export function installProbes(app: FastifyInstance, ready: () => Promise<Record<string, unknown>>): void {
  let stopping = false;
  app.addHook('preClose', async () => {
    stopping = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!stopping) return;
    reply.header('connection', 'close');
    return reply
      .code(503)
      .header('retry-after', '1')
      .send({ error: { kind: 'http', code: 'stopping', message: 'the server is stopping' } });
  });

  // A request that was running when the stop began: answered, then its connection closed.
  app.addHook('onSend', async (_request, reply) => {
    if (stopping) reply.header('connection', 'close');
  });

  app.get('/live', { schema: { summary: 'liveness', response: { 200: STATUS } } }, async () => ({ status: 'ok' }));

  const readiness = async (request: { log: FastifyInstance['log'] }, reply: { code(n: number): unknown }) => {
    try {
      return { status: 'ok', ...(await ready()) };
    } catch (error) {
      request.log.warn({ err: error }, 'not ready');
      reply.code(503);
      return { status: 'unavailable' };
    }
  };
  const schema = { response: { 200: STATUS, 503: STATUS } };
  app.get('/ready', { schema: { summary: 'readiness', ...schema } }, readiness);
  app.get('/health', { schema: { summary: 'readiness (the same as /ready)', ...schema } }, readiness);
}
