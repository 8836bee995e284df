// The audit's findings: one stable `kind` per kind of difference between the books and the stored
// signed evidence, each with what it proves. src/bank/README.md § "Audit findings" is the same list.
// A kind is never renamed or reused for another meaning: scripts and tests match on it.

import type { CheckpointOutcome } from './checkpoint/index.ts';

export const FINDING_KINDS = {
  // Books: accounts, transactions, entries.
  account_balance_mismatch:
    'an account balance differs from the sum of its entries (a balance edited by hand, or an entry added/removed without it)',
  transaction_unbalanced: 'a transaction whose entries do not sum to 0, or that has fewer than two entries',
  transaction_mixed_currency: 'a transaction with entries on accounts of more than one currency',
  transaction_mismatch:
    'a transaction that answers an item of evidence but moves other amounts or other accounts than that evidence says',
  transaction_missing:
    'an item of evidence (load, credited batch, reversed check, settled purse) with no transaction of its reference',
  transaction_unjustified:
    'a transaction that no item of evidence asks for (unknown reference, or a second one for the same evidence: money moved twice)',
  payout_unbacked: 'a payout that takes a merchant past what its captures credited it',
  timestamp_out_of_range: 'a row dated before the bank existed or in the future',
  // Loads.
  load_evidence_invalid:
    "a load whose stored value-token request does not verify (purse signature, certificate at its time) or whose request hash is not the request's",
  load_row_mismatch: 'a load row (purse, amount, nonce, transaction) that differs from its signed request',
  // Deposits, receipts, checks.
  deposit_invalid:
    'a stored deposit batch whose merchant signature does not verify, or whose row (hash, merchant, batch id) differs from it',
  receipt_invalid:
    "a stored receipt whose bank signature does not verify, or that does not match its deposit (merchant, batch id, the checks' hashes, the total, the row's credited and count)",
  receipt_check_missing:
    'a receipt outcome (credited, over the limit, or a clone) with no check row or fraud evidence row for it',
  check_evidence_missing: 'a check row whose deposit batch is not stored, or whose index is past its end',
  check_signature_invalid:
    'a check row whose signed check in its deposit does not verify (purse signature, certificate at its time)',
  check_row_mismatch: 'a check row (purse, serial, amount, merchant, hash) that differs from its signed check',
  check_row_duplicate: 'a second check row claiming a deposited check another row already stands for',
  check_not_in_receipt:
    'a check row whose status the receipt does not give (credited, but refused or credited another amount by the receipt; over the limit, but not so in the receipt)',
  // Merchant refunds.
  refund_invalid:
    "a stored refund whose merchant signature does not verify (certificate at its time, the merchant naming itself) or whose refund hash is not the refund's",
  refund_row_mismatch:
    'a refund row (check hash, merchant, purse, serial, amount, currency) that differs from its signed refund',
  refund_missing:
    'a check row reversed, or a receipt outcome 322 (the check refunded), with no stored refund of that check by its merchant',
  refund_not_applied: "a check credited and not reversed although its merchant's stored refund names exactly it",
  // Purses.
  purse_loaded_mismatch: 'a purse whose books say loaded differs from its signed load requests',
  purse_captured_mismatch:
    'a purse whose books say captured differs from the credited checks of the receipts (less those reversed)',
  purse_refunded_mismatch:
    'a purse whose books say refunded differs from its settlement (a settled lost card: loaded − captured; else 0)',
  purse_counters_mismatch: 'a purse whose highest serial or count of credited checks differs from its deposited checks',
  purse_overspent: 'a purse whose evidence shows more captured and refunded than loaded',
  purse_status_unjustified:
    'a purse status the evidence does not give (fraud without a clone proof, clone proof while not fraud, overspent without a check over the limit, a check over the limit while active)',
  // The guarantee.
  guarantee_unjustified:
    "a check paid from the fraud loss that its evidence does not justify (the receipt did not credit it, another signed check, a clone without fraud evidence, a check the loaded value covered, a purse not revoked), or a 'guaranteed' check row without its guarantee",
  guarantee_over_limit:
    "a purse paid under the guarantee beyond its certificate's offline limits (maxOfflineAmount, maxOfflineChecks, maxPerCheck)",
  // Fraud and revocation.
  fraud_evidence_invalid:
    'a fraud evidence row whose proof does not prove a clone of that purse and serial, or whose check is not in the proof',
  revocation_missing: 'a purse that is not active (fraud, overspent, lost, settled) but is not revoked',
  revocation_unjustified:
    'a purse revoked as a clone without a clone proof, or as overspent without a check over the limit',
  revocation_list_invalid: 'a stored revocation list whose bank signature does not verify',
  revocation_list_mismatch:
    'a revocation list row that differs from its signed list (number, time, subject count, signing generation) or that names a subject not revoked',
  // Presentments between banks of a scheme (presentments.ts).
  presentment_invalid:
    "a stored presentment (sent or received) whose signature does not verify, that is not the sender's or not for the receiver, whose id is not its hash, or whose row (issuer, acquirer, deposit, merchant) differs from it",
  presentment_answer_invalid:
    "a stored answer to a presentment that does not verify under its issuer's certificate, does not match the presentment (id, outcome count, check hashes, amounts), or differs from what the issuer's receipt booked",
  presented_check_mismatch:
    "a presented check row that differs from the signed check at its item, is in no stored presentment, or whose status, code or credit is not its issuer's answer",
  // Keys and certificates.
  bank_key_invalid:
    'a bank key generation whose certificate does not verify under the root, or whose public keys are not the certified ones (the secret keys are in the key store)',
  bank_key_mirror_mismatch: 'the bank_keys row that is not the root or not a copy of the newest key generation',
  certificate_invalid:
    "a merchant, purse or cardholder certificate that does not verify under the bank, or is not for that row (subject, role, currency); a purse certificate of its history over another key than the purse's, or a purse's current certificate missing from its history",
  // Interbank settlement.
  settlement_statement_invalid:
    "a stored settlement statement that does not verify: this bank's (its signature, or not naming the cycle's pair, number and cutoff) or the peer's of an agreed cycle (not signed by a bank of the scheme naming itself, or not the mirror of this bank's)",
  settlement_books_mismatch:
    'a settlement cycle whose statement or stored lines differ from what its presentments sum to on the books (per currency owed, due, net; the references hash), or that includes a transaction that is not a presentment with its counterparty',
  // The back office.
  action_missing:
    'a funding transaction, a purse lost or settled (a lost report), or a settled purse (its settlement), with no back-office action record for it',
  action_unauthorised:
    "a back-office action record whose credential was revoked before it or lacks the action's role, or an enrolment without the activation code it used",
  // Signed audit checkpoints (checkpoint/): the chain, and the evidence they cover.
  checkpoint_invalid:
    "a stored audit checkpoint whose signature does not verify under the auditor's key (its body, totals or signature changed) or whose body is not a checkpoint",
  checkpoint_row_mismatch: 'an audit checkpoint row (bank, number, position, hash) that differs from its signed body',
  checkpoint_chain_broken:
    'an audit checkpoint that does not follow the previous one (a number missing, another previous hash, the previous periods not kept, periods not contiguous up to its position)',
  evidence_tampered:
    "evidence rows of a checkpoint's period that are as many as it counted but no longer hash to its Merkle root (an old row changed)",
  evidence_deleted: "fewer evidence rows in a checkpoint's period than it counted (an old row deleted, or moved out)",
  evidence_inserted:
    "more evidence rows in a checkpoint's period than it counted (a row inserted at, or moved to, an old position)",
} as const;

export type FindingKind = keyof typeof FINDING_KINDS;

/** One difference: its kind, the table and key of the row it is about, and a human detail. */
export interface Finding {
  kind: FindingKind;
  table: string;
  key: string;
  detail: string;
}

export interface AuditReport {
  ok: boolean;
  /** The findings listed: the first MAX_FINDINGS (src/bank/audit/context.ts) unless asked otherwise. */
  findings: Finding[];
  /** Every finding, listed or only counted. */
  findingsTotal: number;
  /** The findings as one line each (`kind table key: detail`), for logs. */
  differences: string[];
  counts: { loads: number; checks: number; purses: number; batches: number; transactions: number };
  elapsedMs: number;
  /** With `checkpoint` options: the checkpoint verified and the one written. */
  checkpoint?: CheckpointOutcome;
}

export const formatFinding = (f: Finding): string => `${f.kind} ${f.table} ${f.key}: ${f.detail}`;
