//! CWT certificates (RFC 8392 claims, RFC 8747 `cnf`) as WIRE.md describes them: the twin of
//! `parseCertificate` in `src/protocol/certificate.ts`, claim by claim in the same order, so a
//! broken certificate gets the same code from both.

use super::cbor::{decode, Value};
use super::code::ErrorCode;
use super::cose::parse_sign1;
use super::fields::{bytes, currency, id, need, one_of, uint};

const ISS: i64 = 1;
const SUB: i64 = 2;
const EXP: i64 = 4;
const NBF: i64 = 5;
const IAT: i64 = 6;
const CTI: i64 = 7;
const CNF: i64 = 8;
const ROLE: i64 = -65537;
const KX_KEY: i64 = -65538;
const LIMITS: i64 = -65539;
const KNOWN: [i64; 10] = [ISS, SUB, EXP, NBF, IAT, CTI, CNF, ROLE, KX_KEY, LIMITS];

/// Roles (WIRE.md, `Role` in `src/protocol/registry.ts`).
pub(crate) const ROLE_ROOT: u64 = 1;
pub(crate) const ROLE_BANK: u64 = 2;
pub(crate) const ROLE_PURSE: u64 = 3;
pub(crate) const ROLE_CARDHOLDER: u64 = 4;
const ROLES: [u64; 5] = [1, 2, 3, 4, 5];

const CRV_X25519: i64 = 4;
const CRV_ED25519: i64 = 6;

/// The claims a chain check needs, with the signature and the bytes it covers.
pub(crate) struct Certificate<'v, 'a> {
    /// The complete certificate (a COSE_Sign1), which also identifies it for de-duplication.
    pub bytes: &'a [u8],
    pub issuer: &'a str,
    pub subject: &'a str,
    pub role: u64,
    pub not_before: u64,
    pub not_after: u64,
    pub signing_key: &'a [u8; 32],
    pub payload: &'a [u8],
    pub signature: &'a [u8],
    /// The issuer's certificate from label 13, not yet parsed.
    pub issuer_certificate: Option<&'v Value<'a>>,
}

/// Parses a certificate (a decoded tag-18 item): structure and claims, not signature or validity.
pub(crate) fn parse_certificate<'v, 'a>(
    value: &'v Value<'a>,
) -> Result<Certificate<'v, 'a>, ErrorCode> {
    let Value::Tag {
        bytes: cert_bytes, ..
    } = value
    else {
        return Err(ErrorCode::BadCoseStructure);
    };
    let signed = parse_sign1(value)?;
    let claims = decode(signed.payload)?;
    let Value::Map(entries) = &claims else {
        return Err(ErrorCode::BadField);
    };
    if entries
        .iter()
        .any(|(k, _)| !k.int().is_some_and(|k| KNOWN.contains(&k)))
    {
        return Err(ErrorCode::UnknownField);
    }
    let cnf = need(&claims, CNF)?;
    let cnf_key = match cnf {
        Value::Map(e) if e.len() == 1 => cnf.get(1),
        _ => return Err(ErrorCode::BadField),
    };
    let issuer = id(Some(need(&claims, ISS)?))?;
    let subject = id(Some(need(&claims, SUB)?))?;
    let not_after = uint(Some(need(&claims, EXP)?))?;
    let not_before = uint(Some(need(&claims, NBF)?))?;
    uint(Some(need(&claims, IAT)?))?;
    bytes::<8>(Some(need(&claims, CTI)?))?;
    let signing_key = okp_key(cnf_key, CRV_ED25519)?;
    let role = one_of(Some(need(&claims, ROLE)?), &ROLES)?;
    if let Some(kx) = claims.get(KX_KEY) {
        okp_key(Some(kx), CRV_X25519)?;
    }
    if let Some(l) = claims.get(LIMITS) {
        limits(l)?;
    }
    Ok(Certificate {
        bytes: cert_bytes,
        issuer,
        subject,
        role,
        not_before,
        not_after,
        signing_key,
        payload: signed.payload,
        signature: signed.signature,
        issuer_certificate: signed.certificate,
    })
}

/// An OKP COSE_Key of curve `crv` with exactly the labels WIRE.md gives; returns its x.
fn okp_key<'a>(value: Option<&Value<'a>>, crv: i64) -> Result<&'a [u8; 32], ErrorCode> {
    let Some(key @ Value::Map(entries)) = value else {
        return Err(ErrorCode::BadField);
    };
    let labels: &[i64] = if crv == CRV_ED25519 {
        &[1, 3, -1, -2]
    } else {
        &[1, -1, -2]
    };
    let ok = entries.len() == labels.len()
        && labels.iter().all(|l| key.get(*l).is_some())
        && key.get(1).and_then(Value::int) == Some(1)
        && key.get(-1).and_then(Value::int) == Some(crv)
        && (crv != CRV_ED25519 || key.get(3).and_then(Value::int) == Some(-8));
    if !ok {
        return Err(ErrorCode::BadField);
    }
    bytes::<32>(key.get(-2))
}

/// Offline limits: a map of exactly keys 1-5 (currency, then four amounts or counts).
fn limits(value: &Value<'_>) -> Result<(), ErrorCode> {
    match value {
        Value::Map(entries) if entries.len() == 5 => {
            currency(value.get(1))?;
            for key in 2..=5 {
                uint(value.get(key))?;
            }
            Ok(())
        }
        _ => Err(ErrorCode::BadField),
    }
}
