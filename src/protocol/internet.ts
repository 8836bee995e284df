// Protocol 3, spending on the Internet: the shop's slip (channel 1), the wallet's digital-check
// request, the purse's signature (on behalf of the bank), the cardholder's approving second
// signature, and the shop's acceptance. The check is a COSE_Sign: purse first, cardholder second,
// sealed to the merchant's key-exchange key. Pure functions: no I/O, time is an argument.
import { ed25519 } from '../../bindings/index.ts';
import { type AcceptancePolicy, decide, type Verdict } from './acceptance.ts';
import { type Certificate, parseCertificate, verifyChain } from './certificate.ts';
import { assembleMulti, parseMulti, signedHash, signPart } from './cose.ts';
import { open, seal } from './envelope.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { type DigitalCheck, digitalCheck, digitalCheckRequest, type PurchaseSlip } from './messages.ts';
import type { Party } from './pki.ts';
import { checkFor, checkMatchesSlip, makeSlip, verifySlip } from './pos.ts';
import { Channel, MessageType, Role } from './registry.ts';
import type { Signer, Verified, VerifyContext } from './signed.ts';

/** An Internet check verified: `signer` is the purse certificate, `cardholder` the approving one. */
export interface VerifiedInternetCheck extends Verified<DigitalCheck> {
  cardholder: Certificate;
}

/** Shop: a purchase slip for the Internet channel. */
export function makeInternetSlip(merchant: Signer, slip: Omit<PurchaseSlip, 'channel'>): Uint8Array {
  return makeSlip(merchant, { ...slip, channel: Channel.Internet });
}

/** Wallet: the digital-check request the purse answers (the signed slip, and who will approve). */
export function makeCheckRequest(slip: Uint8Array, cardholderId: string): Uint8Array {
  return digitalCheckRequest.encode({ slip, cardholderId });
}

/** The purse's half of an Internet check: the payload and its purse COSE_Signature. */
export interface InternetCheckDraft {
  /** The check body (type 4, channel 1), encoded: what both signatures cover. */
  payload: Uint8Array;
  /** The purse's encoded COSE_Signature over the payload. */
  purseSignature: Uint8Array;
  check: DigitalCheck;
  /** The slip the check answers, as the request carried it. */
  slip: Uint8Array;
}

export interface PurseSigningContext extends VerifyContext {
  /** The serial value deduction assigned to this check (≥ 1). */
  serial: number;
  /** The check's time. */
  time: number;
}

/**
 * Purse: verifies the request's slip (merchant signature under a trusted bank, Internet channel,
 * amount within the certified limit per check) and signs the check. Value deduction (protocol 4,
 * the card applet) gives the serial and has debited the balance before this is called.
 */
export function signInternetCheck(purse: Party, request: Uint8Array, context: PurseSigningContext): InternetCheckDraft {
  const { slip } = digitalCheckRequest.decode(request);
  const verifiedSlip = verifySlip(slip, context);
  if (verifiedSlip.body.channel !== Channel.Internet)
    throw new ProtocolError(ErrorCode.WrongChannel, 'slip is for a POS');
  if (!Number.isSafeInteger(context.serial) || context.serial < 1)
    throw new ProtocolError(ErrorCode.BadField, 'serial must be ≥ 1');
  const limits = parseCertificate(purse.certificate).limits;
  if (limits && limits.currency !== verifiedSlip.body.currency)
    throw new ProtocolError(ErrorCode.CurrencyMismatch, `purse limits are in ${limits.currency}`);
  if (limits && verifiedSlip.body.amount > limits.maxPerCheck)
    throw new ProtocolError(ErrorCode.LimitExceeded, `amount above the certified ${limits.maxPerCheck} per check`);
  const check = checkFor(verifiedSlip, purse.id, context.serial, context.time);
  const payload = digitalCheck.encode(check);
  return { payload, purseSignature: signPart(payload, purse), check, slip };
}

/**
 * Cardholder (wallet): adds the approving signature, verifies the whole check and its binding to
 * the slip (so nobody approves what the purse did not sign for this slip), and seals it to the
 * merchant's certified key-exchange key. Returns the envelope and the verified check.
 */
export function approveInternetCheck(
  cardholder: Signer,
  draft: InternetCheckDraft,
  context: VerifyContext,
): { envelope: Uint8Array; check: VerifiedInternetCheck } {
  const slip = verifySlip(draft.slip, context);
  const signed = assembleMulti(draft.payload, [draft.purseSignature, signPart(draft.payload, cardholder)]);
  const check = verifyInternetCheck(signed, context);
  checkMatchesSlip(check.body, slip);
  const merchantKx = slip.signer.kxKey;
  if (!merchantKx)
    throw new ProtocolError(
      ErrorCode.MissingField,
      `merchant certificate of ${slip.signer.subject} has no key-exchange key`,
    );
  return { envelope: seal(MessageType.InternetCheck, merchantKx, signed), check };
}

/**
 * Verifies an Internet check (a COSE_Sign): both chains (purse role purse, cardholder role
 * cardholder, one issuing bank), both signatures, the body, that the purse signed for itself and
 * that the check is for the Internet channel.
 */
export function verifyInternetCheck(bytes: Uint8Array, context: VerifyContext): VerifiedInternetCheck {
  const signed = parseMulti(bytes, 2);
  const [purseSig, cardholderSig] = signed.signers as [(typeof signed.signers)[0], (typeof signed.signers)[0]];
  if (!purseSig.certificate) throw new ProtocolError(ErrorCode.MissingCertificate, 'Internet check purse signature');
  if (!cardholderSig.certificate)
    throw new ProtocolError(ErrorCode.MissingCertificate, 'Internet check cardholder signature');
  const purse = verifyChain(purseSig.certificate, context.anchors, context);
  if (purse.role !== Role.Purse) throw new ProtocolError(ErrorCode.WrongRole, `first signature by role ${purse.role}`);
  const cardholder = verifyChain(cardholderSig.certificate, context.anchors, context);
  if (cardholder.role !== Role.Cardholder)
    throw new ProtocolError(ErrorCode.WrongRole, `second signature by role ${cardholder.role}`);
  if (purse.issuer !== cardholder.issuer)
    throw new ProtocolError(
      ErrorCode.IssuerMismatch,
      `purse from ${purse.issuer}, cardholder from ${cardholder.issuer}`,
    );
  if (!ed25519.verify(purseSig.signature, purseSig.toBeSigned, purse.signingKey))
    throw new ProtocolError(ErrorCode.BadSignature, 'purse signature');
  if (!ed25519.verify(cardholderSig.signature, cardholderSig.toBeSigned, cardholder.signingKey))
    throw new ProtocolError(ErrorCode.BadSignature, 'cardholder signature');
  const body = digitalCheck.decode(signed.payload);
  if (body.purseId !== purse.subject)
    throw new ProtocolError(ErrorCode.SubjectMismatch, 'check purse id differs from its signer');
  if (body.serial < 1) throw new ProtocolError(ErrorCode.BadField, 'serial must be ≥ 1');
  if (body.channel !== Channel.Internet)
    throw new ProtocolError(ErrorCode.WrongChannel, 'an Internet check must be for channel 1');
  return { body, signer: purse, cardholder, bytes, hash: signedHash(signed) };
}

/** The shop's verdict on an Internet check: as a terminal's (acceptance.ts), with the cardholder. */
export type InternetVerdict = Verdict & { check?: VerifiedInternetCheck };

/**
 * Shop: opens the sealed check and decides. Accepts when the check is genuine, answers `slip`
 * (the shop's own, verified), names this shop, is within the certified and the shop's limits and
 * has not been seen before; otherwise refuses with the first failing rule's code.
 */
export function acceptInternetCheck(
  shop: Party,
  envelope: Uint8Array,
  slip: Verified<PurchaseSlip>,
  policy: AcceptancePolicy,
): InternetVerdict {
  return decide(
    slip,
    policy,
    (context) => {
      if (!shop.kx) throw new TypeError(`${shop.id} has no key-exchange key`);
      return verifyInternetCheck(open(MessageType.InternetCheck, shop.kx.secretKey, envelope), context);
    },
    () => {
      if (slip.body.merchantId !== shop.id)
        throw new ProtocolError(ErrorCode.WrongMerchant, `slip of ${slip.body.merchantId}`);
    },
  );
}
