// The audit: recomputes what the books must hold from the stored signed evidence alone and lists
// every difference as a typed finding (kinds.ts). It only reads: plain selects, in one
// repeatable-read transaction when given a Database (one consistent snapshot), or inside the
// caller's transaction when given one. Families run in order: keys and certificates, loads,
// merchant refunds, deposits/receipts/checks (which need the refunds), the guarantee's payments,
// fraud evidence, purses (which need the totals of the loads and deposits), interbank settlement
// cycles (settlements.ts), the books (which need every expected transaction), timestamps, the
// back office's action records. With `checkpoint` (checkpoint/), the signed checkpoints are
// verified too, and a run with no finding writes the next.
import type { Database, Queryable } from '../db.ts';
import type { PublicBank } from '../issuing.ts';
import { auditActions } from './actions.ts';
import { auditBooks } from './books.ts';
import { type CheckpointOptions, verifyCheckpoints, writeCheckpoint } from './checkpoint/index.ts';
import { AuditContext, readLedger } from './context.ts';
import { auditDeposits } from './deposits.ts';
import { auditGuarantees } from './guarantees.ts';
import { auditKeys } from './keys.ts';
import { type AuditReport, formatFinding } from './kinds.ts';
import { auditLoads } from './loads.ts';
import { auditFraudEvidence, auditPurses } from './purses.ts';
import { auditRefunds } from './refunds.ts';
import { auditSettlements } from './settlements.ts';
import { auditTimes } from './times.ts';

export { type AuditReport, FINDING_KINDS, type Finding, type FindingKind, formatFinding } from './kinds.ts';

const isDatabase = (q: Queryable): q is Database => typeof (q as Partial<Database>).transaction === 'function';

export interface AuditOptions {
  checkpoint?: CheckpointOptions;
}

export async function audit(q: Queryable, bank: PublicBank, o: AuditOptions = {}): Promise<AuditReport> {
  const started = performance.now();
  const run = async (tx: Queryable): Promise<AuditReport> => {
    const ctx = new AuditContext(bank, await readLedger(tx));
    auditKeys(ctx);
    auditLoads(ctx);
    auditRefunds(ctx);
    auditGuarantees(ctx, auditDeposits(ctx));
    auditFraudEvidence(ctx);
    auditPurses(ctx);
    await auditSettlements(ctx, tx);
    auditBooks(ctx);
    await auditTimes(ctx, tx);
    await auditActions(ctx, tx);
    const checked = o.checkpoint && (await verifyCheckpoints(tx, ctx, o.checkpoint));
    const { rows } = ctx;
    const report: AuditReport = {
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
    if (o.checkpoint && checked) {
      report.checkpoint = { rehashed: checked.rehashed };
      if (checked.last) report.checkpoint.verified = checked.last.body.number;
      if (report.ok)
        report.checkpoint.written = await writeCheckpoint(
          isDatabase(q) ? q : undefined,
          tx,
          ctx,
          checked.last,
          o.checkpoint,
        );
    }
    return report;
  };
  const report = isDatabase(q) ? await q.transaction(run, 'repeatable read') : await run(q);
  report.elapsedMs = performance.now() - started;
  return report;
}
