//! The one table for fixed-base multiplication (`[s]B`), made at run time on first use.
//!
//! Why not curve25519-dalek's own `ED25519_BASEPOINT_TABLE`: it is a static of 30,720 bytes of
//! random-looking field elements, compiled into the data segment of every module that reaches it
//! and about a third of the gzipped primitives' module (bench/results/wasm-backend.md). The same
//! table made from the base point here costs about 2 ms once per instance (per thread, per
//! WebAssembly instance) and lives in memory instead of in the download; the multiplication is
//! dalek's own, so each operation is as fast as with the static table.
//!
//! The static table stays out of the module only while nothing links a path that names it: Ed25519
//! key expansion and signing, X25519 public keys and HPKE's ephemeral and recipient keys all come
//! here, and none of them goes through `EdwardsPoint::mul_base`, `MontgomeryPoint::mul_base`,
//! `x25519_dalek::PublicKey::from(&secret)` or a crate that calls those (ed25519-zebra, hpke's
//! own X25519 KEM). `test/crypto/basepoint-table.test.ts` fails if the table comes back.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{EdwardsBasepointTable, EdwardsPoint};
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::BasepointTable;
use std::sync::OnceLock;

static TABLE: OnceLock<EdwardsBasepointTable> = OnceLock::new();

fn table() -> &'static EdwardsBasepointTable {
    TABLE.get_or_init(|| EdwardsBasepointTable::create(&ED25519_BASEPOINT_POINT))
}

/// `[scalar]B` in constant time.
pub fn mul(scalar: &Scalar) -> EdwardsPoint {
    table().mul_base(scalar)
}

/// The X25519 public key of a secret (clamped as RFC 7748 §5 says): what
/// `x25519_dalek::PublicKey::from(&StaticSecret::from(secret))` computes, over this table.
pub fn x25519(secret: [u8; 32]) -> MontgomeryPoint {
    table().mul_base_clamped(secret).to_montgomery()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_points_as_dalek_static_table() {
        for i in [0u64, 1, 2, 255, 256, 1 << 40, u64::MAX] {
            let s = Scalar::from(i) * Scalar::from(0x9e37_79b9_7f4a_7c15u64);
            assert_eq!(mul(&s), EdwardsPoint::mul_base(&s), "{i}");
            let bytes = s.to_bytes();
            assert_eq!(
                x25519(bytes),
                MontgomeryPoint::mul_base_clamped(bytes),
                "{i}"
            );
        }
    }
}
