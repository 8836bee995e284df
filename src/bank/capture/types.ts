// What captureBatch takes and gives, shared by its steps (index.ts composes them).

import type { CheckOutcome } from '../../protocol/capture.ts';
import type { GuaranteePolicy } from '../../protocol/guarantee.ts';
import type { VerifierPool } from '../../protocol/verifier/index.ts';
import type { Revocations } from '../revocations.ts';

/** The points inside the transaction where the test hook runs (a crash test kills the process there). */
export type CaptureStep = 'verified' | 'locked' | 'inserted' | 'booked';

export interface CaptureOptions {
  now: number;
  verifier: VerifierPool;
  /** The service's snapshot of the revocations; without it they are read for the batch. */
  revocations?: Revocations;
  /** When set, refuse a batch dated further than this from now. */
  maxSkewS?: number;
  /** Most checks in one batch; more is refused (BankError bad_request). */
  checksMax?: number;
  /** The guarantee's policy (docs/guarantee.md); default DEFAULT_GUARANTEE_POLICY. */
  guarantee?: GuaranteePolicy;
  /**
   * In a scheme: the issuers this bank presents to (its peers). A check of their purses is queued
   * for presentment (../interbank/outbox.ts) instead of refused WrongBank.
   */
  presentTo?: ReadonlySet<string>;
  /** Test hook: called between steps inside the transaction (a crash test kills the process here). */
  onStep?: (step: CaptureStep) => void | Promise<void>;
}

export interface CaptureResult {
  receipt: Uint8Array;
  outcomes: CheckOutcome[];
  credited: number;
  /** True when the receipt is the stored one of an identical earlier submission. */
  replayed: boolean;
  timings: { openMs: number; verifyMs: number; dbMs: number };
}
