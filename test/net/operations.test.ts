import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BANK_STATUS, buildServer, type ServerOptions } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { stopGracefully } from '../../src/net/server/index.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { createInThreadVerifier, type VerifierPool } from '../../src/protocol/verifier/index.ts';
import { check, deposit, loadRequest, makeWorld, NOW, type World } from '../bank/support.ts';
import { histogramCount, scrape, value } from '../support/prometheus.ts';
import { selfSignedCertificate } from '../support/tls.ts';

let w: World;
const verifier = createInThreadVerifier();
const apps: FastifyInstance[] = [];

async function bankApp(o: ServerOptions = {}, pool: VerifierPool = verifier): Promise<FastifyInstance> {
  const service = new BankService(w.db, w.bank, pool, { clock: () => NOW, keys: w.keys });
  const app = await buildServer(service, o);
  apps.push(app);
  return app;
}
const cbor = (app: FastifyInstance, url: string, body: Uint8Array, remoteAddress = '127.0.0.1') =>
  app.inject({
    method: 'POST',
    url,
    remoteAddress,
    headers: { 'content-type': 'application/cbor' },
    payload: Buffer.from(body),
  });

beforeAll(async () => {
  w = await makeWorld('pglite', 2);
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await w?.db.close();
});

describe('bank metrics', () => {
  it('are Prometheus text: capture phases, checks by outcome and code, loads, the pool, the process', async () => {
    const app = await bankApp();
    expect((await cbor(app, '/v1/load', loadRequest(w, 0, 5_000))).statusCode).toBe(200);
    const good = check(w, 0, 100);
    const { envelope } = deposit(w, [good, good]); // the second is a duplicate: refused
    expect((await cbor(app, '/v1/deposit', envelope)).statusCode).toBe(200);
    expect((await cbor(app, '/v1/load', new Uint8Array([1, 2, 3]))).statusCode).toBe(422);

    const m = await scrape(app);
    expect(value(m, 'smartcheck_bank_loads_total', { replayed: 'false' })).toBe(1);
    expect(value(m, 'smartcheck_bank_loaded_minor_units_total')).toBe(5_000);
    expect(value(m, 'smartcheck_bank_checks_total', { outcome: 'credited', code: '0' })).toBe(1);
    expect(
      value(m, 'smartcheck_bank_checks_total', { outcome: 'refused', code: String(ErrorCode.DuplicateCheck) }),
    ).toBe(1);
    for (const phase of ['open', 'verify', 'database'])
      expect(histogramCount(m, 'smartcheck_bank_capture_phase_seconds', { phase })).toBe(1);
    expect(
      value(m, 'smartcheck_bank_requests_refused_total', { route: 'load', code: String(ErrorCode.MalformedCbor) }),
    ).toBe(1);
    expect(value(m, 'smartcheck_bank_captures_in_progress')).toBe(0);
    expect(value(m, 'smartcheck_bank_captures_max')).toBe(64);
    expect(value(m, 'smartcheck_verifier_pool_workers')).toBe(0);
    expect(value(m, 'smartcheck_verifier_pool_queue')).toBe(0);
    expect(value(m, 'smartcheck_verifier_pool_worker_restarts_total')).toBe(0);
    expect(
      histogramCount(m, 'smartcheck_http_request_duration_seconds', {
        method: 'POST',
        route: '/v1/load',
        status: '422',
      }),
    ).toBe(1);
    expect(value(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.families.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });
});

describe('bank OpenAPI document', () => {
  it('is valid OpenAPI 3.1, with CBOR bodies as application/cbor binary and JSON bodies from the validating schemas', async () => {
    const app = await bankApp();
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: object }> } }>>;
    };
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const load = doc.paths['/v1/load']?.post?.requestBody?.content ?? {};
    expect(load['application/cbor']?.schema).toMatchObject({ type: 'string', format: 'binary' });
    expect(load['application/json']?.schema).toMatchObject({ required: ['envelope'] });
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/load',
        '/v1/deposit',
        '/v1/revocation-list',
        '/v1/bank',
        '/v1/purses/{id}/certificate',
        '/v1/interbank/statements',
        '/ready',
        '/live',
      ]),
    );
    // 7, the lost-card settlement and the two reports, the counter's certificate renewal (renewal-nonce,
    // renew), and the interbank settlement's close
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/v1/admin/'))).toHaveLength(13);
  });

  it('documents only statuses the server returns', async () => {
    const app = await bankApp();
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    // What the error envelope can answer: BankError codes, a protocol outcome (422), the pool
    // (503), fastify's own (400 schema, 413 body too large, 415 media type), the rate limit (429),
    // the stop (503), the admin API's loopback refusal (403), an unexpected failure (500).
    const returnable = new Set([200, ...Object.values(BANK_STATUS), 422, 503, 400, 413, 415, 429, 403, 500]);
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods))
        for (const status of Object.keys(op.responses))
          expect(returnable.has(Number(status)), `${method} ${path} ${status}`).toBe(true);
  });

  it('each status documented for load and deposit is answered by a request', async () => {
    const limited = await bankApp({ rateLimit: { max: 1, windowMs: 60_000 }, bodyLimit: 1024 });
    const app = await bankApp();
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, { post: { responses: Record<string, unknown> } }>;
    };
    for (const url of ['/v1/load', '/v1/deposit']) {
      const json = (payload: object) => app.inject({ method: 'POST', url, payload });
      const answered = new Map<number, number>([
        [400, (await json({ envelope: '%%%%' })).statusCode],
        [413, (await cbor(limited, url, new Uint8Array(4096))).statusCode],
        [
          415,
          (await app.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain' }, payload: 'x' }))
            .statusCode,
        ],
        [422, (await cbor(app, url, new Uint8Array([0xa0]))).statusCode],
        [429, (await cbor(limited, url, new Uint8Array([0xa0]))).statusCode],
      ]);
      const ok = url === '/v1/load' ? loadRequest(w, 1, 100) : deposit(w, [check(w, 1, 10)]).envelope;
      answered.set(200, (await json({ envelope: Buffer.from(ok).toString('base64') })).statusCode);
      for (const [status, got] of answered) {
        expect(Object.keys(doc.paths[url]?.post.responses ?? {})).toContain(String(status));
        expect(got, `${url} ${status}`).toBe(status);
      }
    }
  });
});

describe('rate limits', () => {
  it('are per client address: 429 with Retry-After, whatever X-Forwarded-For says', async () => {
    const app = await bankApp({ rateLimit: { max: 2, windowMs: 60_000 } });
    const load = (remoteAddress: string, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/v1/load',
        remoteAddress,
        headers: { 'content-type': 'application/cbor', ...headers },
        payload: Buffer.from([0xa0]),
      });
    expect((await load('192.0.2.1')).statusCode).toBe(422);
    expect((await load('192.0.2.1', { 'x-forwarded-for': '198.51.100.9' })).statusCode).toBe(422);
    const over = await load('192.0.2.1', { 'x-forwarded-for': '198.51.100.10' });
    expect(over.statusCode).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(over.json()).toMatchObject({ error: { kind: 'http', code: 'rate_limited' } });
    expect((await load('192.0.2.2')).statusCode).toBe(422);
    // The limit is on the costly routes only.
    expect((await app.inject({ method: 'GET', url: '/v1/bank', remoteAddress: '192.0.2.1' })).statusCode).toBe(200);
  });
});

describe('readiness, liveness, graceful stop', () => {
  it('/ready and /health answer 503 when the database is down; /live still answers', async () => {
    const own = await makeWorld('pglite', 1);
    const service = new BankService(own.db, own.bank, verifier, { clock: () => NOW, keys: own.keys });
    const app = await buildServer(service);
    try {
      expect((await app.inject({ method: 'GET', url: '/ready' })).json()).toMatchObject({ status: 'ok' });
      await own.db.close();
      for (const url of ['/ready', '/health']) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(503);
        expect(res.json()).toEqual({ status: 'unavailable' });
      }
      expect((await app.inject({ method: 'GET', url: '/live' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('finishes the capture in flight and refuses new requests with 503 while stopping', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => {};
    const verifying = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const slow: VerifierPool = {
      ...verifier,
      async verifyChecks(checks, options) {
        entered();
        await gate;
        return verifier.verifyChecks(checks, options);
      },
    };
    const service = new BankService(w.db, w.bank, slow, { clock: () => NOW, keys: w.keys });
    const app = await buildServer(service);
    const inFlight = cbor(app, '/v1/deposit', deposit(w, [check(w, 1, 20)]).envelope);
    await verifying;
    const stopped = stopGracefully(app);
    const refused = await app.inject({ method: 'GET', url: '/v1/bank' });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ error: { code: 'stopping' } });
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect([ready.statusCode, ready.json()]).toEqual([503, { status: 'stopping' }]);
    expect((await app.inject({ method: 'GET', url: '/live' })).statusCode).toBe(200);
    release();
    const done = await inFlight;
    expect(done.statusCode).toBe(200);
    await stopped;
    expect(app.server.listening).toBe(false);
  });
});

describe('HTTPS', () => {
  it('serves over TLS with a self-signed certificate; a client trusting it gets through', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smartcheck-tls-'));
    try {
      const { cert, key } = selfSignedCertificate(dir);
      const app = await bankApp({ tls: { cert: readFileSync(cert), key: readFileSync(key) } });
      const address = await app.listen({ host: '127.0.0.1', port: 0 });
      expect(address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const get = (ca?: Buffer) =>
        new Promise<number>((resolve, reject) => {
          const req = request(`${address}/v1/bank`, ca ? { ca } : {}, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      expect(await get(readFileSync(cert))).toBe(200);
      await expect(get()).rejects.toThrow(/self[- ]signed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
