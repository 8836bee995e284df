// SHA-256 and SHA-512 at 200 B (a check's signed body) and 1 MiB (bulk), ours against four peers.
import { createHash } from 'node:crypto';
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { createSHA256, createSHA512, type IHasher } from 'hash-wasm';
import sodium from 'libsodium-wrappers';
import { sha256, sha256Many, sha512 } from '../bindings/index.ts';
import { pseudoBytes } from './fixtures.ts';
import { measure, mustBe, type RunOptions, type SuiteResult, table } from './harness.ts';

type Hash = (data: Uint8Array) => Uint8Array;

/** hash-wasm's reusable hasher: init/update/digest on one instance, as a hot path would use it. */
function reusable(hasher: IHasher): Hash {
  return (data) => hasher.init().update(data).digest('binary');
}

export async function run(opts: RunOptions): Promise<SuiteResult> {
  await sodium.ready;
  const notes: string[] = [];
  const algorithms: Array<{ name: string; impls: Record<string, Hash | undefined> }> = [
    {
      name: 'SHA-256',
      impls: {
        ours: sha256,
        'node:crypto': (d) => createHash('sha256').update(d).digest(),
        '@noble/hashes': nobleSha256,
        'hash-wasm': reusable(await createSHA256()),
        // The standard libsodium-wrappers build exports no crypto_hash_sha256 (only the -sumo build does).
        libsodium: undefined,
      },
    },
    {
      name: 'SHA-512',
      impls: {
        ours: sha512,
        'node:crypto': (d) => createHash('sha512').update(d).digest(),
        '@noble/hashes': nobleSha512,
        'hash-wasm': reusable(await createSHA512()),
        // crypto_hash is libsodium's SHA-512 (crypto_hash_sha512 is exported by -sumo only).
        libsodium: (d) => sodium.crypto_hash(d),
      },
    },
  ];
  notes.push(
    'libsodium SHA-256: not measured; the standard libsodium-wrappers build does not export crypto_hash_sha256 (only libsodium-wrappers-sumo does). libsodium SHA-512 is crypto_hash.',
  );

  const rows: SuiteResult['rows'] = [];
  const add = table('Hash', rows);
  for (const size of [200, 1 << 20]) {
    const data = pseudoBytes(size, size);
    const label = size === 200 ? '200 B' : '1 MiB';
    for (const { name, impls } of algorithms) {
      // node:crypto is the reference digest every other implementation must match.
      const expected = Buffer.from(impls['node:crypto']!(data));
      for (const [impl, hash] of Object.entries(impls)) {
        if (!hash) continue;
        mustBe(expected.equals(Buffer.from(hash(data))), `${impl} ${name} ${label} digest`);
        add(`${name} ${label}`, impl, await measure(() => hash(data), opts));
      }
    }
  }
  // A batch's hashes: 64 inputs of 200 B in one call into the core, against a loop of single calls.
  const inputs = Array.from({ length: 64 }, (_, i) => pseudoBytes(200, 1000 + i));
  const many = sha256Many(inputs);
  inputs.forEach((input, i) => {
    mustBe(Buffer.from(many[i]!).equals(createHash('sha256').update(input).digest()), `sha256Many digest ${i}`);
  });
  const op = 'SHA-256 64 × 200 B in one call (per input)';
  add(op, 'ours', await measure(() => sha256Many(inputs), opts), 64);
  add(op, 'node:crypto', await measure(() => inputs.map((d) => createHash('sha256').update(d).digest()), opts), 64);
  return { name: 'hash', rows, notes };
}
