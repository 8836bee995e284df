//! The batch check verifier against test/vectors/protocol/checks.json (the vectors the TypeScript
//! verifier also passes): every case alone, all cases in one batch, and batches mixed so that one
//! certificate or signature failure lands among good checks sharing its certificates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The vector reader is the primitives' (one copy for both crates' tests).
#[path = "../../primitives/tests/common/mod.rs"]
mod common;
use common::{hex, vectors};
use serde_json::Value;
use smartcheck_checks::{
    split_revocation_key, verify_checks, verify_packed, CheckFields, Context, PackedInput,
    PerCheckLimit, Revoked, Verdict,
};

struct Case {
    name: String,
    check: Vec<u8>,
    expected: Value,
}

struct File {
    anchors: Vec<(Vec<u8>, [u8; 32])>,
    now: u64,
    revoked: Vec<Vec<u8>>,
    cases: Vec<Case>,
}

fn load() -> File {
    let file = vectors("protocol/checks.json");
    let anchors = file["anchors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().as_bytes().to_vec(),
                hex(&a["publicKey"]).try_into().unwrap(),
            )
        })
        .collect();
    let revoked = file["revoked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().as_bytes().to_vec())
        .collect();
    let cases = file["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_owned(),
            check: hex(&c["check"]),
            expected: c["expected"].clone(),
        })
        .collect();
    File {
        anchors,
        now: file["now"].as_u64().unwrap(),
        revoked,
        cases,
    }
}

fn context(file: &File) -> Context<'_> {
    Context::new(
        file.anchors
            .iter()
            .map(|(id, key)| (id.as_slice(), key))
            .collect(),
        file.now,
        file.revoked.iter().map(Vec::as_slice),
    )
}

fn to_json(verdict: &Verdict<'_>) -> Value {
    match verdict {
        Err(code) => serde_json::json!({ "error": code.code() }),
        Ok(CheckFields {
            purse_id,
            serial,
            amount,
            currency,
            merchant_id,
            slip_hash,
            channel,
            check_hash,
            limit: _,
        }) => serde_json::json!({ "ok": {
            "purseId": purse_id, "serial": serial, "amount": amount, "currency": currency, "merchantId": merchant_id,
            "slipHash": hex::encode(slip_hash), "channel": channel, "checkHash": hex::encode(check_hash),
        }}),
    }
}

fn assert_batch(file: &File, order: &[usize]) {
    let ctx = context(file);
    let checks: Vec<&[u8]> = order
        .iter()
        .map(|&i| file.cases[i].check.as_slice())
        .collect();
    let verdicts = verify_checks(&checks, &ctx).unwrap();
    assert_eq!(verdicts.len(), order.len());
    for (verdict, &i) in verdicts.iter().zip(order) {
        let case = &file.cases[i];
        assert_eq!(to_json(verdict), case.expected, "{}", case.name);
    }
}

/// Every purse of the vectors certifies 15,000 minor units (150.00) per check in its own currency
/// (scripts/gen-protocol-vectors.ts): the verdict carries that limit for the bank to apply.
#[test]
fn accepted_checks_carry_their_certified_limit() {
    let file = load();
    let ctx = context(&file);
    let checks: Vec<&[u8]> = file.cases.iter().map(|c| c.check.as_slice()).collect();
    let verdicts = verify_checks(&checks, &ctx).unwrap();
    let accepted: Vec<_> = verdicts.iter().filter_map(|v| v.as_ref().ok()).collect();
    assert!(accepted.len() >= 5);
    for fields in accepted {
        assert_eq!(
            fields.limit,
            Some(PerCheckLimit {
                currency: fields.currency,
                max_per_check: 15_000
            }),
            "{}",
            fields.purse_id
        );
    }
}

#[test]
fn a_kept_revoked_set_gives_the_same_verdicts() {
    let file = load();
    let revoked = Revoked::new(file.revoked.iter().map(Vec::as_slice));
    assert_eq!(revoked.len(), 1);
    assert!(revoked.contains(b"BANK-A", b"P-A-REVOKED"));
    assert!(!revoked.contains(b"BANK-B", b"P-A-REVOKED"));
    let anchors: Vec<_> = file
        .anchors
        .iter()
        .map(|(id, key)| (id.as_slice(), key))
        .collect();
    let kept = Context::with_revoked(anchors, file.now, &revoked);
    let fresh = context(&file);
    let checks: Vec<&[u8]> = file.cases.iter().map(|c| c.check.as_slice()).collect();
    assert_eq!(
        verify_checks(&checks, &kept).unwrap(),
        verify_checks(&checks, &fresh).unwrap()
    );
}

#[test]
fn every_case_alone() {
    let file = load();
    assert!(file.cases.len() >= 40);
    for i in 0..file.cases.len() {
        assert_batch(&file, &[i]);
    }
}

#[test]
fn all_cases_in_one_batch() {
    let file = load();
    let all: Vec<usize> = (0..file.cases.len()).collect();
    assert_batch(&file, &all);
    let reversed: Vec<usize> = all.iter().rev().copied().collect();
    assert_batch(&file, &reversed);
}

/// A thread keeps the certificate signatures it found good (src/verified.rs): a second pass over
/// the same cases, its certificates now known, gives the verdicts of a cold thread, bad
/// certificate signatures included (they are never kept).
#[test]
fn certificates_found_good_before_give_the_same_verdicts() {
    let all: Vec<usize> = (0..load().cases.len()).collect();
    for _ in 0..2 {
        let order = all.clone();
        std::thread::spawn(move || {
            let file = load();
            assert_batch(&file, &order);
            assert_batch(&file, &order);
            for &i in &order {
                assert_batch(&file, &[i]);
            }
        })
        .join()
        .unwrap();
    }
}

#[test]
fn each_bad_case_among_many_good_ones() {
    // A bad certificate or signature is attributed to the checks that carry it, not to the good
    // checks that share the bank certificate with it.
    let file = load();
    let good: Vec<usize> = (0..file.cases.len())
        .filter(|&i| file.cases[i].expected.get("ok").is_some())
        .collect();
    let bad: Vec<usize> = (0..file.cases.len())
        .filter(|&i| file.cases[i].expected.get("error").is_some())
        .collect();
    assert!(good.len() >= 5 && bad.len() >= 30);
    for &b in &bad {
        let mut order: Vec<usize> = good.iter().chain(good.iter()).copied().collect();
        order.insert(order.len() / 2, b);
        order.push(b);
        assert_batch(&file, &order);
    }
}

#[test]
fn packed_layout_round_trip() {
    let file = load();
    let mut checks = Vec::new();
    let mut ends = Vec::new();
    for case in &file.cases {
        checks.extend_from_slice(&case.check);
        ends.push(checks.len() as u32);
    }
    let (mut ids, mut id_ends, mut keys) = (Vec::new(), Vec::new(), Vec::new());
    for (id, key) in &file.anchors {
        ids.extend_from_slice(id);
        id_ends.push(ids.len() as u32);
        keys.extend_from_slice(key);
    }
    let revoked: Vec<u8> = file.revoked.concat();
    let revoked_ends = vec![revoked.len() as u32];
    assert_eq!(file.revoked, vec![b"BANK-A/P-A-REVOKED".to_vec()]);
    let input = PackedInput {
        checks: &checks,
        check_ends: &ends,
        anchor_ids: &ids,
        anchor_id_ends: &id_ends,
        anchor_keys: &keys,
        revoked: &revoked,
        revoked_ends: &revoked_ends,
        now: file.now as f64,
    };
    let out = verify_packed(&input).unwrap();
    // walk the records
    let mut pos = 0;
    for case in &file.cases {
        let code = u16::from_le_bytes([out[pos], out[pos + 1]]);
        pos += 2;
        if let Some(error) = case.expected.get("error") {
            assert_eq!(u64::from(code), error.as_u64().unwrap(), "{}", case.name);
            continue;
        }
        assert_eq!(code, 0, "{}", case.name);
        let ok = &case.expected["ok"];
        let serial = u64::from_le_bytes(out[pos..pos + 8].try_into().unwrap());
        let amount = u64::from_le_bytes(out[pos + 8..pos + 16].try_into().unwrap());
        assert_eq!(
            (serial, amount),
            (
                ok["serial"].as_u64().unwrap(),
                ok["amount"].as_u64().unwrap()
            ),
            "{}",
            case.name
        );
        assert_eq!(u64::from(out[pos + 16]), ok["channel"].as_u64().unwrap());
        assert_eq!(
            &out[pos + 17..pos + 20],
            ok["currency"].as_str().unwrap().as_bytes()
        );
        assert_eq!(
            hex::encode(&out[pos + 20..pos + 52]),
            ok["slipHash"].as_str().unwrap()
        );
        assert_eq!(
            hex::encode(&out[pos + 52..pos + 84]),
            ok["checkHash"].as_str().unwrap()
        );
        // the purse certificate's limit: flag, currency, max per check
        assert_eq!(out[pos + 84], 1, "{}", case.name);
        assert_eq!(&out[pos + 85..pos + 88], &out[pos + 17..pos + 20]);
        assert_eq!(
            u64::from_le_bytes(out[pos + 88..pos + 96].try_into().unwrap()),
            15_000
        );
        pos += 96;
        for field in ["purseId", "merchantId"] {
            let n = out[pos] as usize;
            assert_eq!(
                &out[pos + 1..pos + 1 + n],
                ok[field].as_str().unwrap().as_bytes()
            );
            pos += 1 + n;
        }
    }
    assert_eq!(pos, out.len());

    // layout errors are errors, not verdicts
    let bad_ends = [ends[0], ends[0] - 1];
    assert!(verify_packed(&PackedInput {
        check_ends: &bad_ends,
        ..input
    })
    .is_err());
    assert!(verify_packed(&PackedInput {
        anchor_keys: &keys[1..],
        ..input
    })
    .is_err());
    for now in [-1.0, 0.5, f64::NAN, f64::INFINITY, 2f64.powi(53)] {
        assert!(
            verify_packed(&PackedInput { now, ..input }).is_err(),
            "now = {now}"
        );
    }
    // a revoked entry must be issuer-qualified: a bare subject id would silently revoke nothing
    for bare in [&b"P-A-REVOKED"[..], b"/P-A-REVOKED", b"BANK-A/", b"A/B/C"] {
        let ends = [bare.len() as u32];
        assert!(
            verify_packed(&PackedInput {
                revoked: bare,
                revoked_ends: &ends,
                ..input
            })
            .is_err(),
            "{}",
            String::from_utf8_lossy(bare)
        );
    }
    let empty = verify_packed(&PackedInput {
        checks: &[],
        check_ends: &[],
        ..input
    })
    .unwrap();
    assert!(empty.is_empty());
}

#[test]
fn mutations_never_panic_and_never_accept_a_changed_check() {
    // Every byte of a check is signed, fixed by the format, or part of a signature, and
    // deterministic CBOR has one encoding per value: any change of a valid check must be refused.
    let file = load();
    let ctx = context(&file);
    let valid = &file
        .cases
        .iter()
        .find(|c| c.expected.get("ok").is_some())
        .unwrap()
        .check;
    let mut mutated = Vec::new();
    for pos in 0..valid.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut m = valid.clone();
            m[pos] ^= flip;
            mutated.push(m);
        }
        mutated.push(valid[..pos].to_vec());
    }
    let checks: Vec<&[u8]> = mutated.iter().map(Vec::as_slice).collect();
    let verdicts = verify_checks(&checks, &ctx).unwrap();
    for (m, v) in mutated.iter().zip(&verdicts) {
        assert!(v.is_err(), "accepted a mutation: {}", hex::encode(m));
    }
}

fn case<'f>(file: &'f File, name: &str) -> &'f Case {
    file.cases
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no vector case {name:?}"))
}

#[test]
fn rewrapped_check_keeps_its_hash() {
    // The check hash is SHA-256 of the payload: the same check under a reissued certificate for the
    // same purse key (another unsigned header) is the same check.
    let file = load();
    let first = case(
        &file,
        "hash: P-A1 check, serial 20, under its first certificate",
    );
    let again = case(&file, "hash: the same check re-wrapped under a reissued P-A1 certificate (same key): same checkHash");
    assert_ne!(first.check, again.check);
    let verdicts = verify_checks(
        &[first.check.as_slice(), again.check.as_slice()],
        &context(&file),
    )
    .unwrap();
    let [Ok(a), Ok(b)] = verdicts.as_slice() else {
        panic!("refused: {verdicts:?}")
    };
    assert_eq!(a.check_hash, b.check_hash);
    assert_eq!(
        hex::encode(a.check_hash),
        first.expected["ok"]["checkHash"].as_str().unwrap()
    );
}

#[test]
fn revocation_is_per_issuing_bank() {
    // BANK-A's P-A-REVOKED and BANK-B's purse of the same id: an entry revokes only its bank's.
    let file = load();
    let at_a = case(
        &file,
        "revocation: BANK-A's purse P-A-REVOKED, on BANK-A's list",
    );
    let at_b = case(
        &file,
        "revocation: BANK-B's purse P-A-REVOKED is not revoked by BANK-A's entry",
    );
    let anchors: Vec<(&[u8], &[u8; 32])> = file
        .anchors
        .iter()
        .map(|(id, key)| (id.as_slice(), key))
        .collect();
    let codes = |revoked: &[&'static [u8]]| -> Vec<u16> {
        let ctx = Context::new(anchors.clone(), file.now, revoked.iter().copied());
        verify_checks(&[at_a.check.as_slice(), at_b.check.as_slice()], &ctx)
            .unwrap()
            .iter()
            .map(|v| v.as_ref().map_or_else(|e| e.code(), |_| 0))
            .collect()
    };
    assert_eq!(codes(&[b"BANK-A/P-A-REVOKED"]), vec![206, 0]);
    assert_eq!(codes(&[b"BANK-B/P-A-REVOKED"]), vec![0, 206]);
    assert_eq!(
        codes(&[b"BANK-A/P-A-REVOKED", b"BANK-B/P-A-REVOKED"]),
        vec![206, 206]
    );
    // a bare subject id, or one qualified by another issuer, revokes nothing
    assert_eq!(
        codes(&[b"P-A-REVOKED", b"BANK-C/P-A-REVOKED", b"ROOT-1/P-A-REVOKED"]),
        vec![0, 0]
    );
    // the bank certificate is revoked by its issuer, the root
    assert_eq!(codes(&[b"ROOT-1/BANK-A"]), vec![206, 0]);
}

#[test]
fn revocation_keys_split_at_their_one_slash() {
    assert_eq!(
        split_revocation_key(b"BANK-A/P-1"),
        Some((&b"BANK-A"[..], &b"P-1"[..]))
    );
    for bad in [&b""[..], b"P-1", b"/P-1", b"BANK-A/", b"A/B/C", b"/"] {
        assert_eq!(
            split_revocation_key(bad),
            None,
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn internet_checks_verify_in_the_same_batch() {
    // Internet checks (COSE_Sign, tag 98: purse then cardholder) among POS checks: each gets its
    // vector verdict; accepted ones are channel 1 with the payload's hash.
    let file = load();
    let internet: Vec<usize> = (0..file.cases.len())
        .filter(|&i| file.cases[i].check.starts_with(&[0xd8, 0x62]))
        .collect();
    assert!(internet.len() >= 10);
    let valid = case(&file, "internet: P-A1 and cardholder C-A1, channel 1");
    assert_eq!(valid.expected["ok"]["channel"], 1);
    for name in [
        "internet: purse signature by another key under the P-A1 certificate",
        "internet: cardholder signature by another key under the C-A1 certificate",
        "internet: second signature by a purse, not a cardholder",
        "internet: cardholder C-B1 from BANK-B approves a BANK-A purse",
        "internet: a COSE_Sign check for channel 0, the POS",
        "internet: a COSE_Sign with the purse signature only",
    ] {
        assert!(case(&file, name).expected.get("error").is_some(), "{name}");
    }
    let pos: Vec<usize> = (0..file.cases.len())
        .filter(|&i| !internet.contains(&i) && file.cases[i].expected.get("ok").is_some())
        .collect();
    let mut order: Vec<usize> = pos.clone();
    for (k, &i) in internet.iter().enumerate() {
        order.insert((k * 3) % (order.len() + 1), i);
    }
    assert_batch(&file, &order);
}

#[test]
fn internet_check_mutations_never_panic_and_never_accept_a_changed_check() {
    let file = load();
    let ctx = context(&file);
    let valid = &case(&file, "internet: P-A1 and cardholder C-A1, channel 1").check;
    let mut mutated = Vec::new();
    for pos in 0..valid.len() {
        for flip in [0x01u8, 0x80] {
            let mut m = valid.clone();
            m[pos] ^= flip;
            mutated.push(m);
        }
        mutated.push(valid[..pos].to_vec());
    }
    let checks: Vec<&[u8]> = mutated.iter().map(Vec::as_slice).collect();
    let verdicts = verify_checks(&checks, &ctx).unwrap();
    for (m, v) in mutated.iter().zip(&verdicts) {
        assert!(v.is_err(), "accepted a mutation: {}", hex::encode(m));
    }
}
