// The audit: recomputes what the books must hold from the stored signed evidence alone and lists
// every difference as a typed finding (kinds.ts). It only reads: plain selects, in one
// repeatable-read transaction when given a Database (one consistent snapshot), or inside the
// caller's transaction when given one. Families run in order: keys and certificates, loads,
// merchant refunds, deposits/receipts/checks (which need the refunds), the guarantee's payments,
// fraud evidence, purses (which need the totals of the loads and deposits), presentments between
// banks (both ends), the books (which need
// every expected transaction), timestamps, the back office's action records.
import type { Database, Queryable } from '../db.ts';
import type { PublicBank } from '../issuing.ts';
import { auditActions } from './actions.ts';
import { auditBooks } from './books.ts';
import { AuditContext, readLedger } from './context.ts';
import { auditDeposits } from './deposits.ts';
import { auditGuarantees } from './guarantees.ts';
import { auditKeys } from './keys.ts';
import { type AuditReport, formatFinding } from './kinds.ts';
import { auditLoads } from './loads.ts';
import { auditPresentments } from './presentments.ts';
import { auditFraudEvidence, auditPurses } from './purses.ts';
import { auditRefunds } from './refunds.ts';
import { auditTimes } from './times.ts';

export { type AuditReport, FINDING_KINDS, type Finding, type FindingKind, formatFinding } from './kinds.ts';

const isDatabase = (q: Queryable): q is Database => typeof (q as Partial<Database>).transaction === 'function';

export async function audit(q: Queryable, bank: PublicBank): Promise<AuditReport> {
  const started = performance.now();
  const run = async (tx: Queryable): Promise<AuditReport> => {
    const ctx = new AuditContext(bank, await readLedger(tx));
    auditKeys(ctx);
    auditLoads(ctx);
    auditRefunds(ctx);
    auditGuarantees(ctx, auditDeposits(ctx));
    auditFraudEvidence(ctx);
    auditPurses(ctx);
    // Before the books: it gives the acquirer's 'presentment' transactions the books must hold.
    await auditPresentments(ctx, tx);
    auditBooks(ctx);
    await auditTimes(ctx, tx);
    await auditActions(ctx, tx);
    const { rows } = ctx;
    return {
      ok: ctx.findings.length === 0,
      findings: ctx.findings,
      differences: ctx.findings.map(formatFinding),
      counts: {
        loads: rows.loads.length,
        checks: rows.checks.length,
        purses: rows.purses.length,
        batches: rows.batches.length,
        transactions: rows.transactions.length,
      },
      elapsedMs: 0,
    };
  };
  const report = isDatabase(q) ? await q.transaction(run, 'repeatable read') : await run(q);
  report.elapsedMs = performance.now() - started;
  return report;
}
