// Protocol 2, spending at a POS: the terminal's signed purchase slip, the purse's digital check,
// and the terminal's offline acceptance of the check. Pure functions: no I/O, no clock (time is
// an argument), no storage (the caller says whether it has seen a check before).
import { equalBytes } from '../bytes.ts';
import { signedHash } from './cose.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { type DigitalCheck, digitalCheck, type PurchaseSlip, purchaseSlip } from './messages.ts';
import { Channel, Role } from './registry.ts';
import {
  type KeySigner,
  type Signer,
  signMessage,
  signVerified,
  type Verified,
  type VerifyContext,
  verifyMessage,
} from './signed.ts';

export function makeSlip(merchant: Signer | KeySigner, slip: PurchaseSlip): Uint8Array {
  return signMessage(purchaseSlip, slip, merchant);
}

/**
 * The terminal's slip, signed, as verifySlip would give it back (hash, body, the merchant's checked
 * certificate) but without verifying the terminal's own signature: the slip's bytes are `.bytes`.
 */
export function makeVerifiedSlip(
  merchant: Signer | KeySigner,
  slip: PurchaseSlip,
  context: VerifyContext,
): Verified<PurchaseSlip> {
  return signVerified(purchaseSlip, slip, merchant, [Role.Merchant], context);
}

/** The card's check of a slip: a merchant's signature under a trusted bank. */
export function verifySlip(slip: Uint8Array, context: VerifyContext): Verified<PurchaseSlip> {
  return verifyMessage(purchaseSlip, slip, [Role.Merchant], context);
}

/** The check body a purse signs for a verified slip (the card adds serial and time). */
export function checkFor(slip: Verified<PurchaseSlip>, purseId: string, serial: number, time: number): DigitalCheck {
  if (slip.signer.subject !== slip.body.merchantId)
    throw new ProtocolError(ErrorCode.SubjectMismatch, 'slip merchant id differs from its signer');
  return {
    slipHash: slip.hash,
    amount: slip.body.amount,
    currency: slip.body.currency,
    merchantId: slip.body.merchantId,
    purseId,
    serial,
    time,
    channel: slip.body.channel,
  };
}

export function signCheck(purse: Signer, check: DigitalCheck): Uint8Array {
  return signMessage(digitalCheck, check, purse);
}

/**
 * Verifies a POS check's chain, role, signature and body, that the purse signed for itself, and
 * that it is for the POS channel: a single-signed (COSE_Sign1) check is never an Internet check,
 * which is a COSE_Sign carrying the cardholder's signature too (internet.ts).
 */
export function verifyCheck(check: Uint8Array, context: VerifyContext): Verified<DigitalCheck> {
  const verified = verifyMessage(digitalCheck, check, [Role.Purse], context);
  if (verified.body.purseId !== verified.signer.subject)
    throw new ProtocolError(ErrorCode.SubjectMismatch, 'check purse id differs from its signer');
  if (verified.body.serial < 1) throw new ProtocolError(ErrorCode.BadField, 'serial must be ≥ 1');
  if (verified.body.channel !== Channel.Pos)
    throw new ProtocolError(ErrorCode.WrongChannel, 'a single-signed check is for the POS channel (0) only');
  return verified;
}

/** Binding of a check to the slip it answers: hash, amount, currency, merchant, channel. */
export function checkMatchesSlip(check: DigitalCheck, slip: Verified<PurchaseSlip>): void {
  if (check.merchantId !== slip.body.merchantId) throw new ProtocolError(ErrorCode.WrongMerchant, check.merchantId);
  if (!equalBytes(check.slipHash, slip.hash)) throw new ProtocolError(ErrorCode.SlipMismatch, 'slip hash');
  if (check.amount !== slip.body.amount) throw new ProtocolError(ErrorCode.SlipMismatch, 'amount');
  if (check.currency !== slip.body.currency) throw new ProtocolError(ErrorCode.CurrencyMismatch, check.currency);
  if (check.channel !== slip.body.channel) throw new ProtocolError(ErrorCode.WrongChannel, String(check.channel));
}

/** The hash of a signed slip or check: SHA-256 of its payload (cose.ts signedHash, WIRE.md § Hashes). */
export const hashOf = (signed: Uint8Array): Uint8Array => signedHash(signed);
export { Channel };
