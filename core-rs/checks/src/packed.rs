//! The packed form of [`super::verify_checks`] that crosses the WebAssembly boundary in one call
//! each way.
//!
//! Input: byte sequences concatenated, with `ends[i]` the end offset of item i (as
//! `ed25519_verify_batch` takes its messages): the checks, the anchor ids (with their keys as
//! n·32 bytes) and the revoked certificates as issuer-qualified ids `issuer/subject`; `now` as a
//! number (an integer in [0, 2^53 - 1]).
//!
//! Output: one record per check, in input order, little-endian:
//!
//! | field | bytes | |
//! |---|---|---|
//! | code | 2 | u16: 0 accepted, else the error code (the record ends here) |
//! | serial | 8 | u64 (≤ 2^53 - 1) |
//! | amount | 8 | u64 (≤ 2^53 - 1) |
//! | channel | 1 | 0 POS, 1 Internet |
//! | currency | 3 | ASCII |
//! | slip hash | 32 | |
//! | check hash | 32 | SHA-256 of the check's payload |
//! | limited | 1 | 1 when the purse certificate certifies offline limits, else 0 |
//! | limit currency | 3 | ASCII (zeros when not limited) |
//! | max per check | 8 | u64, at most 2^53 - 1 (0 when not limited) |
//! | purse id | 1 + n | length, then ASCII (n ≤ 64) |
//! | merchant id | 1 + n | length, then ASCII (n ≤ 64) |
//!
//! So a refused check costs 2 bytes and an accepted one 100 plus its two ids;
//! `src/protocol/verifier/checks.ts` reads it with a DataView and checks that the records cover the
//! buffer exactly.

use super::{verify_checks, Context, Revoked, Verdict};
use smartcheck_core::error::CoreError;

/// The packed arguments but the revocations: a batch verified against a [`Revoked`] set the
/// caller keeps.
#[derive(Clone, Copy)]
pub struct PackedBatch<'a> {
    /// Signed checks, concatenated.
    pub checks: &'a [u8],
    /// End offset of each check in `checks`.
    pub check_ends: &'a [u32],
    /// Root subject ids (UTF-8), concatenated.
    pub anchor_ids: &'a [u8],
    /// End offset of each id in `anchor_ids`.
    pub anchor_id_ends: &'a [u32],
    /// One 32-byte Ed25519 public key per anchor id.
    pub anchor_keys: &'a [u8],
    /// Unix seconds: an integer in [0, 2^53 - 1].
    pub now: f64,
}

/// The packed arguments.
pub struct PackedInput<'a> {
    /// Signed checks, concatenated.
    pub checks: &'a [u8],
    /// End offset of each check in `checks`.
    pub check_ends: &'a [u32],
    /// Root subject ids (UTF-8), concatenated.
    pub anchor_ids: &'a [u8],
    /// End offset of each id in `anchor_ids`.
    pub anchor_id_ends: &'a [u32],
    /// One 32-byte Ed25519 public key per anchor id.
    pub anchor_keys: &'a [u8],
    /// Revoked certificates as `issuer/subject` (UTF-8), concatenated.
    pub revoked: &'a [u8],
    /// End offset of each id in `revoked`.
    pub revoked_ends: &'a [u32],
    /// Unix seconds: an integer in [0, 2^53 - 1].
    pub now: f64,
}

/// Unpacks, verifies and packs the verdicts (layout in the module documentation).
pub fn verify_packed(input: &PackedInput<'_>) -> Result<Vec<u8>, CoreError> {
    let revoked = Revoked::from_packed(input.revoked, input.revoked_ends)?;
    verify_packed_with(
        &PackedBatch {
            checks: input.checks,
            check_ends: input.check_ends,
            anchor_ids: input.anchor_ids,
            anchor_id_ends: input.anchor_id_ends,
            anchor_keys: input.anchor_keys,
            now: input.now,
        },
        &revoked,
    )
}

/// The same against a revoked set built once ([`Revoked::from_packed`]) and kept.
pub fn verify_packed_with(
    input: &PackedBatch<'_>,
    revoked: &Revoked,
) -> Result<Vec<u8>, CoreError> {
    let checks = split(input.checks, input.check_ends, "check offsets")?;
    let ids = split(input.anchor_ids, input.anchor_id_ends, "anchor id offsets")?;
    if Some(input.anchor_keys.len()) != ids.len().checked_mul(32) {
        return Err(CoreError::Layout(
            "anchor keys must be 32 bytes per anchor id",
        ));
    }
    let anchors = ids
        .into_iter()
        .zip(input.anchor_keys.chunks_exact(32))
        .map(|(id, key)| key.try_into().map(|key: &[u8; 32]| (id, key)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| CoreError::Layout("anchor keys must be 32 bytes per anchor id"))?;
    let now = input.now;
    if !(now.is_finite()
        && now >= 0.0
        && now <= super::wire::AMOUNT_MAX as f64
        && now.fract() == 0.0)
    {
        return Err(CoreError::Layout("now must be an integer in [0, 2^53 - 1]"));
    }
    let context = Context::with_revoked(anchors, now as u64, revoked);
    Ok(encode_verdicts(&verify_checks(&checks, &context)?))
}

pub(crate) fn split<'a>(
    bytes: &'a [u8],
    ends: &[u32],
    what: &'static str,
) -> Result<Vec<&'a [u8]>, CoreError> {
    let mut out = Vec::with_capacity(ends.len());
    let mut start = 0usize;
    for end in ends {
        let end = *end as usize;
        out.push(bytes.get(start..end).ok_or(CoreError::Layout(what))?);
        start = end;
    }
    if start != bytes.len() {
        return Err(CoreError::Layout(what));
    }
    Ok(out)
}

/// Packs verdicts as the table in the module documentation describes.
pub fn encode_verdicts(verdicts: &[Verdict<'_>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(verdicts.len().saturating_mul(112));
    for verdict in verdicts {
        match verdict {
            Err(code) => out.extend_from_slice(&code.code().to_le_bytes()),
            Ok(f) => {
                out.extend_from_slice(&0u16.to_le_bytes());
                out.extend_from_slice(&f.serial.to_le_bytes());
                out.extend_from_slice(&f.amount.to_le_bytes());
                out.push(f.channel);
                out.extend_from_slice(f.currency.as_bytes());
                out.extend_from_slice(&f.slip_hash);
                out.extend_from_slice(&f.check_hash);
                match f.limit {
                    Some(limit) => {
                        out.push(1);
                        out.extend_from_slice(limit.currency.as_bytes());
                        // a limit above every amount limits nothing more: kept within 2^53 - 1
                        out.extend_from_slice(
                            &limit
                                .max_per_check
                                .min(super::wire::AMOUNT_MAX)
                                .to_le_bytes(),
                        );
                    }
                    None => out.extend_from_slice(&[0; 12]),
                }
                for id in [f.purse_id, f.merchant_id] {
                    // identifiers are 1-64 ASCII characters (checked when read)
                    out.push(id.len() as u8);
                    out.extend_from_slice(id.as_bytes());
                }
            }
        }
    }
    out
}
