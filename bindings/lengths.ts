/** Fixed sizes in bytes; the same table as core-rs/primitives/src/lengths.rs. */
export const lengths = Object.freeze({
  ed25519SecretKey: 32,
  ed25519PublicKey: 32,
  ed25519Signature: 64,
  x25519SecretKey: 32,
  x25519PublicKey: 32,
  x25519SharedSecret: 32,
  seed: 32,
  sha256: 32,
  sha512: 64,
  hkdfSha256OutputMax: 255 * 32,
  hpkeEnc: 32,
  hpkeTag: 16,
});
