//! Batch verification reports exactly the bad items, wherever they are.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use smartcheck_core::ed25519::{self, BatchItem};

struct Signed {
    message: Vec<u8>,
    signature: Vec<u8>,
    public_key: Vec<u8>,
}

fn signed(n: usize) -> Vec<Signed> {
    (0..n)
        .map(|i| {
            let pair = ed25519::keygen(Some(&[i as u8 + 1; 32])).unwrap();
            let message = format!("check {i}").into_bytes();
            let signature = ed25519::sign(&message, pair.secret_key.as_ref())
                .unwrap()
                .to_vec();
            Signed {
                message,
                signature,
                public_key: pair.public_key.to_vec(),
            }
        })
        .collect()
}

fn items(all: &[Signed]) -> Vec<BatchItem<'_>> {
    all.iter()
        .map(|s| BatchItem {
            message: &s.message,
            signature: &s.signature,
            public_key: &s.public_key,
        })
        .collect()
}

#[test]
fn all_valid_is_empty() {
    let all = signed(40);
    assert!(ed25519::verify_batch(&items(&all)).unwrap().is_empty());
    assert!(ed25519::verify_batch(&[]).unwrap().is_empty());
}

#[test]
fn one_bad_item_at_every_position() {
    let n = 33;
    for bad in 0..n {
        let mut all = signed(n);
        all[bad].signature[10] ^= 1;
        assert_eq!(
            ed25519::verify_batch(&items(&all)).unwrap(),
            vec![bad as u32],
            "bad at {bad}"
        );
    }
}

#[test]
fn several_bad_items_and_malformed_lengths() {
    let mut all = signed(50);
    all[0].message.push(0); // wrong message
    all[17].public_key = all[18].public_key.clone(); // wrong key
    all[31].signature.truncate(63); // malformed length
    all[49].public_key = vec![0xff; 32]; // not a point
    assert_eq!(
        ed25519::verify_batch(&items(&all)).unwrap(),
        vec![0, 17, 31, 49]
    );
}

#[test]
fn single_verify_false_for_malformed() {
    let all = signed(1);
    let s = &all[0];
    assert!(ed25519::verify(&s.signature, &s.message, &s.public_key));
    assert!(!ed25519::verify(
        &s.signature[..63],
        &s.message,
        &s.public_key
    ));
    assert!(!ed25519::verify(
        &s.signature,
        &s.message,
        &s.public_key[..31]
    ));
    assert!(!ed25519::verify(&[0xff; 64], &s.message, &s.public_key)); // S >= L
    assert!(ed25519::sign(b"m", &[0; 31]).is_err());
}
