//! smartcheck crypto core.
//!
//! Everything the payment protocols need from cryptography, behind byte-slice functions that never
//! panic on input: Ed25519 under ZIP-215 rules (one rule set for single and batch verification),
//! SHA-256/512, HKDF-SHA256, X25519 and HPKE base mode (RFC 9180, DHKEM(X25519, HKDF-SHA256),
//! HKDF-SHA256, ChaCha20-Poly1305).
//!
//! [`checks`] builds the bank's batch verification of signed digital checks on top: strict CBOR,
//! COSE_Sign1, certificate chains, and one Ed25519 batch for all the signatures of a call.
//!
//! The modules are plain Rust so that `cargo test` runs natively against the published vectors;
//! [`wasm`] is the only place that knows about JavaScript.

pub mod checks;
pub mod ed25519;
pub mod error;
pub mod hash;
pub mod hpke;
pub mod lengths;
pub mod rng;
pub mod x25519;

#[cfg(target_arch = "wasm32")]
mod wiping_alloc;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::CoreError;
