// X25519 key agreement from the core; an all-zero shared secret (small-order peer key) is refused.

import { callSecret } from './call.ts';
import { bytes, optionalBytes, split } from './check.ts';
import type { KeyPair } from './ed25519.ts';
import { lengths } from './lengths.ts';

export function keygen(seed?: Uint8Array): KeyPair {
  const s = optionalBytes('seed', seed, lengths.seed) ?? new Uint8Array(0);
  const [secretKey, publicKey] = split(
    callSecret((c) => c.x25519_keygen(s)),
    lengths.x25519SecretKey,
  );
  return { secretKey, publicKey };
}

export function getPublicKey(secretKey: Uint8Array): Uint8Array {
  bytes('secretKey', secretKey, lengths.x25519SecretKey);
  return callSecret((c) => c.x25519_public_key(secretKey));
}

/** Shared secret; throws CoreError(InvalidKey) when the peer key yields all zeros. */
export function sharedSecret(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  bytes('secretKey', secretKey, lengths.x25519SecretKey);
  bytes('publicKey', publicKey, lengths.x25519PublicKey);
  return callSecret((c) => c.x25519_shared_secret(secretKey, publicKey));
}
