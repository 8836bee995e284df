//! SHA-256, SHA-512 (RustCrypto `sha2`) and HKDF-SHA256 (RFC 5869, RustCrypto `hkdf`).

use crate::error::CoreError;
use crate::lengths::{HKDF_SHA256_OUTPUT_MAX, SHA256_DIGEST, SHA512_DIGEST};
use sha2::{Digest, Sha256, Sha512};

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; SHA256_DIGEST] {
    Sha256::digest(data).into()
}

/// SHA-512 of `data`.
pub fn sha512(data: &[u8]) -> [u8; SHA512_DIGEST] {
    Sha512::digest(data).into()
}

/// HKDF-SHA256 extract-and-expand to `length` bytes (at most 8160).
pub fn hkdf_sha256(
    ikm: &[u8],
    salt: &[u8],
    info: &[u8],
    length: usize,
) -> Result<Vec<u8>, CoreError> {
    if length > HKDF_SHA256_OUTPUT_MAX {
        return Err(CoreError::OutputTooLong);
    }
    let mut out = vec![0u8; length];
    hkdf::Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, &mut out)
        .map_err(|_| CoreError::OutputTooLong)?;
    Ok(out)
}
