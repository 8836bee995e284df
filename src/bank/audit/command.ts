// `smartcheck bank audit` as a function, so every CLI that offers it prints the same lines: one
// per finding (`finding <kind> <table> <key>: <detail>`), one per violated ledger invariant
// (`invariant <text>`), then a summary. Returns the exit code: 0 clean, 1 on any finding or
// violation. It only reads: no migration is run (a database without the ledger has no bank).
import type { Database } from '../db.ts';
import { loadPublicBank } from '../issuing.ts';
import { checkInvariants } from '../ledger.ts';
import { audit } from './index.ts';

export async function auditCommand(
  db: Database,
  o: { bankId?: string },
  print: (line: string) => void = console.log,
): Promise<number> {
  const [schema] = await db.query<{ t: string | null }>("select to_regclass('bank_key_generations')::text as t");
  const bank = schema?.t ? await loadPublicBank(db, o.bankId) : undefined;
  if (!bank) throw new Error(o.bankId ? `no bank ${o.bankId} in this database` : 'no bank in this database');
  const report = await audit(db, bank);
  const invariants = await checkInvariants(db);
  const c = report.counts;
  print(
    `audited ${c.loads} loads, ${c.batches} deposit batches, ${c.checks} checks, ${c.transactions} transactions, ${c.purses} purses of ${bank.id} in ${Math.round(report.elapsedMs)} ms`,
  );
  for (const f of report.findings) print(`finding ${f.kind} ${f.table} ${f.key}: ${f.detail}`);
  for (const v of invariants.violations) print(`invariant ${v}`);
  if (report.ok && invariants.ok) {
    print('no differences');
    return 0;
  }
  print(`${report.findings.length} findings, ${invariants.violations.length} invariant violations`);
  return 1;
}
