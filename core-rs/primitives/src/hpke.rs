//! HPKE base mode (RFC 9180) with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and ChaCha20-Poly1305,
//! single-shot, through the `hpke` crate: its key schedule and AEAD, the core's own KEM ([`kem`]).

mod kem;

use crate::error::{fixed, CoreError};
use crate::lengths::{HPKE_ENC, X25519_PUBLIC_KEY, X25519_SECRET_KEY};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::rand_core::{CryptoRng, RngCore};
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};

type Suite = kem::X25519HkdfSha256;

/// A sealed message: the encapsulated ephemeral key and the ciphertext (plaintext + 16-byte tag).
pub struct Sealed {
    /// Encapsulated key, `enc` in RFC 9180.
    pub enc: [u8; HPKE_ENC],
    /// AEAD ciphertext with its tag.
    pub ciphertext: Vec<u8>,
}

/// Seals `plaintext` to `recipient_public_key`, binding `info` (context) and `aad`.
pub fn seal(
    recipient_public_key: &[u8],
    plaintext: &[u8],
    info: &[u8],
    aad: &[u8],
) -> Result<Sealed, CoreError> {
    let mut rng = crate::rng::stream()?;
    seal_with_rng(recipient_public_key, plaintext, info, aad, &mut rng)
}

/// [`seal`] with the caller's randomness. Public so the RFC 9180 vectors (which fix the ephemeral
/// key material) can be reproduced; production code calls [`seal`].
pub fn seal_with_rng<R: CryptoRng + RngCore>(
    recipient_public_key: &[u8],
    plaintext: &[u8],
    info: &[u8],
    aad: &[u8],
    rng: &mut R,
) -> Result<Sealed, CoreError> {
    let pk_bytes = fixed::<X25519_PUBLIC_KEY>("recipientPublicKey", recipient_public_key)?;
    let pk = <Suite as Kem>::PublicKey::from_bytes(pk_bytes).map_err(|_| CoreError::InvalidKey)?;
    let (enc, ciphertext) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Suite, R>(
        &OpModeS::Base,
        &pk,
        info,
        plaintext,
        aad,
        rng,
    )
    .map_err(|_| CoreError::Encrypt)?;
    let enc_bytes = enc.to_bytes();
    let enc = fixed::<HPKE_ENC>("enc", enc_bytes.as_slice())?;
    Ok(Sealed {
        enc: *enc,
        ciphertext,
    })
}

/// Opens a sealed message. Every failure (wrong key, wrong `info` or `aad`, any flipped or missing
/// byte, malformed `enc`) is the same opaque [`CoreError::Decrypt`]; only wrong argument lengths of
/// the secret key are reported as such, since those are programmer errors.
pub fn open(
    recipient_secret_key: &[u8],
    enc: &[u8],
    ciphertext: &[u8],
    info: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, CoreError> {
    let sk_bytes = fixed::<X25519_SECRET_KEY>("recipientSecretKey", recipient_secret_key)?;
    let sk = <Suite as Kem>::PrivateKey::from_bytes(sk_bytes).map_err(|_| CoreError::InvalidKey)?;
    let encapped = <Suite as Kem>::EncappedKey::from_bytes(enc).map_err(|_| CoreError::Decrypt)?;
    hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, Suite>(
        &OpModeR::Base,
        &sk,
        &encapped,
        info,
        ciphertext,
        aad,
    )
    .map_err(|_| CoreError::Decrypt)
}
