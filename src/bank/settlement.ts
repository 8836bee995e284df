// Settlement of a purse's value outside capture: the shadow account of a purse (what it was loaded,
// what was captured and refunded, the serial gaps); lost or stolen cards (revoked at once, the
// outstanding value paid back to the cardholder after a settlement window in which late checks
// still count). Merchant refunds are ./refunds.ts; the audit, which recomputes the books from the
// signed evidence alone, is ./audit/.
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import { type Actor, IN_PROCESS, recordAction } from './back-office/actions.ts';
import type { Database, Queryable } from './db.ts';
import { BankError } from './errors.ts';
import { type Bank, revoke } from './issuing.ts';
import { accountId, post } from './ledger.ts';
import { serialGaps } from './reports/gaps.ts';

export interface PurseShadow {
  purseId: string;
  status: string;
  loaded: number;
  captured: number;
  refunded: number;
  outstanding: number;
  highestSerial: number;
  /** Serials below the highest seen with no check yet (at most GAPS_LISTED of them). */
  gaps: number[];
  gapCount: number;
}

const GAPS_LISTED = 100;

export async function purseShadow(q: Queryable, purseId: string): Promise<PurseShadow | undefined> {
  const [p] = await q.query<{
    status: string;
    loaded: number;
    captured: number;
    refunded: number;
  }>('select status, loaded, captured, refunded from purses where purse_id = $1', [purseId]);
  if (!p) return undefined;
  // At most GAPS_LISTED ranges hold the first GAPS_LISTED missing serials.
  const gaps = await serialGaps(q, purseId, GAPS_LISTED);
  const listed = gaps.ranges.flatMap((r) =>
    Array.from({ length: Math.min(r.to - r.from + 1, GAPS_LISTED) }, (_, i) => r.from + i),
  );
  return {
    purseId,
    status: p.status,
    loaded: p.loaded,
    captured: p.captured,
    refunded: p.refunded,
    outstanding: p.loaded - p.captured - p.refunded,
    highestSerial: gaps.highestSerial,
    gaps: listed.slice(0, GAPS_LISTED),
    gapCount: gaps.count,
  };
}

/**
 * A card reported lost again: nothing changes and nothing is refused (the first report's time and
 * settlement window stay); an unknown purse is refused.
 */
export async function reportLostOnce(
  db: Database,
  purseId: string,
  now: number,
  windowS: number,
  by: Actor = IN_PROCESS,
): Promise<void> {
  const [known] = await db.query<{ status: string }>('select status from purses where purse_id = $1', [purseId]);
  if (!known) throw new BankError('not_found', `purse ${purseId}`);
  if (known.status !== 'lost') await reportLost(db, purseId, now, windowS, by);
}

/**
 * A lost or stolen card: revoked now (the next list shows it), settled after `windowS`; recorded
 * as a back-office action of `by` in the same transaction.
 */
export async function reportLost(
  db: Database,
  purseId: string,
  now: number,
  windowS: number,
  by: Actor = IN_PROCESS,
): Promise<void> {
  await db.transaction(async (tx) => {
    const rows = await tx.query(
      "update purses set status = 'lost', revoked_at = $2, settle_after = $3 where purse_id = $1 and status = 'active' returning purse_id",
      [purseId, now, now + windowS],
    );
    if (!rows.length) throw new ProtocolError(ErrorCode.Revoked, `purse ${purseId} is not active`);
    await revoke(tx, purseId, 'lost', now);
    await recordAction(tx, by, 'lost', purseId, { revokedAt: now, settleAfter: now + windowS });
  });
}

/** A lost card settled: its outstanding value paid back to its cardholder's account. */
export interface Settled {
  purseId: string;
  cardholderId: string;
  currency: string;
  refunded: number;
}

/**
 * Settles lost cards whose window has passed: their outstanding value (loaded − captured −
 * refunded) goes back to the cardholder's account, and later checks are refused. Each purse in
 * its own transaction, its row locked and its status checked again there, so two runs at once
 * (two bank processes, a rerun) settle it once: the one that finds it already settled skips it.
 * Each settlement is recorded as a back-office action of `by`. Returns the purses this run settled.
 */
export async function settleLost(db: Database, bank: Bank, now: number, by: Actor = IN_PROCESS): Promise<Settled[]> {
  const due = await db.query<{ purse_id: string }>(
    "select purse_id from purses where status = 'lost' and settle_after <= $1 order by purse_id",
    [now],
  );
  const out: Settled[] = [];
  for (const { purse_id } of due) {
    const settled = await db.transaction(async (tx): Promise<Settled | undefined> => {
      const [p] = await tx.query<{
        cardholder_id: string;
        currency: string;
        loaded: number;
        captured: number;
        refunded: number;
        status: string;
        settle_after: number;
      }>(
        'select cardholder_id, currency, loaded, captured, refunded, status, settle_after from purses where purse_id = $1 for update',
        [purse_id],
      );
      if (p?.status !== 'lost') return undefined;
      const amount = p.loaded - p.captured - p.refunded;
      if (amount > 0) {
        const liability = await accountId(tx, 'emoney', bank.id, p.currency);
        const cardholder = await accountId(tx, 'cardholder', p.cardholder_id, p.currency);
        await post(tx, 'refund', `lost:${purse_id}`, [
          { account: liability, amount: -amount },
          { account: cardholder, amount },
        ]);
      }
      await tx.query("update purses set status = 'settled', refunded = refunded + $2 where purse_id = $1", [
        purse_id,
        amount,
      ]);
      await recordAction(tx, by, 'settle', purse_id, {
        cardholderId: p.cardholder_id,
        currency: p.currency,
        refunded: amount,
        settleAfter: p.settle_after,
        settledAt: now,
      });
      // Its checks are refused from now on: a new revocation version. Elsewhere migration 009's
      // trigger on the purse's status does it; on Citus (016) no trigger on a shard can.
      if (db.distributed) await tx.query('update revocation_version set version = version + 1');
      return { purseId: purse_id, cardholderId: p.cardholder_id, currency: p.currency, refunded: amount };
    });
    if (settled) out.push(settled);
  }
  return out;
}
