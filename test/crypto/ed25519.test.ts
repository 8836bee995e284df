import crypto from 'node:crypto';
import { ed25519 as noble } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { ed25519 } from '../../bindings/index.ts';
import { hex, prng, toHex, vectors, wycheproof } from '../support/vectors.ts';

const single = (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array) => ed25519.verify(sig, msg, pk);
const batchOfOne = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) =>
  ed25519.verifyBatch([{ message, signature, publicKey }]).valid;

describe('RFC 8032 §7.1', () => {
  for (const v of vectors('rfc8032-ed25519.json').vectors) {
    it(v.name, () => {
      const { secretKey, publicKey } = ed25519.keygen(hex(v.secret_key));
      expect(toHex(secretKey)).toBe(v.secret_key);
      expect(toHex(publicKey)).toBe(v.public_key);
      expect(toHex(ed25519.getPublicKey(secretKey))).toBe(v.public_key);
      const signature = ed25519.sign(hex(v.message), secretKey);
      expect(toHex(signature)).toBe(v.signature);
      expect(single(signature, hex(v.message), publicKey)).toBe(true);
      expect(batchOfOne(signature, hex(v.message), publicKey)).toBe(true);
      const key = ed25519.SigningKey.fromSecretKey(secretKey);
      expect(toHex(key.publicKey)).toBe(v.public_key);
      expect(toHex(key.sign(hex(v.message)))).toBe(v.signature);
      key.free();
    });
  }
});

describe('SigningKey: a key held by the core', () => {
  it('signs as the seed does, many times; refuses bad input; cannot sign once freed', () => {
    const { secretKey } = ed25519.keygen();
    const key = ed25519.SigningKey.fromSecretKey(secretKey);
    const rand = prng(7);
    for (let i = 0; i < 20; i++) {
      const message = rand.bytes(i * 13);
      expect(toHex(key.sign(message))).toBe(toHex(ed25519.sign(message, secretKey)));
    }
    expect(() => ed25519.SigningKey.fromSecretKey(new Uint8Array(31))).toThrow(/secretKey: expected 32 bytes, got 31/);
    expect(() => key.sign('x' as never)).toThrow(/message: expected Uint8Array, got string/);
    key.free();
    expect(() => key.sign(new Uint8Array(1))).toThrow();
  });
});

describe('Wycheproof ed25519 (RFC 8032 rules) against ZIP-215', () => {
  // The one case where the rule sets differ; core-rs/tests/ed25519_vectors.rs gives the reason.
  const differs = new Set([151]);
  const all = wycheproof('wycheproof-ed25519.json');
  it(`${all.length} cases: single = batch, and = Wycheproof except the listed ZIP-215 difference`, () => {
    for (const { group, test } of all) {
      const [pk, msg, sig] = [
        hex((group.publicKey as { pk: string }).pk),
        hex(test.msg as string),
        hex(test.sig as string),
      ];
      const ours = single(sig, msg, pk);
      expect(batchOfOne(sig, msg, pk), `tcId ${test.tcId}`).toBe(ours);
      expect(ours !== (test.result === 'valid'), `tcId ${test.tcId}: ${test.comment}`).toBe(differs.has(test.tcId));
    }
  });
});

describe('Taming the many EdDSAs: the 12 edge cases', () => {
  const { cases } = vectors<{
    cases: { message: string; signature: string; pub_key: string; zip215_valid: boolean }[];
  }>('taming-eddsa-cases.json');
  it('single and batch verdicts equal the ZIP-215 column, case by case and all in one batch', () => {
    expect(cases).toHaveLength(12);
    const items = cases.map((c) => ({
      message: hex(c.message),
      signature: hex(c.signature),
      publicKey: hex(c.pub_key),
    }));
    items.forEach((item, i) => {
      expect(single(item.signature, item.message, item.publicKey), `case ${i}`).toBe(cases[i]!.zip215_valid);
      expect(batchOfOne(item.signature, item.message, item.publicKey), `case ${i} batch`).toBe(cases[i]!.zip215_valid);
    });
    const expected = cases.flatMap((c, i) => (c.zip215_valid ? [] : [i]));
    expect(ed25519.verifyBatch(items).invalid).toEqual(expected);
  });
});

describe('cross-checks with node:crypto and @noble/curves on random inputs', () => {
  const seed = 20261124;
  const rand = prng(seed);
  it('same keys and signatures; each verifies the others', () => {
    for (let i = 0; i < 200; i++) {
      const seedBytes = rand.bytes(32);
      const message = rand.bytes(rand.int(300));
      const ours = ed25519.keygen(seedBytes);
      expect(toHex(ours.publicKey), `seed ${seed} #${i}`).toBe(toHex(noble.getPublicKey(seedBytes)));
      const signature = ed25519.sign(message, ours.secretKey);
      expect(toHex(signature)).toBe(toHex(noble.sign(message, seedBytes)));
      const key = crypto.createPublicKey({
        key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), ours.publicKey]),
        format: 'der',
        type: 'spki',
      });
      expect(crypto.verify(null, message, key, signature)).toBe(true);
      expect(single(signature, message, ours.publicKey)).toBe(true);
      const tampered = signature.slice();
      tampered[rand.int(64)]! ^= 1 << rand.int(8);
      expect(single(tampered, message, ours.publicKey)).toBe(crypto.verify(null, message, key, tampered));
    }
  });
});

describe('batch verification says which items are bad', () => {
  const make = (n: number) =>
    Array.from({ length: n }, (_, i) => {
      const { secretKey, publicKey } = ed25519.keygen();
      const message = new TextEncoder().encode(`check ${i}`);
      return { message, signature: ed25519.sign(message, secretKey), publicKey };
    });

  it('a bad item at every position of a batch of 40', () => {
    const items = make(40);
    for (let bad = 0; bad < items.length; bad++) {
      const copy = items.slice();
      const sig = copy[bad]!.signature.slice();
      sig[0]! ^= 0x80;
      copy[bad] = { ...copy[bad]!, signature: sig };
      expect(ed25519.verifyBatch(copy)).toEqual({ valid: false, invalid: [bad] });
    }
    expect(ed25519.verifyBatch(items)).toEqual({ valid: true, invalid: [] });
  });

  it('random sets of bad items among 300, including malformed ones', () => {
    const rand = prng(7);
    const items = make(300);
    for (let round = 0; round < 5; round++) {
      const copy = items.slice();
      const bad = new Set(Array.from({ length: 1 + rand.int(12) }, () => rand.int(items.length)));
      for (const i of bad) {
        const kind = rand.int(4);
        if (kind === 0) copy[i] = { ...copy[i]!, message: rand.bytes(5) };
        if (kind === 1) copy[i] = { ...copy[i]!, publicKey: items[(i + 1) % items.length]!.publicKey };
        if (kind === 2) copy[i] = { ...copy[i]!, signature: copy[i]!.signature.subarray(0, 63) };
        if (kind === 3) copy[i] = { ...copy[i]!, signature: 'not bytes' as unknown as Uint8Array };
      }
      expect(ed25519.verifyBatch(copy).invalid, `round ${round}`).toEqual([...bad].sort((a, b) => a - b));
    }
  });

  it('an empty batch is valid', () => {
    expect(ed25519.verifyBatch([])).toEqual({ valid: true, invalid: [] });
  });
});

describe('wrong types and lengths', () => {
  const { secretKey, publicKey } = ed25519.keygen();
  const message = new Uint8Array([1, 2, 3]);
  const signature = ed25519.sign(message, secretKey);

  it('throw at once, naming the argument', () => {
    expect(() => ed25519.keygen(new Uint8Array(31))).toThrow(/seed: expected 32 bytes, got 31/);
    expect(() => ed25519.keygen('x' as never)).toThrow(TypeError);
    expect(() => ed25519.sign(message, new Uint8Array(33))).toThrow(/secretKey: expected 32 bytes, got 33/);
    expect(() => ed25519.sign([1, 2] as never, secretKey)).toThrow(/message: expected Uint8Array, got array/);
    expect(() => ed25519.getPublicKey(null as never)).toThrow(/secretKey: expected Uint8Array, got null/);
    expect(() => ed25519.verifyBatch('x' as never)).toThrow(TypeError);
  });

  it('verify is false for any malformed input, and the module keeps working', () => {
    for (let cut = 0; cut < 64; cut += 7) expect(single(signature.subarray(0, cut), message, publicKey)).toBe(false);
    expect(single(signature, message, publicKey.subarray(0, 31))).toBe(false);
    expect(single(new Uint8Array(64).fill(0xff), message, publicKey)).toBe(false);
    expect(single('sig' as never, message, publicKey)).toBe(false);
    expect(single(signature, undefined as never, publicKey)).toBe(false);
    expect(single(signature, message, publicKey)).toBe(true);
  });
});
