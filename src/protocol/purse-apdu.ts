// The purse applet's APDU interface (core-as/README.md § APDUs): the codes the host puts in a
// command and the card answers with, and the records it returns. Declared once here: src/card/
// encodes and decodes with them, and the applet's copy (core-as/assembly/wire.ts) is generated
// from them by scripts/gen-wire.ts.

/** F0 (proprietary, unregistered) "SMCHK" 01. */
export const AID = Uint8Array.of(0xf0, 0x53, 0x4d, 0x43, 0x48, 0x4b, 0x01);

/** CLA: ISO commands (SELECT, VERIFY, RESET RETRY COUNTER, GET DATA, GET RESPONSE) and the purse's own. */
export const Cla = Object.freeze({
  iso: 0x00,
  proprietary: 0x80,
  /** Bit b5: command chaining (ISO 7816-4 §5.3.3): more parts of this command follow. */
  chaining: 0x10,
} as const);

export const Ins = Object.freeze({
  select: 0xa4,
  verify: 0x20,
  resetRetryCounter: 0x2c,
  getData: 0xca,
  /** The rest of a response longer than Ne (after 61xx): ISO 7816-4 §11.5.6, any protocol. */
  getResponse: 0xc0,
  generateKeys: 0x12,
  installRoot: 0x14,
  installCertificate: 0x16,
  setPin: 0x18,
  loadRequest: 0x50,
  loadApply: 0x52,
  purchase: 0x54,
  readLog: 0x56,
  reissueCheck: 0x58,
  internetCheck: 0x5a,
  /** Cancel the last purchase: the merchant-signed refund is credited back once. */
  refund: 0x5c,
  /** Replace the purse certificate by the bank's renewal of it (P1 00), or sign a renewal request (P1 01). */
  renewCertificate: 0x1a,
} as const);

/** P1 and P2 values other than 00. */
export const Param = Object.freeze({
  /** SELECT P1: by DF name (the AID). */
  selectByName: 0x04,
  /** SELECT P2: first occurrence, return the FCI (6F 84 AID). */
  selectFci: 0x00,
  /** SELECT P2: first occurrence, no response data. */
  selectNoData: 0x0c,
  /** VERIFY and RESET RETRY COUNTER P2: specific reference data, the purse PIN. */
  pin: 0x80,
  /** LOAD REQUEST P1: send an outstanding request again. */
  loadRequestAgain: 0x01,
  /** RENEW CERTIFICATE P1: sign the bank's renewal nonce, proving the card at the counter. */
  renewalRequest: 0x01,
} as const);

/** GET DATA tags (P2). */
export const DataTag = Object.freeze({
  status: 0xc1,
  publicKeys: 0xc2,
  certificate: 0xc3,
  lastError: 0xc4,
  purseId: 0xc5,
  outstanding: 0xc6,
} as const);

/** Status words (ISO 7816-4 §5.6 and the two proprietary e-purse words, core-as/README.md). */
export const SW = Object.freeze({
  ok: 0x9000,
  /** 61xx: more response data, xx bytes (00: 256 or more), to read with GET RESPONSE. */
  bytesRemaining: 0x6100,
  wrongLength: 0x6700,
  /** A chained command's parts must share INS, P1 and P2; another command interrupted the chain. */
  lastCommandExpected: 0x6883,
  /** Security status not satisfied: the PIN is not verified. */
  securityNotSatisfied: 0x6982,
  /** Authentication method blocked: the PIN tries are used up. */
  blocked: 0x6983,
  /** Conditions of use not satisfied: the wrong life-cycle state. */
  conditionsNotSatisfied: 0x6985,
  /** Wrong data: the protocol error code is in GET DATA C4. */
  wrongData: 0x6a80,
  /** Not enough memory (roots, outstanding loads). */
  fileFull: 0x6a84,
  /** SELECT: no application with that AID. */
  applicationNotFound: 0x6a82,
  wrongP1P2: 0x6a86,
  /** Referenced data not found (tag, log record). */
  notFound: 0x6a88,
  insNotSupported: 0x6d00,
  claNotSupported: 0x6e00,
  /** 63Cx: wrong PIN, x tries left. */
  pinTries: 0x63c0,
  // Proprietary, in the e-purse tradition (PBOC / JR/T 0025 use 9401 for "insufficient balance"):
  insufficientFunds: 0x9401,
  /** A certified limit: max balance, per check, offline count or amount. */
  limitExceeded: 0x9402,
} as const);

/** SELECT's answer with P2 = 00, ISO 7816-4 §7.4: the FCI template (6F) holding the DF name (84). */
export const FciTag = Object.freeze({ template: 0x6f, dfName: 0x84 } as const);

/**
 * The historical bytes of the ATR (ISO 7816-4 §8.1.1): category 80 (COMPACT-TLV) then card service
 * data (31: selection by full DF name, no MF), card capabilities (73: selection by full DF name;
 * data coding 01; command chaining and extended Lc/Le) and the application identifier (F7: the AID).
 */
export const HISTORICAL_BYTES = Uint8Array.of(0x80, 0x31, 0x81, 0x73, 0x80, 0x01, 0xc0, 0xf0 | AID.length, ...AID);

/**
 * The Answer To Reset (ISO 7816-3 §8.2): TS 3B (direct convention), T0 = 8K (TD1 follows, K
 * historical bytes), TD1 = 01 (T=1 only, default Fi/Di and IFSC), the historical bytes, and TCK
 * (the XOR of T0 … the last historical byte), required once a protocol other than T=0 is offered.
 */
export const ATR = (() => {
  const body = Uint8Array.of(0x80 | HISTORICAL_BYTES.length, 0x01, ...HISTORICAL_BYTES);
  return Uint8Array.of(
    0x3b,
    ...body,
    body.reduce((x, b) => x ^ b, 0),
  );
})();

/** The card's life cycle (GET DATA C1 byte 0). */
export const Lifecycle = Object.freeze({ blank: 0, keysGenerated: 1, certificateInstalled: 2, active: 3 } as const);

/**
 * The value block: every counter a value step changes, little-endian, VALUE_BLOCK_SIZE bytes. The
 * card keeps it in EEPROM as one journal entry and returns it in GET DATA C1.
 */
export const ValueBlock = Object.freeze({
  balance: 0, // u64
  serial: 8, // u64: last serial signed (0: none)
  loadedTotal: 16, // u128 lifetime total loaded (lo, hi)
  spentTotal: 32, // u128 lifetime total spent, net of refunds
  loadCounter: 48, // u64: loads requested (value-token request counter)
  offlineChecks: 56, // u64: checks since the last load
  offlineAmount: 64, // u64: amount since the last load
  logTotal: 72, // u32: log records ever written
  appliedTotal: 76, // u32: token ids ever applied
} as const);
export const VALUE_BLOCK_SIZE = 80;

/** GET DATA C1: life cycle, PIN tries, PIN verified, roots, the value block, the refunded total. */
export const StatusField = Object.freeze({
  lifecycle: 0, // u8
  pinTries: 1, // u8
  pinVerified: 2, // u8: 1 once VERIFY succeeded in this session
  roots: 3, // u8
  valueBlock: 4, // VALUE_BLOCK_SIZE bytes
  refundedTotal: 4 + VALUE_BLOCK_SIZE, // u128 lifetime total refunded (lo, hi)
} as const);
export const STATUS_SIZE = StatusField.refundedTotal + 16;

/** A log record's kind (its byte 0). */
export const LogKind = Object.freeze({ purchase: 1, load: 2, refund: 3 } as const);

/**
 * A log record as the card keeps it and READ LOG returns it: LOG_RECORD_SIZE bytes, little-endian.
 * A refund record copies its purchase's channel, serial, amount, merchant and currency.
 */
export const LogRecordField = Object.freeze({
  kind: 0, // u8: LogKind
  channel: 1, // u8: Channel
  idLength: 2, // u8: length of the id at `id`
  refunded: 3, // u8: purchase: 1 once refunded
  serial: 4, // u64: purchase and refund: the check serial; load: the request counter
  amount: 12, // u64
  time: 20, // u64
  hash: 28, // 32: the slip hash; load: the token id (16) then the nonce; refund: the refunded check's hash
  nonce: 44, // 16: load: the request nonce
  id: 60, // 64: the merchant; load: the bank
  currency: 124, // 3
} as const);
export const LOG_RECORD_SIZE = 128;
