// The demo (`npm run demo`) run in-process, quietly: its totals must add up and the clone attack
// must end as the design says. Its timings are printed by the demo, never asserted here.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/demo.ts';

describe('npm run demo', () => {
  it('every total adds up, and the clone is caught at capture, its check paid under the guarantee, its purse revoked and refused', async () => {
    const r = await runDemo({ quiet: true, posSales: 6, webPayments: 2 });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    const t = r.totals;
    // Independent of the demo's own checks: the money is conserved and lands where it should.
    expect(t.cardholderAccount + t.cardBalance + t.posMerchant + t.shopMerchant).toBe(t.funded);
    expect(t.cardholderAccount).toBe(t.funded - t.loaded);
    expect(t.cardBalance).toBe(t.loaded - t.posSpent - t.webSpent);
    expect(t.posSpent).toBeGreaterThan(0);
    expect(t.webSpent).toBeGreaterThan(0);
    expect(t.posMerchant).toBe(t.posSpent);
    expect(t.shopMerchant).toBe(t.webSpent);
    expect(t.emoney).toBe(t.cardBalance);
    expect(t.ledgerSum).toBe(0);
    expect(r.clone).toEqual({
      firstDepositCredited: 5_000,
      // The honest kiosk took the clone's check offline by the rules: paid, the issuer's fraud loss.
      secondDepositCode: 0,
      secondDepositCredited: 5_000,
      fraudLoss: -5_000,
      evidenceVerified: true,
      purseStatus: 'fraud',
      refusedAfterRefresh: 206,
      kioskMerchant: 5_000,
    });
    expect(r.timings.map((s) => s.step)).toContain('POS sales, offline (protocol 2)');
  }, 120_000);
});
