//! The check verifier's JavaScript surface (wasm-bindgen): one function. Errors become the same
//! `CoreError` JavaScript errors as the primitives' ([`smartcheck_core::js::js_error`]).

use crate::{verify_packed, PackedInput};
use smartcheck_core::js::js_error;
use wasm_bindgen::prelude::*;

/// Batch verification of signed checks (WIRE.md type 4, POS and Internet), all signatures in one
/// Ed25519 batch. Checks, anchor ids and revoked ids (issuer-qualified, `issuer/subject`) are
/// packed as concatenated bytes with end offsets; anchor keys are n·32 bytes; `now` is Unix
/// seconds. Returns one record per check: code (u16 LE, 0 accepted) and, when accepted, the
/// check's fields; the layout is in `packed.rs` and `src/protocol/verifier/checks.ts` reads it.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn verify_checks(
    checks: &[u8],
    check_ends: &[u32],
    anchor_ids: &[u8],
    anchor_id_ends: &[u32],
    anchor_keys: &[u8],
    revoked: &[u8],
    revoked_ends: &[u32],
    now: f64,
) -> Result<Vec<u8>, JsValue> {
    verify_packed(&PackedInput {
        checks,
        check_ends,
        anchor_ids,
        anchor_id_ends,
        anchor_keys,
        revoked,
        revoked_ends,
        now,
    })
    .map_err(js_error)
}
