// The new checks credited: per purse, in serial order, while captured + refunded stays within
// loaded. A check past that proves a copied card (a genuine one cannot spend past its balance):
// the purse is revoked as overspent, and the check is paid under the guarantee when the rules
// allow (guarantee.ts, its row `guaranteed`), else refused with the reason (324–327, its row
// `overspent`). Then the purse shadow (captured, highest serial, count) and the ledger: the e-money liability
// debited and the merchant credited, one transaction per currency.
import { toHex } from '../../bytes.ts';
import type { CheckOutcome } from '../../protocol/capture.ts';
import type { DepositBatch } from '../../protocol/messages.ts';
import type { Verified } from '../../protocol/signed.ts';
import type { Queryable } from '../db.ts';
import { type PresentedBy, postIssuerAccepted } from '../interbank/postings.ts';
import { type Bank, revoke } from '../issuing.ts';
import { accountId, post } from '../ledger.ts';
import type { GuaranteeBook } from './guarantee.ts';
import type { Candidate } from './verify.ts';

/** A purse row as locked by book.ts. */
export type PurseRow = {
  purse_id: string;
  currency: string;
  loaded: number;
  captured: number;
  refunded: number;
  status: string;
  revoked_at: number | null;
};

/** What one batch adds to one purse's shadow. */
interface PurseGain {
  add: number;
  highest: number;
  count: number;
}

/** Credits the fresh checks, records the overspent ones (guaranteed or refused). */
export async function creditFresh(
  tx: Queryable,
  bank: Bank,
  batch: Verified<DepositBatch>,
  fresh: Candidate[],
  purses: ReadonlyMap<string, PurseRow>,
  outcomes: CheckOutcome[],
  guarantee: GuaranteeBook,
  now: number,
  presentedBy?: PresentedBy,
): Promise<void> {
  fresh.sort((a, b) =>
    a.fields.purseId < b.fields.purseId
      ? -1
      : a.fields.purseId > b.fields.purseId
        ? 1
        : a.fields.serial - b.fields.serial,
  );
  const overspent: Candidate[] = [];
  const guaranteed: Candidate[] = [];
  const gains = new Map<string, PurseGain>();
  const byCurrency = new Map<string, number>();
  for (const c of fresh) {
    const purse = purses.get(c.fields.purseId) as PurseRow;
    const gain = gains.get(c.fields.purseId) ?? { add: 0, highest: 0, count: 0 };
    gains.set(c.fields.purseId, gain);
    gain.highest = Math.max(gain.highest, c.fields.serial);
    const out = outcomes[c.index] as CheckOutcome;
    if (purse.captured + purse.refunded + gain.add + c.fields.amount > purse.loaded) {
      out.code = await guarantee.decide(c, purse, false);
      if (out.code !== 0) overspent.push(c);
      else {
        out.credited = c.fields.amount;
        guaranteed.push(c);
      }
      continue;
    }
    gain.add += c.fields.amount;
    gain.count += 1;
    out.credited = c.fields.amount;
    // A check for 0 (valid on the wire) moves no money: no ledger transaction for it.
    if (c.fields.amount > 0)
      byCurrency.set(c.fields.currency, (byCurrency.get(c.fields.currency) ?? 0) + c.fields.amount);
  }
  await markOverspent(tx, overspent, guaranteed, now);
  await updateShadows(tx, gains);
  await postCredits(tx, bank, batch, byCurrency, presentedBy);
}

/** The rows past the loaded value get their status; their purses are revoked as overspent. */
async function markOverspent(
  tx: Queryable,
  overspent: readonly Candidate[],
  guaranteed: readonly Candidate[],
  now: number,
): Promise<void> {
  const past = [...overspent, ...guaranteed];
  if (past.length === 0) return;
  await tx.query(
    `update checks c set status = t.st from unnest($1::text[], $2::text[]) as t(h, st) where c.check_hash = decode(t.h, 'hex')`,
    [past.map((c) => c.hashHex), past.map((c) => (overspent.includes(c) ? 'overspent' : 'guaranteed'))],
  );
  for (const id of new Set(past.map((c) => c.fields.purseId))) {
    await tx.query(
      "update purses set status = 'overspent', revoked_at = coalesce(revoked_at, $2) where purse_id = $1 and status = 'active'",
      [id, now],
    );
    await revoke(tx, id, 'overspent', now);
  }
}

async function updateShadows(tx: Queryable, gains: ReadonlyMap<string, PurseGain>): Promise<void> {
  if (gains.size === 0) return;
  const ids = [...gains.keys()];
  const gain = (id: string) => gains.get(id) as PurseGain;
  await tx.query(
    `update purses p set captured = captured + t.a, highest_serial = greatest(highest_serial, t.s), checks_count = checks_count + t.n
       from unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) as t(id, a, s, n) where p.purse_id = t.id`,
    [ids, ids.map((id) => gain(id).add), ids.map((id) => gain(id).highest), ids.map((id) => gain(id).count)],
  );
}

/**
 * One ledger transaction per currency, in currency order: the e-money liability to the merchant,
 * or, for a presentment (`presentedBy` set), to what this bank owes the merchant's acquirer, under
 * the presentment's reference (the one the acquirer books).
 */
async function postCredits(
  tx: Queryable,
  bank: Bank,
  batch: Verified<DepositBatch>,
  byCurrency: ReadonlyMap<string, number>,
  presentedBy: PresentedBy | undefined,
): Promise<void> {
  const merchantId = batch.body.merchantId;
  const reference = `${merchantId}:${toHex(batch.hash)}`;
  for (const [currency, amount] of [...byCurrency].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (presentedBy !== undefined) {
      const { acquirer: counterparty, reference } = presentedBy;
      await postIssuerAccepted(tx, bank.id, { counterparty, currency, amount, reference });
      continue;
    }
    const liability = await accountId(tx, 'emoney', bank.id, currency);
    const merchant = await accountId(tx, 'merchant', merchantId, currency);
    await post(tx, 'capture', reference, [
      { account: liability, amount: -amount },
      { account: merchant, amount },
    ]);
  }
}
