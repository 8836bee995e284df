// Message types, format version, roles and claim labels: the one registry (WIRE.md explains each).

export const FORMAT_VERSION = 1;

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
});

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

/** HPKE `info` per sealed step: an envelope from one step never opens as another. */
export const EnvelopeInfo = Object.freeze({
  [MessageType.ValueTokenRequest]: 'smartcheck/1/load-request',
  [MessageType.ValueToken]: 'smartcheck/1/value-token',
  [MessageType.InternetCheck]: 'smartcheck/1/internet-check',
  [MessageType.DepositBatch]: 'smartcheck/1/deposit-batch',
} as const);
export type SealedStep = keyof typeof EnvelopeInfo;

/** Largest amount or sum: integers beyond this are not exact in JavaScript. */
export const AMOUNT_MAX = Number.MAX_SAFE_INTEGER;
