// Presentment, between two banks of a scheme (src/bank/interbank/README.md): the acquirer hands
// the issuer the checks its merchant deposited that are drawn on the issuer's purses, with the
// merchant-signed deposit as evidence, signed by the acquirer bank and sealed to the issuer's
// certified key-exchange key; the issuer answers with a signed outcome per check. The sender is
// judged by its certificate (a scheme bank allowed to acquire), never by where it connects from.
import { equalBytes } from '../bytes.ts';
import { decode, Tag, Tagged } from './cbor.ts';
import { ALL_BANK_ROLES, parseCertificate } from './certificate.ts';
import { parseMulti, parseSign1 } from './cose.ts';
import { open, seal } from './envelope.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import {
  type CaptureOutcome,
  type DepositBatch,
  depositBatch,
  type Presentment,
  type PresentmentAnswer,
  presentment,
  presentmentAnswer,
} from './messages.ts';
import type { Party } from './pki.ts';
import { BankRole, MessageType, Role } from './registry.ts';
import {
  type SecretKey,
  type Signer,
  signMessage,
  type Verified,
  type VerifyContext,
  verifyMessage,
} from './signed.ts';

/**
 * The bank that certified a deposited check's purse, and that bank's certificate (the second link
 * of the purse's chain), read from the check's structure without verifying it: the capture's
 * verifier has verified the chain already. Undefined when the check carries no purse chain.
 */
export function checkIssuer(check: Uint8Array): { issuerId: string; certificate: Uint8Array } | undefined {
  const value = decode(check);
  const leaf =
    value instanceof Tagged && value.tag === Tag.Sign
      ? parseMulti(value, 2).signers[0]?.certificate
      : parseSign1(value).certificate;
  if (!leaf) return undefined;
  const purse = parseCertificate(leaf);
  if (purse.role !== Role.Purse || !purse.issuerCertificate) return undefined;
  return { issuerId: purse.issuer, certificate: purse.issuerCertificate };
}

/** Acquirer: the signed presentment of the deposit's checks at `items` to `issuerId`. */
export function makePresentment(
  acquirer: Signer & { id: string },
  o: { issuerId: string; deposit: Uint8Array; items: number[]; time: number },
): Uint8Array {
  return signMessage(
    presentment,
    { acquirerId: acquirer.id, issuerId: o.issuerId, deposit: o.deposit, items: o.items, time: o.time },
    acquirer,
  );
}

/** Acquirer: a signed presentment sealed to the issuer's certified key-exchange key, for sending. */
export function sealPresentment(issuerCertificate: Uint8Array, signed: Uint8Array): Uint8Array {
  const issuer = parseCertificate(issuerCertificate);
  if (issuer.role !== Role.Bank)
    throw new ProtocolError(ErrorCode.WrongRole, `presentment to ${issuer.subject}, role ${issuer.role}`);
  if (!issuer.kxKey)
    throw new ProtocolError(ErrorCode.MissingField, `bank certificate of ${issuer.subject} has no key-exchange key`);
  return seal(MessageType.Presentment, issuer.kxKey, signed);
}

export interface OpenedPresentment {
  presentment: Verified<Presentment>;
  /** The merchant-signed deposit it carries, verified. */
  deposit: Verified<DepositBatch>;
}

/** Issuer: opens a sealed presentment and checks it (verifyPresentment). */
export function openPresentment(
  issuer: Party<SecretKey>,
  envelope: Uint8Array,
  context: VerifyContext,
): OpenedPresentment {
  if (!issuer.kx) throw new TypeError(`${issuer.id} has no key-exchange key`);
  return verifyPresentment(issuer.id, open(MessageType.Presentment, issuer.kx.secretKey, envelope), context);
}

/**
 * Issuer: a signed presentment as received. The signer is a bank of a trusted root whose
 * certificate lets it acquire (PresenterNotAcquirer) and that names itself; the presentment is
 * for this issuer (PresentmentWrongIssuer); its deposit is signed by a merchant that names itself
 * and that the presenting acquirer certified, and its items are distinct checks of that deposit
 * (PresentmentEvidenceMismatch).
 */
export function verifyPresentment(issuerId: string, signed: Uint8Array, context: VerifyContext): OpenedPresentment {
  const verified = verifyMessage(presentment, signed, [Role.Bank], context);
  const { body, signer } = verified;
  if (((signer.bankRoles ?? ALL_BANK_ROLES) & BankRole.Acquirer) === 0)
    throw new ProtocolError(ErrorCode.PresenterNotAcquirer, `${signer.subject} is not certified to acquire`);
  if (body.acquirerId !== signer.subject)
    throw new ProtocolError(ErrorCode.SubjectMismatch, `presentment of ${body.acquirerId} signed by ${signer.subject}`);
  if (body.issuerId !== issuerId)
    throw new ProtocolError(ErrorCode.PresentmentWrongIssuer, `for ${body.issuerId}, received by ${issuerId}`);
  const deposit = verifyMessage(depositBatch, body.deposit, [Role.Merchant], context);
  if (deposit.body.merchantId !== deposit.signer.subject)
    throw new ProtocolError(
      ErrorCode.SubjectMismatch,
      `batch of ${deposit.body.merchantId} signed by ${deposit.signer.subject}`,
    );
  if (deposit.signer.issuer !== body.acquirerId)
    throw new ProtocolError(
      ErrorCode.PresentmentEvidenceMismatch,
      `merchant of ${deposit.signer.issuer}, presented by ${body.acquirerId}`,
    );
  const seen = new Set<number>();
  for (const i of body.items) {
    if (i >= deposit.body.checks.length || seen.has(i))
      throw new ProtocolError(ErrorCode.PresentmentEvidenceMismatch, `item ${i} of ${deposit.body.checks.length}`);
    seen.add(i);
  }
  if (seen.size === 0) throw new ProtocolError(ErrorCode.PresentmentEvidenceMismatch, 'no item');
  return { presentment: verified, deposit };
}

/** Issuer: its signed answer, one outcome [check hash, code, credited] per item in item order. */
export function makePresentmentAnswer(
  issuer: Signer & { id: string },
  presented: Pick<Verified<Presentment>, 'body' | 'hash'>,
  outcomes: CaptureOutcome[],
  time: number,
): Uint8Array {
  if (outcomes.length !== presented.body.items.length)
    throw new RangeError(`${outcomes.length} outcomes for ${presented.body.items.length} items`);
  return signMessage(
    presentmentAnswer,
    { issuerId: issuer.id, acquirerId: presented.body.acquirerId, presentmentId: presented.hash, outcomes, time },
    issuer,
  );
}

/**
 * Acquirer: verifies the issuer's answer against the presentment it sent: signed by that issuer
 * bank (chain to a trusted root), for this presentment and acquirer, one outcome per item naming
 * that item's check, nothing credited on a refusal and an acceptance credited the check's amount
 * (`amounts[i]`, item order). Any difference: PresentmentAnswerMismatch (or the signature's error).
 */
export function verifyPresentmentAnswer(
  answer: Uint8Array,
  presented: { body: Pick<Presentment, 'acquirerId' | 'issuerId'>; hash: Uint8Array },
  items: readonly { checkHash: Uint8Array; amount: number }[],
  context: VerifyContext,
): Verified<PresentmentAnswer> {
  const verified = verifyMessage(presentmentAnswer, answer, [Role.Bank], context);
  const { body, signer } = verified;
  const mismatch = (why: string): never => {
    throw new ProtocolError(ErrorCode.PresentmentAnswerMismatch, why);
  };
  if (signer.subject !== presented.body.issuerId || body.issuerId !== presented.body.issuerId)
    mismatch(`answer of ${body.issuerId} signed by ${signer.subject}, presented to ${presented.body.issuerId}`);
  if (body.acquirerId !== presented.body.acquirerId) mismatch(`for acquirer ${body.acquirerId}`);
  if (!equalBytes(body.presentmentId, presented.hash)) mismatch('for another presentment');
  if (body.outcomes.length !== items.length) mismatch(`${body.outcomes.length} outcomes for ${items.length} items`);
  body.outcomes.forEach(([hash, code, credited], i) => {
    const item = items[i] as { checkHash: Uint8Array; amount: number };
    if (!equalBytes(hash, item.checkHash)) mismatch(`outcome ${i}: hash of another check`);
    if (code !== 0 && credited !== 0) mismatch(`outcome ${i}: refused (${code}) but credited ${credited}`);
    if (code === 0 && credited !== item.amount) mismatch(`outcome ${i}: credits ${credited} of ${item.amount}`);
  });
  return verified;
}
