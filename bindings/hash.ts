// SHA-256, SHA-512 and HKDF-SHA256 from the core.

import { callSecret } from './call.ts';
import { bytes, integer } from './check.ts';
import { core } from './core.ts';
import { lengths } from './lengths.ts';

export function sha256(data: Uint8Array): Uint8Array {
  bytes('data', data);
  return core().sha256(data);
}

export function sha512(data: Uint8Array): Uint8Array {
  bytes('data', data);
  return core().sha512(data);
}

/** HKDF-SHA256 (RFC 5869): extract with `salt`, expand with `info` to `length` bytes (≤ 8160). */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  bytes('ikm', ikm);
  bytes('salt', salt);
  bytes('info', info);
  integer('length', length, 0, lengths.hkdfSha256OutputMax);
  return callSecret((c) => c.hkdf_sha256(ikm, salt, info, length));
}
