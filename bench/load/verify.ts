// After the run, with the server stopped: `smartcheck bank audit`, the ledger invariants, and the
// books against the generator's own tally from the bank-signed receipts and tokens.
import { checkInvariants } from '../../src/bank/ledger.ts';
import type { Tally } from './traffic.ts';
import { runAudit, type Store } from './world.ts';

export interface Verification {
  auditExit: number | null;
  auditOutput: string;
  invariantViolations: string[];
  /** Each comparison of the books with the tally: what, books, tally, equal. */
  comparisons: { what: string; books: number | string; tally: number | string; ok: boolean }[];
  ok: boolean;
}

export async function verifyBooks(store: Store, tally: Tally, finalRevoked: readonly string[]): Promise<Verification> {
  const audit = await runAudit(store);
  const db = await store.open();
  try {
    const invariants = await checkInvariants(db);
    const one = async (sql: string, params: unknown[] = []) =>
      ((await db.query<{ v: number | string }>(sql, params))[0]?.v ?? 0) as number;
    const list = async (sql: string) =>
      (await db.query<{ v: string }>(sql))
        .map((r) => r.v)
        .sort()
        .join(',');
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const comparisons: Verification['comparisons'] = [];
    const compare = (what: string, books: number | string, tallied: number | string) =>
      comparisons.push({ what, books, tally: tallied, ok: books === tallied });

    // Paid: the credited check rows, and the clones' checks paid under the guarantee (no check row).
    const paid = `select amount from checks where status = 'credited' union all select amount from guarantees where clone`;
    compare(
      'credited checks (rows) and clones paid under the guarantee = checks accepted in receipts',
      await one(`select count(*)::int as v from (${paid}) p`),
      tally.accepted.size,
    );
    compare(
      'checks neither credited nor guaranteed (overspent, refunded) = 0',
      await one("select count(*)::int as v from checks where status not in ('credited', 'guaranteed')"),
      0,
    );
    compare(
      'amount of credited and guaranteed checks = amount accepted in receipts',
      await one(`select coalesce(sum(amount), 0)::bigint as v from (${paid}) p`),
      sum(new Map([...tally.accepted].map(([k, v]) => [k, v.amount]))),
    );
    compare(
      "clones' checks paid under the guarantee = clone pairs sent",
      await one('select count(*)::int as v from guarantees where clone'),
      tally.clonedPurses.size,
    );
    compare(
      'merchant accounts (sum) = receipts credited',
      await one("select coalesce(sum(balance), 0)::bigint as v from accounts where kind = 'merchant'"),
      sum(tally.byMerchant),
    );
    const perMerchant = await db.query<{ owner: string; balance: number }>(
      "select owner, balance from accounts where kind = 'merchant'",
    );
    const merchantDiffs =
      perMerchant.filter((r) => (tally.byMerchant.get(r.owner) ?? 0) !== r.balance).length +
      [...tally.byMerchant.keys()].filter((k) => !perMerchant.some((r) => r.owner === k)).length;
    compare('merchants whose account differs from their receipts', merchantDiffs, 0);
    compare(
      'stored batches = batches answered 200',
      await one('select count(*)::int as v from batches'),
      tally.batches.size,
    );
    compare(
      'loads (rows) = tokens applied by purses',
      await one('select count(*)::int as v from loads'),
      tally.loads.count,
    );
    compare(
      'value loaded = value of tokens applied',
      await one('select coalesce(sum(loaded), 0)::bigint as v from purses'),
      tally.loads.amount,
    );
    compare(
      'fraud proofs = clone pairs sent',
      await one('select count(*)::int as v from fraud_evidence'),
      tally.clonedPurses.size,
    );
    compare(
      "purses marked 'fraud' = cloned purses",
      await list("select purse_id as v from purses where status = 'fraud'"),
      [...tally.clonedPurses].sort().join(','),
    );
    compare(
      'revoked subjects = cloned purses',
      await list('select subject as v from revocations'),
      [...tally.clonedPurses].sort().join(','),
    );
    compare(
      'published revocation list = cloned purses',
      [...finalRevoked].sort().join(','),
      [...tally.clonedPurses].sort().join(','),
    );
    compare(
      'honest purses not active',
      await one("select count(*)::int as v from purses where status <> 'active' and purse_id like 'purse-%'"),
      0,
    );
    const ok = audit.code === 0 && invariants.ok && comparisons.every((c) => c.ok);
    return {
      auditExit: audit.code,
      auditOutput: audit.output,
      invariantViolations: invariants.violations,
      comparisons,
      ok,
    };
  } finally {
    await db.close();
  }
}
