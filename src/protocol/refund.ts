// Refund (cancel) of the purse's last purchase: the merchant signs a refund naming the check; the
// purse credits it back once. The purse matches the refund with its own record of the last
// purchase (purse id, serial, merchant, amount, and the check hash when it saw the whole check),
// so a refund can only give back what this purse paid to this merchant. The merchant then deposits
// the same signed refund at its bank, sealed to the bank's key-exchange key (sealRefund /
// openRefund), so the bank never credits the refunded check (src/bank/refunds.ts).
import { equalBytes } from '../bytes.ts';
import { parseCertificate } from './certificate.ts';
import { open, seal } from './envelope.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { creditedBalance, type PurseState, purseProfile } from './load.ts';
import { type DigitalCheck, type Refund, refund } from './messages.ts';
import type { Party } from './pki.ts';
import { MessageType, Role } from './registry.ts';
import { type SecretKey, signMessage, type Verified, type VerifyContext, verifyMessage } from './signed.ts';

/**
 * The purse state after paying `check` (what value deduction does to the balance, seen from the
 * protocol layer): the balance is debited and the check becomes the last purchase, the one a
 * refund may cancel. `checkHash` is the hash of the signed check when the purse has it whole.
 */
export function recordPurchase(state: PurseState, check: DigitalCheck, checkHash?: Uint8Array): PurseState {
  if (check.currency !== state.currency)
    throw new ProtocolError(ErrorCode.CurrencyMismatch, `purse holds ${state.currency}, check in ${check.currency}`);
  if (check.amount > state.balance)
    throw new ProtocolError(ErrorCode.InsufficientFunds, `balance ${state.balance}, amount ${check.amount}`);
  return {
    ...state,
    balance: state.balance - check.amount,
    lastPurchase: {
      serial: check.serial,
      amount: check.amount,
      currency: check.currency,
      merchantId: check.merchantId,
      ...(checkHash ? { checkHash: checkHash.slice() } : {}),
      refunded: false,
    },
  };
}

/** Merchant: a signed refund of the whole amount of a check it accepted. */
export function makeRefund(merchant: Party, check: Verified<DigitalCheck>, now: number): Uint8Array {
  if (check.body.merchantId !== merchant.id)
    throw new ProtocolError(ErrorCode.WrongMerchant, `check paid to ${check.body.merchantId}`);
  const body: Refund = {
    checkHash: check.hash,
    purseId: check.body.purseId,
    amount: check.body.amount,
    currency: check.body.currency,
    merchantId: merchant.id,
    serial: check.body.serial,
    time: now,
  };
  return signMessage(refund, body, merchant);
}

/**
 * Purse: verifies a refund (merchant chain, role and signature; the merchant names itself) and
 * credits it once: it must be for this purse, its last purchase, from the merchant that was paid,
 * for the same amount and currency, and fit under the certified maximum balance.
 */
export function applyRefund(
  state: PurseState,
  purse: Party,
  refundBytes: Uint8Array,
  context: VerifyContext,
): { state: PurseState; credited: number; refund: Verified<Refund> } {
  const verified = verifyMessage(refund, refundBytes, [Role.Merchant], context);
  const { body, signer } = verified;
  if (body.merchantId !== signer.subject)
    throw new ProtocolError(ErrorCode.SubjectMismatch, `refund names ${body.merchantId}, signed by ${signer.subject}`);
  const profile = purseProfile(purse);
  if (body.purseId !== profile.purseId) throw new ProtocolError(ErrorCode.WrongPurse, body.purseId);
  const last = state.lastPurchase;
  if (!last || last.serial !== body.serial)
    throw new ProtocolError(
      ErrorCode.UnknownCheck,
      `serial ${body.serial}, last purchase ${last ? last.serial : 'none'}`,
    );
  if (last.checkHash && !equalBytes(last.checkHash, body.checkHash))
    throw new ProtocolError(ErrorCode.UnknownCheck, 'check hash');
  if (body.merchantId !== last.merchantId)
    throw new ProtocolError(ErrorCode.WrongMerchant, `refund from ${body.merchantId}, paid to ${last.merchantId}`);
  if (last.refunded) throw new ProtocolError(ErrorCode.RefundAlreadyApplied, `serial ${last.serial}`);
  if (body.currency !== last.currency || body.currency !== state.currency)
    throw new ProtocolError(ErrorCode.CurrencyMismatch, `refund in ${body.currency}, paid in ${last.currency}`);
  if (body.amount !== last.amount)
    throw new ProtocolError(ErrorCode.BadField, `refund amount ${body.amount}, paid ${last.amount}`);
  const balance = creditedBalance(state, body.amount, profile.limits);
  return {
    state: { ...state, balance, lastPurchase: { ...last, refunded: true } },
    credited: body.amount,
    refund: verified,
  };
}

/**
 * The bank's answer to a deposited refund (JSON on the wire: src/bank/README.md § Refunds):
 * `reversed` — the check had been credited and is now reversed (`amount` debited from the
 * merchant); `recorded` — it was not credited (not deposited yet, or over the purse's limit) and
 * never will be. `replayed`: the same refund was deposited before; nothing booked again.
 */
export interface RefundOutcome {
  checkHash: Uint8Array;
  outcome: 'reversed' | 'recorded';
  amount: number;
  replayed: boolean;
}

/** Merchant: its signed refund (makeRefund's bytes) sealed to its bank's key-exchange key, for deposit. */
export function sealRefund(bankCertificate: Uint8Array, refundBytes: Uint8Array): Uint8Array {
  const bank = parseCertificate(bankCertificate);
  if (bank.role !== Role.Bank)
    throw new ProtocolError(ErrorCode.WrongRole, `refund to ${bank.subject}, role ${bank.role}`);
  if (!bank.kxKey)
    throw new ProtocolError(ErrorCode.MissingField, `bank certificate of ${bank.subject} has no key-exchange key`);
  return seal(MessageType.Refund, bank.kxKey, refundBytes);
}

/**
 * Bank: opens a deposited refund and checks the merchant's chain, role and signature, that the
 * merchant names itself and is one of this bank's merchants (as openDeposit does for a batch).
 */
export function openRefund(bank: Party<SecretKey>, envelope: Uint8Array, context: VerifyContext): Verified<Refund> {
  if (!bank.kx) throw new TypeError(`${bank.id} has no key-exchange key`);
  return verifyDepositedRefund(bank.id, open(MessageType.Refund, bank.kx.secretKey, envelope), context);
}

/** Bank: a merchant-signed refund as deposited (openRefund's checks, on the signed bytes). */
export function verifyDepositedRefund(bankId: string, signed: Uint8Array, context: VerifyContext): Verified<Refund> {
  const verified = verifyMessage(refund, signed, [Role.Merchant], context);
  const { body, signer } = verified;
  if (body.merchantId !== signer.subject)
    throw new ProtocolError(ErrorCode.SubjectMismatch, `refund names ${body.merchantId}, signed by ${signer.subject}`);
  if (signer.issuer !== bankId) throw new ProtocolError(ErrorCode.WrongBank, `merchant of ${signer.issuer}`);
  return verified;
}
