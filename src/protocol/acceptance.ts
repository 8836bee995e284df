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
  /**
   * The newest revocation list the terminal holds of each bank (already verified): its own bank's,
   * and in a scheme every issuer's. Each revokes only what its own bank certified.
   */
  revocationLists?: readonly RevocationList[];
  /**
   * Refuse when the list of the check's issuer is older than this (seconds since issue), or
   * missing: each issuer's list on its own, so a stale list of one issuer refuses only its cards.
   * Undefined: no limit.
   */
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
  /**
   * Age of the revocation list used, seconds: the list of the check's issuer once the check is
   * genuine, before that the freshest list held; null when there is none.
   */
  revocationListAgeS: number | null;
  limits: LimitCheck[];
  check?: Verified<DigitalCheck>;
}

/** The newest list held of `bankId`, if any. */
export function listOf(lists: readonly RevocationList[] | undefined, bankId: string): RevocationList | undefined {
  let found: RevocationList | undefined;
  for (const list of lists ?? [])
    if (list.bankId === bankId && (!found || list.listNumber > found.listNumber)) found = list;
  return found;
}

/**
 * The acceptance rules a POS terminal and a web shop share, in order: revocation-list age (no list
 * within the age at all), the check genuine (`verify` opens and verifies it against the chain
 * context), the age of its issuer's own list, `afterGenuine` (the caller's own rule, if any),
 * binding to the slip, certified and terminal limits, replay. The first rule that fails is the
 * verdict's code; a programmer error (not a ProtocolError) is thrown.
 */
export function decide<V extends Verified<DigitalCheck>>(
  slip: Verified<PurchaseSlip>,
  policy: AcceptancePolicy,
  verify: (context: VerifyContext) => V,
  afterGenuine?: (check: V) => void,
): Verdict & { check?: V } {
  const lists = policy.revocationLists ?? [];
  const ageOf = (list: RevocationList | undefined) => (list ? policy.now - list.issuedAt : null);
  const freshest = lists.reduce<RevocationList | undefined>(
    (a, l) => (!a || l.issuedAt > a.issuedAt ? l : a),
    undefined,
  );
  const verdict: Verdict & { check?: V } = {
    decision: 'refuse',
    genuine: false,
    revocationListAgeS: ageOf(freshest),
    limits: [],
  };
  const refuseStale = (whose: string) => {
    const max = policy.revocationMaxAgeS;
    const age = verdict.revocationListAgeS;
    if (max !== undefined && (age === null || age > max))
      throw new ProtocolError(ErrorCode.StaleRevocationList, `${whose}: age ${age ?? 'none'} s, policy ${max} s`);
  };
  try {
    // Whoever issued the card, no list held within the age means none can be trusted.
    refuseStale('revocation list');
    const check = verify({
      anchors: policy.anchors,
      now: policy.now,
      ...(lists.length ? { revoked: revokedSet(lists) } : {}),
      ...(policy.verifiedCache ? { verifiedCache: policy.verifiedCache } : {}),
    });
    verdict.genuine = true;
    verdict.check = check;
    verdict.revocationListAgeS = ageOf(listOf(lists, check.signer.issuer));
    refuseStale(`revocation list of ${check.signer.issuer}`);
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
