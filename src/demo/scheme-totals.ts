// The demo's closing checks, over both banks of the scheme: each ledger balances and keeps its
// invariants, each audit recomputes every balance from the signed evidence and finds nothing,
// the settlement left no interbank balance, the nets sum to 0, and the value is conserved across
// the scheme: what every account holder and card holds is what came in from outside plus what
// the issuer paid of its own under the guarantee (the settlement only moved money between banks).
import { audit } from '../bank/audit/index.ts';
import { checkInvariants } from '../bank/ledger.ts';
import { type DemoBank, kindSum, ledgerSum } from './banks.ts';
import type { Narrator } from './narrator.ts';

export interface SchemeTotals {
  /** Per bank, the sum of every ledger balance (0). */
  ledgerSums: Record<string, number>;
  /** Every cardholder and merchant account of both banks, and the e-money outstanding. */
  held: number;
  /** What came in from outside, over both banks' funding accounts. */
  fundedIn: number;
  /** What the issuers paid of their own under the guarantee (their fraud-loss accounts, negated). */
  guaranteed: number;
  /** Interbank accounts left with a balance after the settlement (0). */
  interbankOpen: number;
}

export async function checkScheme(
  n: Narrator,
  banks: DemoBank[],
  o: { funded: number; netSum: number | undefined },
): Promise<SchemeTotals> {
  const totals: SchemeTotals = { ledgerSums: {}, held: 0, fundedIn: 0, guaranteed: 0, interbankOpen: 0 };
  for (const bank of banks) {
    const sum = await ledgerSum(bank.db);
    totals.ledgerSums[bank.id] = sum;
    n.expect(`${bank.id}: all ledger balances sum to 0`, sum === 0);
    n.expect(`${bank.id}: ledger invariants hold`, (await checkInvariants(bank.db)).ok);
    const audited = await n.timed(`${bank.id} audit: balances from the evidence`, () =>
      audit(bank.db, bank.service.bank),
    );
    n.expect(
      `${bank.id}: audit clean (${audited.counts.loads} loads, ${audited.counts.checks} checks of its cards; presentments, fraud loss, settlement)`,
      audited.ok,
    );
    if (!audited.ok) for (const d of audited.differences) n.say(`    ${d}`);
    for (const kind of ['cardholder', 'merchant', 'emoney']) totals.held += await kindSum(bank.db, kind);
    totals.fundedIn -= await kindSum(bank.db, 'funding');
    totals.guaranteed -= await kindSum(bank.db, 'fraud_loss');
    const [open] = await bank.db.query<{ n: number }>(
      "select count(*)::int as n from accounts where kind = 'interbank' and balance <> 0",
    );
    totals.interbankOpen += Number(open?.n ?? Number.NaN);
  }
  n.expect('interbank accounts at 0 on both sides after the settlement', totals.interbankOpen === 0);
  n.expect('the nets across the scheme sum to 0', o.netSum === 0);
  n.expect(
    `value conserved across the scheme: accounts + e-money = funded + paid under the guarantee (${n.money(o.funded).trim()} + ${n.money(totals.guaranteed).trim()})`,
    totals.fundedIn === o.funded && totals.held === o.funded + totals.guaranteed,
  );
  return totals;
}
