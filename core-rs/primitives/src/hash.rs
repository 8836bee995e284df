//! SHA-256, SHA-512 (RustCrypto `sha2`) and HKDF-SHA256 (RFC 5869, RustCrypto `hkdf`).

use crate::error::CoreError;
use crate::lengths::{HKDF_SHA256_OUTPUT_MAX, SHA256_DIGEST, SHA512_DIGEST};
use sha2::{Digest, Sha256, Sha512};

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; SHA256_DIGEST] {
    Sha256::digest(data).into()
}

/// SHA-256 of each of many inputs given back to back in `data`, input i ending at `ends[i]`:
/// the digests concatenated, 32 bytes each. One call for a batch's hashes instead of one each.
pub fn sha256_many(data: &[u8], ends: &[u32]) -> Result<Vec<u8>, CoreError> {
    let mut out = Vec::with_capacity(ends.len() * SHA256_DIGEST);
    let mut start = 0usize;
    for end in ends {
        let end = *end as usize;
        let input = data
            .get(start..end)
            .ok_or(CoreError::Layout("input offsets"))?;
        out.extend_from_slice(&sha256(input));
        start = end;
    }
    if start != data.len() {
        return Err(CoreError::Layout("input offsets do not cover the buffer"));
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn many_is_each_in_turn() {
        let inputs: [&[u8]; 4] = [b"", b"abc", &[7u8; 200], b""];
        let data = inputs.concat();
        let mut ends = Vec::new();
        let mut end = 0u32;
        for input in inputs {
            end += input.len() as u32;
            ends.push(end);
        }
        let expected: Vec<u8> = inputs.iter().flat_map(|i| sha256(i)).collect();
        assert_eq!(sha256_many(&data, &ends).unwrap(), expected);
        assert!(
            sha256_many(&data, &[]).is_err(),
            "offsets must cover the buffer"
        );
        assert!(
            sha256_many(&data, &[5, 3]).is_err(),
            "offsets must not go back"
        );
        assert!(
            sha256_many(&data, &[10_000]).is_err(),
            "offsets must stay inside"
        );
        assert!(sha256_many(&[], &[]).unwrap().is_empty());
    }
}
