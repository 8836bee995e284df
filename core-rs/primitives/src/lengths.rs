//! Fixed sizes, in bytes, of everything that crosses the API. One table, so the bindings can
//! check argument lengths against the same numbers the core uses.

/// Ed25519 secret key (the 32-byte seed of RFC 8032).
pub const ED25519_SECRET_KEY: usize = 32;
/// Ed25519 public key (compressed Edwards point).
pub const ED25519_PUBLIC_KEY: usize = 32;
/// Ed25519 signature (R || S).
pub const ED25519_SIGNATURE: usize = 64;
/// X25519 secret scalar.
pub const X25519_SECRET_KEY: usize = 32;
/// X25519 public key (Montgomery u-coordinate).
pub const X25519_PUBLIC_KEY: usize = 32;
/// X25519 shared secret.
pub const X25519_SHARED_SECRET: usize = 32;
/// Seed accepted by the key generators.
pub const SEED: usize = 32;
/// SHA-256 digest.
pub const SHA256_DIGEST: usize = 32;
/// SHA-512 digest.
pub const SHA512_DIGEST: usize = 64;
/// Largest HKDF-SHA256 output (255 blocks of 32 bytes, RFC 5869 §2.3).
pub const HKDF_SHA256_OUTPUT_MAX: usize = 255 * 32;
/// HPKE encapsulated key for DHKEM(X25519, HKDF-SHA256).
pub const HPKE_ENC: usize = 32;
/// ChaCha20-Poly1305 tag appended to every HPKE ciphertext.
pub const HPKE_TAG: usize = 16;
