//! Fuzz targets for the core's input parsers, shared by the libFuzzer binaries
//! (`fuzz_targets/*.rs`, `cargo +nightly fuzz run <target>`) and the stable driver
//! (`src/bin/stable.rs`, a seeded mutator on the same functions where libFuzzer cannot build).
//!
//! The parsers behind [`smartcheck_checks`] (strict CBOR, COSE_Sign1 / COSE_Sign, CWT
//! certificates, chains, the check body) are crate-private; every target reaches them through the
//! public entry points the WebAssembly exports wrap. Each target panics (a crash for the fuzzer)
//! when a property fails, not only when the core panics:
//! - `verify_one`: one check; a verdict is a registered code, or an acceptance of a genuine check
//!   (its payload hash is one of the vectors' accepted checks): a changed check never verifies.
//! - `verify_batch`: up to 8 checks in one call; each verdict equals the verdict on that check alone
//!   (the batch and its bisection charge a bad signature to exactly the checks that carry it).
//! - `verify_packed`: the packed layout (offsets, anchors, revocation ids, `now`) from raw bytes:
//!   a verdict table, or `CoreError::Layout`, never anything else.
//! - `hpke_open`: an envelope (enc ‖ ciphertext) to a fixed key or to a key taken from the input:
//!   the plaintext (16 bytes shorter than the ciphertext) or `Decrypt` / `InvalidKey`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use smartcheck_checks::{
    verify_checks, verify_packed as core_verify_packed, Context, ErrorCode, PackedInput, Verdict,
};
use smartcheck_core::{hpke, CoreError};
use std::collections::HashSet;
use std::sync::OnceLock;

/// A code of src/protocol/errors.ts (the core's `ErrorCode` is generated from it).
fn registered(code: u16) -> bool {
    ErrorCode::ALL.iter().any(|c| c.code() == code)
}

/// The shared protocol vectors (test/vectors/protocol/checks.json): trust context and seeds.
pub struct Vectors {
    anchors: Vec<(Vec<u8>, [u8; 32])>,
    now: u64,
    revoked: Vec<Vec<u8>>,
    /// Every case's check bytes, good and bad.
    pub checks: Vec<Vec<u8>>,
    /// Payload hashes of the accepted cases.
    genuine: HashSet<[u8; 32]>,
}

const VECTORS_JSON: &str = include_str!("../../../test/vectors/protocol/checks.json");

pub fn vectors() -> &'static Vectors {
    static VECTORS: OnceLock<Vectors> = OnceLock::new();
    VECTORS.get_or_init(|| {
        let file: Value = serde_json::from_str(VECTORS_JSON).expect("checks.json is JSON");
        let hex = |v: &Value| hex::decode(v.as_str().expect("hex string")).expect("hex");
        let anchors = file["anchors"]
            .as_array()
            .expect("anchors")
            .iter()
            .map(|a| {
                (
                    a["id"].as_str().expect("id").as_bytes().to_vec(),
                    hex(&a["publicKey"]).try_into().expect("32-byte key"),
                )
            })
            .collect();
        let revoked = file["revoked"]
            .as_array()
            .expect("revoked")
            .iter()
            .map(|r| r.as_str().expect("id").as_bytes().to_vec())
            .collect();
        let cases = file["cases"].as_array().expect("cases");
        let checks = cases.iter().map(|c| hex(&c["check"])).collect();
        let genuine = cases
            .iter()
            .filter_map(|c| c["expected"].get("ok"))
            .map(|ok| hex(&ok["checkHash"]).try_into().expect("32-byte hash"))
            .collect();
        Vectors {
            anchors,
            now: file["now"].as_u64().expect("now"),
            revoked,
            checks,
            genuine,
        }
    })
}

fn context(v: &Vectors) -> Context<'_> {
    Context::new(
        v.anchors
            .iter()
            .map(|(id, key)| (id.as_slice(), key))
            .collect(),
        v.now,
        v.revoked.iter().map(Vec::as_slice),
    )
}

fn judge(verdict: &Verdict<'_>, check: &[u8]) -> Option<u16> {
    match verdict {
        Err(code) => {
            assert!(
                registered(code.code()),
                "unregistered code {} for {}",
                code.code(),
                hex::encode(check)
            );
            Some(code.code())
        }
        Ok(fields) => {
            assert!(
                vectors().genuine.contains(&fields.check_hash),
                "accepted a changed check: {}",
                hex::encode(check)
            );
            None
        }
    }
}

/// Target `verify_one`: one check in one call.
pub fn verify_one(data: &[u8]) {
    let v = vectors();
    let verdicts = verify_checks(&[data], &context(v)).expect("one check is never a layout error");
    assert_eq!(verdicts.len(), 1);
    judge(&verdicts[0], data);
}

/// Splits `data` into up to 8 items, each a little-endian u16 length then that many bytes (the
/// last item takes what is left when the length runs past the end).
pub fn split_items(data: &[u8]) -> Vec<&[u8]> {
    let mut items = Vec::new();
    let mut rest = data;
    while !rest.is_empty() && items.len() < 8 {
        if rest.len() < 2 {
            items.push(rest);
            break;
        }
        let n = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        let body = &rest[2..];
        let take = n.min(body.len());
        items.push(&body[..take]);
        rest = &body[take..];
    }
    items
}

/// The inverse of [`split_items`], for seeds.
pub fn join_items(items: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        out.extend_from_slice(&(item.len() as u16).to_le_bytes());
        out.extend_from_slice(item);
    }
    out
}

/// Target `verify_batch`: several checks in one call, each verdict as if alone.
pub fn verify_batch(data: &[u8]) {
    let v = vectors();
    let ctx = context(v);
    let items = split_items(data);
    let together = verify_checks(&items, &ctx).expect("no layout error");
    assert_eq!(together.len(), items.len());
    for (item, verdict) in items.iter().zip(&together) {
        judge(verdict, item);
        let alone = verify_checks(&[item], &ctx).expect("no layout error");
        assert_eq!(
            &alone[0],
            verdict,
            "batch verdict differs from the single one for {}",
            hex::encode(item)
        );
    }
}

/// Target `verify_packed`: the packed layout from raw bytes. Header: 1 byte check count (≤ 8),
/// 1 byte anchor count (≤ 4), 1 byte revoked count (≤ 4), 8 bytes `now` (f64 LE); then one u16 LE
/// end offset per item of each table; then the data, cut into checks, anchor ids, anchor keys
/// (32 per anchor when it fits) and revoked ids by three more u16 lengths.
pub fn verify_packed(data: &[u8]) {
    let mut r = Reader(data);
    let (nc, na, nr) = (
        r.byte() as usize % 9,
        r.byte() as usize % 5,
        r.byte() as usize % 5,
    );
    let now = f64::from_le_bytes(r.array::<8>());
    let mut ends = |n: usize| (0..n).map(|_| u32::from(r.u16())).collect::<Vec<u32>>();
    let (check_ends, anchor_id_ends, revoked_ends) = (ends(nc), ends(na), ends(nr));
    let checks_len = r.u16() as usize;
    let ids_len = r.u16() as usize;
    let keys_len = r.u16() as usize;
    let checks = r.take(checks_len);
    let anchor_ids = r.take(ids_len);
    let anchor_keys = r.take(keys_len);
    let revoked = r.rest();
    let input = PackedInput {
        checks,
        check_ends: &check_ends,
        anchor_ids,
        anchor_id_ends: &anchor_id_ends,
        anchor_keys,
        revoked,
        revoked_ends: &revoked_ends,
        now,
    };
    match core_verify_packed(&input) {
        Ok(out) => check_records(&out, nc),
        Err(CoreError::Layout(_)) => {}
        Err(other) => panic!("verify_packed: {other:?} is not a layout error"),
    }
}

/// The verdict records cover the output exactly (the layout bindings/checks.ts reads).
fn check_records(out: &[u8], count: usize) {
    let mut pos = 0usize;
    for _ in 0..count {
        let code = u16::from_le_bytes([out[pos], out[pos + 1]]);
        pos += 2;
        if code != 0 {
            assert!(registered(code), "unregistered code {code}");
            continue;
        }
        pos += 8 + 8 + 1 + 3 + 32 + 32;
        for _ in 0..2 {
            let n = out[pos] as usize;
            assert!(
                (1..=64).contains(&n) && out[pos + 1..pos + 1 + n].is_ascii(),
                "bad identifier in the record"
            );
            pos += 1 + n;
        }
    }
    assert_eq!(pos, out.len(), "records do not cover the output");
}

struct Reader<'a>(&'a [u8]);
impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        head
    }
    fn byte(&mut self) -> u8 {
        self.take(1).first().copied().unwrap_or(0)
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }
    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        out.iter_mut().for_each(|b| *b = self.byte());
        out
    }
    fn rest(&mut self) -> &'a [u8] {
        self.take(self.0.len())
    }
}

/// The fixed recipient of `hpke_open` and the `info` of the deposit step.
pub const HPKE_SECRET: [u8; 32] = [0x42; 32];
pub const HPKE_INFO: &[u8] = b"smartcheck/1/deposit-batch";

/// Target `hpke_open`: first byte even: enc (32) ‖ ciphertext to [`HPKE_SECRET`]; odd: a secret
/// key (32) from the input, then enc ‖ ciphertext.
pub fn hpke_open(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (secret, rest) = if mode & 1 == 1 && rest.len() >= 32 {
        rest.split_at(32)
    } else {
        (&HPKE_SECRET[..], rest)
    };
    let (enc, ciphertext) = rest.split_at(rest.len().min(32));
    match hpke::open(secret, enc, ciphertext, HPKE_INFO, &[]) {
        Ok(plain) => assert_eq!(plain.len() + 16, ciphertext.len(), "plaintext length"),
        Err(CoreError::Decrypt | CoreError::InvalidKey) => {}
        Err(other) => panic!("hpke open: {other:?}"),
    }
}

/// Valid inputs for each target: the mutators' starting points.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let v = vectors();
    match target {
        "verify_one" => v.checks.clone(),
        "verify_batch" => v
            .checks
            .chunks(3)
            .map(|c| join_items(&c.iter().map(Vec::as_slice).collect::<Vec<_>>()))
            .collect(),
        "verify_packed" => v.checks.iter().take(8).map(|c| packed_seed(v, c)).collect(),
        "hpke_open" => {
            let pk = smartcheck_core::x25519::public_key(&HPKE_SECRET).expect("public key");
            [&b""[..], b"x", &[7u8; 100]]
                .iter()
                .map(|plain| {
                    let sealed = hpke::seal(&pk, plain, HPKE_INFO, &[]).expect("seal");
                    [&[0u8][..], &sealed.enc, &sealed.ciphertext].concat()
                })
                .collect()
        }
        other => panic!("no target {other}"),
    }
}

/// One check with the vectors' anchors and revocations in the `verify_packed` layout.
fn packed_seed(v: &Vectors, check: &[u8]) -> Vec<u8> {
    let anchors = &v.anchors[..v.anchors.len().min(4)];
    let revoked = &v.revoked[..v.revoked.len().min(4)];
    let mut out = vec![1, anchors.len() as u8, revoked.len() as u8];
    out.extend_from_slice(&(v.now as f64).to_le_bytes());
    let ends = |items: &mut dyn Iterator<Item = usize>, out: &mut Vec<u8>| {
        let mut end = 0usize;
        for n in items {
            end += n;
            out.extend_from_slice(&(end as u16).to_le_bytes());
        }
    };
    ends(&mut std::iter::once(check.len()), &mut out);
    ends(&mut anchors.iter().map(|a| a.0.len()), &mut out);
    ends(&mut revoked.iter().map(Vec::len), &mut out);
    let ids: Vec<u8> = anchors.iter().flat_map(|a| a.0.clone()).collect();
    let keys: Vec<u8> = anchors.iter().flat_map(|a| a.1).collect();
    for n in [check.len(), ids.len(), keys.len()] {
        out.extend_from_slice(&(n as u16).to_le_bytes());
    }
    out.extend_from_slice(check);
    out.extend_from_slice(&ids);
    out.extend_from_slice(&keys);
    revoked.iter().for_each(|r| out.extend_from_slice(r));
    out
}

/// A fuzz target: its name and the function that runs one input.
pub type Target = (&'static str, fn(&[u8]));

/// The targets by name.
pub const TARGETS: &[Target] = &[
    ("verify_one", verify_one),
    ("verify_batch", verify_batch),
    ("verify_packed", verify_packed),
    ("hpke_open", hpke_open),
];
