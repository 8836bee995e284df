//! The revoked certificates, as (issuer, subject) pairs sorted once: a bank builds the set when its
//! revocation list changes and keeps it across batches (a wasm `RevocationSet` per worker, keyed by
//! the list's version), instead of rebuilding it from 10^4 ids for every batch.

use super::split_revocation_key;
use smartcheck_core::error::CoreError;

/// One revoked certificate: (issuer, subject).
type Pair = (Box<[u8]>, Box<[u8]>);

/// A set of revoked certificates, each qualified by its issuer (`issuer/subject`).
#[derive(Clone, Debug, Default)]
pub struct Revoked {
    /// Sorted, without duplicates: looked up by binary search with borrowed slices.
    pairs: Vec<Pair>,
}

impl Revoked {
    /// The set of the well-formed keys among `keys`; an entry without exactly one '/' (see
    /// [`split_revocation_key`]) matches no certificate and is left out.
    pub fn new<'k>(keys: impl IntoIterator<Item = &'k [u8]>) -> Self {
        let mut pairs: Vec<Pair> = keys
            .into_iter()
            .filter_map(split_revocation_key)
            .map(|(issuer, subject)| (issuer.into(), subject.into()))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        Revoked { pairs }
    }

    /// The set of the packed keys (concatenated, `ends[i]` the end of key i); a malformed key is a
    /// layout error here, since a bare subject id would silently revoke nothing.
    pub fn from_packed(keys: &[u8], ends: &[u32]) -> Result<Self, CoreError> {
        let keys = super::packed::split(keys, ends, "revoked id offsets")?;
        if !keys.iter().all(|key| split_revocation_key(key).is_some()) {
            return Err(CoreError::Layout("revoked entries must be issuer/subject"));
        }
        Ok(Revoked::new(keys))
    }

    /// Number of distinct revoked certificates.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when nothing is revoked.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// True when `issuer` revoked `subject`.
    pub fn contains(&self, issuer: &[u8], subject: &[u8]) -> bool {
        self.pairs
            .binary_search_by(|(i, s)| (&**i, &**s).cmp(&(issuer, subject)))
            .is_ok()
    }
}
