//! smartcheck crypto core: the primitives, and nothing about payments.
//!
//! Everything the payment protocols need from cryptography, behind byte-slice functions that never
//! panic on input: Ed25519 under ZIP-215 rules (one rule set for single and batch verification),
//! SHA-256/512, HKDF-SHA256, X25519 and HPKE base mode (RFC 9180, DHKEM(X25519, HKDF-SHA256),
//! HKDF-SHA256, ChaCha20-Poly1305).
//!
//! The bank's check verifier (`smartcheck-checks`, core-rs/checks) builds on this crate as an rlib
//! and is a WebAssembly module of its own, so what loads only these primitives (the wallet page,
//! the card's coprocessor) never loads payment code.
//!
//! The modules are plain Rust so that `cargo test` runs natively against the published vectors;
//! [`js`] and `wasm` (the exports, behind the `wasm-exports` feature) are the only places that
//! know about JavaScript.

mod basepoint;
pub mod ed25519;
pub mod error;
pub mod hash;
pub mod hpke;
pub mod lengths;
pub mod rng;
pub mod x25519;

// Not behind the feature: every module that links this crate (the check verifier too) frees its
// memory through it.
#[cfg(target_arch = "wasm32")]
mod wiping_alloc;

#[cfg(target_arch = "wasm32")]
pub mod js;

#[cfg(all(target_arch = "wasm32", feature = "wasm-exports"))]
pub mod wasm;

pub use error::CoreError;
