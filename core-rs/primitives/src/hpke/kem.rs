//! DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1, KEM id 0x0020), base mode, as an `hpke::Kem` the
//! crate's key schedule and AEAD run on.
//!
//! Why not the `hpke` crate's own `X25519HkdfSha256`: it derives the ephemeral public key (seal) and
//! the recipient's public key (open) with `x25519_dalek::PublicKey::from(&secret)`, which links
//! curve25519-dalek's 30 KB static base-point table into the module; the crate lets a caller supply
//! only the randomness, not the key derivation. This KEM is the same construction over the core's
//! run-time table ([`crate::basepoint`]), its X25519 Diffie-Hellman ([`crate::x25519`], with the
//! all-zero refusal of §7.1.4) and the crate's own labelled HKDF; the RFC 9180 vectors (core-rs/primitives/tests) pin it byte for byte.

use crate::{basepoint, x25519};
use hpke::generic_array::typenum::U32;
use hpke::kdf::{extract_and_expand, labeled_extract, HkdfSha256, LabeledExpand};
use hpke::kem::SharedSecret;
use hpke::rand_core::{CryptoRng, RngCore};
use hpke::{Deserializable, HpkeError, Kem, Serializable};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// `suite_id = "KEM" || I2OSP(kem_id, 2)` (RFC 9180 §4.1).
const SUITE_ID: [u8; 5] = *b"KEM\x00\x20";

/// DHKEM(X25519, HKDF-SHA256).
pub struct X25519HkdfSha256;

/// An X25519 public key (also the encapsulated key, `enc`: an ephemeral public key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey([u8; 32]);

/// An X25519 secret key, wiped on drop.
#[derive(Clone)]
pub struct PrivateKey(Zeroizing<[u8; 32]>);

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&*other.0).into()
    }
}
impl Eq for PrivateKey {}

/// 32 bytes or [`HpkeError::IncorrectInputLength`].
fn key_bytes(encoded: &[u8]) -> Result<[u8; 32], HpkeError> {
    encoded
        .try_into()
        .map_err(|_| HpkeError::IncorrectInputLength(32, encoded.len()))
}

impl Serializable for PublicKey {
    type OutputSize = U32;
    fn write_exact(&self, buf: &mut [u8]) {
        buf.copy_from_slice(&self.0);
    }
}
impl Deserializable for PublicKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        Ok(PublicKey(key_bytes(encoded)?))
    }
}

impl Serializable for PrivateKey {
    type OutputSize = U32;
    fn write_exact(&self, buf: &mut [u8]) {
        buf.copy_from_slice(&*self.0);
    }
}
impl Deserializable for PrivateKey {
    /// Any 32 bytes: clamping when used makes every string a valid X25519 secret (RFC 7748 §5).
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        Ok(PrivateKey(Zeroizing::new(key_bytes(encoded)?)))
    }
}

/// `shared_secret = ExtractAndExpand(dh, enc || pkRm)` (RFC 9180 §4.1, base mode), or `error`.
fn shared_secret(
    dh: &[u8; 32],
    enc: &PublicKey,
    recipient: &PublicKey,
    error: HpkeError,
) -> Result<SharedSecret<X25519HkdfSha256>, HpkeError> {
    let mut kem_context = [0u8; 64];
    kem_context[..32].copy_from_slice(&enc.0);
    kem_context[32..].copy_from_slice(&recipient.0);
    let mut secret = SharedSecret::<X25519HkdfSha256>::default();
    extract_and_expand::<HkdfSha256>(dh, &SUITE_ID, &kem_context, &mut secret.0)
        .map_err(|_| error)?;
    Ok(secret)
}

impl Kem for X25519HkdfSha256 {
    type PublicKey = PublicKey;
    type PrivateKey = PrivateKey;
    type EncappedKey = PublicKey;
    type NSecret = U32;
    const KEM_ID: u16 = 0x0020;

    fn sk_to_pk(sk: &PrivateKey) -> PublicKey {
        PublicKey(basepoint::x25519(*sk.0).to_bytes())
    }

    /// `DeriveKeyPair(ikm)` (RFC 9180 §7.1.3): `sk = LabeledExpand(LabeledExtract("", "dkp_prk",
    /// ikm), "sk", "", 32)`. What `gen_keypair` runs on fresh randomness for each seal.
    fn derive_keypair(ikm: &[u8]) -> (PrivateKey, PublicKey) {
        let (_, prk) = labeled_extract::<HkdfSha256>(&[], &SUITE_ID, b"dkp_prk", ikm);
        let mut sk = PrivateKey(Zeroizing::new([0u8; 32]));
        // HKDF-SHA256 refuses only outputs over 255 × 32 bytes; 32 cannot fail.
        let _ = prk.labeled_expand(&SUITE_ID, b"sk", &[], sk.0.as_mut());
        let pk = Self::sk_to_pk(&sk);
        (sk, pk)
    }

    /// `Encap(pkR)`. Auth mode (a sender key) is refused: the core seals in base mode only, and
    /// the RFC 9180 vectors it is tested on are base mode.
    fn encap<R: CryptoRng + RngCore>(
        pk_recip: &PublicKey,
        sender_id_keypair: Option<(&PrivateKey, &PublicKey)>,
        csprng: &mut R,
    ) -> Result<(SharedSecret<Self>, PublicKey), HpkeError> {
        if sender_id_keypair.is_some() {
            return Err(HpkeError::EncapError);
        }
        let (sk_eph, pk_eph) = Self::gen_keypair(csprng);
        let dh =
            x25519::shared_secret(&*sk_eph.0, &pk_recip.0).map_err(|_| HpkeError::EncapError)?;
        let secret = shared_secret(&dh, &pk_eph, pk_recip, HpkeError::EncapError)?;
        Ok((secret, pk_eph))
    }

    /// `Decap(enc, skR)`; auth mode refused as in [`Self::encap`].
    fn decap(
        sk_recip: &PrivateKey,
        pk_sender_id: Option<&PublicKey>,
        encapped_key: &PublicKey,
    ) -> Result<SharedSecret<Self>, HpkeError> {
        if pk_sender_id.is_some() {
            return Err(HpkeError::DecapError);
        }
        let dh = x25519::shared_secret(&*sk_recip.0, &encapped_key.0)
            .map_err(|_| HpkeError::DecapError)?;
        let pk_recip = Self::sk_to_pk(sk_recip);
        shared_secret(&dh, encapped_key, &pk_recip, HpkeError::DecapError)
    }
}
