//! Ed25519 (RFC 8032 signing) with ZIP-215 verification rules, over `curve25519-dalek`: key
//! expansion and signing with the run-time base-point table ([`crate::basepoint`]), verification
//! single and batch.
//!
//! Why ZIP-215: it is the one published rule set under which single and batch verification accept
//! exactly the same signatures (cofactored equation, non-canonical point encodings accepted,
//! `S < L` required). A bank that batch-verifies and a terminal that verifies one check must never
//! disagree about a check, so both use these rules; see `test/vectors/taming-eddsa-cases.json`.

mod batch;
mod key_cache;

pub use batch::{verify_batch, BatchItem};

use crate::basepoint;
use crate::error::{fixed, CoreError};
use crate::lengths::{ED25519_PUBLIC_KEY, ED25519_SIGNATURE};
use crate::rng;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::{clamp_integer, Scalar};
use curve25519_dalek::traits::IsIdentity;
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

/// A key pair: the 32-byte secret seed (wiped on drop) and the public key.
pub struct KeyPair {
    /// RFC 8032 secret key (the seed).
    pub secret_key: Zeroizing<[u8; 32]>,
    /// Compressed public key.
    pub public_key: [u8; ED25519_PUBLIC_KEY],
}

/// A signing key expanded once (seed hashed, scalar and prefix kept, public key derived from the
/// seed here and nowhere else), wiped on drop. Each signature then costs one base-point
/// multiplication, where signing from a seed costs two (the public key is part of the hash).
/// There is deliberately no way to pair a seed with a public key the caller supplies: a signer that
/// trusts such a key leaks its secret scalar to whoever can get two messages signed under two
/// public keys (RUSTSEC-2022-0093).
pub struct SigningKey {
    /// `s`: the clamped lower half of SHA-512(seed), reduced mod L (RFC 8032 §5.1.5).
    scalar: Zeroizing<Scalar>,
    /// The upper half of SHA-512(seed), hashed with each message into the nonce.
    prefix: Zeroizing<[u8; 32]>,
    /// `A = [s]B`, compressed.
    public_key: [u8; ED25519_PUBLIC_KEY],
}

impl SigningKey {
    /// Expands a 32-byte seed (RFC 8032 §5.1.5).
    pub fn from_seed(secret_key: &[u8]) -> Result<SigningKey, CoreError> {
        let seed = fixed::<32>("secretKey", secret_key)?;
        let mut digest = Zeroizing::new([0u8; 64]);
        digest.copy_from_slice(&Sha512::digest(seed));
        let mut lower = Zeroizing::new([0u8; 32]);
        let mut prefix = Zeroizing::new([0u8; 32]);
        lower.copy_from_slice(digest.get(..32).unwrap_or_default());
        prefix.copy_from_slice(digest.get(32..).unwrap_or_default());
        let scalar = Zeroizing::new(Scalar::from_bytes_mod_order(clamp_integer(*lower)));
        let public_key = basepoint::mul(&scalar).compress().to_bytes();
        Ok(SigningKey {
            scalar,
            prefix,
            public_key,
        })
    }

    /// The public key, derived from the seed.
    pub fn public_key(&self) -> [u8; ED25519_PUBLIC_KEY] {
        self.public_key
    }

    /// Signs `message` (deterministic, RFC 8032 §5.1.6): `r = SHA-512(prefix || M) mod L`,
    /// `R = [r]B`, `S = r + k·s mod L` with the `k` verification computes.
    pub fn sign(&self, message: &[u8]) -> [u8; ED25519_SIGNATURE] {
        let r = Zeroizing::new(Scalar::from_hash(
            Sha512::new()
                .chain_update(self.prefix.as_ref())
                .chain_update(message),
        ));
        let mut signature = [0u8; ED25519_SIGNATURE];
        signature[..32].copy_from_slice(&basepoint::mul(&r).compress().to_bytes());
        let k = challenge(&signature, &self.public_key, message);
        signature[32..].copy_from_slice((k * *self.scalar + *r).as_bytes());
        signature
    }
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
    Ok(SigningKey::from_seed(secret_key)?.public_key())
}

/// Signs `message` (deterministic, RFC 8032 §5.1.6) with a seed: expands it for this one signature.
pub fn sign(message: &[u8], secret_key: &[u8]) -> Result<[u8; ED25519_SIGNATURE], CoreError> {
    Ok(SigningKey::from_seed(secret_key)?.sign(message))
}

/// Verifies one signature under ZIP-215. Any malformed input (wrong length, undecodable point,
/// non-canonical S) is simply `false`.
pub fn verify(signature: &[u8], message: &[u8], public_key: &[u8]) -> bool {
    let (Ok(signature), Ok(public_key)) = (
        fixed::<ED25519_SIGNATURE>("signature", signature),
        fixed::<ED25519_PUBLIC_KEY>("publicKey", public_key),
    ) else {
        return false;
    };
    let (Some(a), Some((r, s))) = (key_cache::point(public_key), decode_signature(signature))
    else {
        return false;
    };
    equation_holds(&a, &r, &s, &challenge(signature, public_key, message))
}

/// `R` as a point and `S` as a canonical scalar (`S < L`), or `None`. R may be a non-canonical
/// encoding (ZIP-215); `decompress` accepts those.
fn decode_signature(signature: &[u8; ED25519_SIGNATURE]) -> Option<(EdwardsPoint, Scalar)> {
    let mut r = [0u8; 32];
    let mut s = [0u8; 32];
    r.copy_from_slice(signature.get(..32)?);
    s.copy_from_slice(signature.get(32..)?);
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s))?;
    Some((CompressedEdwardsY(r).decompress()?, s))
}

/// `k = SHA-512(R || A || M) mod L`, over the bytes as received (ZIP-215: A and R as encoded).
fn challenge(signature: &[u8; ED25519_SIGNATURE], public_key: &[u8; 32], message: &[u8]) -> Scalar {
    let mut h = Sha512::new();
    h.update(signature.get(..32).unwrap_or_default());
    h.update(public_key);
    h.update(message);
    Scalar::from_hash(h)
}

/// The cofactored single equation `[8](R - ([S]B - [k]A)) = 0`.
fn equation_holds(a: &EdwardsPoint, r: &EdwardsPoint, s: &Scalar, k: &Scalar) -> bool {
    let r_prime = EdwardsPoint::vartime_double_scalar_mul_basepoint(k, &-a, s);
    (r - r_prime).mul_by_cofactor().is_identity()
}
