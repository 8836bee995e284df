// The protocol layer's one error type and its registry of stable codes. A code is never reused or
// renumbered: terminals, banks, the Rust check verifier (core-rs/checks/) and the card applet all report these
// numbers. scripts/gen-wire.ts generates from this table their Rust and AssemblyScript `ErrorCode`
// and docs/errors.md, titling each hundred with the group comments below.

export const ErrorCode = Object.freeze({
  // 1xx: the bytes are not a well-formed message
  MalformedCbor: 100,
  NotDeterministic: 101,
  WrongMessageType: 102,
  UnsupportedVersion: 103,
  MissingField: 104,
  UnknownField: 105,
  BadField: 106,
  BadCoseStructure: 107,
  UnsupportedAlgorithm: 108,
  AmountOverflow: 109,
  // 2xx: signatures and certificates
  BadSignature: 200,
  BadCertificateSignature: 201,
  UnknownIssuer: 202,
  CertificateExpired: 203,
  CertificateNotYetValid: 204,
  WrongRole: 205,
  Revoked: 206,
  IssuerMismatch: 207,
  MissingCertificate: 208,
  SubjectMismatch: 209,
  // 3xx: the message is genuine but not acceptable here and now
  WrongMerchant: 300,
  SlipMismatch: 301,
  ReplayedNonce: 302,
  NonceMismatch: 303,
  CurrencyMismatch: 304,
  LimitExceeded: 305,
  InsufficientFunds: 306,
  StaleRevocationList: 307,
  DuplicateCheck: 308,
  CloneDetected: 309,
  NotAFraudProof: 310,
  WrongChannel: 311,
  TokenAlreadyApplied: 312,
  MessageExpired: 313,
  WrongPurse: 314,
  WrongBank: 315,
  RefundAlreadyApplied: 316,
  ReceiptMismatch: 317,
  UnknownCheck: 318,
  ActivationCodeUnknown: 319,
  ActivationCodeUsed: 320,
  ActivationCodeExpired: 321,
  CheckRefunded: 322,
  RefundMismatch: 323,
  // 324–327: a check of a cloned or overspent purse that the guarantee does not pay (docs/guarantee.md)
  GuaranteeAfterRevocation: 324,
  GuaranteeExhausted: 325,
  GuaranteeOverCheckLimit: 326,
  GuaranteeDepositLate: 327,
  RenewalPurseUnknown: 330,
  RenewalWrongKey: 331,
  RenewalTampered: 332,
  RenewalReplayed: 333,
  AboveCertifiedLimit: 334,
  NotAnIssuer: 335,
  NotAnAcquirer: 336,
  // 337–342: a foreign check presented by the acquirer to its issuer (src/bank/interbank/)
  PresentedToIssuer: 337,
  NoPresentmentRoute: 338,
  PresenterNotAcquirer: 339,
  PresentmentWrongIssuer: 340,
  PresentmentEvidenceMismatch: 341,
  PresentmentAnswerMismatch: 342,
  // 4xx: envelopes
  EnvelopeOpenFailed: 400,
  WrongEnvelopeStep: 401,
} as const);
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One line per code: what it means, for the generated document and for messages. */
export const errorDescriptions: Readonly<Record<ErrorCode, string>> = Object.freeze({
  100: 'not CBOR, or CBOR with indefinite lengths, floats, big integers or trailing bytes',
  101: 'valid CBOR but not the deterministic encoding (RFC 8949 §4.2.1) of what it holds',
  102: 'the message type is not the one expected here, or unknown',
  103: 'the format version is not supported',
  104: 'a required field is missing',
  105: 'a field the format does not define is present',
  106: 'a field has the wrong type, size or range',
  107: 'not a COSE_Sign1 / COSE_Sign / CWT of the shape smartcheck uses, or a certificate chain of more than two',
  108: 'a signature algorithm other than EdDSA',
  109: 'an amount or sum exceeds 2^53 - 1',
  200: 'the signature does not verify',
  201: 'a certificate signature does not verify',
  202: 'the certificate chain does not end at a trusted root',
  203: 'a certificate in the chain has expired',
  204: 'a certificate in the chain is not yet valid',
  205: 'a signer or certificate has the wrong role for this message',
  206: 'a certificate in the chain is revoked by the bank that issued it (its issuer/subject is on the revocation list)',
  207: 'a certificate names an issuer other than the certificate that signed it',
  208: 'the signer certificate is missing',
  209: 'the message names a subject other than its signer certificate',
  300: 'the check or slip is for another merchant',
  301: 'the check does not match the purchase slip (hash, amount, currency or merchant)',
  302: 'the nonce was already used',
  303: 'the nonce is not the one outstanding',
  304: 'the currency differs from the one expected',
  305: 'an offline risk limit would be exceeded',
  306: 'the purse balance is lower than the amount',
  307: 'the revocation list is older than policy allows',
  308: 'the same check was already deposited',
  309: 'two different checks with one purse and serial: a cloned purse',
  310: 'the two checks do not prove fraud (different purse or serial, identical, or not genuine)',
  311: 'the check was made for another channel (POS vs Internet)',
  312: 'the value token was already applied',
  313: 'the message is older or newer than policy allows',
  314: 'the message is for another purse',
  315: 'the message is for, or from, another bank than the one concerned',
  316: 'the refund was already applied',
  317: 'the capture receipt does not match the deposited batch (batch id, checks, order, hashes or total)',
  318: "the refund names a check that is not this purse's last purchase",
  319: 'the activation code is not one the bank issued (mistyped, or for another bank)',
  320: 'the activation code was already used to enrol a card: ask the bank for a new one',
  321: 'the activation code has expired: ask the bank for a new one',
  322: 'the check was refunded by the merchant: the bank does not credit it',
  323: 'the refund does not match the check it names (purse, serial, amount or currency)',
  324: "not guaranteed: a check of a cloned or overspent purse dated after the purse's revocation reached terminals (revoked + the maximum revocation-list age); a terminal following the rules refused it",
  325: "not guaranteed: the guarantee limit of the cloned or overspent purse is exhausted (its certificate's maxOfflineAmount or maxOfflineChecks already paid beyond what it was loaded)",
  326: "not guaranteed: a check of a cloned or overspent purse above its certificate's per-check limit (maxPerCheck); a terminal following the rules refused it",
  327: 'not guaranteed: a check of a cloned or overspent purse deposited later than the guarantee allows after its date',
  330: 'the purse to renew is unknown to this bank or no longer active (revoked, lost, settled)',
  331: "the renewed certificate certifies another purse key, purse or bank than the card's own",
  332: 'the renewed certificate or the renewal request does not verify (tampered, or not signed by the bank or the purse)',
  333: 'the renewal was already done: a used nonce, or a certificate no newer than the one installed',
  334: 'the check is above the maximum per check its purse certificate certified: refused at capture, as the card and the terminal refuse it',
  335: 'a purse or cardholder certified by a bank whose certificate does not let it issue cards (claim bankRoles)',
  336: 'a merchant certified by a bank whose certificate does not let it acquire merchants (claim bankRoles)',
  337: "not credited yet: a check of another scheme bank's purse, presented to its issuer; credited when the issuer accepts it (deposit the same batch again for the final outcome)",
  338: 'a check of a purse certified by a scheme bank this acquirer has no interbank route to: not presented, not credited',
  339: 'a presentment signed by a bank whose certificate does not let it acquire merchants (claim bankRoles)',
  340: 'a presentment for another issuer than the bank it was sent to',
  341: "the presentment's evidence does not hold: its deposit not signed by a merchant of the presenting acquirer, an item not in the deposit or named twice, or the deposit presented before under another presentment",
  342: "the issuer's answer does not match the presentment (signer, presentment id, outcome count, check hashes or amounts)",
  400: 'the envelope could not be opened (wrong key, wrong step, or tampered)',
  401: 'the envelope is marked for another protocol step',
});

/** A protocol outcome: a message that is malformed, not genuine, or not acceptable. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
  ) {
    super(detail ? `${errorDescriptions[code]}: ${detail}` : errorDescriptions[code]);
  }
}

export const fail = (code: ErrorCode, detail?: string): never => {
  throw new ProtocolError(code, detail);
};
