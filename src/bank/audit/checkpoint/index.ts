// Signed audit checkpoints (issue 19), as the audit uses them today: before its report, the chain
// is verified and, with `incremental`, the evidence it covers is rehashed; after a run with no
// finding, the next checkpoint is built from the evidence above the last one and the run's
// totals, signed by the auditor's key and written (the only row an audit writes). README.md here
// says what the streaming audit still has to take from build.ts.
import type { Database, Queryable } from '../../db.ts';
import type { AuditContext } from '../context.ts';
import { buildCheckpoint, type NextCheckpoint } from './build.ts';
import { EVIDENCE_TABLE_NAMES, type EvidenceLeaf, evidenceLeaves } from './evidence.ts';
import { type CheckpointBody, signCheckpoint } from './format.ts';
import type { AuditorKey } from './key.ts';
import { highestPosition, settledPosition } from './position.ts';
import { insertCheckpoint } from './store.ts';
import { carriedTotals } from './totals.ts';
import { verifyChain, verifyEvidence } from './verify.ts';

export { auditedUnder, buildCheckpoint, type Resume, resumeFrom } from './build.ts';
export { type EvidenceLeaf, evidenceLeaves } from './evidence.ts';
export { decodeCheckpoint } from './format.ts';
export { type AuditorKey, newAuditorKey, readAuditorKey } from './key.ts';

export interface CheckpointOptions {
  /** The auditor's own key (key.ts): signs the new checkpoint, verifies the chain. */
  key: AuditorKey;
  /** Rehash the evidence the last checkpoint covers against its roots. */
  incremental?: boolean;
  /** Unix seconds for the new checkpoint (default: now). */
  now?: number;
}

/** What the checkpoints gave in one audit run. */
export interface CheckpointOutcome {
  /** The last checkpoint verified (its number), if any. */
  verified?: number;
  /** Evidence rows rehashed against it (incremental). */
  rehashed: number;
  /** The checkpoint written (none when the run has findings). */
  written?: { number: number; position: number; hash: Uint8Array };
}

type Last = { body: CheckpointBody; hash: Uint8Array } | undefined;

/** Verifies the chain (and, incremental, the evidence under the last checkpoint) into ctx's findings. */
export async function verifyCheckpoints(
  tx: Queryable,
  ctx: AuditContext,
  o: CheckpointOptions,
): Promise<{ last: Last; rehashed: number }> {
  const report = ctx.add.bind(ctx);
  const last = await verifyChain(tx, ctx.bank.id, o.key.publicKey, report);
  const rehashed = last && o.incremental ? await verifyEvidence(tx, last.body, report) : 0;
  return { last, rehashed };
}

async function* leavesAbove(tx: Queryable, after: number, upTo: number): AsyncGenerator<EvidenceLeaf> {
  for (const table of EVIDENCE_TABLE_NAMES) yield* evidenceLeaves(tx, table, after, upTo);
}

/**
 * Builds, signs and writes the checkpoint that follows `last`, in the audit's snapshot `tx`;
 * `db` (the database outside that snapshot) lets position.ts see late commits on PostgreSQL.
 */
export async function writeCheckpoint(
  db: Database | undefined,
  tx: Queryable,
  ctx: AuditContext,
  last: Last,
  o: CheckpointOptions,
): Promise<{ number: number; position: number; hash: Uint8Array }> {
  const after = last?.body.position ?? 0;
  const highest = Math.max(after, await highestPosition(tx));
  const next: NextCheckpoint = {
    last,
    bankId: ctx.bank.id,
    position: await settledPosition(db, tx, after, highest),
    totals: carriedTotals(ctx),
    time: o.now ?? Math.floor(Date.now() / 1000),
  };
  const body = await buildCheckpoint(leavesAbove(tx, after, highest), next);
  const hash = await insertCheckpoint(tx, body, signCheckpoint(body, o.key.secretKey));
  return { number: body.number, position: body.position, hash };
}
