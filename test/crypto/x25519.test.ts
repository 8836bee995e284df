import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CoreError, CoreErrorCode, x25519 } from '../../bindings/index.ts';
import { hex, prng, toHex, wycheproof } from '../support/vectors.ts';

describe('X25519', () => {
  const all = wycheproof('wycheproof-x25519.json');
  it(`Wycheproof: ${all.length} cases; all-zero results refused, everything else equal`, () => {
    let refused = 0;
    for (const { test } of all) {
      const [sk, pk, shared] = [hex(test.private as string), hex(test.public as string), test.shared as string];
      if (/^(00)+$/.test(shared)) {
        expect(test.result, `tcId ${test.tcId}`).toBe('acceptable');
        expect(() => x25519.sharedSecret(sk, pk)).toThrow(CoreError);
        refused++;
      } else {
        expect(toHex(x25519.sharedSecret(sk, pk)), `tcId ${test.tcId}`).toBe(shared);
      }
    }
    expect(refused).toBeGreaterThan(0);
  });

  it('agrees with node:crypto on random keys', () => {
    const rand = prng(3);
    const spki = (pk: Uint8Array) =>
      crypto.createPublicKey({
        key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), pk]),
        format: 'der',
        type: 'spki',
      });
    const pkcs8 = (sk: Uint8Array) =>
      crypto.createPrivateKey({
        key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), sk]),
        format: 'der',
        type: 'pkcs8',
      });
    for (let i = 0; i < 50; i++) {
      const a = x25519.keygen(rand.bytes(32));
      const b = x25519.keygen();
      const ours = x25519.sharedSecret(a.secretKey, b.publicKey);
      expect(toHex(ours)).toBe(toHex(x25519.sharedSecret(b.secretKey, a.publicKey)));
      const theirs = crypto.diffieHellman({ privateKey: pkcs8(a.secretKey), publicKey: spki(b.publicKey) });
      expect(toHex(ours)).toBe(theirs.toString('hex'));
      expect(toHex(x25519.getPublicKey(a.secretKey))).toBe(toHex(a.publicKey));
    }
  });

  it('small-order peer key is a typed InvalidKey error; lengths are checked by name', () => {
    const { secretKey } = x25519.keygen();
    try {
      x25519.sharedSecret(secretKey, new Uint8Array(32));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CoreError);
      expect((error as CoreError).code).toBe(CoreErrorCode.InvalidKey);
    }
    expect(() => x25519.sharedSecret(secretKey, new Uint8Array(31))).toThrow(/publicKey: expected 32 bytes, got 31/);
    expect(() => x25519.keygen(new Uint8Array(5))).toThrow(/seed: expected 32 bytes/);
  });
});
