//! X25519 against Wycheproof, ChaCha20-Poly1305 (the AEAD inside our HPKE) against Wycheproof, and
//! HPKE against RFC 9180, reproducing `enc` and the ciphertext exactly from the vectors' ikmE.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;
use common::{hex, vectors, wycheproof};
use hpke::rand_core::{CryptoRng, Error, RngCore};
use smartcheck_core::{hpke as sc_hpke, x25519, CoreError};

#[test]
fn wycheproof_x25519() {
    for (_, test) in wycheproof("wycheproof-x25519.json") {
        let (sk, pk, shared) = (
            hex(&test["private"]),
            hex(&test["public"]),
            hex(&test["shared"]),
        );
        let id = &test["tcId"];
        match x25519::shared_secret(&sk, &pk) {
            Ok(ours) => assert_eq!(ours.to_vec(), shared, "tcId {id}"),
            // Refusing is allowed only where the expected result is the all-zero secret
            // (Wycheproof marks those "acceptable"); RFC 9180 §7.1.4 requires the refusal.
            Err(e) => {
                assert_eq!(e, CoreError::InvalidKey, "tcId {id}");
                assert!(
                    shared.iter().all(|b| *b == 0),
                    "tcId {id}: refused a non-zero secret"
                );
                assert_eq!(test["result"], "acceptable", "tcId {id}");
            }
        }
    }
}

#[test]
fn wycheproof_chacha20poly1305() {
    let mut checked = 0;
    for (group, test) in wycheproof("wycheproof-chacha20poly1305.json") {
        if group["ivSize"] != 96 || group["keySize"] != 256 {
            continue;
        }
        let (key, iv, aad, msg) = (
            hex(&test["key"]),
            hex(&test["iv"]),
            hex(&test["aad"]),
            hex(&test["msg"]),
        );
        let sealed = [hex(&test["ct"]), hex(&test["tag"])].concat();
        let cipher = ChaCha20Poly1305::new_from_slice(&key).unwrap();
        let opened = cipher.decrypt(
            iv.as_slice().into(),
            Payload {
                msg: &sealed,
                aad: &aad,
            },
        );
        match test["result"].as_str().unwrap() {
            "valid" => assert_eq!(opened.unwrap(), msg, "tcId {}", test["tcId"]),
            _ => assert!(opened.is_err(), "tcId {}", test["tcId"]),
        }
        checked += 1;
    }
    assert!(checked >= 300);
}

/// Replays fixed bytes as "randomness", so seal draws the vectors' ikmE as its ephemeral key seed.
struct Replay(Vec<u8>);
impl RngCore for Replay {
    fn next_u32(&mut self) -> u32 {
        unimplemented!()
    }
    fn next_u64(&mut self) -> u64 {
        unimplemented!()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        let n = dest.len();
        dest.copy_from_slice(&self.0[..n]);
        self.0.drain(..n);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl CryptoRng for Replay {}

#[test]
fn rfc9180_base_mode_vectors() {
    let file = vectors("rfc9180-hpke-x25519-sha256-chacha20poly1305.json");
    for v in file["vectors"].as_array().unwrap() {
        assert_eq!(
            (
                v["mode"].as_u64(),
                v["kem_id"].as_u64(),
                v["kdf_id"].as_u64(),
                v["aead_id"].as_u64()
            ),
            (Some(0), Some(32), Some(1), Some(3))
        );
        let (info, pk_r, sk_r, enc) = (
            hex(&v["info"]),
            hex(&v["pkRm"]),
            hex(&v["skRm"]),
            hex(&v["enc"]),
        );
        assert_eq!(x25519::public_key(&sk_r).unwrap().to_vec(), pk_r);
        let first = &v["encryptions"][0];
        let (aad, pt, ct) = (hex(&first["aad"]), hex(&first["pt"]), hex(&first["ct"]));
        let sealed =
            sc_hpke::seal_with_rng(&pk_r, &pt, &info, &aad, &mut Replay(hex(&v["ikmE"]))).unwrap();
        assert_eq!(sealed.enc.to_vec(), enc);
        assert_eq!(sealed.ciphertext, ct);
        assert_eq!(sc_hpke::open(&sk_r, &enc, &ct, &info, &aad).unwrap(), pt);
        // Any change to what is bound is the one opaque error.
        let mut bad_info = info.clone();
        bad_info.push(0);
        assert_eq!(
            sc_hpke::open(&sk_r, &enc, &ct, &bad_info, &aad),
            Err(CoreError::Decrypt)
        );
        assert_eq!(
            sc_hpke::open(&sk_r, &enc, &ct[..ct.len() - 1], &info, &aad),
            Err(CoreError::Decrypt)
        );
        assert_eq!(
            sc_hpke::open(&sk_r, &enc[..31], &ct, &info, &aad),
            Err(CoreError::Decrypt)
        );
    }
}
