// `smartcheck bank audit` as functions: runAudit (what `--json` prints) and auditCommand, so every
// CLI that offers it prints the same lines: one
// per finding (`finding <kind> <table> <key>: <detail>`), one per violated ledger invariant
// (`invariant <text>`), then a summary. Returns the exit code: 0 clean, 1 on any finding or
// violation. It only reads: no migration is run (a database without the ledger has no bank). With
// the auditor's key (`checkpoint`), it verifies the signed checkpoints and, when clean, writes the
// next one: the only row it writes.
import { toHex } from '../../bytes.ts';
import type { Database } from '../db.ts';
import { loadPublicBank } from '../issuing.ts';
import { checkInvariants } from '../ledger.ts';
import type { CheckpointOptions } from './checkpoint/index.ts';
import { type AuditOptions, type AuditReport, audit } from './index.ts';

/** What one audit run found: the evidence re-checked (`report`) and the ledger's invariants. */
export interface AuditRun {
  bankId: string;
  ok: boolean;
  report: AuditReport;
  invariants: Awaited<ReturnType<typeof checkInvariants>>;
}

/** What `bank audit` asks: which bank, and the audit's own options (progress, findings listed). */
export type AuditRunOptions = { bankId?: string; checkpoint?: CheckpointOptions } & Pick<
  AuditOptions,
  'onChecks' | 'maxFindings' | 'verifier'
>;

/** Audits the bank `o.bankId` (default: the first in the database); throws when there is none. */
export async function runAudit(db: Database, o: AuditRunOptions): Promise<AuditRun> {
  const [schema] = await db.query<{ t: string | null }>("select to_regclass('bank_key_generations')::text as t");
  const bank = schema?.t ? await loadPublicBank(db, o.bankId) : undefined;
  if (!bank) throw new Error(o.bankId ? `no bank ${o.bankId} in this database` : 'no bank in this database');
  const report = await audit(db, bank, {
    ...(o.onChecks ? { onChecks: o.onChecks } : {}),
    ...(o.maxFindings !== undefined ? { maxFindings: o.maxFindings } : {}),
    ...(o.verifier ? { verifier: o.verifier } : {}),
    ...(o.checkpoint ? { checkpoint: o.checkpoint } : {}),
  });
  const invariants = await checkInvariants(db);
  return { bankId: bank.id, ok: report.ok && invariants.ok, report, invariants };
}

export async function auditCommand(
  db: Database,
  o: AuditRunOptions,
  print: (line: string) => void = console.log,
): Promise<number> {
  const { bankId, ok, report, invariants } = await runAudit(db, o);
  const c = report.counts;
  print(
    `audited ${c.loads} loads, ${c.batches} deposit batches, ${c.checks} checks, ${c.transactions} transactions, ${c.purses} purses of ${bankId} in ${Math.round(report.elapsedMs)} ms`,
  );
  for (const f of report.findings) print(`finding ${f.kind} ${f.table} ${f.key}: ${f.detail}`);
  for (const v of invariants.violations) print(`invariant ${v}`);
  const cp = report.checkpoint;
  if (cp?.verified)
    print(`checkpoint ${cp.verified} verified${cp.rehashed ? `, ${cp.rehashed} evidence rows rehashed` : ''}`);
  if (cp?.written)
    print(`checkpoint ${cp.written.number} written at position ${cp.written.position}: ${toHex(cp.written.hash)}`);
  if (ok) {
    print('no differences');
    return 0;
  }
  const listed = report.findings.length < report.findingsTotal ? ` (the first ${report.findings.length} listed)` : '';
  print(`${report.findingsTotal} findings${listed}, ${invariants.violations.length} invariant violations`);
  return 1;
}
