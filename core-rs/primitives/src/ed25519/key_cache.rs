//! Decompressed public keys, kept per thread (per WebAssembly instance: one per pool worker).
//!
//! Why: decompressing a public key costs a field square root, about a quarter of a verification,
//! and the bank sees the same purse, merchant and bank keys again and again. Decompression is a
//! pure function of the 32 bytes, so a cached point is exactly what decompressing again would give:
//! the ZIP-215 rules (non-canonical encodings accepted) are those of `CompressedEdwardsY::decompress`
//! either way. Bytes that are not a point are not cached (they are rare and cheap to refuse again).

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

/// At most this many keys per thread: about 1 MiB of WebAssembly memory (a point is 160 bytes on
/// the 32-bit backend, plus its key and the map's overhead). The oldest key leaves first.
const CAPACITY: usize = 4096;

#[derive(Default)]
struct KeyCache {
    points: HashMap<[u8; 32], EdwardsPoint>,
    order: VecDeque<[u8; 32]>,
}

thread_local! {
    static KEYS: RefCell<KeyCache> = RefCell::new(KeyCache::default());
}

/// The point of `bytes` (ZIP-215 decoding), from the cache or decompressed and remembered.
pub fn point(bytes: &[u8; 32]) -> Option<EdwardsPoint> {
    KEYS.with(|cell| {
        let mut cache = cell.borrow_mut();
        if let Some(point) = cache.points.get(bytes) {
            return Some(*point);
        }
        let point = CompressedEdwardsY(*bytes).decompress()?;
        if cache.order.len() >= CAPACITY {
            if let Some(oldest) = cache.order.pop_front() {
                cache.points.remove(&oldest);
            }
        }
        cache.points.insert(*bytes, point);
        cache.order.push_back(*bytes);
        Some(point)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
    use curve25519_dalek::scalar::Scalar;

    #[test]
    fn bounded_and_still_right_after_eviction() {
        let keys: Vec<[u8; 32]> = (1..=CAPACITY as u64 + 10)
            .map(|i| (ED25519_BASEPOINT_POINT * Scalar::from(i)).compress().0)
            .collect();
        for key in &keys {
            assert_eq!(point(key).unwrap().compress().0, *key);
        }
        KEYS.with(|c| assert_eq!(c.borrow().points.len(), CAPACITY));
        // The first keys were evicted: decompressed again, the same points.
        assert_eq!(point(&keys[0]).unwrap().compress().0, keys[0]);
        // Not a point (y = 2 has no x on the curve): refused, never cached.
        let mut bad = [0u8; 32];
        bad[0] = 2;
        assert!(point(&bad).is_none());
        KEYS.with(|c| assert!(!c.borrow().points.contains_key(&bad)));
    }
}
