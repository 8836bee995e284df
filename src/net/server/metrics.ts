// Prometheus metrics (prom-client) at GET /metrics, in the text format every scraper reads. Each
// server has its own registry (its counters live as long as the server); the process metrics
// (CPU, memory, event loop, GC) are collected once per process and answered by every server.
// Every answer is counted by method, route (the pattern, not the URL: ids do not make series)
// and status, with its duration.
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/** The process's own metrics, started on the first server of the process. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Seconds: from a fraction of a millisecond (a probe) to a 10,000-check batch on a busy host. */
export const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Serves /metrics for `app`; returns the registry the server adds its own metrics to. */
export function installMetrics(app: FastifyInstance): Registry {
  const registry = new Registry();
  const requests = new Histogram({
    name: 'smartcheck_http_request_duration_seconds',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    requests.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  const merged = () => Registry.merge([processMetrics(), registry]);
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const all = merged();
    return reply.type(all.contentType).send(await all.metrics());
  });
  return registry;
}
