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
// its highest position as settled too: the caller answers for writers running beside it. The
// ledger's transaction ids (a sequence too) settle the same way, after the same wait.
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

/** The values of `column` in (after, upTo] that `q` sees, in order. */
const values = async (q: Queryable, table: string, column: string, after: number, upTo: number): Promise<number[]> =>
  (
    await q.query<{ p: number }>(
      `select ${column} as p from ${table} where ${column} > $1 and ${column} <= $2 order by 1`,
      [after, upTo],
    )
  ).map((r) => Number(r.p));

/** A sequence-numbered column whose settled value is wanted: where the last run stopped, the snapshot's highest. */
export interface Range {
  after: number;
  highest: number;
}

/**
 * The settled evidence position and transaction id, each in (after, highest]: `highest` when
 * nothing committed late below it, else just below the lowest late row; `after` when the writers
 * did not end within 30 s (the checkpoint then covers nothing new and lists what it audited as
 * `beyond`). Transaction ids come from a sequence too, so they settle the same way.
 */
export async function settled(
  db: Database | undefined,
  tx: Queryable,
  ranges: { position: Range; transaction: Range },
): Promise<{ position: number; transaction: number }> {
  const { position, transaction } = ranges;
  const none = { position: position.highest, transaction: transaction.highest };
  if (db?.driver !== 'pg' || (position.highest <= position.after && transaction.highest <= transaction.after))
    return none;
  const [x] = await db.query<{ xmax: string }>('select pg_snapshot_xmax(pg_current_snapshot())::text as xmax');
  const xmax = BigInt(x?.xmax ?? '0');
  for (const started = Date.now(); ; await sleep(POLL_MS)) {
    const [now] = await db.query<{ xmin: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as xmin');
    if (BigInt(now?.xmin ?? '0') >= xmax) break;
    if (Date.now() - started > WAIT_MS) return { position: position.after, transaction: transaction.after };
  }
  const lowestLate = async (columns: { table: string; column: string }[], r: Range) => {
    let upTo = r.highest;
    for (const { table, column } of columns) {
      const seen = new Set(await values(tx, table, column, r.after, upTo));
      const late = (await values(db, table, column, r.after, upTo)).find((p) => !seen.has(p));
      if (late !== undefined) upTo = late - 1;
    }
    return upTo;
  };
  return {
    position: await lowestLate(
      EVIDENCE_TABLE_NAMES.map((table) => ({ table, column: 'audit_position' })),
      position,
    ),
    transaction: await lowestLate([{ table: 'transactions', column: 'id' }], transaction),
  };
}

/** The highest transaction id in the snapshot `tx` (0 when there is none). */
export async function highestTransaction(tx: Queryable): Promise<number> {
  const [row] = await tx.query<{ id: number | null }>('select max(id) as id from transactions');
  return Number(row?.id ?? 0);
}

/** The ids above `upTo` in the snapshot `tx`: audited, but above where the checkpoint stops. */
export async function transactionsAbove(tx: Queryable, upTo: number): Promise<number[]> {
  return (await tx.query<{ id: number }>('select id from transactions where id > $1 order by 1', [upTo])).map((r) =>
    Number(r.id),
  );
}

/**
 * The oldest transaction id (xid8) still running when `tx`'s snapshot was taken. On Citus, 0: each
 * node numbers its own transactions, so a shard row's xmin cannot be compared with the
 * coordinator's snapshot; with 0 every row counts as written since (age(0) is the largest), and an
 * incremental run there rehashes the old periods as a full audit does.
 */
export async function snapshotXmin(tx: Queryable): Promise<number> {
  const [row] = await tx.query<{ xmin: string; citus: boolean }>(
    "select pg_snapshot_xmin(pg_current_snapshot())::text as xmin, exists (select 1 from pg_extension where extname = 'citus') as citus",
  );
  return row?.citus ? 0 : Number(row?.xmin ?? 0);
}
