// The issuer's guarantee (docs/guarantee.md), as one pure rule the bank applies at capture and
// anyone can re-apply: a check a terminal accepted offline by the rules is paid even when its purse
// turns out to be cloned or overspent, within the limits the purse's certificate allowed offline.
// A genuine card can neither sign two checks with one serial nor spend past its balance, so both
// prove a copied card: the same risk, the same rule. What the purse's loaded value does not cover
// is the issuer's fraud loss, at most maxOfflineAmount over at most maxOfflineChecks per purse.

import type { OfflineLimits } from './certificate.ts';
import { ErrorCode } from './errors.ts';
import { depositedCheckPayload } from './fraud.ts';
import { type DigitalCheck, digitalCheck } from './messages.ts';

/**
 * The revocation-list age past which a terminal following the rules refuses offline checks: one
 * day, as card schemes refresh a terminal's exception file at least daily. A revoked purse can
 * spend offline for at most this long after its revocation; the issuer carries that risk within the
 * certificate's offline limits. Configurable per terminal, and per bank for the guarantee.
 */
export const DEFAULT_REVOCATION_MAX_AGE_S = 24 * 60 * 60;

/** How long after its date a check of a cloned or overspent purse stays guaranteed: 30 days. */
export const DEFAULT_GUARANTEE_DEPOSIT_WINDOW_S = 30 * 24 * 60 * 60;

export interface GuaranteePolicy {
  /** The revocation-list age terminals must respect (DEFAULT_REVOCATION_MAX_AGE_S). */
  revocationMaxAgeS: number;
  /** The deposit window (DEFAULT_GUARANTEE_DEPOSIT_WINDOW_S). */
  depositWindowS: number;
}

export const DEFAULT_GUARANTEE_POLICY: GuaranteePolicy = Object.freeze({
  revocationMaxAgeS: DEFAULT_REVOCATION_MAX_AGE_S,
  depositWindowS: DEFAULT_GUARANTEE_DEPOSIT_WINDOW_S,
});

/** What one purse has already been paid under the guarantee (its fraud loss so far). */
export interface GuaranteeUse {
  amount: number;
  checks: number;
}

export interface GuaranteeCase {
  /** The check's amount and its signed date (unix seconds). */
  amount: number;
  time: number;
  /** The purse certificate's offline limits. */
  limits: OfflineLimits;
  used: GuaranteeUse;
  /** When the purse was revoked, if it was before this deposit. */
  revokedAt?: number | null;
  /** The deposit's time at the bank. */
  now: number;
  policy: GuaranteePolicy;
}

/** 0 when the check is guaranteed, else the code that says why not (324–327). */
export function guaranteeRefusal(c: GuaranteeCase): ErrorCode | 0 {
  if (revokedTooLong(c.time, c.revokedAt, c.policy)) return ErrorCode.GuaranteeAfterRevocation;
  if (c.now > c.time + c.policy.depositWindowS) return ErrorCode.GuaranteeDepositLate;
  if (c.amount > c.limits.maxPerCheck) return ErrorCode.GuaranteeOverCheckLimit;
  if (c.used.amount + c.amount > c.limits.maxOfflineAmount || c.used.checks + 1 > c.limits.maxOfflineChecks)
    return ErrorCode.GuaranteeExhausted;
  return 0;
}

/**
 * True when a check dated `time` came after the revocation reached every terminal following the
 * rules: a terminal's list is at most revocationMaxAgeS old, so from revokedAt + that age on,
 * every list a terminal may still use names the purse.
 */
export function revokedTooLong(time: number, revokedAt: number | null | undefined, policy: GuaranteePolicy): boolean {
  return revokedAt !== null && revokedAt !== undefined && time > revokedAt + policy.revocationMaxAgeS;
}

/** The signed body of a deposited check (POS COSE_Sign1 or Internet COSE_Sign), not verified here. */
export function depositedCheckBody(check: Uint8Array): DigitalCheck {
  return digitalCheck.decode(depositedCheckPayload(check).payload);
}
