// Where a checkpoint may stop. Positions come from a sequence, which is not transactional: a
// capture can take position 100, another 101 and commit first, so the audit's snapshot may hold
// 101 but not 100 yet. A checkpoint at 101 would then miss 100 for good (and the next run would
// call it an inserted old row). So the checkpoint stops at the highest position at or below which
// every row that will ever commit is in the snapshot: after the snapshot, wait until every
// transaction that had begun by then has ended (PostgreSQL's xmin passes a later snapshot's xmax:
// a writer takes its position and its transaction id in the same statement), then compare, table
// by table, the positions committed now with those the snapshot holds: the lowest late one
// bounds the checkpoint. PGlite (one connection) has no concurrent writer: the snapshot's highest
// position is settled. Given only a caller's transaction (no Database to wait on), the audit takes
// its highest position as settled too: the caller answers for writers running beside it.
import type { Database, Queryable } from '../../db.ts';
import { EVIDENCE_TABLE_NAMES } from './evidence.ts';

const WAIT_MS = 30_000;
const POLL_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The highest position in the snapshot `tx` (0 when there is no evidence). */
export async function highestPosition(tx: Queryable): Promise<number> {
  const [row] = await tx.query<{ p: number | null }>(
    `select greatest(${EVIDENCE_TABLE_NAMES.map((t) => `(select max(audit_position) from ${t})`).join(', ')}) as p`,
  );
  return row?.p ?? 0;
}

const positions = async (q: Queryable, table: string, after: number, upTo: number): Promise<number[]> =>
  (
    await q.query<{ p: number }>(
      `select audit_position as p from ${table} where audit_position > $1 and audit_position <= $2 order by 1`,
      [after, upTo],
    )
  ).map((r) => r.p);

/**
 * The settled position in (after, highest]: `highest` when nothing committed late below it, else
 * just below the lowest late row; `after` when the writers did not end within 30 s (the
 * checkpoint then covers nothing new and lists what it audited as `beyond`).
 */
export async function settledPosition(
  db: Database | undefined,
  tx: Queryable,
  after: number,
  highest: number,
): Promise<number> {
  if (db?.driver !== 'pg' || highest <= after) return highest;
  const [x] = await db.query<{ xmax: string }>('select pg_snapshot_xmax(pg_current_snapshot())::text as xmax');
  const xmax = BigInt(x?.xmax ?? '0');
  for (const started = Date.now(); ; await sleep(POLL_MS)) {
    const [now] = await db.query<{ xmin: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as xmin');
    if (BigInt(now?.xmin ?? '0') >= xmax) break;
    if (Date.now() - started > WAIT_MS) return after;
  }
  let settled = highest;
  for (const table of EVIDENCE_TABLE_NAMES) {
    const seen = new Set(await positions(tx, table, after, settled));
    const late = (await positions(db, table, after, settled)).find((p) => !seen.has(p));
    if (late !== undefined) settled = late - 1;
  }
  return settled;
}
