import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { describe, expect, it } from 'vitest';
import { DecryptError, hpke, x25519 } from '../../bindings/index.ts';
import { hex, prng, toHex, vectors } from '../support/vectors.ts';

const independent = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Chacha20Poly1305(),
});
const enc = new TextEncoder();

describe('HPKE base mode, X25519 / HKDF-SHA256 / ChaCha20-Poly1305', () => {
  it('opens the RFC 9180 vector (sequence 0)', () => {
    const [v] = vectors('rfc9180-hpke-x25519-sha256-chacha20poly1305.json').vectors;
    expect([v.mode, v.kem_id, v.kdf_id, v.aead_id]).toEqual([0, hpke.suite.kem, hpke.suite.kdf, hpke.suite.aead]);
    const e = v.encryptions[0];
    const pt = hpke.open(hex(v.skRm), hex(v.enc), hex(e.ct), { info: hex(v.info), aad: hex(e.aad) });
    expect(toHex(pt)).toBe(e.pt);
  });

  it('round-trips, and @hpke/core opens what we seal', async () => {
    const rand = prng(4);
    for (let i = 0; i < 20; i++) {
      const recipient = x25519.keygen();
      const plaintext = rand.bytes(rand.int(2000));
      const info = enc.encode(`smartcheck/test/${i}`);
      const aad = rand.bytes(rand.int(40));
      const sealed = hpke.seal(recipient.publicKey, plaintext, { info, aad });
      expect(sealed.enc).toHaveLength(32);
      expect(sealed.ciphertext).toHaveLength(plaintext.length + 16);
      expect(toHex(hpke.open(recipient.secretKey, sealed.enc, sealed.ciphertext, { info, aad }))).toBe(
        toHex(plaintext),
      );
      const recipientKey = await independent.kem.deserializePrivateKey(recipient.secretKey.slice().buffer);
      // @hpke/core takes aad as the last argument of open/seal, not in the parameters object.
      const opened = await independent.open(
        { recipientKey, enc: sealed.enc.slice().buffer, info: info.buffer },
        sealed.ciphertext.slice().buffer,
        aad.slice().buffer,
      );
      expect(toHex(new Uint8Array(opened))).toBe(toHex(plaintext));
    }
  });

  it('opens what @hpke/core seals', async () => {
    const recipient = x25519.keygen();
    const recipientPublicKey = await independent.kem.deserializePublicKey(recipient.publicKey.slice().buffer);
    const info = enc.encode('smartcheck/interop');
    const aad = enc.encode('aad');
    const plaintext = enc.encode('a value token');
    const sealed = await independent.seal({ recipientPublicKey, info: info.buffer }, plaintext.buffer, aad.buffer);
    const opened = hpke.open(recipient.secretKey, new Uint8Array(sealed.enc), new Uint8Array(sealed.ct), { info, aad });
    expect(new TextDecoder().decode(opened)).toBe('a value token');
  });

  describe('any change fails with the one opaque DecryptError, and the module keeps working', () => {
    const recipient = x25519.keygen();
    const other = x25519.keygen();
    const info = enc.encode('smartcheck/v1/load/value-token-request');
    const aad = enc.encode('purse 42');
    const sealed = hpke.seal(recipient.publicKey, enc.encode('amount=1000'), { info, aad });
    const attempts: [string, () => unknown][] = [
      ['wrong key', () => hpke.open(other.secretKey, sealed.enc, sealed.ciphertext, { info, aad })],
      [
        'wrong info (another step)',
        () =>
          hpke.open(recipient.secretKey, sealed.enc, sealed.ciphertext, {
            info: enc.encode('smartcheck/v1/capture/deposit'),
            aad,
          }),
      ],
      ['no info', () => hpke.open(recipient.secretKey, sealed.enc, sealed.ciphertext, { aad })],
      [
        'wrong aad',
        () => hpke.open(recipient.secretKey, sealed.enc, sealed.ciphertext, { info, aad: enc.encode('purse 43') }),
      ],
      [
        'truncated enc',
        () => hpke.open(recipient.secretKey, sealed.enc.subarray(0, 31), sealed.ciphertext, { info, aad }),
      ],
      ['empty ciphertext', () => hpke.open(recipient.secretKey, sealed.enc, new Uint8Array(0), { info, aad })],
    ];
    for (let i = 0; i < sealed.ciphertext.length; i += 3) {
      const ct = sealed.ciphertext.slice();
      ct[i]! ^= 1;
      attempts.push([
        `ciphertext byte ${i} flipped`,
        () => hpke.open(recipient.secretKey, sealed.enc, ct, { info, aad }),
      ]);
      attempts.push([
        `ciphertext cut at ${i}`,
        () => hpke.open(recipient.secretKey, sealed.enc, sealed.ciphertext.subarray(0, i), { info, aad }),
      ]);
    }
    for (let i = 0; i < 32; i += 5) {
      const e = sealed.enc.slice();
      e[i]! ^= 4;
      attempts.push([
        `enc byte ${i} flipped`,
        () => hpke.open(recipient.secretKey, e, sealed.ciphertext, { info, aad }),
      ]);
    }
    for (const [name, attempt] of attempts) {
      it(name, () => {
        expect(attempt).toThrow(DecryptError);
        expect(
          new TextDecoder().decode(hpke.open(recipient.secretKey, sealed.enc, sealed.ciphertext, { info, aad })),
        ).toBe('amount=1000');
      });
    }
  });

  it('programmer errors name the argument', () => {
    const { secretKey, publicKey } = x25519.keygen();
    expect(() => hpke.seal(publicKey.subarray(1), new Uint8Array(1))).toThrow(
      /recipientPublicKey: expected 32 bytes, got 31/,
    );
    expect(() => hpke.seal(publicKey, 'text' as never)).toThrow(/plaintext: expected Uint8Array/);
    expect(() => hpke.open(secretKey.subarray(2), new Uint8Array(32), new Uint8Array(16))).toThrow(
      /recipientSecretKey: expected 32 bytes, got 30/,
    );
    expect(() => hpke.seal(publicKey, new Uint8Array(1), { info: 'x' as never })).toThrow(/info: expected Uint8Array/);
  });
});
