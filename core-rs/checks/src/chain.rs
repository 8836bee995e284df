//! One check, walked in WIRE.md's "Order of checks" exactly as `verifyCheck` in
//! `src/protocol/pos.ts` walks it, except that each signature is not verified on the spot but
//! recorded (with the code it would fail with) for the batch. The walk stops at the first failure
//! that needs no signature; the batch then decides whether an earlier recorded signature fails
//! first.

use super::body::{read_check_body, CheckBody};
use super::cbor::{decode, Value};
use super::cert::{parse_certificate, Certificate};
use super::cose::{parse_sign1, parse_sign2};
use super::wire::{bank_role, channel, role, tag, ErrorCode, MAX_CHAIN};
use super::{Context, PerCheckLimit};

/// A signature to verify in the batch.
pub(crate) struct SignatureJob<'a> {
    /// The certificate's bytes when this is a certificate signature (verified once per batch).
    pub certificate: Option<&'a [u8]>,
    /// The signed payload; the batch builds the Sig_structure around it.
    pub payload: &'a [u8],
    /// A signature of a COSE_Sign (`["Signature", …]`), not of a COSE_Sign1 (`["Signature1", …]`).
    pub multi: bool,
    pub signature: &'a [u8],
    pub public_key: &'a [u8; 32],
    /// The code if it does not verify.
    pub code: ErrorCode,
}

/// What a check comes to once its recorded signatures are known to be good: the body, the
/// payload (whose hash is the check's identity) and the purse certificate's limit per check.
pub(crate) type Outcome<'a> =
    Result<(CheckBody<'a>, &'a [u8], Option<PerCheckLimit<'a>>), ErrorCode>;

/// Walks one check; pushes its signatures, in order, to `signatures`, and returns the outcome if
/// they all verify: the body and the payload, or the first failure after them. A COSE_Sign (tag
/// 98) is an Internet check (`verifyInternetCheck` in `src/protocol/internet.ts`), anything else
/// is walked as a POS check (`verifyCheck` in `src/protocol/pos.ts`).
pub(crate) fn walk<'a>(
    check: &'a [u8],
    context: &Context<'a>,
    signatures: &mut Vec<SignatureJob<'a>>,
) -> Outcome<'a> {
    // structure
    let value = decode(check)?;
    if matches!(value, Value::Tag { tag: tag::SIGN, .. }) {
        return walk_internet(&value, context, signatures);
    }
    let signed = parse_sign1(&value)?;
    let leaf_value = signed.certificate.ok_or(ErrorCode::MissingCertificate)?;
    // chain, from the root down
    let leaf = verify_chain(leaf_value, context, signatures)?;
    // role of the signer
    if leaf.role != role::PURSE {
        return Err(ErrorCode::WrongRole);
    }
    // signature
    signatures.push(SignatureJob {
        certificate: None,
        payload: signed.payload,
        multi: false,
        signature: signed.signature,
        public_key: leaf.signing_key,
        code: ErrorCode::BadSignature,
    });
    // body fields, then purse id = subject, then serial ≥ 1, then the POS channel: a single-signed
    // check (COSE_Sign1) is for it only
    Ok((
        checked_body(signed.payload, leaf.subject, channel::POS)?,
        signed.payload,
        leaf.limit,
    ))
}

/// An Internet check: both certificates present, the purse's chain and role, the cardholder's
/// chain and role, one issuing bank, the purse's signature, the cardholder's, then the body with
/// the Internet channel.
fn walk_internet<'a>(
    value: &Value<'a>,
    context: &Context<'a>,
    signatures: &mut Vec<SignatureJob<'a>>,
) -> Outcome<'a> {
    let signed = parse_sign2(value)?;
    let [purse_sig, cardholder_sig] = &signed.signatures;
    let purse_value = purse_sig.certificate.ok_or(ErrorCode::MissingCertificate)?;
    let cardholder_value = cardholder_sig
        .certificate
        .ok_or(ErrorCode::MissingCertificate)?;
    let purse = verify_chain(purse_value, context, signatures)?;
    if purse.role != role::PURSE {
        return Err(ErrorCode::WrongRole);
    }
    let cardholder = verify_chain(cardholder_value, context, signatures)?;
    if cardholder.role != role::CARDHOLDER {
        return Err(ErrorCode::WrongRole);
    }
    if purse.issuer != cardholder.issuer {
        return Err(ErrorCode::IssuerMismatch);
    }
    for (signature, key) in [
        (purse_sig.signature, purse.signing_key),
        (cardholder_sig.signature, cardholder.signing_key),
    ] {
        signatures.push(SignatureJob {
            certificate: None,
            payload: signed.payload,
            multi: true,
            signature,
            public_key: key,
            code: ErrorCode::BadSignature,
        });
    }
    // a check signed by purse and cardholder (COSE_Sign) is for the Internet channel only
    Ok((
        checked_body(signed.payload, purse.subject, channel::INTERNET)?,
        signed.payload,
        purse.limit,
    ))
}

/// The check body, in the order both kinds of check share: its fields, the purse id equal to the
/// purse certificate's subject, serial ≥ 1, then the channel the signature structure implies.
fn checked_body<'a>(
    payload: &'a [u8],
    purse_subject: &str,
    channel: u64,
) -> Result<CheckBody<'a>, ErrorCode> {
    let body = read_check_body(payload)?;
    if body.purse_id != purse_subject {
        return Err(ErrorCode::SubjectMismatch);
    }
    if body.serial < 1 {
        return Err(ErrorCode::BadField);
    }
    if u64::from(body.channel) != channel {
        return Err(ErrorCode::WrongChannel);
    }
    Ok(body)
}

fn verify_chain<'v, 'a>(
    leaf: &'v Value<'a>,
    context: &Context<'a>,
    signatures: &mut Vec<SignatureJob<'a>>,
) -> Result<Certificate<'v, 'a>, ErrorCode> {
    // Parse leaf → bank, each certificate completely before its issuer; a third is refused before
    // it is parsed.
    let mut chain: Vec<Certificate<'v, 'a>> = Vec::with_capacity(MAX_CHAIN);
    let mut next = Some(leaf);
    while let Some(value) = next {
        if chain.len() >= MAX_CHAIN {
            return Err(ErrorCode::BadCoseStructure);
        }
        let cert = parse_certificate(value)?;
        next = cert.issuer_certificate;
        chain.push(cert);
    }
    let top = chain.last().ok_or(ErrorCode::MissingCertificate)?;
    let root_key = context.anchor(top.issuer).ok_or(ErrorCode::UnknownIssuer)?;
    if top.role != role::BANK {
        return Err(ErrorCode::WrongRole);
    }
    for i in (0..chain.len()).rev() {
        let Some(cert) = chain.get(i) else { break };
        let issuer = chain.get(i + 1);
        if let Some(issuer) = issuer {
            if cert.issuer != issuer.subject {
                return Err(ErrorCode::IssuerMismatch);
            }
            // end entities only, and only a bank certifies them
            if cert.role == role::ROOT || cert.role == role::BANK || issuer.role != role::BANK {
                return Err(ErrorCode::WrongRole);
            }
            // and only a bank whose certificate lets it certify that role (claim bankRoles)
            let issues = issuer.bank_roles & bank_role::ISSUER != 0;
            let acquires = issuer.bank_roles & bank_role::ACQUIRER != 0;
            if (cert.role == role::PURSE || cert.role == role::CARDHOLDER) && !issues {
                return Err(ErrorCode::NotAnIssuer);
            }
            if cert.role == role::MERCHANT && !acquires {
                return Err(ErrorCode::NotAnAcquirer);
            }
        }
        if cert.not_before > context.now {
            return Err(ErrorCode::CertificateNotYetValid);
        }
        if cert.not_after < context.now {
            return Err(ErrorCode::CertificateExpired);
        }
        if context.is_revoked(cert.issuer, cert.subject) {
            return Err(ErrorCode::Revoked);
        }
        signatures.push(SignatureJob {
            certificate: Some(cert.bytes),
            payload: cert.payload,
            multi: false,
            signature: cert.signature,
            public_key: issuer.map_or(root_key, |i| i.signing_key),
            code: ErrorCode::BadCertificateSignature,
        });
    }
    chain
        .into_iter()
        .next()
        .ok_or(ErrorCode::MissingCertificate)
}
