// Step 2, verify: every check of the batch in the worker pool (the core's batch check verifier),
// outside the transaction. POS checks (COSE_Sign1) and Internet checks (COSE_Sign, purse and
// cardholder) alike: the core verifies both kinds, all their signatures in one batch. A genuine
// check above what its purse certificate certified per check is refused here
// (AboveCertifiedLimit), as the card refuses to sign it and the terminal to accept it: a tampered
// or emulated card's check is never booked.

import { toHex } from '../../bytes.ts';
import { aboveCertifiedLimit, type CheckOutcome, depositedCheckHashes } from '../../protocol/capture.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { DepositBatch } from '../../protocol/messages.ts';
import type { CheckFields, VerifierPool, VerifyChecksOptions } from '../../protocol/verifier/index.ts';

/** A check that verified and is for the depositing merchant: the ledger decides the rest. */
export interface Candidate {
  /** Its place in the batch (and in the receipt). */
  index: number;
  fields: CheckFields;
  /** The check hash in hex, as the SQL compares it. */
  hashHex: string;
}

export interface VerifiedChecks {
  /** Each check's hash, in batch order: what the receipt names it by. */
  hashes: Uint8Array[];
  /** Each check's outcome so far: the verifier's refusal code, WrongMerchant, or 0. */
  outcomes: CheckOutcome[];
  candidates: Candidate[];
}

export async function verifyBatch(
  batch: Pick<DepositBatch, 'merchantId' | 'checks'>,
  verifier: VerifierPool,
  options: VerifyChecksOptions,
): Promise<VerifiedChecks> {
  const { checks, merchantId } = batch;
  const verdicts = await verifier.verifyChecks(checks, options);
  // The verifier computed the hash of every check it parsed; only refused items need hashing here.
  const hashes = depositedCheckHashes(
    checks,
    verdicts.map((v) => (v.ok ? v.checkHash : undefined)),
  );
  const outcomes: CheckOutcome[] = verdicts.map((v) => ({ code: v.ok ? 0 : v.code, credited: 0 }));
  const candidates: Candidate[] = [];
  verdicts.forEach((v, index) => {
    if (!v.ok) return;
    if (v.merchantId !== merchantId) (outcomes[index] as CheckOutcome).code = ErrorCode.WrongMerchant;
    else if (aboveCertifiedLimit(v, v.limit)) (outcomes[index] as CheckOutcome).code = ErrorCode.AboveCertifiedLimit;
    else candidates.push({ index, fields: v, hashHex: toHex(v.checkHash) });
  });
  return { hashes, outcomes, candidates };
}
