// The shop's operations surface: Prometheus metrics, the OpenAPI 3.1 document (validated, each
// documented status one the shop returns), the rate limit on orders and payments.
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopErrorStatus } from '../../src/shop/orders.ts';
import { createShopServer } from '../../src/shop/server.ts';
import { scrape, value } from '../support/prometheus.ts';
import { CURRENCY, type Holder, makeWorld, newHolder, PIN, type World } from '../wallet/support.ts';

let w: World;
let h: Holder;
let limited: FastifyInstance;

beforeAll(async () => {
  w = await makeWorld();
  h = await newHolder(w);
  await h.wallet.unlock(PIN);
  await h.wallet.load(10_000);
  limited = await createShopServer({ book: w.book, rateLimit: { max: 2, windowMs: 60_000 } });
});
afterAll(async () => {
  await limited?.close();
  await w?.close();
});

const order = (app: FastifyInstance, payload: unknown, remoteAddress = '127.0.0.1') =>
  app.inject({ method: 'POST', url: '/v1/orders', payload: payload as object, remoteAddress });

describe('shop operations', () => {
  it('metrics count orders, checks by outcome, open orders, in Prometheus text', async () => {
    await h.wallet.payInternet(w.shop, { item: 'tea', amount: 300, currency: CURRENCY });
    expect((await order(w.shopApp, { item: 'cake', amount: 500, currency: CURRENCY })).statusCode).toBe(200);
    const m = await scrape(w.shopApp);
    expect(value(m, 'smartcheck_shop_orders_total', { currency: CURRENCY })).toBe(2);
    expect(value(m, 'smartcheck_shop_checks_total', { outcome: 'accepted' })).toBe(1);
    expect(value(m, 'smartcheck_shop_open_orders')).toBe(1);
    expect(value(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('the OpenAPI document is valid 3.1 and documents only statuses the shop returns', async () => {
    const doc = (await w.shopApp.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const validator = new Validator();
    expect(await validator.validate(doc)).toEqual({ valid: true });
    expect(validator.version).toBe('3.1');
    // ShopError codes; the merchant's book (TerminalError: 409, 502 bank refused, 503 unreachable);
    // a refused check (422); fastify's own (400, 413, 415); the rate limit (429); the stop (503); 500.
    const returnable = new Set([200, ...Object.values(shopErrorStatus), 409, 502, 503, 422, 400, 413, 415, 429, 500]);
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods))
        for (const status of Object.keys(op.responses))
          expect(returnable.has(Number(status)), `${method} ${path} ${status}`).toBe(true);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/orders', '/v1/orders/{id}/pay', '/v1/orders/{id}', '/v1/shop', '/v1/deposit']),
    );
  });

  it('rate-limits orders and payments per client address: 429 with Retry-After', async () => {
    const tea = { item: 'tea', amount: 100, currency: CURRENCY };
    expect((await order(limited, tea, '192.0.2.5')).statusCode).toBe(200);
    expect((await order(limited, { ...tea, amount: 'x' }, '192.0.2.5')).statusCode).toBe(400);
    const over = await order(limited, tea, '192.0.2.5');
    expect(over.statusCode).toBe(429);
    expect(over.headers['retry-after']).toBeDefined();
    expect(over.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await order(limited, tea, '192.0.2.6')).statusCode).toBe(200);
    const pay = (remoteAddress: string) =>
      limited.inject({ method: 'POST', url: '/v1/orders/none/pay', payload: { check: 'AAAA' }, remoteAddress });
    expect((await pay('192.0.2.7')).statusCode).toBe(404);
    expect((await pay('192.0.2.7')).statusCode).toBe(404);
    expect((await pay('192.0.2.7')).statusCode).toBe(429);
  });
});
