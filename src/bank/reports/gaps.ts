// Serial gaps of a purse: serials below the highest the bank has seen with no check deposited,
// i.e. checks the card signed that never reached the bank (yet). A card signs its checks in serial
// order, so a check deposited with serial s proves every serial below s was signed before it.
// Counted from two aggregates and listed as ranges from a window over the purse's own checks (its
// primary-key index), never by enumerating serials: a purse whose serials jump by millions costs
// the same.
import type { Queryable } from '../db.ts';

/** Gap ranges listed at most (the count is always exact). */
export const GAP_RANGES_LISTED = 100;

export interface SerialGaps {
  highestSerial: number;
  /** Checks of this purse the bank holds (one per serial). */
  deposited: number;
  /** Serials below the highest with no check. */
  count: number;
  /** The first gaps, in serial order, as inclusive ranges (at most GAP_RANGES_LISTED). */
  ranges: { from: number; to: number }[];
}

export async function serialGaps(q: Queryable, purseId: string, rangesMax = GAP_RANGES_LISTED): Promise<SerialGaps> {
  const [t] = await q.query<{ highest: number; n: number }>(
    'select coalesce(max(serial), 0)::bigint as highest, count(*)::bigint as n from checks where purse_id = $1',
    [purseId],
  );
  const ranges = await q.query<{ from: number; to: number }>(
    `select prev + 1 as "from", serial - 1 as "to"
       from (select serial, lag(serial, 1, 0::bigint) over (order by serial) as prev from checks where purse_id = $1) s
      where serial - prev > 1 order by serial limit $2`,
    [purseId, rangesMax],
  );
  const highestSerial = t?.highest ?? 0;
  const deposited = t?.n ?? 0;
  return { highestSerial, deposited, count: highestSerial - deposited, ranges };
}

/**
 * Gaps older than `before` (unix seconds): serials below the highest serial of a check deposited
 * at or before that time, which the card therefore signed before it too. `belowSerial` is that
 * serial (0: nothing deposited by then).
 */
export async function gapsSignedBefore(
  q: Queryable,
  purseId: string,
  before: number,
): Promise<{ belowSerial: number; count: number }> {
  const [t] = await q.query<{ below: number; n: number }>(
    // The purse's batches first (its checks are kept by purse, batches by merchant: on Citus two
    // tables distributed by different columns, joined through this small intermediate result).
    `with mine as materialized (select batch_hash, max(serial) as s from checks where purse_id = $1 group by batch_hash),
     old as (
       select coalesce(max(m.s), 0)::bigint as below from mine m join batches b using (batch_hash)
        where b.created_at <= to_timestamp($2))
     select old.below, (select count(*) from checks where purse_id = $1 and serial < old.below)::bigint as n from old`,
    [purseId, before],
  );
  const belowSerial = t?.below ?? 0;
  return { belowSerial, count: belowSerial === 0 ? 0 : belowSerial - 1 - (t?.n ?? 0) };
}
