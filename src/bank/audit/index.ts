// The audit: recomputes what the books must hold from the stored signed evidence alone and lists
// every difference as a typed finding (kinds.ts). It only reads: plain selects, in one
// repeatable-read transaction when given a Database (one consistent snapshot), or inside the
// caller's transaction when given one. Families run in order: keys and certificates, loads,
// merchant refunds, deposits/receipts/checks (which need the refunds), the guarantee's payments,
// fraud evidence, purses (which need the totals of the loads and deposits), presentments between
// banks (both ends; presentments.ts), interbank settlement cycles (settlements.ts), the books (which need every expected transaction), timestamps, the
// back office's action records. The tables that grow with the traffic (loads, deposits with their
// checks, transactions with their entries) are read in pages (stream.ts) and only totals are
// carried, so memory depends on the number of parties and expected transactions, not of checks.
// The presentment and settlement families read their own tables the same way: async (ctx, tx).
// With `checkpoint` (checkpoint/), the signed checkpoints are verified too, and a run with no
// finding writes the next. An incremental run whose last checkpoint verifies (chain, evidence,
// books) starts from its carried totals and reads only the newer evidence and transactions
// (AuditContext.since); a finding there makes it a full run.

import type { VerifierPool } from '../../protocol/verifier/index.ts';
import type { Database, Queryable } from '../db.ts';
import type { PublicBank } from '../issuing.ts';
import { auditActions } from './actions.ts';
import { auditBooks } from './books.ts';
import {
  type CheckpointOptions,
  resumeFrom,
  snapshotXmin,
  verifyCheckpoints,
  writeCheckpoint,
} from './checkpoint/index.ts';
import { AuditContext, type LoadRow, readReference, TABLES } from './context.ts';
import { auditDeposits } from './deposits.ts';
import { auditGuarantees } from './guarantees.ts';
import { auditKeys } from './keys.ts';
import { type AuditReport, formatFinding } from './kinds.ts';
import { auditLoads } from './loads.ts';
import { auditPresentments } from './presentments.ts';
import { auditFraudEvidence, auditPurses } from './purses.ts';
import { auditRefunds } from './refunds.ts';
import { auditSettlements } from './settlements.ts';
import { type EvidenceSink, pages, pagingOf } from './stream.ts';
import { auditTimes } from './times.ts';

export { type AuditReport, FINDING_KINDS, type Finding, type FindingKind, formatFinding } from './kinds.ts';
export type { EvidenceRow, EvidenceSink } from './stream.ts';

const isDatabase = (q: Queryable): q is Database => typeof (q as Partial<Database>).transaction === 'function';

export interface AuditOptions {
  checkpoint?: CheckpointOptions;
  /** Findings listed in the report (default MAX_FINDINGS); past it they are only counted. */
  maxFindings?: number;
  /** Every row of signed evidence, in table and key order (the checkpoint's hash). */
  sink?: EvidenceSink;
  /**
   * Capture's worker pool: the purse signatures of each page of deposits verified in it, in one
   * batch. Without it the audit verifies each check in this thread.
   */
  verifier?: VerifierPool;
  /** Called after each page of deposits with its number of check rows (a progress bar). */
  onChecks?: (checks: number) => void;
  /** Rows per page instead of the defaults (tests use 1, so that every row crosses a page boundary). */
  pageRows?: number;
}

export async function audit(q: Queryable, bank: PublicBank, o: AuditOptions = {}): Promise<AuditReport> {
  const started = performance.now();
  const run = async (tx: Queryable): Promise<AuditReport> => {
    // The checkpoints first: an incremental run with a verified last checkpoint (its evidence and
    // older transactions as it says) audits only what is newer, from its totals. With a finding
    // there (a tampered chain, old evidence or books) everything is audited again.
    // The snapshot's oldest running transaction, before anything is read: the next checkpoint's xmin.
    const xmin = o.checkpoint ? await snapshotXmin(tx) : 0;
    const ctx = new AuditContext(bank, await readReference(tx, pagingOf(o)), o);
    const checked = o.checkpoint && (await verifyCheckpoints(tx, ctx, o.checkpoint));
    if (checked?.last && o.checkpoint?.incremental && ctx.findingsTotal === 0)
      ctx.resume(resumeFrom(checked.last.body));
    auditKeys(ctx);
    const loads = { ...TABLES.loads, filter: ctx.newEvidence('l.audit_position') };
    for await (const { rows } of pages<LoadRow>(tx, loads, ctx.paging)) auditLoads(ctx, rows);
    auditRefunds(ctx);
    auditGuarantees(ctx, await auditDeposits(ctx, tx));
    auditFraudEvidence(ctx);
    auditPurses(ctx);
    // What the next checkpoint carries per merchant: the presentments family adds its credits each run.
    ctx.evidenceNet = new Map(ctx.merchantNet);
    // Before the books: it gives the acquirer's 'presentment' transactions the books must hold.
    await auditPresentments(ctx, tx);
    await auditSettlements(ctx, tx);
    await auditBooks(ctx, tx);
    await auditTimes(ctx, tx);
    await auditActions(ctx, tx);
    const report: AuditReport = {
      ok: ctx.findingsTotal === 0,
      findings: ctx.findings,
      findingsTotal: ctx.findingsTotal,
      differences: ctx.findings.map(formatFinding),
      counts: ctx.counts,
      elapsedMs: 0,
    };
    if (o.checkpoint && checked) {
      report.checkpoint = { rehashed: checked.rehashed };
      if (checked.last) report.checkpoint.verified = checked.last.body.number;
      if (report.ok)
        report.checkpoint.written = await writeCheckpoint(isDatabase(q) ? q : undefined, tx, ctx, checked.last, {
          ...o.checkpoint,
          xmin,
        });
    }
    return report;
  };
  const report = isDatabase(q) ? await q.transaction(run, 'repeatable read') : await run(q);
  report.elapsedMs = performance.now() - started;
  return report;
}
