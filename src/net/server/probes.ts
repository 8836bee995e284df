// Liveness, readiness and the graceful stop both servers share.
//
//   GET /live    200 while the process answers at all (restart it when this fails)
//   GET /ready   200 with the server's own facts when it can do its work, 503 when it cannot (the
//                database does not answer) or is stopping (take it out of the load balancer)
//   GET /health  the same as /ready, kept for the scripts and monitors that already call it
//
// Stopping (`stopGracefully`, on SIGTERM): the server keeps listening while the requests already
// running — the captures in flight — finish and are answered; every new request is refused with
// 503 `stopping` and its connection closed, so clients and load balancers go elsewhere at once
// instead of timing out. Then the server closes.
import type { FastifyInstance } from 'fastify';

const STATUS = {
  type: 'object',
  properties: { status: { type: 'string' } },
  required: ['status'],
  additionalProperties: true,
} as const;

interface Lifecycle {
  stopping: boolean;
  /** Requests received and not yet answered (or abandoned by their client). */
  running: Set<string>;
}

const lifecycles = new WeakMap<FastifyInstance, Lifecycle>();

/** `ready` resolves to what the server reports when ready, and throws when it is not. */
export function installProbes(app: FastifyInstance, ready: () => Promise<Record<string, unknown>>): void {
  const life: Lifecycle = { stopping: false, running: new Set() };
  lifecycles.set(app, life);
  app.addHook('preClose', async () => {
    life.stopping = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!life.stopping) {
      life.running.add(request.id);
      return;
    }
    // Alive while stopping; not ready, in the probes' own form.
    if (request.url === '/live') return;
    reply.header('connection', 'close').code(503);
    if (request.url === '/ready' || request.url === '/health') return reply.send({ status: 'stopping' });
    return reply
      .header('retry-after', '1')
      .send({ error: { kind: 'http', code: 'stopping', message: 'the server is stopping' } });
  });
  const done = async (request: { id: string }) => {
    life.running.delete(request.id);
  };
  app.addHook('onResponse', done);
  app.addHook('onRequestAbort', done);
  // A request that was running when the stop began: answered, then its connection closed.
  app.addHook('onSend', async (_request, reply) => {
    if (life.stopping) reply.header('connection', 'close');
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

/**
 * Refuses new requests (503), waits for the running ones to be answered — at most `graceMs`, then
 * closes regardless (a client that never reads its answer does not hold the stop forever) — and
 * closes the server.
 */
export async function stopGracefully(app: FastifyInstance, graceMs = 30_000): Promise<void> {
  const life = lifecycles.get(app);
  if (life) {
    life.stopping = true;
    const until = Date.now() + graceMs;
    while (life.running.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await app.close();
}
