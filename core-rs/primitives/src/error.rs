//! The core's one error type. Codes are stable and never reused: the TypeScript bindings map them
//! to typed errors, so renumbering would break callers.

use core::fmt;

/// Every way a core call can fail. Verification failures are not errors (verify returns `false`);
/// these are the cases where no answer can be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreError {
    /// An argument has the wrong length. Carries the argument's name and the expected length.
    Length {
        /// Name of the argument, as the caller knows it.
        name: &'static str,
        /// Length the argument must have.
        expected: usize,
        /// Length it had.
        actual: usize,
    },
    /// A length-prefixed or offset table does not describe the buffer it comes with.
    Layout(&'static str),
    /// The requested output is longer than the primitive can produce.
    OutputTooLong,
    /// A public key is not a valid point or is of low order (all-zero X25519 shared secret).
    InvalidKey,
    /// HPKE open failed. Deliberately opaque: the reason (wrong key, wrong info, tampering) is
    /// never told apart, so an attacker learns nothing from the error.
    Decrypt,
    /// HPKE seal failed (only reachable through an invalid recipient key).
    Encrypt,
    /// The platform CSPRNG refused to produce bytes.
    Random,
}

impl CoreError {
    /// Stable numeric code, the one the bindings expose.
    pub fn code(&self) -> u32 {
        match self {
            CoreError::Length { .. } => 1,
            CoreError::Layout(_) => 2,
            CoreError::OutputTooLong => 3,
            CoreError::InvalidKey => 4,
            CoreError::Decrypt => 5,
            CoreError::Encrypt => 6,
            CoreError::Random => 7,
        }
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreError::Length {
                name,
                expected,
                actual,
            } => {
                write!(f, "{name} must be {expected} bytes, got {actual}")
            }
            CoreError::Layout(what) => write!(f, "malformed layout: {what}"),
            CoreError::OutputTooLong => write!(f, "requested output too long"),
            CoreError::InvalidKey => write!(f, "invalid public key"),
            CoreError::Decrypt => write!(f, "decryption failed"),
            CoreError::Encrypt => write!(f, "encryption failed"),
            CoreError::Random => write!(f, "random generator unavailable"),
        }
    }
}

impl std::error::Error for CoreError {}

/// Checks that `bytes` has exactly `N` bytes and returns it as an array reference.
pub fn fixed<'a, const N: usize>(
    name: &'static str,
    bytes: &'a [u8],
) -> Result<&'a [u8; N], CoreError> {
    bytes.try_into().map_err(|_| CoreError::Length {
        name,
        expected: N,
        actual: bytes.len(),
    })
}
