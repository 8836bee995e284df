// The demo (`npm run demo`) run in-process, quietly: two banks of one scheme. Its totals must add
// up on both banks, A's checks at B's merchants must be presented and credited on A's answer, the
// clone attack across two acquirers must end as the design says, and the settlement must leave
// nothing owed. Its timings are printed by the demo, never asserted here.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/demo.ts';

describe('npm run demo', () => {
  it('two banks: every total adds up, foreign checks presented and answered, the clone caught across acquirers, the settlement nets to 0', async () => {
    const r = await runDemo({ quiet: true, posSales: 6, webPayments: 2, foreignPosSales: 3, foreignWebPayments: 1 });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    const t = r.totals;
    // Independent of the demo's own checks: the money is conserved and lands where it should.
    expect(
      t.cardholderAccount + t.cardBalance + t.posMerchant + t.shopMerchant + t.taxiMerchant + t.ticketsMerchant,
    ).toBe(t.funded);
    expect(t.cardholderAccount).toBe(t.funded - t.loaded);
    expect(t.cardBalance).toBe(t.loaded - t.posSpent - t.webSpent - t.foreignPosSpent - t.foreignWebSpent);
    for (const spent of [t.posSpent, t.webSpent, t.foreignPosSpent, t.foreignWebSpent])
      expect(spent).toBeGreaterThan(0);
    expect(t.posMerchant).toBe(t.posSpent);
    expect(t.shopMerchant).toBe(t.webSpent);
    expect(t.taxiMerchant).toBe(t.foreignPosSpent);
    expect(t.ticketsMerchant).toBe(t.foreignWebSpent);
    expect(t.emoney).toBe(t.cardBalance);
    expect(t.interbankA).toBe(t.foreignPosSpent + t.foreignWebSpent);
    expect(t.interbankB).toBe(-t.interbankA);
    expect(t.ledgerSums).toEqual({ 'BANK-A': 0, 'BANK-B': 0 });
    // B's merchant is told "presented to the issuer" (337) until A answers, then credited.
    expect(r.presented).toEqual({
      before: { codes: [337], credited: 0 },
      after: { codes: [0], credited: t.foreignPosSpent },
    });
    expect(r.clone).toEqual({
      firstDepositCredited: 5_000,
      presentedCode: 337,
      // The honest taxi took the copy's check offline by the rules: paid, the issuer's fraud loss.
      secondDepositCode: 0,
      secondDepositCredited: 5_000,
      taxiCredited: 5_000,
      fraudLoss: -5_000,
      evidenceVerified: true,
      purseStatus: 'fraud',
      refusedAtB: 206,
      refusedAtA: 206,
    });
    // A owes B what B's merchants were paid for A's card, the clone's check included.
    const owed = t.foreignPosSpent + t.foreignWebSpent + 5_000;
    expect(r.settlement).toMatchObject({
      closed: [{ bankId: 'BANK-A', cycle: 1 }],
      statuses: ['agreed', 'agreed'],
      mirrored: true,
      nets: { 'BANK-A': owed, 'BANK-B': -owed },
      netSum: 0,
    });
    expect(r.scheme).toEqual({
      ledgerSums: { 'BANK-A': 0, 'BANK-B': 0 },
      held: t.funded + 5_000,
      fundedIn: t.funded,
      guaranteed: 5_000,
      interbankOpen: 0,
    });
    expect(r.timings.map((s) => s.step)).toContain('POS sales at the cafe, offline (protocol 2)');
  }, 120_000);
});
