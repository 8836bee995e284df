// The bank's keys may live in an HSM that signs but never hands its secret out; everything that
// signs takes a SecretKey, so a signature is made the same way wherever the key is kept.
import { ed25519 } from '../../bindings/index.ts';

/**
 * An Ed25519 key that signs where it is kept (an HSM token): its secret never reaches this
 * process. `sign` is synchronous, as the in-memory signature is, so every signing path is one.
 */
export interface SigningKey {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** An Ed25519 secret key: 32 bytes in memory, or a key that signs where it is kept. */
export type SecretKey = Uint8Array | SigningKey;

/** The Ed25519 signature of `message` under `key`, wherever the key is kept. */
export function signWith(key: SecretKey, message: Uint8Array): Uint8Array {
  return key instanceof Uint8Array ? ed25519.sign(message, key) : key.sign(message);
}

/** The public key of `key`: derived from the bytes, or the one the kept key carries. */
export function publicKeyOf(key: SecretKey): Uint8Array {
  return key instanceof Uint8Array ? ed25519.getPublicKey(key) : key.publicKey;
}
