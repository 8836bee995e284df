//! The JavaScript surface (wasm-bindgen). Thin on purpose: lengths are checked again by the core
//! modules, errors become `CoreError` JavaScript errors carrying a stable numeric `code`, secret
//! arguments are taken by value and wiped, and nothing here can panic.
//!
//! Built only with the `wasm-exports` feature (Cargo.toml says why).
//!
//! Results that hold two values (key pairs, sealed envelopes) are returned concatenated in one
//! buffer so each call crosses the boundary once; the TypeScript bindings split them.

use crate::error::CoreError;
use crate::js::js_error;
use crate::{ed25519, hash, hpke, x25519};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

fn seed_of(seed: &[u8]) -> Option<&[u8]> {
    if seed.is_empty() {
        None
    } else {
        Some(seed)
    }
}

/// Ed25519 key pair from a 32-byte seed (empty: random). Returns secretKey(32) || publicKey(32).
#[wasm_bindgen]
pub fn ed25519_keygen(seed: Vec<u8>) -> Result<Vec<u8>, JsValue> {
    let seed = Zeroizing::new(seed);
    let pair = ed25519::keygen(seed_of(&seed)).map_err(js_error)?;
    Ok([pair.secret_key.as_slice(), pair.public_key.as_slice()].concat())
}

/// Ed25519 public key of a secret key.
#[wasm_bindgen]
pub fn ed25519_public_key(secret_key: Vec<u8>) -> Result<Vec<u8>, JsValue> {
    let secret_key = Zeroizing::new(secret_key);
    ed25519::public_key(&secret_key)
        .map(|pk| pk.to_vec())
        .map_err(js_error)
}

/// Ed25519 signature of `message`.
#[wasm_bindgen]
pub fn ed25519_sign(message: &[u8], secret_key: Vec<u8>) -> Result<Vec<u8>, JsValue> {
    let secret_key = Zeroizing::new(secret_key);
    ed25519::sign(message, &secret_key)
        .map(|s| s.to_vec())
        .map_err(js_error)
}

/// An Ed25519 signing key held inside the core: expanded once from its seed, so each signature
/// costs one base-point multiplication; wiped when freed (`free()` from JavaScript, or when the
/// JavaScript object is collected). Its public key is derived from the seed, never supplied.
#[wasm_bindgen]
pub struct Ed25519SigningKey(ed25519::SigningKey);

#[wasm_bindgen]
impl Ed25519SigningKey {
    /// Expands a 32-byte seed.
    #[wasm_bindgen(constructor)]
    pub fn new(secret_key: Vec<u8>) -> Result<Ed25519SigningKey, JsValue> {
        let secret_key = Zeroizing::new(secret_key);
        ed25519::SigningKey::from_seed(&secret_key)
            .map(Ed25519SigningKey)
            .map_err(js_error)
    }

    /// The 32-byte public key.
    #[wasm_bindgen(js_name = publicKey)]
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key().to_vec()
    }

    /// The 64-byte signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.0.sign(message).to_vec()
    }
}

/// ZIP-215 verification of one signature; false for any malformed input.
#[wasm_bindgen]
pub fn ed25519_verify(signature: &[u8], message: &[u8], public_key: &[u8]) -> bool {
    ed25519::verify(signature, message, public_key)
}

/// Batch verification over packed arrays: all messages concatenated with `message_ends[i]` the end
/// offset of message i, signatures as n·64 bytes, public keys as n·32 bytes. Returns the indices of
/// the invalid items (empty when all are valid).
#[wasm_bindgen]
pub fn ed25519_verify_batch(
    messages: &[u8],
    message_ends: &[u32],
    signatures: &[u8],
    public_keys: &[u8],
) -> Result<Vec<u32>, JsValue> {
    let items = unpack_batch(messages, message_ends, signatures, public_keys).map_err(js_error)?;
    ed25519::verify_batch(&items).map_err(js_error)
}

fn unpack_batch<'a>(
    messages: &'a [u8],
    message_ends: &[u32],
    signatures: &'a [u8],
    public_keys: &'a [u8],
) -> Result<Vec<ed25519::BatchItem<'a>>, CoreError> {
    let n = message_ends.len();
    if signatures.len() != n * 64 || public_keys.len() != n * 32 {
        return Err(CoreError::Layout(
            "signatures and public keys must be 64 and 32 bytes per item",
        ));
    }
    let mut items = Vec::with_capacity(n);
    let mut start = 0usize;
    for ((end, signature), public_key) in message_ends
        .iter()
        .zip(signatures.chunks_exact(64))
        .zip(public_keys.chunks_exact(32))
    {
        let end = *end as usize;
        let message = messages
            .get(start..end)
            .ok_or(CoreError::Layout("message offsets"))?;
        items.push(ed25519::BatchItem {
            message,
            signature,
            public_key,
        });
        start = end;
    }
    if start != messages.len() {
        return Err(CoreError::Layout("message offsets do not cover the buffer"));
    }
    Ok(items)
}

/// SHA-256.
#[wasm_bindgen]
pub fn sha256(data: &[u8]) -> Vec<u8> {
    hash::sha256(data).to_vec()
}

/// SHA-256 of many inputs packed back to back (`ends[i]`: the end offset of input i): the digests
/// concatenated, 32 bytes each.
#[wasm_bindgen]
pub fn sha256_many(data: &[u8], ends: &[u32]) -> Result<Vec<u8>, JsValue> {
    hash::sha256_many(data, ends).map_err(js_error)
}

/// SHA-512.
#[wasm_bindgen]
pub fn sha512(data: &[u8]) -> Vec<u8> {
    hash::sha512(data).to_vec()
}

/// HKDF-SHA256 (RFC 5869) to `length` bytes.
#[wasm_bindgen]
pub fn hkdf_sha256(
    ikm: Vec<u8>,
    salt: &[u8],
    info: &[u8],
    length: u32,
) -> Result<Vec<u8>, JsValue> {
    let ikm = Zeroizing::new(ikm);
    hash::hkdf_sha256(&ikm, salt, info, length as usize).map_err(js_error)
}

/// X25519 key pair from a 32-byte seed (empty: random). Returns secretKey(32) || publicKey(32).
#[wasm_bindgen]
pub fn x25519_keygen(seed: Vec<u8>) -> Result<Vec<u8>, JsValue> {
    let seed = Zeroizing::new(seed);
    let pair = x25519::keygen(seed_of(&seed)).map_err(js_error)?;
    Ok([pair.secret_key.as_slice(), pair.public_key.as_slice()].concat())
}

/// X25519 public key of a secret key.
#[wasm_bindgen]
pub fn x25519_public_key(secret_key: Vec<u8>) -> Result<Vec<u8>, JsValue> {
    let secret_key = Zeroizing::new(secret_key);
    x25519::public_key(&secret_key)
        .map(|pk| pk.to_vec())
        .map_err(js_error)
}

/// X25519 shared secret; fails on an all-zero result.
#[wasm_bindgen]
pub fn x25519_shared_secret(secret_key: Vec<u8>, public_key: &[u8]) -> Result<Vec<u8>, JsValue> {
    let secret_key = Zeroizing::new(secret_key);
    x25519::shared_secret(&secret_key, public_key)
        .map(|s| s.to_vec())
        .map_err(js_error)
}

/// HPKE base-mode seal. Returns enc(32) || ciphertext.
#[wasm_bindgen]
pub fn hpke_seal(
    recipient_public_key: &[u8],
    plaintext: &[u8],
    info: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, JsValue> {
    let sealed = hpke::seal(recipient_public_key, plaintext, info, aad).map_err(js_error)?;
    Ok([sealed.enc.as_slice(), sealed.ciphertext.as_slice()].concat())
}

/// HPKE base-mode open; one opaque error on any failure.
#[wasm_bindgen]
pub fn hpke_open(
    recipient_secret_key: Vec<u8>,
    enc: &[u8],
    ciphertext: &[u8],
    info: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, JsValue> {
    let secret_key = Zeroizing::new(recipient_secret_key);
    hpke::open(&secret_key, enc, ciphertext, info, aad).map_err(js_error)
}

/// Size of the stack region [`wipe_stack`] overwrites: far more than the deepest secret-handling
/// call uses (the secrets seen on the stack sat within 1 KiB of its top).
const STACK_WIPE_BYTES: usize = 32 * 1024;

/// Overwrites the top of the (now unused) shadow stack with zeros. The bindings call it after every
/// call that handled a secret: once that call has returned, all its frames are dead but still hold
/// copies of keys (dalek copies scalars into locals); this frame's buffer lies exactly over them.
#[wasm_bindgen]
pub fn wipe_stack() {
    let scratch = [0u8; STACK_WIPE_BYTES];
    // black_box makes the zeroed buffer observable, so the memset cannot be optimised away.
    core::hint::black_box(&scratch);
}
