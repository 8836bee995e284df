//! The check verifier's JavaScript surface (wasm-bindgen): a revoked set built once and kept, and
//! the batch verification against it. Errors become the same `CoreError` JavaScript errors as the
//! primitives' ([`smartcheck_core::js::js_error`]).

use crate::{verify_packed_with, PackedBatch, Revoked};
use smartcheck_core::js::js_error;
use wasm_bindgen::prelude::*;

/// Revoked certificates (issuer-qualified ids `issuer/subject`, packed as concatenated bytes with
/// end offsets), checked and sorted once: a bank's worker keeps one per revocation-list version.
#[wasm_bindgen]
pub struct RevocationSet(Revoked);

#[wasm_bindgen]
impl RevocationSet {
    #[wasm_bindgen(constructor)]
    pub fn new(revoked: &[u8], revoked_ends: &[u32]) -> Result<RevocationSet, JsValue> {
        Revoked::from_packed(revoked, revoked_ends)
            .map(RevocationSet)
            .map_err(js_error)
    }

    /// Number of distinct revoked certificates.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.0.len()
    }
}

/// Batch verification of signed checks (WIRE.md type 4, POS and Internet), all signatures in one
/// Ed25519 batch, against `revoked`. Checks and anchor ids are packed as concatenated bytes with
/// end offsets; anchor keys are n·32 bytes; `now` is Unix seconds. Returns one record per check:
/// code (u16 LE, 0 accepted) and, when accepted, the check's fields; the layout is in `packed.rs`
/// and `src/protocol/verifier/checks.ts` reads it.
#[wasm_bindgen]
pub fn verify_checks(
    checks: &[u8],
    check_ends: &[u32],
    anchor_ids: &[u8],
    anchor_id_ends: &[u32],
    anchor_keys: &[u8],
    revoked: &RevocationSet,
    now: f64,
) -> Result<Vec<u8>, JsValue> {
    verify_packed_with(
        &PackedBatch {
            checks,
            check_ends,
            anchor_ids,
            anchor_id_ends,
            anchor_keys,
            now,
        },
        &revoked.0,
    )
    .map_err(js_error)
}
