//! Protocol error codes. The registry is `src/protocol/errors.ts` (`ErrorCode`): the numbers here
//! are the same, never renumbered and never reused. `test/protocol/core-checks.test.ts` checks that
//! every variant here has the number of the code of the same name there.

/// A protocol outcome code (WIRE.md; `src/protocol/errors.ts` describes each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum ErrorCode {
    // 1xx: the bytes are not a well-formed message
    /// Not CBOR, or CBOR with indefinite lengths, floats, big integers or trailing bytes.
    MalformedCbor = 100,
    /// Valid CBOR but not the deterministic encoding of what it holds.
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
    /// A certificate in the chain is revoked by the bank that issued it.
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
    /// The check does not match the purchase slip.
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
    /// The two checks do not prove fraud.
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
    /// The capture receipt does not match the deposited batch.
    ReceiptMismatch = 317,
    /// The refund names a check that is not this purse's last purchase.
    UnknownCheck = 318,
    // 4xx: envelopes
    /// The envelope could not be opened.
    EnvelopeOpenFailed = 400,
    /// The envelope is marked for another protocol step.
    WrongEnvelopeStep = 401,
}

impl ErrorCode {
    /// The stable number.
    pub fn code(self) -> u16 {
        self as u16
    }
}
