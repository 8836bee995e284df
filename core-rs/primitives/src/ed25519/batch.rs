//! Batch verification under ZIP-215, written over curve25519-dalek so that each item is decoded
//! once (public keys from the per-thread cache) however often the bisection looks at it.
//!
//! The equation, for random 128-bit `z_i`, items grouped by public key:
//! `[8]( -[Σ z_i·s_i]B + Σ_keys [Σ z_i·k_i]A + Σ [z_i]R_i ) = 0`, checked with one variable-time
//! multiscalar multiplication. It is the cofactored equation of single verification
//! ([`super::verify`]), so the two accept exactly the same signatures (ZIP-215's promise).

use super::key_cache;
use crate::error::{fixed, CoreError};
use crate::lengths::{ED25519_PUBLIC_KEY, ED25519_SIGNATURE};
use crate::rng;
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use std::collections::HashMap;

/// Halves at or below this size are checked one signature at a time while bisecting: once a batch
/// has failed, a handful of items is cheaper to check singly than as more batches. A whole batch of
/// two or more is always tried as one equation first: with one shared chain of doublings it costs
/// less than its items checked singly (a terminal's two or three signatures of a first-seen card).
const BISECT_LEAF: usize = 4;

/// One (message, signature, public key) triple of a batch.
#[derive(Clone, Copy, Debug)]
pub struct BatchItem<'a> {
    /// The signed message.
    pub message: &'a [u8],
    /// The 64-byte signature.
    pub signature: &'a [u8],
    /// The 32-byte public key.
    pub public_key: &'a [u8],
}

/// An item decoded once: what every equation it takes part in needs.
struct Decoded {
    index: u32,
    /// Position of its public key in the batch's list of distinct keys.
    key: usize,
    r: EdwardsPoint,
    s: Scalar,
    /// `k = SHA-512(R || A || M) mod L`.
    k: Scalar,
}

/// The batch, decoded: distinct public keys and the items that decoded.
struct Decoding {
    keys: Vec<EdwardsPoint>,
    items: Vec<Decoded>,
}

/// Verifies many signatures at once and returns the indices of the invalid ones, ascending.
/// An empty result means every signature is valid. Accepts exactly what [`super::verify`] accepts.
///
/// Items that do not decode (wrong length, A or R not a point, S not canonical) are invalid at once,
/// as single verification finds them. For the rest, the batch equation says only "all good" or
/// "something bad"; when it fails the batch is bisected (each half re-checked as a batch) down to
/// small groups checked one by one, so k bad items in n cost about `k·log2(n)` small batches.
pub fn verify_batch(items: &[BatchItem<'_>]) -> Result<Vec<u32>, CoreError> {
    let mut invalid = Vec::new();
    let decoding = decode(items, &mut invalid)?;
    let mut rng = rng::stream()?;
    let mut coefficients = vec![Scalar::ZERO; decoding.keys.len()];
    let whole_holds = decoding.items.len() >= 2
        && decoding.items.len() <= BISECT_LEAF
        && batch_equation_holds(&decoding.keys, &decoding.items, &mut coefficients, &mut rng);
    if !whole_holds {
        bisect(
            &decoding.keys,
            &decoding.items,
            &mut coefficients,
            &mut rng,
            &mut invalid,
        );
    }
    invalid.sort_unstable();
    Ok(invalid)
}

fn decode(items: &[BatchItem<'_>], invalid: &mut Vec<u32>) -> Result<Decoding, CoreError> {
    let mut keys = Vec::new();
    let mut slot_of_key: HashMap<[u8; 32], usize> = HashMap::new();
    let mut decoded = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let index = u32::try_from(index).map_err(|_| CoreError::Layout("batch too large"))?;
        let (Ok(signature), Ok(public_key)) = (
            fixed::<ED25519_SIGNATURE>("signature", item.signature),
            fixed::<ED25519_PUBLIC_KEY>("publicKey", item.public_key),
        ) else {
            invalid.push(index);
            continue;
        };
        let key = match slot_of_key.get(public_key) {
            Some(slot) => Some(*slot),
            None => key_cache::point(public_key).map(|point| {
                keys.push(point);
                slot_of_key.insert(*public_key, keys.len() - 1);
                keys.len() - 1
            }),
        };
        match (key, super::decode_signature(signature)) {
            (Some(key), Some((r, s))) => decoded.push(Decoded {
                index,
                key,
                r,
                s,
                k: super::challenge(signature, public_key, item.message),
            }),
            _ => invalid.push(index),
        }
    }
    Ok(Decoding {
        keys,
        items: decoded,
    })
}

fn bisect(
    keys: &[EdwardsPoint],
    items: &[Decoded],
    coefficients: &mut [Scalar],
    rng: &mut ChaCha20Rng,
    invalid: &mut Vec<u32>,
) {
    if items.len() <= BISECT_LEAF {
        for item in items {
            let valid = keys
                .get(item.key)
                .is_some_and(|a| super::equation_holds(a, &item.r, &item.s, &item.k));
            if !valid {
                invalid.push(item.index);
            }
        }
        return;
    }
    if batch_equation_holds(keys, items, coefficients, rng) {
        return;
    }
    let (left, right) = items.split_at(items.len() / 2);
    bisect(keys, left, coefficients, rng, invalid);
    bisect(keys, right, coefficients, rng, invalid);
}

/// The batch equation over `items`; `coefficients` (one per key, all zero) is scratch, left zero.
fn batch_equation_holds(
    keys: &[EdwardsPoint],
    items: &[Decoded],
    coefficients: &mut [Scalar],
    rng: &mut ChaCha20Rng,
) -> bool {
    let mut b_coefficient = Scalar::ZERO;
    let mut r_coefficients = Vec::with_capacity(items.len());
    let mut used_keys = Vec::new();
    for item in items {
        let mut z = [0u8; 16];
        rng.fill_bytes(&mut z);
        let z = Scalar::from(u128::from_le_bytes(z));
        b_coefficient -= z * item.s;
        r_coefficients.push(z);
        if let Some(a) = coefficients.get_mut(item.key) {
            if *a == Scalar::ZERO {
                used_keys.push(item.key);
            }
            *a += z * item.k;
        }
    }
    let mut scalars = Vec::with_capacity(1 + used_keys.len() + items.len());
    let mut points = Vec::with_capacity(scalars.capacity());
    scalars.push(b_coefficient);
    points.push(ED25519_BASEPOINT_POINT);
    for key in used_keys {
        if let (Some(a), Some(point)) = (coefficients.get_mut(key), keys.get(key)) {
            scalars.push(core::mem::replace(a, Scalar::ZERO));
            points.push(*point);
        }
    }
    scalars.extend(r_coefficients);
    points.extend(items.iter().map(|item| item.r));
    EdwardsPoint::vartime_multiscalar_mul(&scalars, &points)
        .mul_by_cofactor()
        .is_identity()
}
