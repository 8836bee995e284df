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
    /** At an issuer booking a presentment: the acquirer it owes for its merchant's checks. */
    acquirer?: string;
  },
): Promise<Booked> {
  // A copy per attempt: PostgreSQL runs the transaction again after a deadlock.
  const outcomes = verified.outcomes.map((x) => ({ ...x }));
  const purses = await lockPurses(tx, verified.candidates);
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
  const inserted = await insertChecks(tx, eligible, batch);
  await o.onStep?.('inserted');
  const fresh: Candidate[] = [];
  const seen: Candidate[] = [];
  for (const c of eligible) {
    if (inserted.delete(c.hashHex)) fresh.push(c);
    else seen.push(c);
  }
  await resolveConflicts(tx, seen, batch.body.checks, purses, outcomes, guarantee, o.now);
  await creditFresh(tx, bank, batch, fresh, purses, outcomes, guarantee, o.now, o.acquirer);
  await guarantee.post(bank, o.acquirer);
  return { outcomes, credited: outcomes.reduce((s, x) => s + x.credited, 0) };
}

/** The candidates' purse rows, locked (`for update`) in id order so concurrent captures cannot deadlock. */
async function lockPurses(tx: Queryable, candidates: readonly Candidate[]): Promise<Map<string, PurseRow>> {
  const purseIds = [...new Set(candidates.map((c) => c.fields.purseId))].sort();
  const rows = await tx.query<PurseRow>(
    'select purse_id, currency, loaded, captured, refunded, status, revoked_at from purses where purse_id = any($1::text[]) order by purse_id for update',
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

/** Inserts the eligible checks; the hashes (hex) of those the constraints let in, i.e. the new ones. */
async function insertChecks(
  tx: Queryable,
  eligible: readonly Candidate[],
  batch: Verified<DepositBatch>,
): Promise<Set<string>> {
  if (eligible.length === 0) return new Set();
  const rows = await tx.query<{ h: string }>(
    `insert into checks (purse_id, serial, check_hash, amount, merchant_id, batch_hash, status, batch_index)
     select p, s, decode(h, 'hex'), a, $5, $6, 'credited', i
       from unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $7::int[]) as t(p, s, h, a, i)
     on conflict do nothing returning encode(check_hash, 'hex') as h`,
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
