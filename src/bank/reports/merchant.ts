// A merchant's statement over a period: the checks credited to it (and reversed since by its
// refunds), totals per currency, and its deposit batches one by one with the hash of the signed
// receipt the bank gave for each (what the merchant keeps as proof). The period is of capture
// time (the batch's booking), [from, to). Totals are SQL aggregates; batches come a page at a
// time (limit, offset), so a merchant with millions of checks is never read whole.
import type { Queryable } from '../db.ts';
import { BankError } from '../errors.ts';

export const BATCHES_PER_PAGE = 100;
export const BATCHES_PER_PAGE_MAX = 1_000;
/** The period when none is given: the last 30 days. */
export const STATEMENT_DAYS = 30;

export interface CurrencyTotals {
  currency: string;
  /** Checks credited at capture (including those refunded since). */
  checks: number;
  credited: number;
  /** Of those, reversed since by the merchant's refund. */
  refundedChecks: number;
  refunded: number;
  /** credited − refunded. */
  net: number;
}

export interface StatementBatch {
  /** The merchant's batch id, hex. */
  batchId: string;
  /** SHA-256 of the deposit as received, hex (the batch's key at the bank). */
  batchHash: string;
  /** SHA-256 of the signed capture receipt, hex. */
  receiptHash: string;
  /** Booked at, unix seconds. */
  at: number;
  /** Checks in the batch (credited or refused). */
  checks: number;
  /** Credited per currency. */
  credited: { currency: string; checks: number; amount: number }[];
}

export interface MerchantStatement {
  merchantId: string;
  /** Unix seconds, from inclusive, to exclusive. */
  from: number;
  to: number;
  totals: CurrencyTotals[];
  batches: { total: number; offset: number; limit: number; items: StatementBatch[] };
}

export interface StatementQuery {
  from?: number;
  to?: number;
  limit?: number;
  offset?: number;
}

const unix = (name: string, v: number) => {
  if (!Number.isSafeInteger(v) || v < 0) throw new BankError('bad_request', `${name}: unix seconds`);
  return v;
};

export async function merchantStatement(
  q: Queryable,
  merchantId: string,
  now: number,
  o: StatementQuery = {},
): Promise<MerchantStatement> {
  // By default up to now, this second included: every batch booked so far.
  const to = unix('to', o.to ?? now + 1);
  const from = unix('from', o.from ?? to - STATEMENT_DAYS * 86_400);
  if (from > to) throw new BankError('bad_request', 'from: not after to');
  const limit = o.limit ?? BATCHES_PER_PAGE;
  const offset = o.offset ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > BATCHES_PER_PAGE_MAX)
    throw new BankError('bad_request', `limit: 1 to ${BATCHES_PER_PAGE_MAX}`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new BankError('bad_request', 'offset: 0 or more');
  const known = await q.query('select 1 from merchants where merchant_id = $1', [merchantId]);
  if (!known.length) throw new BankError('not_found', `merchant ${merchantId}`);

  const period = [merchantId, from, to];
  const inPeriod = 'b.merchant_id = $1 and b.created_at >= to_timestamp($2) and b.created_at < to_timestamp($3)';
  const totals = await q.query<Omit<CurrencyTotals, 'net'>>(
    `select p.currency, count(*)::bigint as checks, sum(c.amount)::bigint as credited,
            count(*) filter (where c.status = 'refunded')::bigint as "refundedChecks",
            coalesce(sum(c.amount) filter (where c.status = 'refunded'), 0)::bigint as refunded
       from checks c join purses p using (purse_id)
      where c.batch_hash in (select b.batch_hash from batches b where ${inPeriod}) and c.status in ('credited', 'refunded')
      group by p.currency order by p.currency`,
    period,
  );
  const [count] = await q.query<{ n: number }>(`select count(*)::bigint as n from batches b where ${inPeriod}`, period);
  const page = await q.query<{
    batch_id: string;
    batch_hash: string;
    receipt_hash: string;
    at: number;
    checks_count: number;
  }>(
    `select encode(b.batch_id, 'hex') as batch_id, encode(b.batch_hash, 'hex') as batch_hash,
            encode(sha256(b.receipt), 'hex') as receipt_hash, floor(extract(epoch from b.created_at))::bigint as at,
            b.checks_count
       from batches b where ${inPeriod} order by b.created_at, b.batch_hash limit $4 offset $5`,
    [...period, limit, offset],
  );
  const credited = page.length
    ? await q.query<{ batch_hash: string; currency: string; checks: number; amount: number }>(
        `select encode(c.batch_hash, 'hex') as batch_hash, p.currency, count(*)::bigint as checks, sum(c.amount)::bigint as amount
           from checks c join purses p using (purse_id)
          where c.batch_hash = any(select decode(h, 'hex') from unnest($1::text[]) as t(h)) and c.status in ('credited', 'refunded')
          group by c.batch_hash, p.currency order by p.currency`,
        [page.map((b) => b.batch_hash)],
      )
    : [];
  return {
    merchantId,
    from,
    to,
    totals: totals.map((t) => ({ ...t, net: t.credited - t.refunded })),
    batches: {
      total: count?.n ?? 0,
      offset,
      limit,
      items: page.map((b) => ({
        batchId: b.batch_id,
        batchHash: b.batch_hash,
        receiptHash: b.receipt_hash,
        at: b.at,
        checks: b.checks_count,
        credited: credited
          .filter((c) => c.batch_hash === b.batch_hash)
          .map((c) => ({ currency: c.currency, checks: c.checks, amount: c.amount })),
      })),
    },
  };
}
