//! CWT certificates (RFC 8392 claims, RFC 8747 `cnf`) as WIRE.md describes them: the twin of
//! `parseCertificate` in `src/protocol/certificate.ts`, claim by claim in the same order, so a
//! broken certificate gets the same code from both.

use super::cbor::{decode, Value};
use super::cose::parse_sign1;
use super::fields::{bytes, currency, id, need, one_of, uint};
use super::wire::{bank_role, byte_length, claim, cose as label, limit_key, role, ErrorCode};
use super::PerCheckLimit;

/// The claims a chain check needs, with the signature and the bytes it covers.
pub(crate) struct Certificate<'v, 'a> {
    /// The complete certificate (a COSE_Sign1), which also identifies it for de-duplication.
    pub bytes: &'a [u8],
    pub issuer: &'a str,
    pub subject: &'a str,
    pub role: u64,
    /// A bank's claim `bankRoles` (bits of `bank_role`); a bank without it may do both.
    pub bank_roles: u64,
    pub not_before: u64,
    pub not_after: u64,
    pub signing_key: &'a [u8; 32],
    pub payload: &'a [u8],
    pub signature: &'a [u8],
    /// The issuer's certificate from label 13, not yet parsed.
    pub issuer_certificate: Option<&'v Value<'a>>,
    /// The certified maximum per check, when the certificate carries offline limits.
    pub limit: Option<PerCheckLimit<'a>>,
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
        .any(|(k, _)| !k.int().is_some_and(|k| claim::ALL.contains(&k)))
    {
        return Err(ErrorCode::UnknownField);
    }
    let cnf = need(&claims, claim::CNF)?;
    let cnf_key = match cnf {
        Value::Map(e) if e.len() == 1 => cnf.get(label::CNF_COSE_KEY),
        _ => return Err(ErrorCode::BadField),
    };
    let issuer = id(Some(need(&claims, claim::ISS)?))?;
    let subject = id(Some(need(&claims, claim::SUB)?))?;
    let not_after = uint(Some(need(&claims, claim::EXP)?))?;
    let not_before = uint(Some(need(&claims, claim::NBF)?))?;
    uint(Some(need(&claims, claim::IAT)?))?;
    bytes::<{ byte_length::CERTIFICATE_SERIAL }>(Some(need(&claims, claim::CTI)?))?;
    let signing_key = okp_key(cnf_key, label::CRV_ED25519)?;
    let role = one_of(Some(need(&claims, claim::ROLE)?), &role::ALL)?;
    if let Some(kx) = claims.get(claim::KX_KEY) {
        okp_key(Some(kx), label::CRV_X25519)?;
    }
    let limit = claims.get(claim::LIMITS).map(limits).transpose()?;
    let all_bank_roles = bank_role::ISSUER | bank_role::ACQUIRER;
    let bank_roles = match claims.get(claim::BANK_ROLES) {
        None => all_bank_roles,
        Some(bits) => {
            let bits = uint(Some(bits))?;
            if role != role::BANK || bits == 0 || bits & !all_bank_roles != 0 {
                return Err(ErrorCode::BadField);
            }
            bits
        }
    };
    Ok(Certificate {
        bytes: cert_bytes,
        issuer,
        subject,
        role,
        bank_roles,
        not_before,
        not_after,
        signing_key,
        payload: signed.payload,
        signature: signed.signature,
        issuer_certificate: signed.certificate,
        limit,
    })
}

/// An OKP COSE_Key of curve `crv` with exactly the labels WIRE.md gives; returns its x.
fn okp_key<'a>(value: Option<&Value<'a>>, crv: i64) -> Result<&'a [u8; 32], ErrorCode> {
    let Some(key @ Value::Map(entries)) = value else {
        return Err(ErrorCode::BadField);
    };
    let labels: &[i64] = if crv == label::CRV_ED25519 {
        &[label::KEY_KTY, label::KEY_ALG, label::KEY_CRV, label::KEY_X]
    } else {
        &[label::KEY_KTY, label::KEY_CRV, label::KEY_X]
    };
    let ok = entries.len() == labels.len()
        && labels.iter().all(|l| key.get(*l).is_some())
        && key.get(label::KEY_KTY).and_then(Value::int) == Some(label::KTY_OKP)
        && key.get(label::KEY_CRV).and_then(Value::int) == Some(crv)
        && (crv != label::CRV_ED25519
            || key.get(label::KEY_ALG).and_then(Value::int) == Some(label::ALG_EDDSA));
    if !ok {
        return Err(ErrorCode::BadField);
    }
    bytes::<{ byte_length::KEY }>(key.get(label::KEY_X))
}

/// Offline limits: a map of exactly the limit keys (currency, then four amounts or counts); the
/// bank keeps the maximum per check.
fn limits<'a>(value: &Value<'a>) -> Result<PerCheckLimit<'a>, ErrorCode> {
    match value {
        Value::Map(entries) if entries.len() == limit_key::ALL.len() => {
            let currency = currency(value.get(limit_key::CURRENCY))?;
            let mut max_per_check = 0;
            for key in [
                limit_key::MAX_BALANCE,
                limit_key::MAX_PER_CHECK,
                limit_key::MAX_OFFLINE_CHECKS,
                limit_key::MAX_OFFLINE_AMOUNT,
            ] {
                let n = uint(value.get(key))?;
                if key == limit_key::MAX_PER_CHECK {
                    max_per_check = n;
                }
            }
            Ok(PerCheckLimit {
                currency,
                max_per_check,
            })
        }
        _ => Err(ErrorCode::BadField),
    }
}
