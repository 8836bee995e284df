//! Field kinds, the twins of `src/protocol/fields.ts`: each read refuses a wrong type, size or
//! range with `BadField` (106).

use super::cbor::Value;
use super::wire::{ErrorCode, ID_MAX_LENGTH};

/// An unsigned integer ≤ 2^53 - 1 (amounts too: the decoder already caps integers there, so
/// `AmountOverflow` cannot arise from a single field).
pub(crate) fn uint(v: Option<&Value<'_>>) -> Result<u64, ErrorCode> {
    match v.and_then(Value::int) {
        Some(n) if n >= 0 => Ok(n as u64),
        _ => Err(ErrorCode::BadField),
    }
}

/// An identifier: 1 to `ID_MAX_LENGTH` characters from `[A-Za-z0-9._:-]`.
pub(crate) fn id<'a>(v: Option<&Value<'a>>) -> Result<&'a str, ErrorCode> {
    v.and_then(Value::text)
        .filter(|s| {
            (1..=ID_MAX_LENGTH).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
        })
        .ok_or(ErrorCode::BadField)
}

/// An ISO 4217 code: three upper-case ASCII letters.
pub(crate) fn currency<'a>(v: Option<&Value<'a>>) -> Result<&'a str, ErrorCode> {
    v.and_then(Value::text)
        .filter(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()))
        .ok_or(ErrorCode::BadField)
}

/// A byte string of exactly `N` bytes.
pub(crate) fn bytes<'a, const N: usize>(v: Option<&Value<'a>>) -> Result<&'a [u8; N], ErrorCode> {
    v.and_then(Value::bytes)
        .and_then(|b| b.try_into().ok())
        .ok_or(ErrorCode::BadField)
}

/// An unsigned integer from `allowed`.
pub(crate) fn one_of(v: Option<&Value<'_>>, allowed: &[u64]) -> Result<u64, ErrorCode> {
    let n = uint(v)?;
    if allowed.contains(&n) {
        Ok(n)
    } else {
        Err(ErrorCode::BadField)
    }
}

/// Present or `MissingField` (104).
pub(crate) fn need<'v, 'a>(map: &'v Value<'a>, key: i64) -> Result<&'v Value<'a>, ErrorCode> {
    map.get(key).ok_or(ErrorCode::MissingField)
}
