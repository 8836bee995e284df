//! Randomness. All of it comes from the platform CSPRNG (`getrandom`: the OS natively,
//! `crypto.getRandomValues` in WebAssembly). Batch verification draws many 128-bit coefficients, so
//! it seeds one ChaCha20 stream per batch instead of crossing into JavaScript per coefficient.

use crate::error::CoreError;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zeroize::Zeroizing;

/// Fills a fresh 32-byte secret from the platform CSPRNG.
pub fn secret32() -> Result<Zeroizing<[u8; 32]>, CoreError> {
    let mut out = Zeroizing::new([0u8; 32]);
    getrandom::getrandom(out.as_mut()).map_err(|_| CoreError::Random)?;
    Ok(out)
}

/// A ChaCha20 generator seeded from the platform CSPRNG.
pub fn stream() -> Result<ChaCha20Rng, CoreError> {
    Ok(ChaCha20Rng::from_seed(*secret32()?))
}

/// The caller's 32-byte seed, or a fresh one from the platform CSPRNG when `None` (key generation).
pub fn seed_or_random(seed: Option<&[u8]>) -> Result<Zeroizing<[u8; 32]>, CoreError> {
    match seed {
        Some(s) => Ok(Zeroizing::new(*crate::error::fixed::<32>("seed", s)?)),
        None => secret32(),
    }
}
