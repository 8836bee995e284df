// The ledger side of a foreign check, shared by both ends of a presentment: the issuer books the
// check against its e-money liability and owes the acquirer; the acquirer credits its merchant and
// is owed by the issuer (migration 011: the interbank accounts and their sign). Each is one
// balanced transaction in the caller's database transaction, so it commits with the evidence.
import { toHex } from '../../bytes.ts';
import type { Queryable } from '../db.ts';
import { accountId, post } from '../ledger.ts';

/**
 * The ledger reference of a presentment's transactions at both ends (the issuer's 'presentment'
 * and 'guarantee' postings, the acquirer's credits): settlement matches the two books on it
 * (positions.ts) and each audit expects it.
 */
export const presentmentReference = (id: Uint8Array): string => `presentment:${toHex(id)}`;

/** At an issuer booking a presentment: the acquirer it owes, and the reference it books under. */
export interface PresentedBy {
  acquirer: string;
  /** presentmentReference of the presentment. */
  reference: string;
}

/** One foreign check's value, or the sum of a presentment's accepted checks, in one currency. */
export interface InterbankAmount {
  /** The other bank of the pair (the acquirer at the issuer, the issuer at the acquirer). */
  counterparty: string;
  currency: string;
  /** Minor units, > 0. */
  amount: number;
  /** The transaction's reference: the presentment (and check) it books. */
  reference: string;
}

/** At the issuer: checks of its purses accepted for another bank's merchant; it owes that bank. */
export async function postIssuerAccepted(q: Queryable, issuerId: string, a: InterbankAmount): Promise<number> {
  const liability = await accountId(q, 'emoney', issuerId, a.currency);
  const due = await accountId(q, 'interbank', a.counterparty, a.currency);
  return post(q, 'presentment', a.reference, [
    { account: liability, amount: -a.amount },
    { account: due, amount: a.amount },
  ]);
}

/** At the acquirer: its merchant credited for checks the issuer accepted; the issuer owes it. */
export async function postAcquirerCredited(q: Queryable, merchantId: string, a: InterbankAmount): Promise<number> {
  const due = await accountId(q, 'interbank', a.counterparty, a.currency);
  const merchant = await accountId(q, 'merchant', merchantId, a.currency);
  return post(q, 'presentment', a.reference, [
    { account: due, amount: -a.amount },
    { account: merchant, amount: a.amount },
  ]);
}
