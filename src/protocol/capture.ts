// Protocol 5, payment capture, the protocol-level parts: the merchant's deposit batch (signed,
// sealed to the bank), the bank opening it, the bank's signed receipt, and the merchant checking
// the receipt against what it deposited. Verifying each check, refusing duplicates and crediting
// are the bank's ledger work (src/bank/), which produces the outcomes given to makeReceipt.
import { sha256Many } from '../../bindings/index.ts';
import { equalBytes } from '../bytes.ts';
import { type OfflineLimits, parseCertificate } from './certificate.ts';
import { signedPayload } from './cose.ts';
import { open, seal } from './envelope.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { addAmounts, bytes } from './fields.ts';
import {
  type CaptureOutcome,
  type CaptureReceipt,
  captureReceipt,
  type DepositBatch,
  depositBatch,
} from './messages.ts';
import type { Party } from './pki.ts';
import { ByteLength, MessageType, Role } from './registry.ts';
import {
  type SecretKey,
  type Signer,
  signMessage,
  type Verified,
  type VerifyContext,
  verifyMessage,
} from './signed.ts';

/** The bank's finding for one deposited check: 0 accepted, else an ErrorCode; credited is 0 unless accepted. */
export interface CheckOutcome {
  code: number;
  credited: number;
}

/**
 * Merchant: a deposit batch of checks exactly as received (POS or Internet), signed by the
 * merchant and sealed to the bank's certified key-exchange key (`bankCertificate`).
 */
export function makeDeposit(
  merchant: Party,
  bankCertificate: Uint8Array,
  checks: Uint8Array[],
  batchId: Uint8Array,
  now: number,
): Uint8Array {
  const bank = parseCertificate(bankCertificate);
  if (bank.role !== Role.Bank)
    throw new ProtocolError(ErrorCode.WrongRole, `deposit to ${bank.subject}, role ${bank.role}`);
  if (!bank.kxKey)
    throw new ProtocolError(ErrorCode.MissingField, `bank certificate of ${bank.subject} has no key-exchange key`);
  if (checks.length === 0) throw new ProtocolError(ErrorCode.BadField, 'a deposit batch holds at least one check');
  const batch: DepositBatch = {
    merchantId: merchant.id,
    batchId: bytes(ByteLength.randomId).read(batchId, 'batchId'),
    checks,
    time: now,
  };
  return seal(MessageType.DepositBatch, bank.kxKey, signMessage(depositBatch, batch, merchant));
}

export interface DepositContext extends VerifyContext {
  /** When set, refuse a batch whose time differs from `now` by more than this many seconds. */
  maxSkewS?: number;
}

/**
 * Bank: opens a deposit and checks the merchant's chain, role and signature, that the merchant
 * signed for itself, is one of this bank's merchants, and that the batch is not empty. Depositing
 * the same batch again opens the same way: the ledger makes it harmless.
 */
export function openDeposit(
  bank: Party<SecretKey>,
  envelope: Uint8Array,
  context: DepositContext,
): Verified<DepositBatch> {
  if (!bank.kx) throw new TypeError(`${bank.id} has no key-exchange key`);
  const signed = open(MessageType.DepositBatch, bank.kx.secretKey, envelope);
  const verified = verifyMessage(depositBatch, signed, [Role.Merchant], context);
  const { body, signer } = verified;
  if (body.merchantId !== signer.subject)
    throw new ProtocolError(ErrorCode.SubjectMismatch, `batch of ${body.merchantId} signed by ${signer.subject}`);
  if (signer.issuer !== bank.id) throw new ProtocolError(ErrorCode.WrongBank, `merchant of ${signer.issuer}`);
  if (body.checks.length === 0) throw new ProtocolError(ErrorCode.BadField, 'a deposit batch holds at least one check');
  if (context.maxSkewS !== undefined && Math.abs(context.now - body.time) > context.maxSkewS)
    throw new ProtocolError(ErrorCode.MessageExpired, `batch time ${body.time}, now ${context.now}`);
  return verified;
}

/**
 * The hash that names a deposited check in a receipt: its payload hash (WIRE.md § Hashes), so a
 * check re-wrapped with another certificate is the same check. An item that is not a COSE_Sign1 or
 * COSE_Sign at all (refused with a 1xx code) has no payload and is named by the hash of its bytes.
 */
export function depositedCheckHash(check: Uint8Array): Uint8Array {
  return depositedCheckHashes([check])[0] as Uint8Array;
}

/**
 * depositedCheckHash of each check, in one hashing call into the core; `known[i]`, when given,
 * is check i's hash already computed (the bank's verifier computes it for every check it parses).
 */
export function depositedCheckHashes(
  checks: readonly Uint8Array[],
  known: readonly (Uint8Array | undefined)[] = [],
): Uint8Array[] {
  const missing = checks.flatMap((_, i) => (known[i] ? [] : [i]));
  const digests = sha256Many(missing.map((i) => hashedBytes(checks[i] as Uint8Array)));
  const out = checks.map((_, i) => known[i]) as Uint8Array[];
  missing.forEach((i, k) => {
    out[i] = digests[k] as Uint8Array;
  });
  return out;
}

function hashedBytes(check: Uint8Array): Uint8Array {
  try {
    return signedPayload(check);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return check;
  }
}

/**
 * The certified maximum per check, as the card and the terminal apply it before signing and
 * accepting: true when a check in its purse certificate's limits currency is above it. The bank
 * refuses such a check at capture (AboveCertifiedLimit) and its audit holds it to that; a check
 * in another currency than its purse's is refused for that (CurrencyMismatch).
 */
export function aboveCertifiedLimit(
  check: { amount: number; currency: string },
  limit: Pick<OfflineLimits, 'currency' | 'maxPerCheck'> | null | undefined,
): boolean {
  return !!limit && check.currency === limit.currency && check.amount > limit.maxPerCheck;
}

/**
 * Bank: the signed receipt for a batch, one outcome per check in batch order; the total is a checked
 * sum. Each check is named by its depositedCheckHash; a caller that already has those hashes (the
 * bank's verifier computes them while it parses each check) passes them as `checkHashes`, so no
 * check is parsed again: the receipt bytes are the same.
 */
export function makeReceipt(
  bank: Signer,
  batch: Pick<DepositBatch, 'merchantId' | 'batchId' | 'checks'>,
  outcomes: readonly CheckOutcome[],
  now: number,
  checkHashes?: readonly Uint8Array[],
): Uint8Array {
  if (outcomes.length !== batch.checks.length)
    throw new RangeError(`${outcomes.length} outcomes for ${batch.checks.length} checks`);
  if (checkHashes && checkHashes.length !== batch.checks.length)
    throw new RangeError(`${checkHashes.length} check hashes for ${batch.checks.length} checks`);
  let total = 0;
  const hashes = checkHashes ?? depositedCheckHashes(batch.checks);
  const rows = outcomes.map((o, i): CaptureOutcome => {
    if (o.code !== 0 && o.credited !== 0)
      throw new RangeError(`check ${i}: refused (${o.code}) but credited ${o.credited}`);
    total = addAmounts(total, o.credited);
    return [hashes[i] as Uint8Array, o.code, o.credited];
  });
  return signMessage(
    captureReceipt,
    { merchantId: batch.merchantId, batchId: batch.batchId, outcomes: rows, totalCredited: total, time: now },
    bank,
  );
}

/**
 * Merchant: verifies a receipt against the batch it deposited: signed by its own bank, for this
 * merchant and batch, one outcome per check in order with that check's (payload) hash, nothing
 * credited for a refused check, and a total that is the sum of the credits.
 */
export function verifyReceipt(
  merchant: Party,
  receipt: Uint8Array,
  batch: Pick<DepositBatch, 'batchId' | 'checks'>,
  context: VerifyContext,
): Verified<CaptureReceipt> {
  const verified = verifyMessage(captureReceipt, receipt, [Role.Bank], context);
  const { body, signer } = verified;
  const bankId = parseCertificate(merchant.certificate).issuer;
  if (signer.subject !== bankId)
    throw new ProtocolError(ErrorCode.WrongBank, `receipt from ${signer.subject}, merchant of ${bankId}`);
  if (body.merchantId !== merchant.id) throw new ProtocolError(ErrorCode.WrongMerchant, body.merchantId);
  if (!equalBytes(body.batchId, batch.batchId)) throw new ProtocolError(ErrorCode.ReceiptMismatch, 'batch id');
  if (body.outcomes.length !== batch.checks.length)
    throw new ProtocolError(
      ErrorCode.ReceiptMismatch,
      `${body.outcomes.length} outcomes for ${batch.checks.length} checks`,
    );
  let total = 0;
  const hashes = depositedCheckHashes(batch.checks);
  body.outcomes.forEach(([hash, code, credited], i) => {
    if (!equalBytes(hash, hashes[i] as Uint8Array))
      throw new ProtocolError(ErrorCode.ReceiptMismatch, `outcome ${i}: hash of another check`);
    if (code !== 0 && credited !== 0)
      throw new ProtocolError(ErrorCode.ReceiptMismatch, `outcome ${i}: refused (${code}) but credited ${credited}`);
    total = addAmounts(total, credited);
  });
  if (total !== body.totalCredited)
    throw new ProtocolError(ErrorCode.ReceiptMismatch, `total ${body.totalCredited}, sum of credits ${total}`);
  return verified;
}
