// Fraud proofs: two genuine checks of one purse with one serial. A genuine card never signs two
// checks with the same serial, so such a pair proves its signing key was copied (a clone). The
// proof is self-contained: anyone holding the root keys verifies it offline, at any later time.

import { equalBytes } from '../bytes.ts';
import { compareBytes, decode, Tag, Tagged } from './cbor.ts';
import type { TrustAnchors } from './certificate.ts';
import { parseMulti, parseSign1, signedHash } from './cose.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { verifyInternetCheck } from './internet.ts';
import { type DigitalCheck, digitalCheck, fraudProof } from './messages.ts';
import { verifyCheck } from './pos.ts';
import type { Verified } from './signed.ts';

export interface FraudEvidence {
  purseId: string;
  /** The purse's issuing bank. */
  bankId: string;
  serial: number;
  /** The two checks' hashes (SHA-256 of each payload, WIRE.md § Hashes), in the proof's order. */
  hashes: [Uint8Array, Uint8Array];
}

export interface FraudProofContext {
  anchors: TrustAnchors;
  /** When given, a check dated more than `maxSkewS` after `now` does not count. */
  now?: number;
  /** Default 300 s. */
  maxSkewS?: number;
}

/** Two checks (POS or Internet, as deposited), in a canonical order so one pair gives one proof. */
export function makeFraudProof(checkA: Uint8Array, checkB: Uint8Array): Uint8Array {
  if (equalBytes(checkA, checkB)) throw new ProtocolError(ErrorCode.NotAFraudProof, 'the same check twice');
  const [first, second] = compareBytes(checkA, checkB) < 0 ? [checkA, checkB] : [checkB, checkA];
  return fraudProof.encode({ first, second });
}

/** The payload of a POS (COSE_Sign1) or Internet (COSE_Sign) check, by its tag. */
export function depositedCheckPayload(check: Uint8Array): { payload: Uint8Array; internet: boolean } {
  const value = decode(check);
  if (value instanceof Tagged && value.tag === Tag.Sign)
    return { payload: parseMulti(value, 2).payload, internet: true };
  return { payload: parseSign1(value).payload, internet: false };
}

/**
 * A genuine check, verified at its own time: certificates that have since expired or been revoked
 * (the likely fate of a cloned purse) do not make an old proof fail.
 */
function genuine(
  check: Uint8Array,
  context: FraudProofContext,
): { verified: Verified<DigitalCheck>; payload: Uint8Array } {
  const { payload, internet } = depositedCheckPayload(check);
  const { time } = digitalCheck.decode(payload);
  if (context.now !== undefined && time > context.now + (context.maxSkewS ?? 300))
    throw new ProtocolError(ErrorCode.MessageExpired, `check dated ${time}, now ${context.now}`);
  const at = { anchors: context.anchors, now: time };
  return { verified: internet ? verifyInternetCheck(check, at) : verifyCheck(check, at), payload };
}

/**
 * Verifies a fraud proof: both checks genuine, one purse (same id and signing key) and one serial,
 * and two different checks (different signed payloads, not merely different headers or
 * certificates around one check). Any failure is NotAFraudProof, its detail naming the cause.
 */
export function verifyFraudProof(bytes: Uint8Array, context: FraudProofContext): FraudEvidence {
  try {
    const proof = fraudProof.decode(bytes);
    const a = genuine(proof.first, context);
    const b = genuine(proof.second, context);
    if (a.verified.body.purseId !== b.verified.body.purseId)
      throw new ProtocolError(ErrorCode.NotAFraudProof, 'two purses');
    if (!equalBytes(a.verified.signer.signingKey, b.verified.signer.signingKey))
      throw new ProtocolError(ErrorCode.NotAFraudProof, 'one purse id, two signing keys');
    if (a.verified.body.serial !== b.verified.body.serial)
      throw new ProtocolError(ErrorCode.NotAFraudProof, 'two serials');
    if (equalBytes(a.payload, b.payload)) throw new ProtocolError(ErrorCode.NotAFraudProof, 'one check twice');
    return {
      purseId: a.verified.body.purseId,
      bankId: a.verified.signer.issuer,
      serial: a.verified.body.serial,
      hashes: [signedHash(a), signedHash(b)],
    };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    if (error.code === ErrorCode.NotAFraudProof) throw error;
    throw new ProtocolError(ErrorCode.NotAFraudProof, `${error.code}: ${error.message}`);
  }
}
