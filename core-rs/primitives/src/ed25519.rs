//! Ed25519 (RFC 8032 signing) with ZIP-215 verification rules, through `ed25519-zebra`.
//!
//! Why ZIP-215: it is the one published rule set under which single and batch verification accept
//! exactly the same signatures (cofactored equation, non-canonical point encodings accepted,
//! `S < L` required). A bank that batch-verifies and a terminal that verifies one check must never
//! disagree about a check, so both use these rules; see `test/vectors/taming-eddsa-cases.json`.

use crate::error::{fixed, CoreError};
use crate::lengths::{ED25519_PUBLIC_KEY, ED25519_SIGNATURE};
use crate::rng;
use ed25519_zebra::batch;
use ed25519_zebra::{Signature, SigningKey, VerificationKey, VerificationKeyBytes};
use zeroize::Zeroizing;

/// Batches at or below this size are checked one signature at a time while bisecting: a batch
/// equation for a handful of items costs about as much as checking them singly.
const BISECT_LEAF: usize = 4;

/// A key pair: the 32-byte secret seed (wiped on drop) and the public key.
pub struct KeyPair {
    /// RFC 8032 secret key (the seed).
    pub secret_key: Zeroizing<[u8; 32]>,
    /// Compressed public key.
    pub public_key: [u8; ED25519_PUBLIC_KEY],
}

fn signing_key(secret_key: &[u8]) -> Result<Zeroizing<SigningKey>, CoreError> {
    let seed = fixed::<32>("secretKey", secret_key)?;
    Ok(Zeroizing::new(SigningKey::from(*seed)))
}

/// Derives the key pair of `seed`, or of a fresh random seed when `None`.
pub fn keygen(seed: Option<&[u8]>) -> Result<KeyPair, CoreError> {
    let secret_key = rng::seed_or_random(seed)?;
    let public_key = public_key(secret_key.as_ref())?;
    Ok(KeyPair {
        secret_key,
        public_key,
    })
}

/// The public key of a secret key.
pub fn public_key(secret_key: &[u8]) -> Result<[u8; ED25519_PUBLIC_KEY], CoreError> {
    let sk = signing_key(secret_key)?;
    Ok(VerificationKeyBytes::from(&*sk).into())
}

/// Signs `message` (deterministic, RFC 8032 §5.1.6).
pub fn sign(message: &[u8], secret_key: &[u8]) -> Result<[u8; ED25519_SIGNATURE], CoreError> {
    let sk = signing_key(secret_key)?;
    Ok(sk.sign(message).to_bytes())
}

/// Verifies one signature under ZIP-215. Any malformed input (wrong length, undecodable point,
/// non-canonical S) is simply `false`.
pub fn verify(signature: &[u8], message: &[u8], public_key: &[u8]) -> bool {
    let (Ok(sig), Ok(pk)) = (
        fixed::<ED25519_SIGNATURE>("signature", signature),
        fixed::<ED25519_PUBLIC_KEY>("publicKey", public_key),
    ) else {
        return false;
    };
    match VerificationKey::try_from(*pk) {
        Ok(vk) => vk.verify(&Signature::from_bytes(sig), message).is_ok(),
        Err(_) => false,
    }
}

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

/// Verifies many signatures at once and returns the indices of the invalid ones, ascending.
/// An empty result means every signature is valid. Accepts exactly what [`verify`] accepts.
///
/// The batch equation says only "all good" or "something bad"; when it fails the batch is bisected
/// (each half re-checked as a batch) down to small groups checked one by one, so k bad items in n
/// cost about `k·log2(n)` small batches rather than n single verifications.
pub fn verify_batch(items: &[BatchItem<'_>]) -> Result<Vec<u32>, CoreError> {
    let mut invalid = Vec::new();
    let mut prepared: Vec<(u32, batch::Item)> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let index = u32::try_from(index).map_err(|_| CoreError::Layout("batch too large"))?;
        match (
            fixed::<ED25519_SIGNATURE>("signature", item.signature),
            fixed::<ED25519_PUBLIC_KEY>("publicKey", item.public_key),
        ) {
            (Ok(sig), Ok(pk)) => prepared.push((
                index,
                batch::Item::from((
                    VerificationKeyBytes::from(*pk),
                    Signature::from_bytes(sig),
                    item.message,
                )),
            )),
            _ => invalid.push(index),
        }
    }
    let mut rng = rng::stream()?;
    bisect(&prepared, &mut rng, &mut invalid);
    invalid.sort_unstable();
    Ok(invalid)
}

fn bisect(
    items: &[(u32, batch::Item)],
    rng: &mut rand_chacha::ChaCha20Rng,
    invalid: &mut Vec<u32>,
) {
    if items.len() <= BISECT_LEAF {
        for (index, item) in items {
            if item.clone().verify_single().is_err() {
                invalid.push(*index);
            }
        }
        return;
    }
    let mut verifier = batch::Verifier::new();
    for (_, item) in items {
        verifier.queue(item.clone());
    }
    if verifier.verify(&mut *rng).is_ok() {
        return;
    }
    let (left, right) = items.split_at(items.len() / 2);
    bisect(left, rng, invalid);
    bisect(right, rng, invalid);
}
