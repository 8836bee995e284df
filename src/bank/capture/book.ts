// Step 3, book, inside the capture transaction: the database constraints decide. The purse rows
// are locked in id order; a check of an unknown purse, another currency or a purse no longer active
// is refused and leaves no trace; the rest are inserted with `on conflict do nothing` (primary key
// (purse_id, serial), unique check_hash), so the same check twice is a duplicate and two checks
// with one (purse, serial) a clone (conflicts.ts) — also across bank processes on one PostgreSQL —
// and the new ones are credited within each purse's loaded value (credit.ts). A clone's check and a
// check past the loaded value are paid under the guarantee when the rules allow (guarantee.ts); a
// purse revoked as a clone or overspent stays capturable for the checks dated before its revocation
// reached the terminals (revoked + the maximum revocation-list age), which the guarantee covers. A
// check its merchant has refunded at the bank (../refunds.ts) is refused with 322 before any of that.
import type { CheckOutcome } from '../../protocol/capture.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { DEFAULT_GUARANTEE_POLICY, revokedTooLong } from '../../protocol/guarantee.ts';
import type { DepositBatch } from '../../protocol/messages.ts';
import type { Verified } from '../../protocol/signed.ts';
import { bytea, type Queryable } from '../db.ts';
import { queueForeign } from '../interbank/outbox.ts';
import type { PresentedBy } from '../interbank/postings.ts';
import type { Bank } from '../issuing.ts';
import { refundedChecks } from '../refunds.ts';
import { resolveConflicts } from './conflicts.ts';
import { creditFresh, type PurseRow } from './credit.ts';
import { GuaranteeBook } from './guarantee.ts';
import type { CaptureOptions } from './types.ts';
import type { Candidate, VerifiedChecks } from './verify.ts';

export interface Booked {
  /** Every check's outcome, in batch order. */
  outcomes: CheckOutcome[];
  /** The sum credited to the merchant. */
  credited: number;
}

export async function bookBatch(
  tx: Queryable,
  bank: Bank,
  batch: Verified<DepositBatch>,
  verified: VerifiedChecks,
  o: Pick<CaptureOptions, 'now' | 'onStep' | 'guarantee' | 'presentTo'> & {
    distributed: boolean;
    /** At an issuer booking a presentment: the acquirer it owes for its merchant's checks. */
    presentedBy?: PresentedBy;
  },
): Promise<Booked> {
  // A copy per attempt: PostgreSQL runs the transaction again after a deadlock.
  const outcomes = verified.outcomes.map((x) => ({ ...x }));
  const purses = await lockPurses(tx, verified.candidates, o.distributed);
  await o.onStep?.('locked');
  const guarantee = new GuaranteeBook(tx, batch, { now: o.now, policy: o.guarantee ?? DEFAULT_GUARANTEE_POLICY });
  // At an acquirer of a scheme, the checks of other issuers' purses go to their issuer (../interbank/).
  const candidates = o.presentTo
    ? await queueForeign(tx, bank, batch, verified.candidates, new Set(purses.keys()), outcomes, {
        presentTo: o.presentTo,
        now: o.now,
      })
    : verified.candidates;
  const refunded = await refundedChecks(tx, batch.body.merchantId, candidates);
  const eligible = admit(candidates, purses, refunded, outcomes, guarantee);
  const inserted = await insertChecks(tx, eligible, batch, o.distributed);
  await o.onStep?.('inserted');
  const fresh: Candidate[] = [];
  const seen: Candidate[] = [];
  for (const c of eligible) {
    if (inserted.delete(c.hashHex)) fresh.push(c);
    else seen.push(c);
  }
  await resolveConflicts(tx, seen, batch.body.checks, purses, outcomes, guarantee, o.now);
  await creditFresh(tx, bank, batch, fresh, purses, outcomes, guarantee, o.now, o.presentedBy);
  await guarantee.post(bank, o.presentedBy);
  return { outcomes, credited: outcomes.reduce((s, x) => s + x.credited, 0) };
}

const PURSE_ROW = 'purse_id, currency, loaded, captured, refunded, status, revoked_at';

/**
 * The candidates' purse rows, locked (`for update`) in id order so concurrent captures cannot
 * deadlock. Citus runs `for update` on one shard only: there an update that changes nothing locks
 * the rows of every shard in one statement (one connection per node); two captures that lock the
 * same purses in another order across nodes are a distributed deadlock, which Citus detects and
 * the transaction is run again (db.ts).
 */
async function lockPurses(
  tx: Queryable,
  candidates: readonly Candidate[],
  distributed: boolean,
): Promise<Map<string, PurseRow>> {
  const purseIds = [...new Set(candidates.map((c) => c.fields.purseId))].sort();
  const rows = await tx.query<PurseRow>(
    distributed
      ? `update purses set checks_count = checks_count where purse_id = any($1::text[]) returning ${PURSE_ROW}`
      : `select ${PURSE_ROW} from purses where purse_id = any($1::text[]) order by purse_id for update`,
    [purseIds],
  );
  return new Map(rows.map((p) => [p.purse_id, p]));
}

/**
 * The candidates whose purse this bank issued, not refunded by the merchant, in their currency,
 * still capturable; the others get their code. A purse revoked as a clone or overspent is
 * capturable for the checks a terminal following the rules could still accept (dated before its
 * revocation reached them).
 */
function admit(
  candidates: readonly Candidate[],
  purses: ReadonlyMap<string, PurseRow>,
  refunded: ReadonlySet<string>,
  outcomes: CheckOutcome[],
  guarantee: GuaranteeBook,
) {
  const eligible: Candidate[] = [];
  for (const c of candidates) {
    const purse = purses.get(c.fields.purseId);
    const out = outcomes[c.index] as CheckOutcome;
    if (!purse) out.code = ErrorCode.WrongBank;
    else if (refunded.has(c.hashHex)) out.code = ErrorCode.CheckRefunded;
    else if (purse.currency !== c.fields.currency) out.code = ErrorCode.CurrencyMismatch;
    else if (purse.status === 'fraud' || purse.status === 'overspent') {
      if (revokedTooLong(guarantee.checkTime(c), purse.revoked_at, guarantee.policy))
        out.code = ErrorCode.GuaranteeAfterRevocation;
      else eligible.push(c);
    } else if (purse.status !== 'active' && purse.status !== 'lost') out.code = ErrorCode.Revoked;
    else eligible.push(c);
  }
  return eligible;
}

/**
 * Inserts the eligible checks; the hashes (hex) of those the constraints let in, i.e. the new ones.
 * On Citus as rows of values, which it sends to each shard directly (an insert from a select of
 * arrays goes through the coordinator, many times slower there).
 */
async function insertChecks(
  tx: Queryable,
  eligible: readonly Candidate[],
  batch: Verified<DepositBatch>,
  distributed: boolean,
): Promise<Set<string>> {
  if (eligible.length === 0) return new Set();
  const columns = 'purse_id, serial, check_hash, amount, merchant_id, batch_hash, status, batch_index';
  const conflict = "on conflict do nothing returning encode(check_hash, 'hex') as h";
  if (distributed) {
    // 5 parameters a row, 10,000 rows a statement: PostgreSQL takes at most 65,535 parameters.
    const ROWS = 10_000;
    const row = (k: number) =>
      `($${3 + 5 * k}, $${4 + 5 * k}, $${5 + 5 * k}, $${6 + 5 * k}, $1, $2, 'credited', $${7 + 5 * k})`;
    const fresh = new Set<string>();
    for (let i = 0; i < eligible.length; i += ROWS) {
      const part = eligible.slice(i, i + ROWS);
      const rows = await tx.query<{ h: string }>(
        `insert into checks (${columns}) values ${part.map((_, k) => row(k)).join(', ')} ${conflict}`,
        [
          batch.body.merchantId,
          bytea(batch.hash),
          ...part.flatMap((c) => [
            c.fields.purseId,
            c.fields.serial,
            Buffer.from(c.hashHex, 'hex'),
            c.fields.amount,
            c.index,
          ]),
        ],
      );
      for (const r of rows) fresh.add(r.h);
    }
    return fresh;
  }
  const rows = await tx.query<{ h: string }>(
    `insert into checks (${columns})
     select p, s, decode(h, 'hex'), a, $5, $6, 'credited', i
       from unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $7::int[]) as t(p, s, h, a, i)
     ${conflict}`,
    [
      eligible.map((c) => c.fields.purseId),
      eligible.map((c) => c.fields.serial),
      eligible.map((c) => c.hashHex),
      eligible.map((c) => c.fields.amount),
      batch.body.merchantId,
      bytea(batch.hash),
      eligible.map((c) => c.index),
    ],
  );
  return new Set(rows.map((r) => r.h));
}
