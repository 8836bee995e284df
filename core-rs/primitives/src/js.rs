//! What both WebAssembly surfaces (this crate's `wasm` and the check verifier's) share: a core
//! failure as the JavaScript error the TypeScript bindings turn into a typed `CoreError`.

use crate::error::CoreError;
use wasm_bindgen::JsValue;

/// A JavaScript `Error` named `CoreError`, carrying the stable numeric `code` (bindings/errors.ts).
pub fn js_error(error: CoreError) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    js.set_name("CoreError");
    // Setting a plain data property on a fresh Error object cannot fail; ignore the Result anyway
    // rather than unwrap it.
    let _ = js_sys::Reflect::set(
        &js,
        &JsValue::from_str("code"),
        &JsValue::from(error.code()),
    );
    js.into()
}
