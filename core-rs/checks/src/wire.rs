//! The wire format's constants. Generated from the protocol registry (src/protocol/) by
//! `npx tsx scripts/gen-wire.ts`: do not edit. To add or change a constant, edit the registry and
//! run the generator (src/protocol/WIRE.md § Constants); test/protocol/wire.test.ts fails while
//! this file is stale.

/// A protocol outcome code (`ErrorCode`, src/protocol/errors.ts; docs/errors.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum ErrorCode {
    // 1xx: the bytes are not a well-formed message
    /// Not CBOR, or CBOR with indefinite lengths, floats, big integers or trailing bytes.
    MalformedCbor = 100,
    /// Valid CBOR but not the deterministic encoding (RFC 8949 §4.2.1) of what it holds.
    NotDeterministic = 101,
    /// The message type is not the one expected here, or unknown.
    WrongMessageType = 102,
    /// The format version is not supported.
    UnsupportedVersion = 103,
    /// A required field is missing.
    MissingField = 104,
    /// A field the format does not define is present.
    UnknownField = 105,
    /// A field has the wrong type, size or range.
    BadField = 106,
    /// Not a COSE_Sign1 / COSE_Sign / CWT of the shape smartcheck uses, or a certificate chain of
    /// more than two.
    BadCoseStructure = 107,
    /// A signature algorithm other than EdDSA.
    UnsupportedAlgorithm = 108,
    /// An amount or sum exceeds 2^53 - 1.
    AmountOverflow = 109,
    // 2xx: signatures and certificates
    /// The signature does not verify.
    BadSignature = 200,
    /// A certificate signature does not verify.
    BadCertificateSignature = 201,
    /// The certificate chain does not end at a trusted root.
    UnknownIssuer = 202,
    /// A certificate in the chain has expired.
    CertificateExpired = 203,
    /// A certificate in the chain is not yet valid.
    CertificateNotYetValid = 204,
    /// A signer or certificate has the wrong role for this message.
    WrongRole = 205,
    /// A certificate in the chain is revoked by the bank that issued it (its issuer/subject is on
    /// the revocation list).
    Revoked = 206,
    /// A certificate names an issuer other than the certificate that signed it.
    IssuerMismatch = 207,
    /// The signer certificate is missing.
    MissingCertificate = 208,
    /// The message names a subject other than its signer certificate.
    SubjectMismatch = 209,
    // 3xx: the message is genuine but not acceptable here and now
    /// The check or slip is for another merchant.
    WrongMerchant = 300,
    /// The check does not match the purchase slip (hash, amount, currency or merchant).
    SlipMismatch = 301,
    /// The nonce was already used.
    ReplayedNonce = 302,
    /// The nonce is not the one outstanding.
    NonceMismatch = 303,
    /// The currency differs from the one expected.
    CurrencyMismatch = 304,
    /// An offline risk limit would be exceeded.
    LimitExceeded = 305,
    /// The purse balance is lower than the amount.
    InsufficientFunds = 306,
    /// The revocation list is older than policy allows.
    StaleRevocationList = 307,
    /// The same check was already deposited.
    DuplicateCheck = 308,
    /// Two different checks with one purse and serial: a cloned purse.
    CloneDetected = 309,
    /// The two checks do not prove fraud (different purse or serial, identical, or not genuine).
    NotAFraudProof = 310,
    /// The check was made for another channel (POS vs Internet).
    WrongChannel = 311,
    /// The value token was already applied.
    TokenAlreadyApplied = 312,
    /// The message is older or newer than policy allows.
    MessageExpired = 313,
    /// The message is for another purse.
    WrongPurse = 314,
    /// The message is for, or from, another bank than the one concerned.
    WrongBank = 315,
    /// The refund was already applied.
    RefundAlreadyApplied = 316,
    /// The capture receipt does not match the deposited batch (batch id, checks, order, hashes or
    /// total).
    ReceiptMismatch = 317,
    /// The refund names a check that is not this purse's last purchase.
    UnknownCheck = 318,
    /// The activation code is not one the bank issued (mistyped, or for another bank).
    ActivationCodeUnknown = 319,
    /// The activation code was already used to enrol a card: ask the bank for a new one.
    ActivationCodeUsed = 320,
    /// The activation code has expired: ask the bank for a new one.
    ActivationCodeExpired = 321,
    /// The check was refunded by the merchant: the bank does not credit it.
    CheckRefunded = 322,
    /// The refund does not match the check it names (purse, serial, amount or currency).
    RefundMismatch = 323,
    /// Not guaranteed: a check of a cloned or overspent purse dated after the purse's revocation
    /// reached terminals (revoked + the maximum revocation-list age); a terminal following the
    /// rules refused it.
    GuaranteeAfterRevocation = 324,
    /// Not guaranteed: the guarantee limit of the cloned or overspent purse is exhausted (its
    /// certificate's maxOfflineAmount or maxOfflineChecks already paid beyond what it was loaded).
    GuaranteeExhausted = 325,
    /// Not guaranteed: a check of a cloned or overspent purse above its certificate's per-check
    /// limit (maxPerCheck); a terminal following the rules refused it.
    GuaranteeOverCheckLimit = 326,
    /// Not guaranteed: a check of a cloned or overspent purse deposited later than the guarantee
    /// allows after its date.
    GuaranteeDepositLate = 327,
    /// The purse to renew is unknown to this bank or no longer active (revoked, lost, settled).
    RenewalPurseUnknown = 330,
    /// The renewed certificate certifies another purse key, purse or bank than the card's own.
    RenewalWrongKey = 331,
    /// The renewed certificate or the renewal request does not verify (tampered, or not signed by
    /// the bank or the purse).
    RenewalTampered = 332,
    /// The renewal was already done: a used nonce, or a certificate no newer than the one
    /// installed.
    RenewalReplayed = 333,
    /// The check is above the maximum per check its purse certificate certified: refused at
    /// capture, as the card and the terminal refuse it.
    AboveCertifiedLimit = 334,
    /// A purse or cardholder certified by a bank whose certificate does not let it issue cards
    /// (claim bankRoles).
    NotAnIssuer = 335,
    /// A merchant certified by a bank whose certificate does not let it acquire merchants (claim
    /// bankRoles).
    NotAnAcquirer = 336,
    /// Not credited yet: a check of another scheme bank's purse, presented to its issuer; credited
    /// when the issuer accepts it (deposit the same batch again for the final outcome).
    PresentedToIssuer = 337,
    /// A check of a purse certified by a scheme bank this acquirer has no interbank route to: not
    /// presented, not credited.
    NoPresentmentRoute = 338,
    /// A presentment signed by a bank whose certificate does not let it acquire merchants (claim
    /// bankRoles).
    PresenterNotAcquirer = 339,
    /// A presentment for another issuer than the bank it was sent to.
    PresentmentWrongIssuer = 340,
    /// The presentment's evidence does not hold: its deposit not signed by a merchant of the
    /// presenting acquirer, an item not in the deposit or named twice, or the deposit presented
    /// before under another presentment.
    PresentmentEvidenceMismatch = 341,
    /// The issuer's answer does not match the presentment (signer, presentment id, outcome count,
    /// check hashes or amounts).
    PresentmentAnswerMismatch = 342,
    /// A settlement statement that disagrees with this bank's books: other amounts, a net that is
    /// not the opposite of this bank's, or references that are not the ones it hashes.
    StatementMismatch = 345,
    /// A settlement statement naming a presentment this bank has not booked with its signer, or one
    /// already settled in another cycle.
    StatementReferenceUnknown = 346,
    /// A settlement statement not between its signer and this bank (another counterparty, or signed
    /// by another bank than it names).
    StatementWrongParty = 347,
    /// A settlement cycle already closed with other contents, or out of order (not the next cycle
    /// of the pair).
    StatementCycleConflict = 348,
    /// A scheme's statements of one cycle whose net positions do not sum to 0 per currency, or a
    /// pair whose two statements disagree.
    SchemeNetNotZero = 349,
    // 4xx: envelopes
    /// The envelope could not be opened (wrong key, wrong step, or tampered).
    EnvelopeOpenFailed = 400,
    /// The envelope is marked for another protocol step.
    WrongEnvelopeStep = 401,
}

impl ErrorCode {
    /// Every code, in the order of the registry.
    pub const ALL: [ErrorCode; 68] = [
        ErrorCode::MalformedCbor,
        ErrorCode::NotDeterministic,
        ErrorCode::WrongMessageType,
        ErrorCode::UnsupportedVersion,
        ErrorCode::MissingField,
        ErrorCode::UnknownField,
        ErrorCode::BadField,
        ErrorCode::BadCoseStructure,
        ErrorCode::UnsupportedAlgorithm,
        ErrorCode::AmountOverflow,
        ErrorCode::BadSignature,
        ErrorCode::BadCertificateSignature,
        ErrorCode::UnknownIssuer,
        ErrorCode::CertificateExpired,
        ErrorCode::CertificateNotYetValid,
        ErrorCode::WrongRole,
        ErrorCode::Revoked,
        ErrorCode::IssuerMismatch,
        ErrorCode::MissingCertificate,
        ErrorCode::SubjectMismatch,
        ErrorCode::WrongMerchant,
        ErrorCode::SlipMismatch,
        ErrorCode::ReplayedNonce,
        ErrorCode::NonceMismatch,
        ErrorCode::CurrencyMismatch,
        ErrorCode::LimitExceeded,
        ErrorCode::InsufficientFunds,
        ErrorCode::StaleRevocationList,
        ErrorCode::DuplicateCheck,
        ErrorCode::CloneDetected,
        ErrorCode::NotAFraudProof,
        ErrorCode::WrongChannel,
        ErrorCode::TokenAlreadyApplied,
        ErrorCode::MessageExpired,
        ErrorCode::WrongPurse,
        ErrorCode::WrongBank,
        ErrorCode::RefundAlreadyApplied,
        ErrorCode::ReceiptMismatch,
        ErrorCode::UnknownCheck,
        ErrorCode::ActivationCodeUnknown,
        ErrorCode::ActivationCodeUsed,
        ErrorCode::ActivationCodeExpired,
        ErrorCode::CheckRefunded,
        ErrorCode::RefundMismatch,
        ErrorCode::GuaranteeAfterRevocation,
        ErrorCode::GuaranteeExhausted,
        ErrorCode::GuaranteeOverCheckLimit,
        ErrorCode::GuaranteeDepositLate,
        ErrorCode::RenewalPurseUnknown,
        ErrorCode::RenewalWrongKey,
        ErrorCode::RenewalTampered,
        ErrorCode::RenewalReplayed,
        ErrorCode::AboveCertifiedLimit,
        ErrorCode::NotAnIssuer,
        ErrorCode::NotAnAcquirer,
        ErrorCode::PresentedToIssuer,
        ErrorCode::NoPresentmentRoute,
        ErrorCode::PresenterNotAcquirer,
        ErrorCode::PresentmentWrongIssuer,
        ErrorCode::PresentmentEvidenceMismatch,
        ErrorCode::PresentmentAnswerMismatch,
        ErrorCode::StatementMismatch,
        ErrorCode::StatementReferenceUnknown,
        ErrorCode::StatementWrongParty,
        ErrorCode::StatementCycleConflict,
        ErrorCode::SchemeNetNotZero,
        ErrorCode::EnvelopeOpenFailed,
        ErrorCode::WrongEnvelopeStep,
    ];

    /// The stable number.
    pub fn code(self) -> u16 {
        self as u16
    }
}

/// The format version (body key 1).
pub const FORMAT_VERSION: i64 = 1;

/// The largest integer, amount or sum: 2^53 - 1.
pub const AMOUNT_MAX: u64 = 9007199254740991;

/// The deepest CBOR nesting a decoder accepts.
pub const MAX_DEPTH: usize = 16;

/// Certificates in a chain: the leaf and the bank that certified it.
pub const MAX_CHAIN: usize = 2;

/// The longest identifier, in characters of [A-Za-z0-9._:-].
pub const ID_MAX_LENGTH: usize = 64;

/// The protected header `{1: -8}` (alg EdDSA), the only one a signature has.
pub const PROTECTED_EDDSA: [u8; 3] = [0xa1, 0x01, 0x27];

/// Sig_structure of a COSE_Sign1 up to the payload: ["Signature1", h'a10127', h'', payload].
pub const SIG_STRUCTURE1_PREFIX: [u8; 17] = [
    0x84, 0x6a, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x31, 0x43, 0xa1, 0x01, 0x27,
    0x40,
];

/// Sig_structure of a COSE_Sign signature up to the payload: ["Signature", h'', h'a10127', h'',
/// payload].
pub const SIG_STRUCTURE_PREFIX: [u8; 17] = [
    0x85, 0x69, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x40, 0x43, 0xa1, 0x01, 0x27,
    0x40,
];

/// Message types (`MessageType`, src/protocol/registry.ts).
pub mod message_type {
    /// Type 1: value-token request.
    pub const VALUE_TOKEN_REQUEST: i64 = 1;
    /// Type 2: value token.
    pub const VALUE_TOKEN: i64 = 2;
    /// Type 3: purchase slip.
    pub const PURCHASE_SLIP: i64 = 3;
    /// Type 4: digital check.
    pub const DIGITAL_CHECK: i64 = 4;
    /// Type 5: digital-check request.
    pub const DIGITAL_CHECK_REQUEST: i64 = 5;
    /// Type 6: internet check.
    pub const INTERNET_CHECK: i64 = 6;
    /// Type 7: deposit batch.
    pub const DEPOSIT_BATCH: i64 = 7;
    /// Type 8: capture receipt.
    pub const CAPTURE_RECEIPT: i64 = 8;
    /// Type 9: revocation list.
    pub const REVOCATION_LIST: i64 = 9;
    /// Type 10: refund.
    pub const REFUND: i64 = 10;
    /// Type 11: fraud proof.
    pub const FRAUD_PROOF: i64 = 11;
    /// Type 12: envelope.
    pub const ENVELOPE: i64 = 12;
    /// Type 13: presentment.
    pub const PRESENTMENT: i64 = 13;
    /// Type 14: presentment answer.
    pub const PRESENTMENT_ANSWER: i64 = 14;
    /// Type 16: settlement statement.
    pub const SETTLEMENT_STATEMENT: i64 = 16;
}

/// The two keys every message body has (`BodyKey`, src/protocol/registry.ts).
pub mod body_key {
    /// Key of the type.
    pub const TYPE: i64 = 0;
    /// Key of the version.
    pub const VERSION: i64 = 1;
}

/// Keys of the value-token request body (message type 1; `valueTokenRequest`,
/// src/protocol/messages.ts).
pub mod value_token_request {
    /// Key of `purseId`.
    pub const PURSE_ID: i64 = 2;
    /// Key of `bankId`.
    pub const BANK_ID: i64 = 3;
    /// Key of `amount`.
    pub const AMOUNT: i64 = 4;
    /// Key of `currency`.
    pub const CURRENCY: i64 = 5;
    /// Key of `nonce`.
    pub const NONCE: i64 = 6;
    /// Key of `purseCounter`.
    pub const PURSE_COUNTER: i64 = 7;
    /// Key of `time`.
    pub const TIME: i64 = 8;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 9;
}

/// Keys of the value token body (message type 2; `valueToken`, src/protocol/messages.ts).
pub mod value_token {
    /// Key of `purseId`.
    pub const PURSE_ID: i64 = 2;
    /// Key of `bankId`.
    pub const BANK_ID: i64 = 3;
    /// Key of `amount`.
    pub const AMOUNT: i64 = 4;
    /// Key of `currency`.
    pub const CURRENCY: i64 = 5;
    /// Key of `nonce`.
    pub const NONCE: i64 = 6;
    /// Key of `tokenId`.
    pub const TOKEN_ID: i64 = 7;
    /// Key of `time`.
    pub const TIME: i64 = 8;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 9;
}

/// Keys of the purchase slip body (message type 3; `purchaseSlip`, src/protocol/messages.ts).
pub mod purchase_slip {
    /// Key of `merchantId`.
    pub const MERCHANT_ID: i64 = 2;
    /// Key of `amount`.
    pub const AMOUNT: i64 = 3;
    /// Key of `currency`.
    pub const CURRENCY: i64 = 4;
    /// Key of `time`.
    pub const TIME: i64 = 5;
    /// Key of `terminalId`.
    pub const TERMINAL_ID: i64 = 6;
    /// Key of `terminalTxId`.
    pub const TERMINAL_TX_ID: i64 = 7;
    /// Key of `terminalNonce`.
    pub const TERMINAL_NONCE: i64 = 8;
    /// Key of `channel`.
    pub const CHANNEL: i64 = 9;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 10;
}

/// Keys of the digital check body (message type 4; `digitalCheck`, src/protocol/messages.ts).
pub mod digital_check {
    /// Key of `slipHash`.
    pub const SLIP_HASH: i64 = 2;
    /// Key of `amount`.
    pub const AMOUNT: i64 = 3;
    /// Key of `currency`.
    pub const CURRENCY: i64 = 4;
    /// Key of `merchantId`.
    pub const MERCHANT_ID: i64 = 5;
    /// Key of `purseId`.
    pub const PURSE_ID: i64 = 6;
    /// Key of `serial`.
    pub const SERIAL: i64 = 7;
    /// Key of `time`.
    pub const TIME: i64 = 8;
    /// Key of `channel`.
    pub const CHANNEL: i64 = 9;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 10;
}

/// Keys of the digital-check request body (message type 5; `digitalCheckRequest`,
/// src/protocol/messages.ts).
pub mod digital_check_request {
    /// Key of `slip`.
    pub const SLIP: i64 = 2;
    /// Key of `cardholderId`.
    pub const CARDHOLDER_ID: i64 = 3;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 4;
}

/// Keys of the deposit batch body (message type 7; `depositBatch`, src/protocol/messages.ts).
pub mod deposit_batch {
    /// Key of `merchantId`.
    pub const MERCHANT_ID: i64 = 2;
    /// Key of `batchId`.
    pub const BATCH_ID: i64 = 3;
    /// Key of `checks`.
    pub const CHECKS: i64 = 4;
    /// Key of `time`.
    pub const TIME: i64 = 5;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 6;
}

/// Keys of the capture receipt body (message type 8; `captureReceipt`, src/protocol/messages.ts).
pub mod capture_receipt {
    /// Key of `merchantId`.
    pub const MERCHANT_ID: i64 = 2;
    /// Key of `batchId`.
    pub const BATCH_ID: i64 = 3;
    /// Key of `outcomes`.
    pub const OUTCOMES: i64 = 4;
    /// Key of `totalCredited`.
    pub const TOTAL_CREDITED: i64 = 5;
    /// Key of `time`.
    pub const TIME: i64 = 6;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 7;
}

/// Keys of the revocation list body (message type 9; `revocationList`, src/protocol/messages.ts).
pub mod revocation_list {
    /// Key of `bankId`.
    pub const BANK_ID: i64 = 2;
    /// Key of `issuedAt`.
    pub const ISSUED_AT: i64 = 3;
    /// Key of `nextUpdate`.
    pub const NEXT_UPDATE: i64 = 4;
    /// Key of `revoked`.
    pub const REVOKED: i64 = 5;
    /// Key of `listNumber`.
    pub const LIST_NUMBER: i64 = 6;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 7;
}

/// Keys of the refund body (message type 10; `refund`, src/protocol/messages.ts).
pub mod refund {
    /// Key of `checkHash`.
    pub const CHECK_HASH: i64 = 2;
    /// Key of `purseId`.
    pub const PURSE_ID: i64 = 3;
    /// Key of `amount`.
    pub const AMOUNT: i64 = 4;
    /// Key of `currency`.
    pub const CURRENCY: i64 = 5;
    /// Key of `merchantId`.
    pub const MERCHANT_ID: i64 = 6;
    /// Key of `serial`.
    pub const SERIAL: i64 = 7;
    /// Key of `time`.
    pub const TIME: i64 = 8;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 9;
}

/// Keys of the fraud proof body (message type 11; `fraudProof`, src/protocol/messages.ts).
pub mod fraud_proof {
    /// Key of `first`.
    pub const FIRST: i64 = 2;
    /// Key of `second`.
    pub const SECOND: i64 = 3;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 4;
}

/// Keys of the envelope body (message type 12; `envelope`, src/protocol/messages.ts).
pub mod envelope {
    /// Key of `suite`.
    pub const SUITE: i64 = 2;
    /// Key of `enc`.
    pub const ENC: i64 = 3;
    /// Key of `ciphertext`.
    pub const CIPHERTEXT: i64 = 4;
    /// Key of `step`.
    pub const STEP: i64 = 5;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 6;
}

/// Keys of the presentment body (message type 13; `presentment`, src/protocol/messages.ts).
pub mod presentment {
    /// Key of `acquirerId`.
    pub const ACQUIRER_ID: i64 = 2;
    /// Key of `issuerId`.
    pub const ISSUER_ID: i64 = 3;
    /// Key of `deposit`.
    pub const DEPOSIT: i64 = 4;
    /// Key of `items`.
    pub const ITEMS: i64 = 5;
    /// Key of `time`.
    pub const TIME: i64 = 6;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 7;
}

/// Keys of the presentment answer body (message type 14; `presentmentAnswer`,
/// src/protocol/messages.ts).
pub mod presentment_answer {
    /// Key of `issuerId`.
    pub const ISSUER_ID: i64 = 2;
    /// Key of `acquirerId`.
    pub const ACQUIRER_ID: i64 = 3;
    /// Key of `presentmentId`.
    pub const PRESENTMENT_ID: i64 = 4;
    /// Key of `outcomes`.
    pub const OUTCOMES: i64 = 5;
    /// Key of `time`.
    pub const TIME: i64 = 6;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 7;
}

/// Keys of the settlement statement body (message type 16; `settlementStatement`,
/// src/protocol/messages.ts).
pub mod settlement_statement {
    /// Key of `bankId`.
    pub const BANK_ID: i64 = 2;
    /// Key of `counterparty`.
    pub const COUNTERPARTY: i64 = 3;
    /// Key of `cycle`.
    pub const CYCLE: i64 = 4;
    /// Key of `cutoff`.
    pub const CUTOFF: i64 = 5;
    /// Key of `lines`.
    pub const LINES: i64 = 6;
    /// Key of `referencesHash`.
    pub const REFERENCES_HASH: i64 = 7;
    /// Entries in the body map, type and version included: its keys are 0 to entries - 1.
    pub const ENTRIES: i64 = 8;
}

/// Certificate roles (`Role`, src/protocol/registry.ts).
pub mod role {
    /// Role root.
    pub const ROOT: u64 = 1;
    /// Role bank.
    pub const BANK: u64 = 2;
    /// Role purse.
    pub const PURSE: u64 = 3;
    /// Role cardholder.
    pub const CARDHOLDER: u64 = 4;
    /// Role merchant.
    pub const MERCHANT: u64 = 5;
    /// Every value, in this order.
    pub const ALL: [u64; 5] = [ROOT, BANK, PURSE, CARDHOLDER, MERCHANT];
}

/// Payment channels of a slip and a check (`Channel`, src/protocol/registry.ts).
pub mod channel {
    /// Channel POS.
    pub const POS: u64 = 0;
    /// Channel Internet.
    pub const INTERNET: u64 = 1;
    /// Every value, in this order.
    pub const ALL: [u64; 2] = [POS, INTERNET];
}

/// Certificate claim labels in deterministic key order (`Claim`, src/protocol/registry.ts).
pub mod claim {
    /// Claim `iss`.
    pub const ISS: i64 = 1;
    /// Claim `sub`.
    pub const SUB: i64 = 2;
    /// Claim `exp`.
    pub const EXP: i64 = 4;
    /// Claim `nbf`.
    pub const NBF: i64 = 5;
    /// Claim `iat`.
    pub const IAT: i64 = 6;
    /// Claim `cti`.
    pub const CTI: i64 = 7;
    /// Claim `cnf`.
    pub const CNF: i64 = 8;
    /// Claim `role`.
    pub const ROLE: i64 = -65537;
    /// Claim `kxKey`.
    pub const KX_KEY: i64 = -65538;
    /// Claim `limits`.
    pub const LIMITS: i64 = -65539;
    /// Claim `bankRoles`.
    pub const BANK_ROLES: i64 = -65540;
    /// Every value, in this order.
    pub const ALL: [i64; 11] = [
        ISS, SUB, EXP, NBF, IAT, CTI, CNF, ROLE, KX_KEY, LIMITS, BANK_ROLES,
    ];
}

/// What a bank certificate lets its bank certify, bits of claim `bankRoles` (`BankRole`,
/// src/protocol/registry.ts).
pub mod bank_role {
    /// Bank role issuer.
    pub const ISSUER: u64 = 1;
    /// Bank role acquirer.
    pub const ACQUIRER: u64 = 2;
    /// Every value, in this order.
    pub const ALL: [u64; 2] = [ISSUER, ACQUIRER];
}

/// Keys of the offline-limits map, claim `limits` (`LimitKey`, src/protocol/registry.ts).
pub mod limit_key {
    /// Key of `currency`.
    pub const CURRENCY: i64 = 1;
    /// Key of `maxBalance`.
    pub const MAX_BALANCE: i64 = 2;
    /// Key of `maxPerCheck`.
    pub const MAX_PER_CHECK: i64 = 3;
    /// Key of `maxOfflineChecks`.
    pub const MAX_OFFLINE_CHECKS: i64 = 4;
    /// Key of `maxOfflineAmount`.
    pub const MAX_OFFLINE_AMOUNT: i64 = 5;
    /// Every value, in this order.
    pub const ALL: [i64; 5] = [
        CURRENCY,
        MAX_BALANCE,
        MAX_PER_CHECK,
        MAX_OFFLINE_CHECKS,
        MAX_OFFLINE_AMOUNT,
    ];
}

/// COSE header labels, key labels and values (`Cose`, src/protocol/registry.ts).
pub mod cose {
    /// COSE `alg`.
    pub const ALG: i64 = 1;
    /// COSE `kid`.
    pub const KID: i64 = 4;
    /// COSE `kcwt`.
    pub const KCWT: i64 = 13;
    /// COSE `algEdDSA`.
    pub const ALG_EDDSA: i64 = -8;
    /// COSE `ktyOKP`.
    pub const KTY_OKP: i64 = 1;
    /// COSE `crvX25519`.
    pub const CRV_X25519: i64 = 4;
    /// COSE `crvEd25519`.
    pub const CRV_ED25519: i64 = 6;
    /// COSE `keyKty`.
    pub const KEY_KTY: i64 = 1;
    /// COSE `keyAlg`.
    pub const KEY_ALG: i64 = 3;
    /// COSE `keyCrv`.
    pub const KEY_CRV: i64 = -1;
    /// COSE `keyX`.
    pub const KEY_X: i64 = -2;
    /// COSE `cnfCoseKey`.
    pub const CNF_COSE_KEY: i64 = 1;
}

/// CBOR tags (`Tag`, src/protocol/cbor.ts).
pub mod tag {
    /// Tag of a COSE_Sign1.
    pub const SIGN1: u64 = 18;
    /// Tag of a COSE_Sign.
    pub const SIGN: u64 = 98;
}

/// Byte strings of a fixed length (`ByteLength`, src/protocol/registry.ts).
pub mod byte_length {
    /// Bytes of a nonce.
    pub const NONCE: usize = 16;
    /// Bytes of a random id.
    pub const RANDOM_ID: usize = 16;
    /// Bytes of a hash.
    pub const HASH: usize = 32;
    /// Bytes of a certificate serial.
    pub const CERTIFICATE_SERIAL: usize = 8;
    /// Bytes of a key.
    pub const KEY: usize = 32;
    /// Bytes of a signature.
    pub const SIGNATURE: usize = 64;
}
