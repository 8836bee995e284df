import crypto from 'node:crypto';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { hkdf, lengths, sha256, sha256Many, sha512 } from '../../bindings/index.ts';
import { prng, toHex } from '../support/vectors.ts';

const node = (algorithm: string, data: Uint8Array) => crypto.createHash(algorithm).update(data).digest('hex');

describe('SHA-256 and SHA-512', () => {
  it('known answers (FIPS 180-4 examples "abc" and empty)', () => {
    const abc = new TextEncoder().encode('abc');
    expect(toHex(sha256(abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha512(new Uint8Array(0)))).toBe(
      'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    );
  });

  it('agree with node:crypto and @noble/hashes on random inputs of every size up to 300 and a few large ones', () => {
    const rand = prng(1);
    const sizes = [...Array.from({ length: 301 }, (_, i) => i), 4096, 65_537, 1 << 20];
    for (const size of sizes) {
      const data = rand.bytes(size);
      expect(toHex(sha256(data)), `size ${size}`).toBe(node('sha256', data));
      expect(toHex(sha256(data))).toBe(toHex(nobleSha256(data)));
      expect(toHex(sha512(data)), `size ${size}`).toBe(node('sha512', data));
      expect(toHex(sha512(data))).toBe(toHex(nobleSha512(data)));
    }
  });

  it('sha256Many gives each input its own SHA-256, in one call', () => {
    const rand = prng(2);
    const inputs = [0, 1, 55, 56, 64, 200, 0, 4096].map((n) => rand.bytes(n));
    expect(sha256Many(inputs).map(toHex)).toEqual(inputs.map((i) => node('sha256', i)));
    expect(sha256Many([])).toEqual([]);
    expect(() => sha256Many([new Uint8Array(1), 'x' as never])).toThrow(/inputs\[1\]: expected Uint8Array/);
  });

  it('refuse non-bytes', () => {
    expect(() => sha256('abc' as never)).toThrow(/data: expected Uint8Array, got string/);
    expect(() => sha512(undefined as never)).toThrow(TypeError);
  });
});

describe('HKDF-SHA256', () => {
  it('RFC 5869 A.1', () => {
    const okm = hkdf(
      new Uint8Array(22).fill(0x0b),
      Uint8Array.from({ length: 13 }, (_, i) => i),
      Uint8Array.from({ length: 10 }, (_, i) => 0xf0 + i),
      42,
    );
    expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  it('agrees with node:crypto and @noble/hashes on random inputs', () => {
    const rand = prng(2);
    for (let i = 0; i < 100; i++) {
      const [ikm, salt, info] = [rand.bytes(rand.int(80)), rand.bytes(rand.int(80)), rand.bytes(rand.int(80))];
      const length = 1 + rand.int(300);
      const ours = toHex(hkdf(ikm, salt, info, length));
      expect(ours).toBe(Buffer.from(crypto.hkdfSync('sha256', ikm, salt, info, length)).toString('hex'));
      expect(ours).toBe(toHex(nobleHkdf(nobleSha256, ikm, salt, info, length)));
    }
  });

  it('bounds the output length', () => {
    expect(hkdf(new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), lengths.hkdfSha256OutputMax)).toHaveLength(
      8160,
    );
    expect(() => hkdf(new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), 8161)).toThrow(
      /length: expected an integer in \[0, 8160\]/,
    );
    expect(() => hkdf(new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), 1.5)).toThrow(RangeError);
  });
});
