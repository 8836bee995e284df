//! Ed25519 against RFC 8032 §7.1, Wycheproof and the "Taming the many EdDSAs" edge cases, with
//! single and batch verification required to agree on every case.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{hex, vectors, wycheproof};
use smartcheck_core::ed25519::{self, BatchItem};

fn batch_of_one(signature: &[u8], message: &[u8], public_key: &[u8]) -> bool {
    ed25519::verify_batch(&[BatchItem {
        message,
        signature,
        public_key,
    }])
    .unwrap()
    .is_empty()
}

#[test]
fn rfc8032_sign_and_verify() {
    let file = vectors("rfc8032-ed25519.json");
    for case in file["vectors"].as_array().unwrap() {
        let (sk, pk, msg, sig) = (
            hex(&case["secret_key"]),
            hex(&case["public_key"]),
            hex(&case["message"]),
            hex(&case["signature"]),
        );
        assert_eq!(
            ed25519::public_key(&sk).unwrap().to_vec(),
            pk,
            "{}",
            case["name"]
        );
        assert_eq!(
            ed25519::sign(&msg, &sk).unwrap().to_vec(),
            sig,
            "{}",
            case["name"]
        );
        let key = ed25519::SigningKey::from_seed(&sk).unwrap();
        assert_eq!(key.public_key().to_vec(), pk, "{}", case["name"]);
        assert_eq!(key.sign(&msg).to_vec(), sig, "{}", case["name"]);
        assert!(ed25519::verify(&sig, &msg, &pk));
        assert!(batch_of_one(&sig, &msg, &pk));
    }
}

/// Wycheproof's verdicts follow RFC 8032's strict rules. ZIP-215 differs from them only on inputs
/// that RFC 8032 leaves to the implementation (non-canonical encodings, small-order points); the
/// cases where our verdict differs are listed here with the reason, and every other case must match.
const ZIP215_DIFFERS: &[(u64, &str)] = &[(
    151,
    "R is the non-canonical encoding of (0, 1) with the sign bit set; ZIP-215 accepts non-canonical \
     point encodings (RFC 8032 §5.1.3 rejects them), and the equation holds",
)];

#[test]
fn wycheproof_single_equals_batch_equals_expected() {
    let mut checked = 0;
    for (group, test) in wycheproof("wycheproof-ed25519.json") {
        let pk = hex(&group["publicKey"]["pk"]);
        let (msg, sig) = (hex(&test["msg"]), hex(&test["sig"]));
        let id = test["tcId"].as_u64().unwrap();
        let single = ed25519::verify(&sig, &msg, &pk);
        assert_eq!(
            single,
            batch_of_one(&sig, &msg, &pk),
            "tcId {id}: single and batch disagree"
        );
        let expected = test["result"] == "valid";
        let differs = ZIP215_DIFFERS.iter().any(|(d, _)| *d == id);
        // Listed cases must really differ, so the list cannot silently go stale.
        assert_eq!(
            single != expected,
            differs,
            "tcId {id} ({})",
            test["comment"]
        );
        checked += 1;
    }
    assert!(checked >= 150);
}

#[test]
fn taming_eddsa_cases_single_equals_batch_equals_zip215() {
    let file = vectors("taming-eddsa-cases.json");
    let cases = file["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 12);
    for case in cases {
        let (msg, pk, sig) = (
            hex(&case["message"]),
            hex(&case["pub_key"]),
            hex(&case["signature"]),
        );
        let expected = case["zip215_valid"].as_bool().unwrap();
        assert_eq!(
            ed25519::verify(&sig, &msg, &pk),
            expected,
            "case {}",
            case["index"]
        );
        assert_eq!(
            batch_of_one(&sig, &msg, &pk),
            expected,
            "case {} (batch)",
            case["index"]
        );
    }
    // All twelve in one batch: exactly the invalid ones are reported.
    let items: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = cases
        .iter()
        .map(|c| (hex(&c["message"]), hex(&c["signature"]), hex(&c["pub_key"])))
        .collect();
    let batch: Vec<BatchItem> = items
        .iter()
        .map(|(m, s, p)| BatchItem {
            message: m,
            signature: s,
            public_key: p,
        })
        .collect();
    let expected: Vec<u32> = cases
        .iter()
        .enumerate()
        .filter(|(_, c)| !c["zip215_valid"].as_bool().unwrap())
        .map(|(i, _)| i as u32)
        .collect();
    assert_eq!(ed25519::verify_batch(&batch).unwrap(), expected);
}
