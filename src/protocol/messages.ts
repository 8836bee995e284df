// The message bodies of the five protocols and of interbank settlement (WIRE.md § Messages), one
// schema each.
import { amount, arrayOf, bytes, currency, id, oneOf, signedAmount, tuple, uint } from './fields.ts';
import { defineMessage } from './message.ts';
import { ByteLength, Channel, MessageType } from './registry.ts';

const nonce = bytes(ByteLength.nonce);
const hash = bytes(ByteLength.hash);
const randomId = bytes(ByteLength.randomId);
const channel = oneOf([Channel.Pos, Channel.Internet] as const);
const signedBytes = bytes(undefined, 64 * 1024);

export interface ValueTokenRequest {
  purseId: string;
  bankId: string;
  amount: number;
  currency: string;
  nonce: Uint8Array;
  purseCounter: number;
  time: number;
}
export const valueTokenRequest = defineMessage<ValueTokenRequest>(
  MessageType.ValueTokenRequest,
  'value-token request',
  {
    purseId: [2, id],
    bankId: [3, id],
    amount: [4, amount],
    currency: [5, currency],
    nonce: [6, nonce],
    purseCounter: [7, uint],
    time: [8, uint],
  },
);

export interface ValueToken {
  purseId: string;
  bankId: string;
  amount: number;
  currency: string;
  nonce: Uint8Array;
  tokenId: Uint8Array;
  time: number;
}
export const valueToken = defineMessage<ValueToken>(MessageType.ValueToken, 'value token', {
  purseId: [2, id],
  bankId: [3, id],
  amount: [4, amount],
  currency: [5, currency],
  nonce: [6, nonce],
  tokenId: [7, randomId],
  time: [8, uint],
});

export interface PurchaseSlip {
  merchantId: string;
  amount: number;
  currency: string;
  time: number;
  terminalId: string;
  terminalTxId: number;
  terminalNonce: Uint8Array;
  channel: Channel;
}
export const purchaseSlip = defineMessage<PurchaseSlip>(MessageType.PurchaseSlip, 'purchase slip', {
  merchantId: [2, id],
  amount: [3, amount],
  currency: [4, currency],
  time: [5, uint],
  terminalId: [6, id],
  terminalTxId: [7, uint],
  terminalNonce: [8, nonce],
  channel: [9, channel],
});

export interface DigitalCheck {
  slipHash: Uint8Array;
  amount: number;
  currency: string;
  merchantId: string;
  purseId: string;
  serial: number;
  time: number;
  channel: Channel;
}
export const digitalCheck = defineMessage<DigitalCheck>(MessageType.DigitalCheck, 'digital check', {
  slipHash: [2, hash],
  amount: [3, amount],
  currency: [4, currency],
  merchantId: [5, id],
  purseId: [6, id],
  serial: [7, uint],
  time: [8, uint],
  channel: [9, channel],
});

export interface DigitalCheckRequest {
  slip: Uint8Array;
  cardholderId: string;
}
export const digitalCheckRequest = defineMessage<DigitalCheckRequest>(
  MessageType.DigitalCheckRequest,
  'digital-check request',
  {
    slip: [2, signedBytes],
    cardholderId: [3, id],
  },
);

export interface DepositBatch {
  merchantId: string;
  batchId: Uint8Array;
  checks: Uint8Array[];
  time: number;
}
export const depositBatch = defineMessage<DepositBatch>(MessageType.DepositBatch, 'deposit batch', {
  merchantId: [2, id],
  batchId: [3, randomId],
  checks: [4, arrayOf(signedBytes, 100_000)],
  time: [5, uint],
});

export type CaptureOutcome = [checkHash: Uint8Array, code: number, credited: number];
export interface CaptureReceipt {
  merchantId: string;
  batchId: Uint8Array;
  outcomes: CaptureOutcome[];
  totalCredited: number;
  time: number;
}
export const captureReceipt = defineMessage<CaptureReceipt>(MessageType.CaptureReceipt, 'capture receipt', {
  merchantId: [2, id],
  batchId: [3, randomId],
  outcomes: [4, arrayOf(tuple<CaptureOutcome>(hash, uint, amount), 100_000)],
  totalCredited: [5, amount],
  time: [6, uint],
});

export interface RevocationList {
  bankId: string;
  issuedAt: number;
  nextUpdate: number;
  revoked: string[];
  listNumber: number;
}
export const revocationList = defineMessage<RevocationList>(MessageType.RevocationList, 'revocation list', {
  bankId: [2, id],
  issuedAt: [3, uint],
  nextUpdate: [4, uint],
  revoked: [5, arrayOf(id, 1_000_000)],
  listNumber: [6, uint],
});

export interface Refund {
  checkHash: Uint8Array;
  purseId: string;
  amount: number;
  currency: string;
  merchantId: string;
  serial: number;
  time: number;
}
export const refund = defineMessage<Refund>(MessageType.Refund, 'refund', {
  checkHash: [2, hash],
  purseId: [3, id],
  amount: [4, amount],
  currency: [5, currency],
  merchantId: [6, id],
  serial: [7, uint],
  time: [8, uint],
});

export interface FraudProof {
  first: Uint8Array;
  second: Uint8Array;
}
export const fraudProof = defineMessage<FraudProof>(MessageType.FraudProof, 'fraud proof', {
  first: [2, signedBytes],
  second: [3, signedBytes],
});

/**
 * An acquirer's presentment to one issuer: the merchant-signed deposit as received (the evidence:
 * the purse-signed checks, and the merchant's signature over them) and the indices of the checks
 * in it drawn on the issuer's purses. Signed by the acquirer bank; its id is its payload hash.
 */
export interface Presentment {
  acquirerId: string;
  issuerId: string;
  deposit: Uint8Array;
  items: number[];
  time: number;
}
export const presentment = defineMessage<Presentment>(MessageType.Presentment, 'presentment', {
  acquirerId: [2, id],
  issuerId: [3, id],
  deposit: [4, bytes(undefined, 1 << 26)],
  items: [5, arrayOf(uint, 100_000)],
  time: [6, uint],
});

/** The issuer's signed answer to a presentment: one outcome per item, in item order. */
export interface PresentmentAnswer {
  issuerId: string;
  acquirerId: string;
  presentmentId: Uint8Array;
  outcomes: CaptureOutcome[];
  time: number;
}
export const presentmentAnswer = defineMessage<PresentmentAnswer>(MessageType.PresentmentAnswer, 'presentment answer', {
  issuerId: [2, id],
  acquirerId: [3, id],
  presentmentId: [4, hash],
  outcomes: [5, arrayOf(tuple<CaptureOutcome>(hash, uint, amount), 100_000)],
  time: [6, uint],
});

export interface Envelope {
  suite: [number, number, number];
  enc: Uint8Array;
  ciphertext: Uint8Array;
  step: number;
}
export const envelope = defineMessage<Envelope>(MessageType.Envelope, 'envelope', {
  suite: [2, tuple<[number, number, number]>(oneOf([32]), oneOf([1]), oneOf([3]))],
  enc: [3, bytes(ByteLength.key)],
  ciphertext: [4, bytes(undefined, 1 << 26)],
  step: [5, uint],
});

/**
 * One currency of a settlement statement, from its signer's side: what it owes the counterparty
 * (gross, as issuer), what the counterparty owes it (gross, as acquirer), and the net (owed − due:
 * above 0 the signer pays, below 0 it is paid). Lines are sorted by currency, one per currency.
 */
export type SettlementLine = [currency: string, owed: number, due: number, net: number];
export interface SettlementStatement {
  /** The signing bank. */
  bankId: string;
  counterparty: string;
  /** The pair's cycle number: 1, 2, … */
  cycle: number;
  /** When the cycle was closed (Unix seconds, the proposing bank's clock), the same in both statements. */
  cutoff: number;
  lines: SettlementLine[];
  /** SHA-256 of the presentment references the cycle includes (src/protocol/settlement.ts). */
  referencesHash: Uint8Array;
}
export const settlementStatement = defineMessage<SettlementStatement>(
  MessageType.SettlementStatement,
  'settlement statement',
  {
    bankId: [2, id],
    counterparty: [3, id],
    cycle: [4, uint],
    cutoff: [5, uint],
    lines: [6, arrayOf(tuple<SettlementLine>(currency, amount, amount, signedAmount), 1_000)],
    referencesHash: [7, hash],
  },
);
