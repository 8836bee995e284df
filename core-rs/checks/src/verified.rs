//! Certificate signatures already verified, kept per thread (per WebAssembly instance: one per
//! pool worker).
//!
//! Why: a bank's batches carry the certificates of the same purses, merchants and banks again and
//! again, and a pool cuts each batch into one chunk per worker, so that every worker verified every
//! certificate of the batch in every chunk: with 1,000 checks from 200 purses, two workers made 1,402
//! signature checks where one made 1,201, and a pool of 2 was only 1.4× one.
//!
//! What is kept is the SHA-256 of the issuer's public key followed by the certificate's complete
//! bytes (protected header, payload and signature: everything its signature check reads), and only
//! after a batch found that signature good. A hit is therefore what verifying again would give: the
//! same bytes under the same key. Nothing else is cached: validity dates, roles, the issuer match
//! and revocation are walked on every check (`chain.rs`).

use smartcheck_core::hash::sha256;
use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};

/// At most this many certificates per thread (about 200 KiB with the map's overhead); the oldest
/// leaves first.
const CAPACITY: usize = 4096;

/// What identifies one certificate signature check.
pub(crate) type Digest = [u8; 32];

#[derive(Default)]
struct Verified {
    digests: HashSet<Digest>,
    order: VecDeque<Digest>,
}

thread_local! {
    static VERIFIED: RefCell<Verified> = RefCell::new(Verified::default());
}

/// The digest of `certificate` (its complete bytes) signed by `issuer_key`.
pub(crate) fn digest(certificate: &[u8], issuer_key: &[u8; 32]) -> Digest {
    let mut input = Vec::with_capacity(32 + certificate.len());
    input.extend_from_slice(issuer_key);
    input.extend_from_slice(certificate);
    sha256(&input)
}

/// Whether this signature check was found good before on this thread.
pub(crate) fn known_good(digest: &Digest) -> bool {
    VERIFIED.with(|cell| cell.borrow().digests.contains(digest))
}

/// Remembers a signature check the batch found good.
pub(crate) fn remember(digest: Digest) {
    VERIFIED.with(|cell| {
        let mut verified = cell.borrow_mut();
        if !verified.digests.insert(digest) {
            return;
        }
        verified.order.push_back(digest);
        if verified.order.len() > CAPACITY {
            if let Some(oldest) = verified.order.pop_front() {
                verified.digests.remove(&oldest);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_keyed_by_issuer_key_and_bytes() {
        let key = [7u8; 32];
        let first = digest(b"certificate 0", &key);
        remember(first);
        assert!(known_good(&first));
        // The same bytes under another key, or other bytes under the same key: not known.
        assert!(!known_good(&digest(b"certificate 0", &[8u8; 32])));
        assert!(!known_good(&digest(b"certificate 1", &key)));
        for i in 1..=CAPACITY {
            remember(digest(format!("certificate {i}").as_bytes(), &key));
        }
        VERIFIED.with(|c| assert_eq!(c.borrow().digests.len(), CAPACITY));
        // The oldest left first.
        assert!(!known_good(&first));
        assert!(known_good(&digest(
            format!("certificate {CAPACITY}").as_bytes(),
            &key
        )));
    }
}
