//! X25519 (RFC 7748): Diffie-Hellman through `x25519-dalek`, with the all-zero check RFC 9180
//! §7.1.4 asks for; public keys over the run-time base-point table ([`crate::basepoint`]), not
//! `x25519_dalek::PublicKey::from(&secret)`, which would link curve25519-dalek's static table.

use crate::basepoint;
use crate::error::{fixed, CoreError};
use crate::lengths::{X25519_PUBLIC_KEY, X25519_SHARED_SECRET};
use crate::rng;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

/// A key pair: the secret scalar bytes (wiped on drop) and the public key.
pub struct KeyPair {
    /// Secret scalar as given or drawn (clamped when used, RFC 7748 §5).
    pub secret_key: Zeroizing<[u8; 32]>,
    /// Public u-coordinate.
    pub public_key: [u8; X25519_PUBLIC_KEY],
}

/// Key pair of `seed` (used as the secret scalar), or of fresh randomness when `None`.
pub fn keygen(seed: Option<&[u8]>) -> Result<KeyPair, CoreError> {
    let secret_key = rng::seed_or_random(seed)?;
    let public_key = public_key(secret_key.as_ref())?;
    Ok(KeyPair {
        secret_key,
        public_key,
    })
}

/// Public key of a secret key.
pub fn public_key(secret_key: &[u8]) -> Result<[u8; X25519_PUBLIC_KEY], CoreError> {
    Ok(basepoint::x25519(*fixed::<32>("secretKey", secret_key)?).to_bytes())
}

/// Diffie-Hellman. Fails with [`CoreError::InvalidKey`] when the result is all zero (the peer's key
/// is of small order), so a contributory shared secret is guaranteed.
pub fn shared_secret(
    secret_key: &[u8],
    public_key: &[u8],
) -> Result<Zeroizing<[u8; X25519_SHARED_SECRET]>, CoreError> {
    let sk = StaticSecret::from(*fixed::<32>("secretKey", secret_key)?);
    let pk = PublicKey::from(*fixed::<X25519_PUBLIC_KEY>("publicKey", public_key)?);
    let shared = sk.diffie_hellman(&pk);
    if !shared.was_contributory() {
        return Err(CoreError::InvalidKey);
    }
    Ok(Zeroizing::new(shared.to_bytes()))
}
