// SHA-256, SHA-512 and HKDF-SHA256 from the core.

import { call, callSecret } from './call.ts';
import { bytes, integer } from './check.ts';
import { core } from './core.ts';
import { lengths } from './lengths.ts';

export function sha256(data: Uint8Array): Uint8Array {
  bytes('data', data);
  return core().sha256(data);
}

/**
 * SHA-256 of each input, in one call into the core (one copy in, one out) instead of one call per
 * input: for a batch's many small hashes, where the per-call cost is most of the time.
 */
export function sha256Many(inputs: readonly Uint8Array[]): Uint8Array[] {
  if (!Array.isArray(inputs)) throw new TypeError(`inputs: expected an array, got ${typeof inputs}`);
  let total = 0;
  inputs.forEach((input, i) => {
    total += bytes(`inputs[${i}]`, input).length;
  });
  const data = new Uint8Array(total);
  const ends = new Uint32Array(inputs.length);
  let end = 0;
  inputs.forEach((input, i) => {
    data.set(input, end);
    end += input.length;
    ends[i] = end;
  });
  const digests = call((c) => c.sha256_many(data, ends));
  return inputs.map((_, i) => digests.subarray(i * lengths.sha256, (i + 1) * lengths.sha256));
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
