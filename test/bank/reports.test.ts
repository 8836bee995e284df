// The reports: per purse, its serial gaps (counted exactly, listed as at most 100 ranges, a gap of
// a million serials as cheap as one) and the value signed but not deposited after N days (what
// the bank can know: a later serial deposited before then, bounded by the outstanding value and
// the certified per-check limit); per merchant, a statement over a period (totals per currency,
// refunds, each batch with its receipt hash, a page at a time). Through the service and over HTTP
// with credentials (401, 403, 400, 404). On PGlite and PostgreSQL.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredential } from '../../src/bank/back-office/credentials.ts';
import { captureBatch } from '../../src/bank/capture/index.ts';
import { personalisePurse } from '../../src/bank/issuing.ts';
import { loadValue } from '../../src/bank/load.ts';
import { bookRefund } from '../../src/bank/refunds.ts';
import { buildServer } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { purseShadow } from '../../src/bank/settlement.ts';
import { toHex } from '../../src/bytes.ts';
import { newPurseState } from '../../src/protocol/load.ts';
import { verifyCheck } from '../../src/protocol/pos.ts';
import { makeRefund, verifyDepositedRefund } from '../../src/protocol/refund.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import {
  applyToken,
  check,
  deposit,
  invariants,
  LIMITS,
  loadRequest,
  makeWorld,
  NOW,
  WITH_CITUS,
  type World,
} from './support.ts';

const verifier = createInThreadVerifier();
const DAY = 86_400;
/** Batches are booked at the database's time; reports are asked at the service's clock. */
const wallNow = () => Math.floor(Date.now() / 1000);

describe.each(WITH_CITUS)('reports on $driver', ({ driver, skip, reason }) => {
  let w: World;
  let service: BankService;
  let app: FastifyInstance;
  let clock = 0;
  const tokens = { operator: '', issuer: '' };

  beforeAll(async () => {
    if (skip) return;
    w = await makeWorld(driver, 4);
    clock = wallNow();
    service = new BankService(w.db, w.bank, verifier, { clock: () => clock, keys: w.keys });
    app = await buildServer(service);
    for (let p = 0; p < 4; p++)
      applyToken(w, p, (await loadValue(w.db, w.bank, loadRequest(w, p, 10_000), { now: NOW })).token);
    tokens.operator = (await createCredential(w.db, { name: 'counter', roles: ['operator'] })).token;
    tokens.issuer = (await createCredential(w.db, { name: 'issuing', roles: ['issuer'] })).token;
  });
  afterAll(async () => {
    if (skip) return;
    expect(await invariants(w.db)).toEqual([]);
    await app.close();
    await w.db.close();
  });

  const capture = async (checks: Uint8Array[], merchant = w.merchant) =>
    captureBatch(w.db, w.bank, deposit(w, checks, { merchant }).envelope, { now: NOW, verifier });
  const get = (url: string, token?: string) =>
    app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it.skipIf(skip)(
    `a purse: gaps as ranges, and those known older than N days with a bound on their value ${reason}`,
    async () => {
      const first = await capture([1, 2, 5].map((serial) => check(w, 0, 100 * serial, { serial })));
      await capture([check(w, 0, 900, { serial: 9 })]);
      clock = wallNow() + 60;
      // The first batch was booked ten days ago (the database's clock; the service's is now).
      await w.db.query(`update batches set created_at = now() - interval '10 days' where receipt = $1`, [
        Buffer.from(first.receipt),
      ]);
      const r = await service.purseReport('purse-0', 7);
      expect(r).toMatchObject({
        purseId: 'purse-0',
        cardholderId: 'alice',
        currency: 'EUR',
        status: 'active',
        revokedAt: null,
        settleAfter: null,
        loaded: 10_000,
        captured: 1_700,
        refunded: 0,
        outstanding: 8_300,
        gaps: {
          highestSerial: 9,
          deposited: 4,
          count: 5,
          ranges: [
            { from: 3, to: 4 },
            { from: 6, to: 8 },
          ],
        },
        // 3 and 4 were signed before serial 5, deposited ten days ago; 6–8 only before 9, deposited now.
        undeposited: { days: 7, before: clock - 7 * DAY, count: 2, belowSerial: 5, atMost: 8_300 },
        maxPerCheck: LIMITS.maxPerCheck,
      });
      expect((await service.purseReport('purse-0', 14)).undeposited).toMatchObject({
        count: 0,
        belowSerial: 0,
        atMost: 0,
      });
      expect((await service.purseReport('purse-0', 0)).undeposited).toMatchObject({ count: 5, belowSerial: 9 });
      // The bound is the certified per-check limit when that is less than the outstanding value.
      const small = await personalisePurse(w.db, w.bank, 'purse-small', {
        cardholderId: 'alice',
        limits: { ...LIMITS, maxPerCheck: 1_000 },
        now: NOW,
      });
      const p = w.purses.push(small) - 1;
      w.states.push(newPurseState('EUR'));
      w.serials.push(0);
      applyToken(w, p, (await loadValue(w.db, w.bank, loadRequest(w, p, 10_000), { now: NOW })).token);
      await capture([check(w, p, 100, { serial: 4 })]);
      expect((await service.purseReport('purse-small', 0)).undeposited).toMatchObject({ count: 3, atMost: 3_000 });
      expect(await purseShadow(w.db, 'purse-0')).toMatchObject({
        highestSerial: 9,
        gaps: [3, 4, 6, 7, 8],
        gapCount: 5,
      });
    },
  );

  it.skipIf(skip)(
    `a gap of a million serials costs one range; at most 100 ranges are listed, the count exact ${reason}`,
    async () => {
      await capture([check(w, 1, 10, { serial: 1_000_000 })]);
      const big = await service.purseReport('purse-1');
      expect(big.gaps).toEqual({
        highestSerial: 1_000_000,
        deposited: 1,
        count: 999_999,
        ranges: [{ from: 1, to: 999_999 }],
      });
      const shadow = await purseShadow(w.db, 'purse-1');
      expect(shadow?.gapCount).toBe(999_999);
      expect(shadow?.gaps).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));

      await capture(Array.from({ length: 150 }, (_, i) => check(w, 2, 1, { serial: 2 * (i + 1) })));
      const many = await service.purseReport('purse-2');
      expect(many.gaps.count).toBe(150);
      expect(many.gaps.ranges).toHaveLength(100);
      expect(many.gaps.ranges.at(-1)).toEqual({ from: 199, to: 199 });
    },
  );

  it.skipIf(skip)(
    `a merchant statement: totals per currency, refunds, batches with their receipt hash, pages ${reason}`,
    async () => {
      const a = check(w, 3, 1_000);
      const batches = [await capture([a, check(w, 3, 2_000)]), await capture([check(w, 3, 450)])];
      await capture([check(w, 3, 777)], w.other); // another merchant's
      const refund = makeRefund(w.merchant, verifyCheck(a, { anchors: w.bank.anchors, now: NOW }), NOW);
      await bookRefund(w.db, w.bank, verifyDepositedRefund(w.bank.id, refund, { anchors: w.bank.anchors, now: NOW }));
      const period = { from: clock - 3_600, to: clock + 3_600 };
      const s = await service.merchantStatement('shop-1', period);
      // shop-1 also holds the checks of the tests above (purses 0–2), booked in this period or ten days ago.
      const earlier = await w.db.query<{ n: number; sum: number }>(
        `select count(*)::int as n, coalesce(sum(c.amount), 0)::int as sum from checks c
        where c.purse_id <> 'purse-3'
          and c.batch_hash in (select batch_hash from batches b where b.merchant_id = 'shop-1' and b.created_at >= to_timestamp($1))`,
        [period.from],
      );
      const e = earlier[0] as { n: number; sum: number };
      expect(s.totals).toEqual([
        {
          currency: 'EUR',
          checks: e.n + 3,
          credited: e.sum + 3_450,
          refundedChecks: 1,
          refunded: 1_000,
          net: e.sum + 2_450,
        },
      ]);
      const hash = (receipt: Uint8Array) => toHex(createHash('sha256').update(receipt).digest());
      const items = s.batches.items.slice(-2);
      expect(items.map((i) => i.receiptHash)).toEqual(batches.map((b) => hash(b.receipt)));
      expect(items.map((i) => [i.checks, i.credited])).toEqual([
        [2, [{ currency: 'EUR', checks: 2, amount: 3_000 }]],
        [1, [{ currency: 'EUR', checks: 1, amount: 450 }]],
      ]);
      expect(s.batches).toMatchObject({ total: s.batches.items.length, offset: 0, limit: 100 });

      const page = await service.merchantStatement('shop-1', { ...period, limit: 1, offset: s.batches.total - 1 });
      expect(page.batches.items).toEqual([items[1]]);
      expect(page.totals).toEqual(s.totals);
      const before = await service.merchantStatement('shop-1', { from: clock - 40 * DAY, to: clock - 30 * DAY });
      expect(before).toMatchObject({ totals: [], batches: { total: 0, items: [] } });
      // Default period: the last 30 days up to the service's clock, its second included.
      expect(await service.merchantStatement('shop-1')).toMatchObject({ from: clock + 1 - 30 * DAY, to: clock + 1 });
    },
  );

  it.skipIf(skip)(
    `over HTTP: an operator's credential, 401 without, 403 for the issuer, 400 and 404 ${reason}`,
    async () => {
      const urls = ['/v1/admin/purses/purse-0/report?days=7', '/v1/admin/merchants/shop-1/statement'];
      for (const url of urls) {
        expect((await get(url)).statusCode, url).toBe(401);
        expect((await get(url, 'scb_0000000000000000_nonsense')).statusCode, url).toBe(401);
        const forbidden = await get(url, tokens.issuer);
        expect(forbidden.statusCode, url).toBe(403);
        expect(forbidden.json().error.message).toContain('report needs the operator role');
      }
      const purse = await get(urls[0] as string, tokens.operator);
      expect(purse.statusCode, purse.body).toBe(200);
      expect(purse.json()).toEqual(JSON.parse(JSON.stringify(await service.purseReport('purse-0', 7))));
      const range = `from=${clock - 3_600}&to=${clock + 3_600}&limit=1`;
      const statement = await get(`/v1/admin/merchants/shop-1/statement?${range}`, tokens.operator);
      expect(statement.statusCode, statement.body).toBe(200);
      expect(statement.json()).toEqual(
        await service.merchantStatement('shop-1', { from: clock - 3_600, to: clock + 3_600, limit: 1 }),
      );
      expect((await get('/v1/admin/purses/purse-0/report?days=-1', tokens.operator)).statusCode).toBe(400);
      expect((await get('/v1/admin/merchants/shop-1/statement?limit=0', tokens.operator)).statusCode).toBe(400);
      expect(
        (await get(`/v1/admin/merchants/shop-1/statement?from=${clock}&to=${clock - 1}`, tokens.operator)).statusCode,
      ).toBe(400);
      expect((await get('/v1/admin/purses/nobody/report', tokens.operator)).statusCode).toBe(404);
      expect((await get('/v1/admin/merchants/nobody/statement', tokens.operator)).statusCode).toBe(404);
      // Reading records no action.
      const [n] = await w.db.query<{ n: number }>(
        "select count(*)::int as n from back_office_actions where action not in ('cardholder', 'fund', 'merchant', 'purse')",
      );
      expect(n?.n).toBe(0);
      const doc = (await get('/openapi.json')).json() as { paths: Record<string, object> };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/v1/admin/lost-cards/settle',
          '/v1/admin/purses/{id}/report',
          '/v1/admin/merchants/{id}/statement',
        ]),
      );
    },
  );
});
