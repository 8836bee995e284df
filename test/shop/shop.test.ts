// The web shop (protocol 3) over loopback HTTP: single-use, expiring orders; a check is refused
// when tampered, sealed to another key, for another order, replayed, or late; bad requests get
// typed errors and change nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { x25519 } from '../../bindings/index.ts';
import { ShopClient } from '../../src/net/shop-client.ts';
import {
  type OrderRequest,
  type PurchaseOffer,
  type ShopLink,
  ShopRejectedError,
  ShopUnreachableError,
} from '../../src/net/shop-link.ts';
import { seal } from '../../src/protocol/envelope.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { MessageType } from '../../src/protocol/registry.ts';
import { createShopServer } from '../../src/shop/server.ts';
import { WalletError } from '../../src/wallet/errors.ts';
import { CURRENCY, type Holder, invariants, listen, makeWorld, newHolder, PIN, type World } from '../wallet/support.ts';

let w: World;
let h: Holder;
beforeAll(async () => {
  w = await makeWorld();
  h = await newHolder(w);
  await h.wallet.unlock(PIN);
  await h.wallet.load(50_000);
});
afterAll(async () => {
  expect(await invariants(w)).toEqual([]);
  await w?.close();
});

const order = (amount: number): OrderRequest => ({ item: 'tea', amount, currency: CURRENCY });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(w.shopUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const orderStatus = async (id: string) =>
  ((await (await fetch(`${w.shopUrl}/v1/orders/${id}`)).json()) as { status: string }).status;

/** A shop link that changes what the wallet sends (a man in the middle, a buggy wallet). */
function through(change: {
  purchase?: (o: OrderRequest) => Promise<PurchaseOffer>;
  pay?: (orderId: string, sealed: Uint8Array) => Promise<[string, Uint8Array]>;
}): ShopLink {
  return {
    purchase: change.purchase ?? ((o) => w.shop.purchase(o)),
    pay: async (orderId, sealed) => {
      const [id, bytes] = change.pay ? await change.pay(orderId, sealed) : [orderId, sealed];
      return w.shop.pay(id, bytes);
    },
  };
}

async function incomplete(p: Promise<unknown>): Promise<ShopRejectedError> {
  const error = await p.catch((e) => e);
  expect(error).toBeInstanceOf(WalletError);
  expect(error).toMatchObject({ code: 'payment_incomplete' });
  return (error as Error).cause as ShopRejectedError;
}

describe('web shop payments', () => {
  it('a tampered check is refused and the order stays open; the genuine one then pays it', async () => {
    const records = w.book.checks().length;
    const cause = await incomplete(
      h.wallet.payInternet(
        through({
          pay: async (id, s) => {
            const t = s.slice();
            t[t.length - 5]! ^= 1;
            return [id, t];
          },
        }),
        order(300),
      ),
    );
    expect(cause).toMatchObject({ status: 422, kind: 'protocol', code: ErrorCode.EnvelopeOpenFailed });
    const [pending] = h.wallet.pendingPayments();
    expect(await orderStatus(pending!.orderId)).toBe('open');
    expect(w.book.checks().length).toBe(records);
    const paid = await h.wallet.resumePayment(w.shop, pending!.orderId);
    expect(paid).toMatchObject({ orderId: pending!.orderId, status: 'paid', amount: 300, checkId: pending!.checkId });
    expect(w.book.checks().length).toBe(records + 1);
  });

  it('a check sealed to another key, or as another step, is refused', async () => {
    const other = x25519.keygen();
    const cause = await incomplete(
      h.wallet.payInternet(
        through({ pay: async (id, s) => [id, seal(MessageType.InternetCheck, other.publicKey, s)] }),
        order(10),
      ),
    );
    expect(cause).toMatchObject({ status: 422, code: ErrorCode.EnvelopeOpenFailed });
    const wrongStep = await incomplete(
      h.wallet.payInternet(
        through({ pay: async (id, s) => [id, seal(MessageType.ValueTokenRequest, w.merchant.kx!.publicKey, s)] }),
        order(10),
      ),
    );
    expect(wrongStep).toMatchObject({ status: 422, code: ErrorCode.WrongEnvelopeStep });
    for (const p of h.wallet.pendingPayments()) await h.wallet.resumePayment(w.shop, p.orderId);
    expect(h.wallet.pendingPayments()).toEqual([]);
  });

  it('a check for another order is refused; paying its own order works', async () => {
    const other = await w.shop.purchase(order(400));
    const cause = await incomplete(
      h.wallet.payInternet(through({ pay: async (_id, s) => [other.orderId, s] }), order(400)),
    );
    expect(cause).toMatchObject({ status: 422, kind: 'protocol' });
    expect(cause.code).toBe(ErrorCode.SlipMismatch);
    expect(await orderStatus(other.orderId)).toBe('open');
    const [pending] = h.wallet.pendingPayments();
    await h.wallet.resumePayment(w.shop, pending!.orderId);
    expect(await orderStatus(pending!.orderId)).toBe('paid');
  });

  it('a replayed payment: the same check again gets the same confirmation once recorded; elsewhere or as a second payment it is refused', async () => {
    let sealed: Uint8Array | undefined;
    let firstOffer: PurchaseOffer | undefined;
    const paid = await h.wallet.payInternet(
      through({
        purchase: async (o) => (firstOffer = await w.shop.purchase(o)),
        pay: async (id, s) => {
          sealed = s;
          return [id, s];
        },
      }),
      order(500),
    );
    const records = w.book.checks().length;
    expect(await w.shop.pay(paid.orderId, sealed!)).toEqual({
      orderId: paid.orderId,
      status: 'paid',
      checkId: paid.checkId,
      purseId: h.purseId,
      serial: paid.serial,
      amount: 500,
      currency: CURRENCY,
    });
    expect(w.book.checks().length).toBe(records);
    const fresh = await w.shop.purchase(order(500));
    await expect(w.shop.pay(fresh.orderId, sealed!)).rejects.toMatchObject({ status: 422, kind: 'protocol' });
    expect(await orderStatus(fresh.orderId)).toBe('open');
    // A second, genuine check for the paid order (a wallet paying the same slip twice): refused.
    const again = await incomplete(h.wallet.payInternet(through({ purchase: async () => firstOffer! }), order(500)));
    expect(again).toMatchObject({ status: 409, kind: 'shop', code: 'already_paid' });
    expect(w.book.checks().length).toBe(records);
  });

  it('two payments of one order at once: exactly one is recorded', async () => {
    const offer = await w.shop.purchase(order(600));
    const second = await newHolder(w);
    await second.wallet.unlock(PIN);
    await second.wallet.load(1_000);
    const sealedChecks: Uint8Array[] = [];
    const capture = through({
      purchase: async () => offer,
      pay: async (_id, s) => {
        sealedChecks.push(s);
        throw new Error('held back');
      },
    });
    await expect(h.wallet.payInternet(capture, order(600))).rejects.toMatchObject({ code: 'payment_incomplete' });
    await expect(second.wallet.payInternet(capture, order(600))).rejects.toMatchObject({ code: 'payment_incomplete' });
    const records = w.book.checks().length;
    const results = await Promise.allSettled(sealedChecks.map((s) => w.shop.pay(offer.orderId, s)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(ShopRejectedError);
    expect(['already_paid', 'payment_in_progress']).toContain((refused.reason as ShopRejectedError).code);
    expect(w.book.checks().length).toBe(records + 1);
  });

  it('an expired order: the wallet refuses before the card is charged; the shop refuses a late check', async () => {
    const before = await h.wallet.status();
    const late = through({
      purchase: async (o) => {
        const offer = await w.shop.purchase(o);
        w.clock.now += 901;
        return offer;
      },
    });
    await expect(h.wallet.payInternet(late, order(700))).rejects.toMatchObject({ code: 'offer_expired' });
    expect(await h.wallet.status()).toMatchObject({ balance: before.balance, serial: before.serial });
    const cause = await incomplete(
      h.wallet.payInternet(
        through({
          pay: async (id, s) => {
            w.clock.shopSkew = 901;
            return [id, s];
          },
        }),
        order(700),
      ),
    );
    w.clock.shopSkew = 0;
    expect(cause).toMatchObject({ status: 410, kind: 'shop', code: 'order_expired' });
    expect(await orderStatus(h.wallet.pendingPayments().at(-1)!.orderId)).toBe('expired');
  });

  it('deposits what it accepted: the bank credits the merchant', async () => {
    const owed = w.book.pendingAmount();
    expect(owed).toBeGreaterThan(0);
    const report = (await (await post('/v1/deposit', {})).json()) as { credited: number; refused: unknown[] };
    expect(report).toMatchObject({ credited: owed, refused: [] });
    expect(w.book.pending()).toEqual([]);
  });
});

describe('web shop HTTP', () => {
  it('answers bad requests with typed errors', async () => {
    const bad = async (res: Promise<Response>, status: number, code: string) => {
      const r = await res;
      expect(r.status).toBe(status);
      expect(await r.json()).toMatchObject({ error: { code } });
    };
    await bad(post('/v1/orders', {}), 400, 'bad_request');
    await bad(post('/v1/orders', { item: 'x', amount: 0, currency: CURRENCY }), 400, 'bad_request');
    await bad(post('/v1/orders', { item: 'x', amount: 1.5, currency: CURRENCY }), 400, 'bad_request');
    await bad(post('/v1/orders', { item: 'x', amount: 5, currency: 'eur' }), 400, 'bad_request');
    await bad(post('/v1/orders', { item: 'x'.repeat(201), amount: 5, currency: CURRENCY }), 400, 'bad_request');
    await bad(post('/v1/orders', '[1,2]'), 400, 'bad_request');
    await bad(post('/v1/orders', 'hi', { 'content-type': 'text/plain' }), 415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE');
    await bad(post('/v1/orders/nope/pay', { check: 'AAAA' }), 404, 'unknown_order');
    const offer = await w.shop.purchase(order(5));
    await bad(post(`/v1/orders/${offer.orderId}/pay`, {}), 400, 'bad_request');
    await bad(post(`/v1/orders/${offer.orderId}/pay`, { check: '%%%' }), 400, 'bad_request');
    await bad(
      fetch(`${w.shopUrl}/v1/orders/${offer.orderId}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/cbor' },
        body: new Uint8Array(0),
      }),
      400,
      'bad_request',
    );
    const garbage = await fetch(`${w.shopUrl}/v1/orders/${offer.orderId}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/cbor' },
      body: new Uint8Array([0xa0]),
    });
    expect(garbage.status).toBe(422);
    expect(await orderStatus(offer.orderId)).toBe('open');
    await bad(fetch(`${w.shopUrl}/v1/orders/nope`), 404, 'unknown_order');
    const remote = await w.shopApp.inject({ method: 'POST', url: '/v1/deposit', remoteAddress: '192.0.2.7' });
    expect(remote.statusCode).toBe(403);
    expect(await (await fetch(`${w.shopUrl}/v1/shop`)).json()).toMatchObject({ merchantId: w.merchant.id });
  });

  it('ShopClient: unreachable and refused are typed', async () => {
    await expect(new ShopClient('http://127.0.0.1:1', { timeoutMs: 2_000 }).purchase(order(1))).rejects.toBeInstanceOf(
      ShopUnreachableError,
    );
    const refused = await w.shop.purchase({ item: 'x', amount: -1, currency: CURRENCY }).catch((e) => e);
    expect(refused).toBeInstanceOf(ShopRejectedError);
    expect(refused).toMatchObject({ status: 400, kind: 'shop', code: 'bad_request' });
    expect(() => new ShopClient('ftp://example')).toThrow(TypeError);
  });

  it('a catalogue fixes prices; CORS allows loopback origins only; a static directory is served', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shop-static-'));
    writeFileSync(join(dir, 'index.html'), '<h1>wallet</h1>');
    const app = await createShopServer({
      book: w.book,
      catalogue: { tea: { amount: 250, currency: CURRENCY } },
      staticDir: dir,
    });
    try {
      const url = await listen(app);
      const shop = new ShopClient(url);
      await expect(shop.purchase({ item: 'tea', amount: 1, currency: CURRENCY })).rejects.toMatchObject({
        code: 'price_mismatch',
      });
      await expect(shop.purchase({ item: 'coffee', amount: 250, currency: CURRENCY })).rejects.toMatchObject({
        code: 'bad_request',
      });
      await expect(shop.purchase({ item: 'toString', amount: 250, currency: CURRENCY })).rejects.toMatchObject({
        code: 'bad_request',
      });
      expect((await shop.purchase({ item: 'tea', amount: 250, currency: CURRENCY })).orderId).toMatch(/^[0-9a-f]{32}$/);
      const page = await fetch(`${url}/index.html`);
      expect(await page.text()).toBe('<h1>wallet</h1>');
      const ok = await fetch(`${url}/health`, { headers: { origin: 'http://localhost:5173' } });
      expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      const foreign = await fetch(`${url}/health`, { headers: { origin: 'https://evil.example' } });
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
