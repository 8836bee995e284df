// The wire format's constants. Generated from the protocol registry (src/protocol/) by
// `npx tsx scripts/gen-wire.ts`: do not edit. To add or change a constant, edit the registry and
// run the generator (src/protocol/WIRE.md § Constants); test/protocol/wire.test.ts fails while
// this file is stale.

/** A protocol outcome code (`ErrorCode`, src/protocol/errors.ts; docs/errors.md). */
export namespace ErrorCode {
  export const MalformedCbor: i32 = 100; // not CBOR, or CBOR with indefinite lengths, floats, big integers or trailing bytes
  export const NotDeterministic: i32 = 101; // valid CBOR but not the deterministic encoding (RFC 8949 §4.2.1) of what it holds
  export const WrongMessageType: i32 = 102; // the message type is not the one expected here, or unknown
  export const UnsupportedVersion: i32 = 103; // the format version is not supported
  export const MissingField: i32 = 104; // a required field is missing
  export const UnknownField: i32 = 105; // a field the format does not define is present
  export const BadField: i32 = 106; // a field has the wrong type, size or range
  export const BadCoseStructure: i32 = 107; // not a COSE_Sign1 / COSE_Sign / CWT of the shape smartcheck uses, or a certificate chain of more than two
  export const UnsupportedAlgorithm: i32 = 108; // a signature algorithm other than EdDSA
  export const AmountOverflow: i32 = 109; // an amount or sum exceeds 2^53 - 1
  export const BadSignature: i32 = 200; // the signature does not verify
  export const BadCertificateSignature: i32 = 201; // a certificate signature does not verify
  export const UnknownIssuer: i32 = 202; // the certificate chain does not end at a trusted root
  export const CertificateExpired: i32 = 203; // a certificate in the chain has expired
  export const CertificateNotYetValid: i32 = 204; // a certificate in the chain is not yet valid
  export const WrongRole: i32 = 205; // a signer or certificate has the wrong role for this message
  export const Revoked: i32 = 206; // a certificate in the chain is revoked by the bank that issued it (its issuer/subject is on the revocation list)
  export const IssuerMismatch: i32 = 207; // a certificate names an issuer other than the certificate that signed it
  export const MissingCertificate: i32 = 208; // the signer certificate is missing
  export const SubjectMismatch: i32 = 209; // the message names a subject other than its signer certificate
  export const WrongMerchant: i32 = 300; // the check or slip is for another merchant
  export const SlipMismatch: i32 = 301; // the check does not match the purchase slip (hash, amount, currency or merchant)
  export const ReplayedNonce: i32 = 302; // the nonce was already used
  export const NonceMismatch: i32 = 303; // the nonce is not the one outstanding
  export const CurrencyMismatch: i32 = 304; // the currency differs from the one expected
  export const LimitExceeded: i32 = 305; // an offline risk limit would be exceeded
  export const InsufficientFunds: i32 = 306; // the purse balance is lower than the amount
  export const StaleRevocationList: i32 = 307; // the revocation list is older than policy allows
  export const DuplicateCheck: i32 = 308; // the same check was already deposited
  export const CloneDetected: i32 = 309; // two different checks with one purse and serial: a cloned purse
  export const NotAFraudProof: i32 = 310; // the two checks do not prove fraud (different purse or serial, identical, or not genuine)
  export const WrongChannel: i32 = 311; // the check was made for another channel (POS vs Internet)
  export const TokenAlreadyApplied: i32 = 312; // the value token was already applied
  export const MessageExpired: i32 = 313; // the message is older or newer than policy allows
  export const WrongPurse: i32 = 314; // the message is for another purse
  export const WrongBank: i32 = 315; // the message is for, or from, another bank than the one concerned
  export const RefundAlreadyApplied: i32 = 316; // the refund was already applied
  export const ReceiptMismatch: i32 = 317; // the capture receipt does not match the deposited batch (batch id, checks, order, hashes or total)
  export const UnknownCheck: i32 = 318; // the refund names a check that is not this purse's last purchase
  export const ActivationCodeUnknown: i32 = 319; // the activation code is not one the bank issued (mistyped, or for another bank)
  export const ActivationCodeUsed: i32 = 320; // the activation code was already used to enrol a card: ask the bank for a new one
  export const ActivationCodeExpired: i32 = 321; // the activation code has expired: ask the bank for a new one
  export const CheckRefunded: i32 = 322; // the check was refunded by the merchant: the bank does not credit it
  export const RefundMismatch: i32 = 323; // the refund does not match the check it names (purse, serial, amount or currency)
  export const GuaranteeAfterRevocation: i32 = 324; // not guaranteed: a check of a cloned or overspent purse dated after the purse's revocation reached terminals (revoked + the maximum revocation-list age); a terminal following the rules refused it
  export const GuaranteeExhausted: i32 = 325; // not guaranteed: the guarantee limit of the cloned or overspent purse is exhausted (its certificate's maxOfflineAmount or maxOfflineChecks already paid beyond what it was loaded)
  export const GuaranteeOverCheckLimit: i32 = 326; // not guaranteed: a check of a cloned or overspent purse above its certificate's per-check limit (maxPerCheck); a terminal following the rules refused it
  export const GuaranteeDepositLate: i32 = 327; // not guaranteed: a check of a cloned or overspent purse deposited later than the guarantee allows after its date
  export const RenewalPurseUnknown: i32 = 330; // the purse to renew is unknown to this bank or no longer active (revoked, lost, settled)
  export const RenewalWrongKey: i32 = 331; // the renewed certificate certifies another purse key, purse or bank than the card's own
  export const RenewalTampered: i32 = 332; // the renewed certificate or the renewal request does not verify (tampered, or not signed by the bank or the purse)
  export const RenewalReplayed: i32 = 333; // the renewal was already done: a used nonce, or a certificate no newer than the one installed
  export const AboveCertifiedLimit: i32 = 334; // the check is above the maximum per check its purse certificate certified: refused at capture, as the card and the terminal refuse it
  export const NotAnIssuer: i32 = 335; // a purse or cardholder certified by a bank whose certificate does not let it issue cards (claim bankRoles)
  export const NotAnAcquirer: i32 = 336; // a merchant certified by a bank whose certificate does not let it acquire merchants (claim bankRoles)
  export const PresentedToIssuer: i32 = 337; // not credited yet: a check of another scheme bank's purse, presented to its issuer; credited when the issuer accepts it (deposit the same batch again for the final outcome)
  export const NoPresentmentRoute: i32 = 338; // a check of a purse certified by a scheme bank this acquirer has no interbank route to: not presented, not credited
  export const PresenterNotAcquirer: i32 = 339; // a presentment signed by a bank whose certificate does not let it acquire merchants (claim bankRoles)
  export const PresentmentWrongIssuer: i32 = 340; // a presentment for another issuer than the bank it was sent to
  export const PresentmentEvidenceMismatch: i32 = 341; // the presentment's evidence does not hold: its deposit not signed by a merchant of the presenting acquirer, an item not in the deposit or named twice, or the deposit presented before under another presentment
  export const PresentmentAnswerMismatch: i32 = 342; // the issuer's answer does not match the presentment (signer, presentment id, outcome count, check hashes or amounts)
  export const StatementMismatch: i32 = 345; // a settlement statement that disagrees with this bank's books: other amounts, a net that is not the opposite of this bank's, or references that are not the ones it hashes
  export const StatementReferenceUnknown: i32 = 346; // a settlement statement naming a presentment this bank has not booked with its signer, or one already settled in another cycle
  export const StatementWrongParty: i32 = 347; // a settlement statement not between its signer and this bank (another counterparty, or signed by another bank than it names)
  export const StatementCycleConflict: i32 = 348; // a settlement cycle already closed with other contents, or out of order (not the next cycle of the pair)
  export const SchemeNetNotZero: i32 = 349; // a scheme's statements of one cycle whose net positions do not sum to 0 per currency, or a pair whose two statements disagree
  export const EnvelopeOpenFailed: i32 = 400; // the envelope could not be opened (wrong key, wrong step, or tampered)
  export const WrongEnvelopeStep: i32 = 401; // the envelope is marked for another protocol step
}

export const FORMAT_VERSION: u8 = 1; // The format version (body key 1).
export const AMOUNT_MAX: u64 = 9007199254740991; // The largest integer, amount or sum: 2^53 - 1.
export const MAX_DEPTH: i32 = 16; // The deepest CBOR nesting a decoder accepts.
export const MAX_CHAIN: usize = 2; // Certificates in a chain: the leaf and the bank that certified it.
export const ID_MAX_LENGTH: usize = 64; // The longest identifier, in characters of [A-Za-z0-9._:-].
/** The protected header as it stands in a COSE structure: a byte string. */
@lazy export const PROTECTED_EDDSA_BSTR: StaticArray<u8> = [0x43, 0xa1, 0x01, 0x27];
export const PROTECTED_EDDSA_BSTR_LENGTH: usize = 4;
/** Sig_structure of a COSE_Sign1 up to the payload: ["Signature1", h'a10127', h'', payload]. */
@lazy export const SIG_STRUCTURE1_PREFIX: StaticArray<u8> = [0x84, 0x6a, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x31, 0x43, 0xa1, 0x01, 0x27, 0x40];
export const SIG_STRUCTURE1_PREFIX_LENGTH: usize = 17;
/** Sig_structure of a COSE_Sign signature up to the payload: ["Signature", h'', h'a10127', h'', payload]. */
@lazy export const SIG_STRUCTURE_PREFIX: StaticArray<u8> = [0x85, 0x69, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x40, 0x43, 0xa1, 0x01, 0x27, 0x40];
export const SIG_STRUCTURE_PREFIX_LENGTH: usize = 17;
/** Claim `cnf` up to the key bytes: {1: {1: 1, 3: -8, -1: 6, -2: h'<32 bytes>'}}. */
@lazy export const CNF_ED25519_PREFIX: StaticArray<u8> = [0xa1, 0x01, 0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20];
export const CNF_ED25519_PREFIX_LENGTH: usize = 12;
/** An X25519 COSE_Key up to the key bytes: {1: 1, -1: 4, -2: h'<32 bytes>'}. */
@lazy export const X25519_KEY_PREFIX: StaticArray<u8> = [0xa3, 0x01, 0x01, 0x20, 0x04, 0x21, 0x58, 0x20];
export const X25519_KEY_PREFIX_LENGTH: usize = 8;
/** What the bank signs to unblock a PIN starts with this. */
@lazy export const UNBLOCK_DOMAIN: StaticArray<u8> = [0x73, 0x6d, 0x61, 0x72, 0x74, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x2f, 0x31, 0x2f, 0x75, 0x6e, 0x62, 0x6c, 0x6f, 0x63, 0x6b];
export const UNBLOCK_DOMAIN_LENGTH: usize = 20;
/** What the purse signs over a bank nonce to ask for a renewed certificate starts with this. */
@lazy export const RENEWAL_DOMAIN: StaticArray<u8> = [0x73, 0x6d, 0x61, 0x72, 0x74, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x2f, 0x31, 0x2f, 0x72, 0x65, 0x6e, 0x65, 0x77, 0x61, 0x6c];
export const RENEWAL_DOMAIN_LENGTH: usize = 20;
/** HPKE info of an envelope of message type 1. */
@lazy export const INFO_VALUE_TOKEN_REQUEST: StaticArray<u8> = [0x73, 0x6d, 0x61, 0x72, 0x74, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x2f, 0x31, 0x2f, 0x6c, 0x6f, 0x61, 0x64, 0x2d, 0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74];
export const INFO_VALUE_TOKEN_REQUEST_LENGTH: usize = 25;
/** HPKE info of an envelope of message type 2. */
@lazy export const INFO_VALUE_TOKEN: StaticArray<u8> = [0x73, 0x6d, 0x61, 0x72, 0x74, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x2f, 0x31, 0x2f, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x2d, 0x74, 0x6f, 0x6b, 0x65, 0x6e];
export const INFO_VALUE_TOKEN_LENGTH: usize = 24;
/** HPKE info of an envelope of message type 6. */
@lazy export const INFO_INTERNET_CHECK: StaticArray<u8> = [0x73, 0x6d, 0x61, 0x72, 0x74, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x2f, 0x31, 0x2f, 0x69, 0x6e, 0x74, 0x65, 0x72, 0x6e, 0x65, 0x74, 0x2d, 0x63, 0x68, 0x65, 0x63, 0x6b];
export const INFO_INTERNET_CHECK_LENGTH: usize = 27;
/** HPKE info of an envelope of message type 7. */
@lazy export const INFO_DEPOSIT_BATCH: StaticArray<u8> = [0x73, 0x6d, 0x61, 0x72, 0x74, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x2f, 0x31, 0x2f, 0x64, 0x65, 0x70, 0x6f, 0x73, 0x69, 0x74, 0x2d, 0x62, 0x61, 0x74, 0x63, 0x68];
export const INFO_DEPOSIT_BATCH_LENGTH: usize = 26;
/** HPKE info of an envelope of message type 10. */
@lazy export const INFO_REFUND: StaticArray<u8> = [0x73, 0x6d, 0x61, 0x72, 0x74, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x2f, 0x31, 0x2f, 0x72, 0x65, 0x66, 0x75, 0x6e, 0x64];
export const INFO_REFUND_LENGTH: usize = 19;
/** HPKE info of an envelope of message type 13. */
@lazy export const INFO_PRESENTMENT: StaticArray<u8> = [0x73, 0x6d, 0x61, 0x72, 0x74, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x2f, 0x31, 0x2f, 0x70, 0x72, 0x65, 0x73, 0x65, 0x6e, 0x74, 0x6d, 0x65, 0x6e, 0x74];
export const INFO_PRESENTMENT_LENGTH: usize = 24;

/** Message types (`MessageType`, src/protocol/registry.ts). */
export namespace MessageType {
  export const ValueTokenRequest: u8 = 1; // Type 1: value-token request.
  export const ValueToken: u8 = 2; // Type 2: value token.
  export const PurchaseSlip: u8 = 3; // Type 3: purchase slip.
  export const DigitalCheck: u8 = 4; // Type 4: digital check.
  export const DigitalCheckRequest: u8 = 5; // Type 5: digital-check request.
  export const InternetCheck: u8 = 6; // Type 6: internet check.
  export const DepositBatch: u8 = 7; // Type 7: deposit batch.
  export const CaptureReceipt: u8 = 8; // Type 8: capture receipt.
  export const RevocationList: u8 = 9; // Type 9: revocation list.
  export const Refund: u8 = 10; // Type 10: refund.
  export const FraudProof: u8 = 11; // Type 11: fraud proof.
  export const Envelope: u8 = 12; // Type 12: envelope.
  export const Presentment: u8 = 13; // Type 13: presentment.
  export const PresentmentAnswer: u8 = 14; // Type 14: presentment answer.
  export const SettlementStatement: u8 = 16; // Type 16: settlement statement.
}

/** The two keys every message body has (`BodyKey`, src/protocol/registry.ts). */
export namespace BodyKey {
  export const type: u8 = 0; // Key of the type.
  export const version: u8 = 1; // Key of the version.
}

/** Keys of the value-token request body (message type 1; `valueTokenRequest`, src/protocol/messages.ts). */
export namespace ValueTokenRequest {
  export const purseId: u8 = 2; // Key of `purseId`.
  export const bankId: u8 = 3; // Key of `bankId`.
  export const amount: u8 = 4; // Key of `amount`.
  export const currency: u8 = 5; // Key of `currency`.
  export const nonce: u8 = 6; // Key of `nonce`.
  export const purseCounter: u8 = 7; // Key of `purseCounter`.
  export const time: u8 = 8; // Key of `time`.
  export const entries: u64 = 9; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Keys of the value token body (message type 2; `valueToken`, src/protocol/messages.ts). */
export namespace ValueToken {
  export const purseId: u8 = 2; // Key of `purseId`.
  export const bankId: u8 = 3; // Key of `bankId`.
  export const amount: u8 = 4; // Key of `amount`.
  export const currency: u8 = 5; // Key of `currency`.
  export const nonce: u8 = 6; // Key of `nonce`.
  export const tokenId: u8 = 7; // Key of `tokenId`.
  export const time: u8 = 8; // Key of `time`.
  export const entries: u64 = 9; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Keys of the purchase slip body (message type 3; `purchaseSlip`, src/protocol/messages.ts). */
export namespace PurchaseSlip {
  export const merchantId: u8 = 2; // Key of `merchantId`.
  export const amount: u8 = 3; // Key of `amount`.
  export const currency: u8 = 4; // Key of `currency`.
  export const time: u8 = 5; // Key of `time`.
  export const terminalId: u8 = 6; // Key of `terminalId`.
  export const terminalTxId: u8 = 7; // Key of `terminalTxId`.
  export const terminalNonce: u8 = 8; // Key of `terminalNonce`.
  export const channel: u8 = 9; // Key of `channel`.
  export const entries: u64 = 10; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Keys of the digital check body (message type 4; `digitalCheck`, src/protocol/messages.ts). */
export namespace DigitalCheck {
  export const slipHash: u8 = 2; // Key of `slipHash`.
  export const amount: u8 = 3; // Key of `amount`.
  export const currency: u8 = 4; // Key of `currency`.
  export const merchantId: u8 = 5; // Key of `merchantId`.
  export const purseId: u8 = 6; // Key of `purseId`.
  export const serial: u8 = 7; // Key of `serial`.
  export const time: u8 = 8; // Key of `time`.
  export const channel: u8 = 9; // Key of `channel`.
  export const entries: u64 = 10; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Keys of the digital-check request body (message type 5; `digitalCheckRequest`, src/protocol/messages.ts). */
export namespace DigitalCheckRequest {
  export const slip: u8 = 2; // Key of `slip`.
  export const cardholderId: u8 = 3; // Key of `cardholderId`.
  export const entries: u64 = 4; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Keys of the deposit batch body (message type 7; `depositBatch`, src/protocol/messages.ts). */
export namespace DepositBatch {
  export const merchantId: u8 = 2; // Key of `merchantId`.
  export const batchId: u8 = 3; // Key of `batchId`.
  export const checks: u8 = 4; // Key of `checks`.
  export const time: u8 = 5; // Key of `time`.
  export const entries: u64 = 6; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Keys of the capture receipt body (message type 8; `captureReceipt`, src/protocol/messages.ts). */
export namespace CaptureReceipt {
  export const merchantId: u8 = 2; // Key of `merchantId`.
  export const batchId: u8 = 3; // Key of `batchId`.
  export const outcomes: u8 = 4; // Key of `outcomes`.
  export const totalCredited: u8 = 5; // Key of `totalCredited`.
  export const time: u8 = 6; // Key of `time`.
  export const entries: u64 = 7; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Keys of the revocation list body (message type 9; `revocationList`, src/protocol/messages.ts). */
export namespace RevocationList {
  export const bankId: u8 = 2; // Key of `bankId`.
  export const issuedAt: u8 = 3; // Key of `issuedAt`.
  export const nextUpdate: u8 = 4; // Key of `nextUpdate`.
  export const revoked: u8 = 5; // Key of `revoked`.
  export const listNumber: u8 = 6; // Key of `listNumber`.
  export const entries: u64 = 7; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Keys of the refund body (message type 10; `refund`, src/protocol/messages.ts). */
export namespace Refund {
  export const checkHash: u8 = 2; // Key of `checkHash`.
  export const purseId: u8 = 3; // Key of `purseId`.
  export const amount: u8 = 4; // Key of `amount`.
  export const currency: u8 = 5; // Key of `currency`.
  export const merchantId: u8 = 6; // Key of `merchantId`.
  export const serial: u8 = 7; // Key of `serial`.
  export const time: u8 = 8; // Key of `time`.
  export const entries: u64 = 9; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Keys of the fraud proof body (message type 11; `fraudProof`, src/protocol/messages.ts). */
export namespace FraudProof {
  export const first: u8 = 2; // Key of `first`.
  export const second: u8 = 3; // Key of `second`.
  export const entries: u64 = 4; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Keys of the envelope body (message type 12; `envelope`, src/protocol/messages.ts). */
export namespace Envelope {
  export const suite: u8 = 2; // Key of `suite`.
  export const enc: u8 = 3; // Key of `enc`.
  export const ciphertext: u8 = 4; // Key of `ciphertext`.
  export const step: u8 = 5; // Key of `step`.
  export const entries: u64 = 6; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Keys of the presentment body (message type 13; `presentment`, src/protocol/messages.ts). */
export namespace Presentment {
  export const acquirerId: u8 = 2; // Key of `acquirerId`.
  export const issuerId: u8 = 3; // Key of `issuerId`.
  export const deposit: u8 = 4; // Key of `deposit`.
  export const items: u8 = 5; // Key of `items`.
  export const time: u8 = 6; // Key of `time`.
  export const entries: u64 = 7; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Keys of the presentment answer body (message type 14; `presentmentAnswer`, src/protocol/messages.ts). */
export namespace PresentmentAnswer {
  export const issuerId: u8 = 2; // Key of `issuerId`.
  export const acquirerId: u8 = 3; // Key of `acquirerId`.
  export const presentmentId: u8 = 4; // Key of `presentmentId`.
  export const outcomes: u8 = 5; // Key of `outcomes`.
  export const time: u8 = 6; // Key of `time`.
  export const entries: u64 = 7; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Keys of the settlement statement body (message type 16; `settlementStatement`, src/protocol/messages.ts). */
export namespace SettlementStatement {
  export const bankId: u8 = 2; // Key of `bankId`.
  export const counterparty: u8 = 3; // Key of `counterparty`.
  export const cycle: u8 = 4; // Key of `cycle`.
  export const cutoff: u8 = 5; // Key of `cutoff`.
  export const lines: u8 = 6; // Key of `lines`.
  export const referencesHash: u8 = 7; // Key of `referencesHash`.
  export const entries: u64 = 8; // Entries in the body map, type and version included: its keys are 0 to entries - 1.
}

/** Certificate roles (`Role`, src/protocol/registry.ts). */
export namespace Role {
  export const Root: u32 = 1; // Role root.
  export const Bank: u32 = 2; // Role bank.
  export const Purse: u32 = 3; // Role purse.
  export const Cardholder: u32 = 4; // Role cardholder.
  export const Merchant: u32 = 5; // Role merchant.
  @lazy export const all: StaticArray<u32> = [Role.Root, Role.Bank, Role.Purse, Role.Cardholder, Role.Merchant]; // every value, in this order
  export const allLength: i32 = 5;
}

/** Payment channels of a slip and a check (`Channel`, src/protocol/registry.ts). */
export namespace Channel {
  export const Pos: u8 = 0; // Channel POS.
  export const Internet: u8 = 1; // Channel Internet.
  @lazy export const all: StaticArray<u8> = [Channel.Pos, Channel.Internet]; // every value, in this order
  export const allLength: i32 = 2;
}

/** Certificate claim labels in deterministic key order (`Claim`, src/protocol/registry.ts). */
export namespace Claim {
  export const iss: i64 = 1; // Claim `iss`.
  export const sub: i64 = 2; // Claim `sub`.
  export const exp: i64 = 4; // Claim `exp`.
  export const nbf: i64 = 5; // Claim `nbf`.
  export const iat: i64 = 6; // Claim `iat`.
  export const cti: i64 = 7; // Claim `cti`.
  export const cnf: i64 = 8; // Claim `cnf`.
  export const role: i64 = -65537; // Claim `role`.
  export const kxKey: i64 = -65538; // Claim `kxKey`.
  export const limits: i64 = -65539; // Claim `limits`.
  export const bankRoles: i64 = -65540; // Claim `bankRoles`.
  @lazy export const all: StaticArray<i64> = [Claim.iss, Claim.sub, Claim.exp, Claim.nbf, Claim.iat, Claim.cti, Claim.cnf, Claim.role, Claim.kxKey, Claim.limits, Claim.bankRoles]; // every value, in this order
  export const allLength: i32 = 11;
}

/** What a bank certificate lets its bank certify, bits of claim `bankRoles` (`BankRole`, src/protocol/registry.ts). */
export namespace BankRole {
  export const Issuer: u32 = 1; // Bank role issuer.
  export const Acquirer: u32 = 2; // Bank role acquirer.
  @lazy export const all: StaticArray<u32> = [BankRole.Issuer, BankRole.Acquirer]; // every value, in this order
  export const allLength: i32 = 2;
}

/** Keys of the offline-limits map, claim `limits` (`LimitKey`, src/protocol/registry.ts). */
export namespace LimitKey {
  export const currency: u64 = 1; // Key of `currency`.
  export const maxBalance: u64 = 2; // Key of `maxBalance`.
  export const maxPerCheck: u64 = 3; // Key of `maxPerCheck`.
  export const maxOfflineChecks: u64 = 4; // Key of `maxOfflineChecks`.
  export const maxOfflineAmount: u64 = 5; // Key of `maxOfflineAmount`.
  @lazy export const all: StaticArray<u64> = [LimitKey.currency, LimitKey.maxBalance, LimitKey.maxPerCheck, LimitKey.maxOfflineChecks, LimitKey.maxOfflineAmount]; // every value, in this order
  export const allLength: i32 = 5;
}

/** COSE header labels, key labels and values (`Cose`, src/protocol/registry.ts). */
export namespace Cose {
  export const alg: i64 = 1; // COSE `alg`.
  export const kid: i64 = 4; // COSE `kid`.
  export const kcwt: i64 = 13; // COSE `kcwt`.
  export const algEdDSA: i64 = -8; // COSE `algEdDSA`.
  export const ktyOKP: i64 = 1; // COSE `ktyOKP`.
  export const crvX25519: i64 = 4; // COSE `crvX25519`.
  export const crvEd25519: i64 = 6; // COSE `crvEd25519`.
  export const keyKty: i64 = 1; // COSE `keyKty`.
  export const keyAlg: i64 = 3; // COSE `keyAlg`.
  export const keyCrv: i64 = -1; // COSE `keyCrv`.
  export const keyX: i64 = -2; // COSE `keyX`.
  export const cnfCoseKey: i64 = 1; // COSE `cnfCoseKey`.
}

/** CBOR tags (`Tag`, src/protocol/cbor.ts). */
export namespace Tag {
  export const Sign1: u64 = 18; // Tag of a COSE_Sign1.
  export const Sign: u64 = 98; // Tag of a COSE_Sign.
}

/** Byte strings of a fixed length (`ByteLength`, src/protocol/registry.ts). */
export namespace ByteLength {
  export const nonce: usize = 16; // Bytes of a nonce.
  export const randomId: usize = 16; // Bytes of a random id.
  export const hash: usize = 32; // Bytes of a hash.
  export const certificateSerial: usize = 8; // Bytes of a certificate serial.
  export const key: usize = 32; // Bytes of a key.
  export const signature: usize = 64; // Bytes of a signature.
}

/** The applet AID. */
@lazy export const AID: StaticArray<u8> = [0xf0, 0x53, 0x4d, 0x43, 0x48, 0x4b, 0x01];
export const AID_LENGTH: usize = 7;
export const VALUE_BLOCK_SIZE: usize = 80; // Bytes of the value block.
export const STATUS_SIZE: usize = 100; // Bytes of GET DATA C1.
export const LOG_RECORD_SIZE: usize = 128; // Bytes of a log record.

/** Command classes (`Cla`, src/protocol/purse-apdu.ts). */
export namespace Cla {
  export const iso: u8 = 0x00;
  export const proprietary: u8 = 0x80;
  export const chaining: u8 = 0x10;
}

/** Instructions (`Ins`, src/protocol/purse-apdu.ts). */
export namespace Ins {
  export const select: u8 = 0xa4;
  export const verify: u8 = 0x20;
  export const resetRetryCounter: u8 = 0x2c;
  export const getData: u8 = 0xca;
  export const getResponse: u8 = 0xc0;
  export const generateKeys: u8 = 0x12;
  export const installRoot: u8 = 0x14;
  export const installCertificate: u8 = 0x16;
  export const setPin: u8 = 0x18;
  export const loadRequest: u8 = 0x50;
  export const loadApply: u8 = 0x52;
  export const purchase: u8 = 0x54;
  export const readLog: u8 = 0x56;
  export const reissueCheck: u8 = 0x58;
  export const internetCheck: u8 = 0x5a;
  export const refund: u8 = 0x5c;
  export const renewCertificate: u8 = 0x1a;
}

/** P1 and P2 values (`Param`, src/protocol/purse-apdu.ts). */
export namespace Param {
  export const selectByName: u8 = 0x04;
  export const selectFci: u8 = 0x00;
  export const selectNoData: u8 = 0x0c;
  export const pin: u8 = 0x80;
  export const loadRequestAgain: u8 = 0x01;
  export const renewalRequest: u8 = 0x01;
}

/** GET DATA tags (`DataTag`, src/protocol/purse-apdu.ts). */
export namespace DataTag {
  export const status: u8 = 0xc1;
  export const publicKeys: u8 = 0xc2;
  export const certificate: u8 = 0xc3;
  export const lastError: u8 = 0xc4;
  export const purseId: u8 = 0xc5;
  export const outstanding: u8 = 0xc6;
}

/** SELECT FCI tags (`FciTag`, src/protocol/purse-apdu.ts). */
export namespace FciTag {
  export const template: u8 = 0x6f;
  export const dfName: u8 = 0x84;
}

/** Status words (`SW`, src/protocol/purse-apdu.ts). */
export namespace SW {
  export const ok: i32 = 0x9000;
  export const bytesRemaining: i32 = 0x6100;
  export const wrongLength: i32 = 0x6700;
  export const lastCommandExpected: i32 = 0x6883;
  export const securityNotSatisfied: i32 = 0x6982;
  export const blocked: i32 = 0x6983;
  export const conditionsNotSatisfied: i32 = 0x6985;
  export const wrongData: i32 = 0x6a80;
  export const fileFull: i32 = 0x6a84;
  export const applicationNotFound: i32 = 0x6a82;
  export const wrongP1P2: i32 = 0x6a86;
  export const notFound: i32 = 0x6a88;
  export const insNotSupported: i32 = 0x6d00;
  export const claNotSupported: i32 = 0x6e00;
  export const pinTries: i32 = 0x63c0;
  export const insufficientFunds: i32 = 0x9401;
  export const limitExceeded: i32 = 0x9402;
}

/** Life-cycle states (`Lifecycle`, src/protocol/purse-apdu.ts). */
export namespace Lifecycle {
  export const blank: u8 = 0;
  export const keysGenerated: u8 = 1;
  export const certificateInstalled: u8 = 2;
  export const active: u8 = 3;
}

/** Offsets in the value block (`ValueBlock`, src/protocol/purse-apdu.ts). */
export namespace ValueBlock {
  export const balance: usize = 0;
  export const serial: usize = 8;
  export const loadedTotal: usize = 16;
  export const spentTotal: usize = 32;
  export const loadCounter: usize = 48;
  export const offlineChecks: usize = 56;
  export const offlineAmount: usize = 64;
  export const logTotal: usize = 72;
  export const appliedTotal: usize = 76;
}

/** Offsets in GET DATA C1 (`StatusField`, src/protocol/purse-apdu.ts). */
export namespace StatusField {
  export const lifecycle: usize = 0;
  export const pinTries: usize = 1;
  export const pinVerified: usize = 2;
  export const roots: usize = 3;
  export const valueBlock: usize = 4;
  export const refundedTotal: usize = 84;
}

/** Log record kinds (`LogKind`, src/protocol/purse-apdu.ts). */
export namespace LogKind {
  export const purchase: u8 = 1;
  export const load: u8 = 2;
  export const refund: u8 = 3;
}

/** Offsets in a log record (`LogRecordField`, src/protocol/purse-apdu.ts). */
export namespace LogRecordField {
  export const kind: usize = 0;
  export const channel: usize = 1;
  export const idLength: usize = 2;
  export const refunded: usize = 3;
  export const serial: usize = 4;
  export const amount: usize = 12;
  export const time: usize = 20;
  export const hash: usize = 28;
  export const nonce: usize = 44;
  export const id: usize = 60;
  export const currency: usize = 124;
}
