// Offline acceptance of a check at a terminal: not a bare boolean but a verdict that says what was
// checked and what was found, so a terminal can apply its own policy on top.

import type { CertificateCache, TrustAnchors } from './certificate.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import type { DigitalCheck, PurchaseSlip, RevocationList } from './messages.ts';
import { checkMatchesSlip, verifyCheck } from './pos.ts';
import { revokedSet } from './revocation.ts';
import type { Verified, VerifyContext } from './signed.ts';

export interface AcceptancePolicy {
  anchors: TrustAnchors;
  now: number;
  /** The newest revocation list the terminal holds (already verified), if any. */
  revocationList?: RevocationList;
  /** Refuse when the list is older than this (seconds since issue); undefined: no limit. */
  revocationMaxAgeS?: number;
  /** The terminal's own ceiling per check (floor limit), on top of the card's certified limit. */
  terminalMaxPerCheck?: number;
  /** True when this terminal already holds a check with this purse and serial (replay). */
  seen?: (purseId: string, serial: number) => boolean;
  /** Certificate signatures already verified (shared across checks; bounded). */
  verifiedCache?: CertificateCache;
}

export interface LimitCheck {
  name: 'certified max per check' | 'terminal max per check';
  limit: number;
  amount: number;
  ok: boolean;
}

export interface Verdict {
  decision: 'accept' | 'refuse';
  /** Why it was refused (the first failing rule), absent when accepted. */
  code?: ErrorCode;
  detail?: string;
  /** Certificate chain and signature checked and good. */
  genuine: boolean;
  /** Age of the revocation list used, seconds; null when the terminal has none. */
  revocationListAgeS: number | null;
  limits: LimitCheck[];
  check?: Verified<DigitalCheck>;
}

/**
 * The acceptance rules a POS terminal and a web shop share, in order: revocation-list age, the
 * check genuine (`verify` opens and verifies it against the chain context), `afterGenuine` (the
 * caller's own rule, if any), binding to the slip, certified and terminal limits, replay. The first
 * rule that fails is the verdict's code; a programmer error (not a ProtocolError) is thrown.
 */
export function decide<V extends Verified<DigitalCheck>>(
  slip: Verified<PurchaseSlip>,
  policy: AcceptancePolicy,
  verify: (context: VerifyContext) => V,
  afterGenuine?: (check: V) => void,
): Verdict & { check?: V } {
  const list = policy.revocationList;
  const verdict: Verdict & { check?: V } = {
    decision: 'refuse',
    genuine: false,
    revocationListAgeS: list ? policy.now - list.issuedAt : null,
    limits: [],
  };
  try {
    if (
      policy.revocationMaxAgeS !== undefined &&
      (verdict.revocationListAgeS === null || verdict.revocationListAgeS > policy.revocationMaxAgeS)
    ) {
      throw new ProtocolError(
        ErrorCode.StaleRevocationList,
        `age ${verdict.revocationListAgeS ?? 'none'} s, policy ${policy.revocationMaxAgeS} s`,
      );
    }
    const check = verify({
      anchors: policy.anchors,
      now: policy.now,
      ...(list ? { revoked: revokedSet([list]) } : {}),
      ...(policy.verifiedCache ? { verifiedCache: policy.verifiedCache } : {}),
    });
    verdict.genuine = true;
    verdict.check = check;
    afterGenuine?.(check);
    checkMatchesSlip(check.body, slip);
    const certified = check.signer.limits;
    if (certified) {
      if (certified.currency !== check.body.currency)
        throw new ProtocolError(ErrorCode.CurrencyMismatch, `purse limits are in ${certified.currency}`);
      verdict.limits.push({
        name: 'certified max per check',
        limit: certified.maxPerCheck,
        amount: check.body.amount,
        ok: check.body.amount <= certified.maxPerCheck,
      });
    }
    if (policy.terminalMaxPerCheck !== undefined) {
      verdict.limits.push({
        name: 'terminal max per check',
        limit: policy.terminalMaxPerCheck,
        amount: check.body.amount,
        ok: check.body.amount <= policy.terminalMaxPerCheck,
      });
    }
    const over = verdict.limits.find((l) => !l.ok);
    if (over) throw new ProtocolError(ErrorCode.LimitExceeded, `${over.name} ${over.limit} < ${over.amount}`);
    if (policy.seen?.(check.body.purseId, check.body.serial))
      throw new ProtocolError(ErrorCode.DuplicateCheck, `${check.body.purseId}#${check.body.serial}`);
    verdict.decision = 'accept';
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    verdict.code = error.code;
    if (error.detail !== undefined) verdict.detail = error.detail;
  }
  return verdict;
}

/** POS terminal: a single-signed check answering the terminal's own verified slip. */
export function acceptCheck(checkBytes: Uint8Array, slip: Verified<PurchaseSlip>, policy: AcceptancePolicy): Verdict {
  return decide(slip, policy, (context) => verifyCheck(checkBytes, context));
}
