//! COSE_Sign1 (RFC 9052) in the one shape WIRE.md allows: protected `{1: -8}`, unprotected `{}` or
//! `{13: certificate}`, a byte-string payload and a 64-byte signature. The twin of `parseSign1` in
//! `src/protocol/cose.ts`, with the same codes in the same order; signatures are checked later, in
//! one batch.

use super::cbor::{decode, Value};
use super::wire::{
    byte_length, cose as label, tag, ErrorCode, PROTECTED_EDDSA, SIG_STRUCTURE1_PREFIX,
    SIG_STRUCTURE_PREFIX,
};

/// A parsed COSE_Sign1; `'v` is the decoded tree, `'a` the input bytes.
pub(crate) struct Sign1<'v, 'a> {
    /// The certificate in label 13, as decoded (a tag-18 item).
    pub certificate: Option<&'v Value<'a>>,
    pub payload: &'a [u8],
    pub signature: &'a [u8],
}

/// The four items of a COSE structure under `expected` (protected, unprotected, payload, then the
/// signature or the signatures), or `BadCoseStructure`: what COSE_Sign1 and COSE_Sign share.
fn tagged_four<'v, 'a>(
    value: &'v Value<'a>,
    expected: u64,
) -> Result<&'v [Value<'a>; 4], ErrorCode> {
    let Value::Tag {
        tag, value: parts, ..
    } = value
    else {
        return Err(ErrorCode::BadCoseStructure);
    };
    if *tag != expected {
        return Err(ErrorCode::BadCoseStructure);
    }
    let Value::Array(parts) = parts.as_ref() else {
        return Err(ErrorCode::BadCoseStructure);
    };
    parts
        .as_slice()
        .try_into()
        .map_err(|_| ErrorCode::BadCoseStructure)
}

pub(crate) fn parse_sign1<'v, 'a>(value: &'v Value<'a>) -> Result<Sign1<'v, 'a>, ErrorCode> {
    let [protected, unprotected, payload, signature] = tagged_four(value, tag::SIGN1)?;
    let certificate = headers(protected, unprotected)?;
    let payload = payload.bytes().ok_or(ErrorCode::BadCoseStructure)?;
    let signature = signature
        .bytes()
        .filter(|s| s.len() == byte_length::SIGNATURE)
        .ok_or(ErrorCode::BadCoseStructure)?;
    Ok(Sign1 {
        certificate,
        payload,
        signature,
    })
}

/// One COSE_Signature of a COSE_Sign.
pub(crate) struct Signature<'v, 'a> {
    /// The certificate in label 13, as decoded (a tag-18 item).
    pub certificate: Option<&'v Value<'a>>,
    pub signature: &'a [u8],
}

/// A parsed COSE_Sign with exactly two signatures (an Internet check: purse, then cardholder).
pub(crate) struct Sign2<'v, 'a> {
    pub payload: &'a [u8],
    pub signatures: [Signature<'v, 'a>; 2],
}

/// Parses a COSE_Sign with two signatures: the twin of `parseMulti(…, 2)` in
/// `src/protocol/cose.ts`, same codes in the same order (body headers empty, payload a bstr, two
/// signatures, then each signature's headers and its 64 bytes, the first signature completely
/// before the second).
pub(crate) fn parse_sign2<'v, 'a>(value: &'v Value<'a>) -> Result<Sign2<'v, 'a>, ErrorCode> {
    let [protected, unprotected, payload, signatures] = tagged_four(value, tag::SIGN)?;
    if !protected.bytes().is_some_and(<[u8]>::is_empty) {
        return Err(ErrorCode::BadCoseStructure);
    }
    if !matches!(unprotected, Value::Map(entries) if entries.is_empty()) {
        return Err(ErrorCode::BadCoseStructure);
    }
    let payload = payload.bytes().ok_or(ErrorCode::BadCoseStructure)?;
    let Value::Array(signatures) = signatures else {
        return Err(ErrorCode::BadCoseStructure);
    };
    let [first, second] = signatures.as_slice() else {
        return Err(ErrorCode::BadCoseStructure);
    };
    Ok(Sign2 {
        payload,
        signatures: [cose_signature(first)?, cose_signature(second)?],
    })
}

fn cose_signature<'v, 'a>(value: &'v Value<'a>) -> Result<Signature<'v, 'a>, ErrorCode> {
    let Value::Array(parts) = value else {
        return Err(ErrorCode::BadCoseStructure);
    };
    let [protected, unprotected, signature] = parts.as_slice() else {
        return Err(ErrorCode::BadCoseStructure);
    };
    let certificate = headers(protected, unprotected)?;
    let signature = signature
        .bytes()
        .filter(|s| s.len() == byte_length::SIGNATURE)
        .ok_or(ErrorCode::BadCoseStructure)?;
    Ok(Signature {
        certificate,
        signature,
    })
}

fn headers<'v, 'a>(
    protected: &'v Value<'a>,
    unprotected: &'v Value<'a>,
) -> Result<Option<&'v Value<'a>>, ErrorCode> {
    let protected = protected.bytes().ok_or(ErrorCode::BadCoseStructure)?;
    if protected != PROTECTED_EDDSA {
        // Another algorithm is 108; anything else not exactly {1: -8} is 107. Decoding the header
        // may itself fail (100 / 101), as in the TypeScript decoder.
        if protected.is_empty() {
            return Err(ErrorCode::BadCoseStructure);
        }
        let header = decode(protected)?;
        return Err(match header.get(label::ALG) {
            Some(alg) if alg.int() != Some(label::ALG_EDDSA) => ErrorCode::UnsupportedAlgorithm,
            _ => ErrorCode::BadCoseStructure,
        });
    }
    let Value::Map(entries) = unprotected else {
        return Err(ErrorCode::BadCoseStructure);
    };
    if entries.iter().any(|(k, _)| k.int() != Some(label::KCWT)) {
        return Err(ErrorCode::BadCoseStructure);
    }
    match unprotected.get(label::KCWT) {
        None => Ok(None),
        Some(
            cert @ Value::Tag {
                tag: tag::SIGN1, ..
            },
        ) => Ok(Some(cert)),
        Some(_) => Err(ErrorCode::BadCoseStructure),
    }
}

/// Appends `Sig_structure = ["Signature1", h'a10127', h'', payload]`, the bytes a COSE_Sign1 signs.
pub(crate) fn append_to_be_signed(payload: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&SIG_STRUCTURE1_PREFIX);
    append_payload(payload, out);
}

/// Appends `Sig_structure = ["Signature", h'', h'a10127', h'', payload]`, the bytes each signature
/// of a COSE_Sign (empty body protected header) signs.
pub(crate) fn append_to_be_signed_multi(payload: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&SIG_STRUCTURE_PREFIX);
    append_payload(payload, out);
}

fn append_payload(payload: &[u8], out: &mut Vec<u8>) {
    // bstr head of the payload, shortest form
    let n = payload.len() as u64;
    match n {
        0..=23 => out.push(0x40 | n as u8),
        24..=0xff => out.extend_from_slice(&[0x58, n as u8]),
        0x100..=0xffff => out.extend_from_slice(&[0x59, (n >> 8) as u8, n as u8]),
        0x1_0000..=0xffff_ffff => {
            out.push(0x5a);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        _ => {
            out.push(0x5b);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
}
