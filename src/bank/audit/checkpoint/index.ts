// Signed audit checkpoints (issue 19), as the audit uses them: before the families, the chain is
// verified and the evidence the last checkpoint covers checked against it (all of it rehashed in a
// full audit; in an incremental one, every period counted, the periods written since rehashed, and
// the older transactions' sums per account compared with the carried ones); after a run with no
// finding, the next checkpoint is built from the evidence above the last one and the run's
// totals, signed by the auditor's key and written (the only row an audit writes).
import type { Database, Queryable } from '../../db.ts';
import type { AuditContext } from '../context.ts';
import { buildCheckpoint, type NextCheckpoint } from './build.ts';
import { EVIDENCE_TABLE_NAMES, type EvidenceLeaf, evidenceLeaves } from './evidence.ts';
import { type CheckpointBody, signCheckpoint } from './format.ts';
import type { AuditorKey } from './key.ts';
import { highestPosition, highestTransaction, settled, transactionsAbove } from './position.ts';
import { insertCheckpoint } from './store.ts';
import { carriedTotals } from './totals.ts';
import { verifyBooks, verifyChain, verifyEvidence } from './verify.ts';

export { buildCheckpoint, type Resume, resumeFrom } from './build.ts';
export { type EvidenceLeaf, evidenceLeaves } from './evidence.ts';
export { decodeCheckpoint } from './format.ts';
export { type AuditorKey, newAuditorKey, readAuditorKey } from './key.ts';
export { snapshotXmin } from './position.ts';

export interface CheckpointOptions {
  /** The auditor's own key (key.ts): signs the new checkpoint, verifies the chain. */
  key: AuditorKey;
  /**
   * Audit only the evidence and transactions newer than the last verified checkpoint, from its
   * totals (the older evidence counted per period, and rehashed where written since).
   */
  incremental?: boolean;
  /** Unix seconds for the new checkpoint (default: now). */
  now?: number;
}

/** What the checkpoints gave in one audit run. */
export interface CheckpointOutcome {
  /** The last checkpoint verified (its number), if any. */
  verified?: number;
  /** Evidence rows rehashed against it. */
  rehashed: number;
  /** The checkpoint written (none when the run has findings). */
  written?: { number: number; position: number; hash: Uint8Array };
}

type Last = { body: CheckpointBody; hash: Uint8Array } | undefined;

/** Verifies the chain and the evidence and books under the last checkpoint into ctx's findings. */
export async function verifyCheckpoints(
  tx: Queryable,
  ctx: AuditContext,
  o: CheckpointOptions,
): Promise<{ last: Last; rehashed: number }> {
  const report = ctx.add.bind(ctx);
  const last = await verifyChain(tx, ctx.bank.id, o.key.publicKey, report);
  if (!last) return { last, rehashed: 0 };
  const incremental = o.incremental === true;
  const rehashed = await verifyEvidence(tx, last.body, report, { incremental });
  if (incremental) await verifyBooks(tx, last.body, report);
  return { last, rehashed };
}

async function* leavesAbove(tx: Queryable, after: number, upTo: number): AsyncGenerator<EvidenceLeaf> {
  for (const table of EVIDENCE_TABLE_NAMES) yield* evidenceLeaves(tx, table, after, upTo);
}

/**
 * Builds, signs and writes the checkpoint that follows `last`, in the audit's snapshot `tx` (whose
 * oldest running transaction id, taken as the run began, is `xmin`); `db` (the database outside
 * that snapshot) lets position.ts see late commits on PostgreSQL.
 */
export async function writeCheckpoint(
  db: Database | undefined,
  tx: Queryable,
  ctx: AuditContext,
  last: Last,
  o: CheckpointOptions & { xmin: number },
): Promise<{ number: number; position: number; hash: Uint8Array }> {
  const after = last?.body.position ?? 0;
  const highest = Math.max(after, await highestPosition(tx));
  const txAfter = last?.body.transactions.upTo ?? 0;
  const txHighest = Math.max(txAfter, await highestTransaction(tx));
  const upTo = await settled(db, tx, {
    position: { after, highest },
    transaction: { after: txAfter, highest: txHighest },
  });
  const next: NextCheckpoint = {
    last,
    bankId: ctx.bank.id,
    position: upTo.position,
    transactions: { upTo: upTo.transaction, beyond: await transactionsAbove(tx, upTo.transaction) },
    xmin: o.xmin,
    totals: carriedTotals(ctx),
    time: o.now ?? Math.floor(Date.now() / 1000),
  };
  const body = await buildCheckpoint(leavesAbove(tx, after, highest), next);
  const hash = await insertCheckpoint(tx, body, signCheckpoint(body, o.key.secretKey));
  return { number: body.number, position: body.position, hash };
}
