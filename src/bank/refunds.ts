// Merchant refunds deposited at the bank: the merchant-signed refund it gave the card (REFUND,
// src/protocol/refund.ts), kept as evidence in `refunds` (migration 005). A refund of a check
// already credited reverses it once (merchant debited, the value back in the purse's outstanding
// e-money: the card holds it again); a refund of a check not deposited yet is recorded, and capture
// then refuses that check with 322 whenever it comes (refundedChecks, called by capture/book.ts).
// The same refund again gets the same answer and books nothing; another refund of the same check
// by the same merchant is 316.
import { toHex } from '../bytes.ts';
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import type { Refund } from '../protocol/messages.ts';
import type { RefundOutcome } from '../protocol/refund.ts';
import type { Verified } from '../protocol/signed.ts';
import { bytea, type Database, type Queryable } from './db.ts';
import type { Bank } from './issuing.ts';
import { accountId, post } from './ledger.ts';

/**
 * Books a merchant-signed refund, verified (openRefund or verifyDepositedRefund), in one
 * transaction. Refused, nothing changed: 206 (the merchant is revoked), 315 (not our purse), 323
 * (the refund does not match its check or the purse's currency), 300 (the check was paid to another
 * merchant), 316 (this merchant refunded that check already, with another refund).
 */
export function bookRefund(db: Database, bank: Bank, verified: Verified<Refund>): Promise<RefundOutcome> {
  return db.transaction((tx) => bookVerified(tx, bank, verified));
}

type CheckRow = { purse_id: string; serial: number; amount: number; merchant_id: string; status: string };

async function bookVerified(tx: Queryable, bank: Bank, verified: Verified<Refund>): Promise<RefundOutcome> {
  const r = verified.body;
  const [revoked] = await tx.query('select 1 from revocations where subject = $1', [r.merchantId]);
  if (revoked) throw new ProtocolError(ErrorCode.Revoked, `merchant ${r.merchantId}`);
  // The purse row is the lock capture also takes first (book.ts): a refund and a deposit of its
  // check are serialized, so each sees the other.
  const [purse] = await tx.query<{ currency: string }>('select currency from purses where purse_id = $1 for update', [
    r.purseId,
  ]);
  if (!purse) throw new ProtocolError(ErrorCode.WrongBank, `purse ${r.purseId} is not one of ${bank.id}'s`);
  // No row lock on the check: the purse lock above serializes this refund with any capture of the
  // purse's checks, and a check of another purse is refused below without a write (and Citus
  // locks no row across shards by a hash).
  const [check] = await tx.query<CheckRow>(
    'select purse_id, serial, amount, merchant_id, status from checks where check_hash = $1',
    [bytea(r.checkHash)],
  );
  const answer = (outcome: RefundOutcome['outcome'], replayed: boolean): RefundOutcome => ({
    checkHash: r.checkHash,
    outcome,
    amount: outcome === 'reversed' ? r.amount : 0,
    replayed,
  });
  const [same] = await tx.query('select 1 from refunds where refund_hash = $1', [bytea(verified.hash)]);
  if (same) return answer(reversedBy(check, r) ? 'reversed' : 'recorded', true);
  const [other] = await tx.query('select 1 from refunds where check_hash = $1 and merchant_id = $2', [
    bytea(r.checkHash),
    r.merchantId,
  ]);
  if (other) throw new ProtocolError(ErrorCode.RefundAlreadyApplied, `check ${toHex(r.checkHash)}`);
  if (r.currency !== purse.currency)
    throw new ProtocolError(ErrorCode.RefundMismatch, `refund in ${r.currency}, purse in ${purse.currency}`);
  if (check) {
    if (check.merchant_id !== r.merchantId)
      throw new ProtocolError(ErrorCode.WrongMerchant, `check paid to ${check.merchant_id}`);
    if (check.purse_id !== r.purseId || check.serial !== r.serial || check.amount !== r.amount)
      throw new ProtocolError(
        ErrorCode.RefundMismatch,
        `check ${check.purse_id}#${check.serial} of ${check.amount}, refund ${r.purseId}#${r.serial} of ${r.amount}`,
      );
    if (check.status === 'refunded') throw new ProtocolError(ErrorCode.RefundAlreadyApplied, 'check reversed');
  }
  await tx.query(
    `insert into refunds (refund_hash, check_hash, merchant_id, purse_id, serial, amount, currency, refund)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      bytea(verified.hash),
      bytea(r.checkHash),
      r.merchantId,
      r.purseId,
      r.serial,
      r.amount,
      r.currency,
      bytea(verified.bytes),
    ],
  );
  // Not deposited yet, or deposited over the purse's limit (never credited): nothing to reverse.
  if (check?.status !== 'credited') return answer('recorded', false);
  if (r.amount > 0) {
    const liability = await accountId(tx, 'emoney', bank.id, r.currency);
    const merchant = await accountId(tx, 'merchant', r.merchantId, r.currency);
    await post(
      tx,
      'refund',
      `reversal:${toHex(r.checkHash)}`,
      [
        { account: merchant, amount: -r.amount },
        { account: liability, amount: r.amount },
      ],
      [merchant],
    );
  }
  await tx.query("update checks set status = 'refunded' where check_hash = $1", [bytea(r.checkHash)]);
  await tx.query('update purses set captured = captured - $2 where purse_id = $1', [r.purseId, r.amount]);
  return answer('reversed', false);
}

/** True when the check row is the one this merchant's refund reversed. */
const reversedBy = (check: CheckRow | undefined, r: Refund) =>
  check?.status === 'refunded' && check.merchant_id === r.merchantId;

/** A check about to be captured, as capture knows it. */
export interface RefundableCheck {
  hashHex: string;
  fields: { purseId: string; serial: number; amount: number; currency: string };
}

/**
 * Capture: the hashes (hex) of those checks the depositing merchant has refunded, whose refund
 * names exactly that check (purse, serial, amount, currency): they are refused with 322, never
 * credited. A refund of another merchant, or one that does not match, changes nothing here.
 */
export async function refundedChecks(
  tx: Queryable,
  merchantId: string,
  checks: readonly RefundableCheck[],
): Promise<Set<string>> {
  if (checks.length === 0) return new Set();
  const rows = await tx.query<{ h: string; purse_id: string; serial: number; amount: number; currency: string }>(
    `select encode(check_hash, 'hex') as h, purse_id, serial, amount, currency from refunds
      where merchant_id = $1 and check_hash = any(select decode(h, 'hex') from unnest($2::text[]) as t(h))`,
    [merchantId, checks.map((c) => c.hashHex)],
  );
  const byHash = new Map(rows.map((r) => [r.h, r]));
  const out = new Set<string>();
  for (const c of checks) {
    const r = byHash.get(c.hashHex);
    const f = c.fields;
    if (r && r.purse_id === f.purseId && r.serial === f.serial && r.amount === f.amount && r.currency === f.currency)
      out.add(c.hashHex);
  }
  return out;
}
