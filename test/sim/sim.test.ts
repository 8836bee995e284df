// The whole-system simulator (README.md beside this file): seeded runs with faults, checkers after
// every operation and every run, and the determinism assertion (one seed, one trace hash).
//   SIM_SEED=<seed>            replay one seed (twice, asserting the same trace hash)
//   SIM_SEEDS=<n> SIM_OPS=<n>  size a run; SMARTCHECK_SLOW=1: at least 1,000,000 operations in all
import { describe, expect, it } from 'vitest';
import { accountId, post } from '../../src/bank/ledger.ts';
import type { Terminal } from '../../src/merchant/index.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { makeSlip } from '../../src/protocol/pos.ts';
import type { SimBank } from './bank.ts';
import { LIMITS, type SimCard } from './cards.ts';
import { fullCheck, type Ground } from './checkers.ts';
import { factsOfReissued } from './facts.ts';
import { FAULT_KINDS, type FaultRates } from './faults.ts';
import { formatSummary, OPERATION_DEFINITION, type RunResult, runSimulation } from './simulator.ts';
import { bankOf, buildWorld, DEFAULT_SIZE, type Merchant } from './world.ts';

const slow = process.env.SMARTCHECK_SLOW === '1';
const replay = process.env.SIM_SEED !== undefined ? Number(process.env.SIM_SEED) : undefined;
const OPS = Number(process.env.SIM_OPS ?? (slow ? 10_000 : 150));
const SEEDS = Number(process.env.SIM_SEEDS ?? (slow ? Math.ceil(1_000_000 / OPS) : 3));
const FIRST_SEED = Number(process.env.SIM_FIRST_SEED ?? 1);

describe('simulator', () => {
  it('replays a seed exactly: the same seed twice gives the same trace hash', { timeout: 600_000 }, async () => {
    const seed = replay ?? 7;
    const ops = replay !== undefined ? OPS : Math.min(OPS, 40);
    const a = await runSimulation(seed, ops);
    const b = await runSimulation(seed, ops);
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.faults).toEqual(a.faults);
    const c = await runSimulation(seed + 1, ops);
    expect(c.traceHash).not.toBe(a.traceHash); // the hash does depend on the seed
  });

  it.skipIf(replay !== undefined)(
    `runs ${SEEDS} seeds × ${OPS} operations with faults; every checker holds`,
    { timeout: slow ? 24 * 3_600_000 : 120_000 },
    async () => {
      const results: RunResult[] = [];
      for (let i = 0; i < SEEDS; i++) {
        const r = await runSimulation(FIRST_SEED + i, OPS);
        results.push(r);
        if (slow)
          console.log(`seed ${r.seed}: ${r.ops} ops in ${Math.round(r.ms)} ms, trace ${r.traceHash.slice(0, 16)}`);
      }
      console.log(`${OPERATION_DEFINITION}\n${formatSummary(results)}`);
      const total = results.reduce((s, r) => s + r.ops, 0);
      expect(total).toBe(SEEDS * OPS);
      const faults = results.reduce((s, r) => s + Object.values(r.faults).reduce((a, b) => a + b, 0), 0);
      expect(faults).toBeGreaterThan(0);
      expect(results.reduce((s, r) => s + r.checksCaptured, 0)).toBeGreaterThan(0);
    },
  );
});

describe('the checkers', () => {
  // A checker that cannot fail proves nothing: each of these breaks one invariant behind the
  // simulator's back and expects the full check to name it. No fault strikes in these worlds.
  const NO_FAULTS = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as FaultRates;
  it('catch a paid check nobody holds, and value created at the bank', { timeout: 120_000 }, async () => {
    const w = await buildWorld(99, DEFAULT_SIZE, NO_FAULTS);
    const g: Ground = { lost: new Map(), compromised: new Set(), lastSerial: new Map() };
    try {
      await fullCheck(w, g, false); // a fresh world holds
      const card = w.cards[0] as SimCard;
      // a purchase whose check no merchant holds and the simulator did not record as lost
      const shop = w.merchants[0] as Merchant;
      await w.wallets.get(card)!.load(50_000);
      await fullCheck(w, g, false);
      const sale = await (shop.terminals[0] as Terminal).sell(card.card, 1_000);
      await fullCheck(w, g, false);
      const other = w.cards[1] as SimCard;
      await w.wallets.get(other)!.load(10_000);
      // the card pays a slip nobody records: value left the card and is nowhere
      const slip = makeSlip(shop.party, {
        merchantId: shop.party.id,
        amount: 700,
        currency: 'IDR',
        time: w.clock.now,
        terminalId: 'X',
        terminalTxId: 1,
        terminalNonce: new Uint8Array(16),
        channel: 0,
      });
      await other.card.purchase(slip, w.clock.now);
      await expect(fullCheck(w, g, false)).rejects.toThrow(/purse-1: card serial 1, checks carry serials \[\]/);
      // the same check now counted as lost: the books balance again
      const facts = factsOfReissued(await other.card.reissueCheck(1));
      g.lost.set(facts.hash, facts);
      await fullCheck(w, g, false);
      // value created at the bank: a purse's loaded raised without a load
      await bankOf(w, card.bankId).db.query("update purses set loaded = loaded + 5 where purse_id = 'purse-0'");
      await expect(fullCheck(w, g, false)).rejects.toThrow(/loaded/);
      expect(sale.serial).toBe(1);
    } finally {
      for (const bank of w.banks) await bank.close();
    }
  });
  it("catch a payment under the guarantee for a purse never copied, and a copied purse's beyond its certificate", {
    timeout: 120_000,
  }, async () => {
    const w = await buildWorld(98, DEFAULT_SIZE, NO_FAULTS);
    const g: Ground = { lost: new Map(), compromised: new Set(), lastSerial: new Map() };
    try {
      // purse-0 and m-0 are both of the first bank: an on-us guarantee
      const { db } = w.banks[0] as SimBank;
      const bankId = (w.banks[0] as SimBank).id;
      const merchant = (w.merchants[0] as Merchant).party.id;
      // A guarantee booked consistently (row and ledger), so only the simulator's checker can object.
      const pay = async (amount: number, n: number) => {
        await db.query(
          `insert into guarantees (check_hash, purse_id, serial, amount, merchant_id, batch_hash, batch_index, clone)
           values ($1, 'purse-0', $2, $3, $4, $5, 0, false)`,
          [new Uint8Array(32).fill(n), n, amount, merchant, new Uint8Array(32)],
        );
        await post(db, 'guarantee', `forged:${n}`, [
          { account: await accountId(db, 'fraud_loss', bankId, 'IDR'), amount: -amount },
          { account: await accountId(db, 'merchant', merchant, 'IDR'), amount },
        ]);
      };
      await pay(1_000, 1);
      await expect(fullCheck(w, g, false)).rejects.toThrow(/purse-0 paid under the guarantee, never copied/);
      g.compromised.add('purse-0');
      await fullCheck(w, g, false);
      await pay(LIMITS.maxOfflineAmount, 2);
      // The ledger's own invariant sees it first: the purse's certificate allows less.
      await expect(fullCheck(w, g, false)).rejects.toThrow(/beyond its certificate's offline limits/);
    } finally {
      for (const bank of w.banks) await bank.close();
    }
  });
  it('catch a check its acquirer calls refused that its issuer paid, and interbank accounts left unsettled', {
    timeout: 120_000,
  }, async () => {
    const w = await buildWorld(97, DEFAULT_SIZE, NO_FAULTS);
    const g: Ground = { lost: new Map(), compromised: new Set(), lastSerial: new Map() };
    try {
      // a card of the second bank pays a merchant of the first: presented, answered, credited
      const card = w.cards[1] as SimCard;
      const m = w.merchants[0] as Merchant;
      const issuer = bankOf(w, card.bankId);
      expect(issuer).not.toBe(m.bank);
      await w.wallets.get(card)!.load(50_000);
      await (m.terminals[0] as Terminal).sell(card.card, 2_000);
      // the bank sends the presentment right after the commit; asked again, the check is deposited
      expect((await m.book.deposit()).outcomes.map((o) => o.code)).toEqual([ErrorCode.PresentedToIssuer]);
      expect((await m.book.deposit()).outcomes.map((o) => o.code)).toEqual([0]);
      await fullCheck(w, g, false);
      await expect(fullCheck(w, g, true)).rejects.toThrow(
        `${m.bank.id}: interbank account with ${issuer.id} at -2000 after the last settlement`,
      );
      expect((await w.interbank.settle(m.bank, issuer)).cycle).toBe(1);
      await fullCheck(w, g, true);
      // the acquirer's books say the issuer refused what it paid
      await m.bank.db.query("update presented_checks set status = 'refused', code = 309, credited = 0");
      await expect(fullCheck(w, g, false)).rejects.toThrow(/refused, yet its issuer paid 2000/);
    } finally {
      for (const bank of w.banks) await bank.close();
    }
  });
});
