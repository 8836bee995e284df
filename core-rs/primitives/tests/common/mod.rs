//! Reads the shared vector files in `test/vectors/` (the same files the TypeScript tests read).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::PathBuf;

pub fn vectors(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("vector file is JSON")
}

pub fn hex(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().expect("hex string")).expect("valid hex")
}

/// Every Wycheproof test with its group, as (group, test) pairs.
pub fn wycheproof(name: &str) -> Vec<(Value, Value)> {
    let file = vectors(name);
    let mut out = Vec::new();
    for group in file["testGroups"].as_array().expect("testGroups") {
        for test in group["tests"].as_array().expect("tests") {
            out.push((group.clone(), test.clone()));
        }
    }
    assert_eq!(
        out.len() as u64,
        file["numberOfTests"].as_u64().expect("numberOfTests")
    );
    out
}
