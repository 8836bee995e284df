// The wire format's constants: message types, format version, roles, channels, claim and COSE
// labels, byte lengths and domain strings, the one registry (WIRE.md explains each). With
// errors.ts (error codes), messages.ts (each message's field keys), cbor.ts (tags) and
// purse-apdu.ts (the card's APDU interface) it is what scripts/gen-wire.ts generates the Rust and
// AssemblyScript constants from: add a constant here, then run the generator.

export const FORMAT_VERSION = 1;

/** The two keys every message body has (WIRE.md § Messages); its own fields start at 2. */
export const BodyKey = Object.freeze({ type: 0, version: 1 } as const);

export const MessageType = Object.freeze({
  ValueTokenRequest: 1,
  ValueToken: 2,
  PurchaseSlip: 3,
  DigitalCheck: 4,
  DigitalCheckRequest: 5,
  InternetCheck: 6,
  DepositBatch: 7,
  CaptureReceipt: 8,
  RevocationList: 9,
  Refund: 10,
  FraudProof: 11,
  Envelope: 12,
  Presentment: 13,
  PresentmentAnswer: 14,
  /** Interbank: a bank's signed view of one settlement cycle with another bank (settlement.ts). */
  SettlementStatement: 16,
} as const);
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const Role = Object.freeze({ Root: 1, Bank: 2, Purse: 3, Cardholder: 4, Merchant: 5 } as const);
export type Role = (typeof Role)[keyof typeof Role];

export const Channel = Object.freeze({ Pos: 0, Internet: 1 } as const);
export type Channel = (typeof Channel)[keyof typeof Channel];

/** CWT claim labels (RFC 8392, RFC 8747) and our private-use claims (below -65536). */
export const Claim = Object.freeze({
  iss: 1,
  sub: 2,
  exp: 4,
  nbf: 5,
  iat: 6,
  cti: 7,
  cnf: 8,
  role: -65537,
  kxKey: -65538,
  limits: -65539,
  bankRoles: -65540,
});

/**
 * What a bank certificate lets its bank certify (claim `bankRoles`, a bit set of these): issuers
 * certify purses and cardholders, acquirers certify merchants. A bank certificate without the
 * claim is both, as a bank alone under its own root always was.
 */
export const BankRole = Object.freeze({ Issuer: 1, Acquirer: 2 } as const);
export type BankRole = (typeof BankRole)[keyof typeof BankRole];

/** Keys of the offline-limits map (claim `limits`): its currency, then four amounts or counts. */
export const LimitKey = Object.freeze({
  currency: 1,
  maxBalance: 2,
  maxPerCheck: 3,
  maxOfflineChecks: 4,
  maxOfflineAmount: 5,
} as const);

/** COSE labels used (RFC 9052, RFC 9053, RFC 9528). */
export const Cose = Object.freeze({
  alg: 1,
  kid: 4,
  kcwt: 13,
  algEdDSA: -8,
  ktyOKP: 1,
  crvX25519: 4,
  crvEd25519: 6,
  keyKty: 1,
  keyAlg: 3,
  keyCrv: -1,
  keyX: -2,
  cnfCoseKey: 1,
});

/** The Sig_structure context strings (RFC 9052 §4.4): of a COSE_Sign1, of each COSE_Sign signature. */
export const SigContext = Object.freeze({ sign1: 'Signature1', sign: 'Signature' } as const);

/** Certificates in a chain: the leaf and the bank that certified it (a bank's own: one). */
export const MAX_CHAIN = 2;

/** Identifiers (bank, merchant, purse, cardholder, terminal): 1 to ID_MAX_LENGTH characters. */
export const ID_MAX_LENGTH = 64;

/** Byte strings of a fixed length. */
export const ByteLength = Object.freeze({
  /** A nonce: value-token request, terminal nonce. */
  nonce: 16,
  /** A random identifier: a value token's id, a deposit batch's id. */
  randomId: 16,
  /** SHA-256: slip hash, check hash. */
  hash: 32,
  /** A certificate serial (claim `cti`). */
  certificateSerial: 8,
  /** An Ed25519 or X25519 public key, an HPKE `enc`. */
  key: 32,
  /** An Ed25519 signature. */
  signature: 64,
} as const);

/** What the issuing bank signs to unblock a PIN starts with this (src/protocol/unblock.ts). */
export const UNBLOCK_DOMAIN = 'smartcheck/1/unblock';

/**
 * What a cardholder signs with the certified approval key to ask its bank for an unblock of its own
 * purse (POST /v1/unblock, without the back office): another domain, so that neither signature can
 * stand for the other.
 */
export const UNBLOCK_REQUEST_DOMAIN = 'smartcheck/1/unblock-request';

/**
 * What a purse signs, with its purse key, over a bank nonce to prove at the bank's counter that it
 * is the card of a purse whose certificate is to be renewed (src/protocol/renewal.ts): a domain of
 * its own, so the signature stands for nothing else the purse key signs.
 */
export const RENEWAL_DOMAIN = 'smartcheck/1/renewal';

/**
 * What the bank's auditor signs, with its own key (never the bank's), before an audit checkpoint's
 * canonical CBOR (src/bank/audit/checkpoint/format.ts): a domain of its own, so the signature
 * stands for nothing else.
 */
export const AUDIT_CHECKPOINT_DOMAIN = 'smartcheck/1/audit-checkpoint';

/** HPKE `info` per sealed step: an envelope from one step never opens as another. */
export const EnvelopeInfo = Object.freeze({
  [MessageType.ValueTokenRequest]: 'smartcheck/1/load-request',
  [MessageType.ValueToken]: 'smartcheck/1/value-token',
  [MessageType.InternetCheck]: 'smartcheck/1/internet-check',
  [MessageType.DepositBatch]: 'smartcheck/1/deposit-batch',
  [MessageType.Refund]: 'smartcheck/1/refund',
  [MessageType.Presentment]: 'smartcheck/1/presentment',
} as const);
export type SealedStep = keyof typeof EnvelopeInfo;

/** Largest amount or sum: integers beyond this are not exact in JavaScript. */
export const AMOUNT_MAX = Number.MAX_SAFE_INTEGER;
