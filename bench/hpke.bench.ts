// HPKE base mode (X25519, HKDF-SHA256, ChaCha20-Poly1305) seal and open of 1 KiB, ours against
// @hpke/core. The peer is async, so both sides use the async harness: one harness per table.

import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { hpke, x25519 } from '../bindings/index.ts';
import { pseudoBytes } from './fixtures.ts';
import { measureAsync, mustBe, type RunOptions, type SuiteResult, table } from './harness.ts';

const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

export async function run(opts: RunOptions): Promise<SuiteResult> {
  const plaintext = pseudoBytes(1024, 1);
  const info = new TextEncoder().encode('smartcheck bench v1');
  const aad = pseudoBytes(32, 2);
  const recipient = x25519.keygen(pseudoBytes(32, 3));

  const suite = new CipherSuite({
    kem: new DhkemX25519HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: new Chacha20Poly1305(),
  });
  const peerPublic = await suite.kem.deserializePublicKey(recipient.publicKey.slice().buffer);
  const peerSecret = await suite.kem.deserializePrivateKey(recipient.secretKey.slice().buffer);
  const peerSeal = () => suite.seal({ recipientPublicKey: peerPublic, info }, plaintext, aad);

  // Each side opens what the other sealed: proves both are correct and speak the same RFC 9180.
  const ours = hpke.seal(recipient.publicKey, plaintext, { info, aad });
  const theirs = await peerSeal();
  const peerOpened = await suite.open({ recipientKey: peerSecret, enc: ours.enc, info }, ours.ciphertext, aad);
  mustBe(equal(new Uint8Array(peerOpened), plaintext), '@hpke/core opens our envelope');
  const enc = new Uint8Array(theirs.enc);
  const ciphertext = new Uint8Array(theirs.ct);
  mustBe(
    equal(hpke.open(recipient.secretKey, enc, ciphertext, { info, aad }), plaintext),
    'ours opens the @hpke/core envelope',
  );

  const rows: SuiteResult['rows'] = [];
  const add = table('HPKE', rows);
  add(
    'seal 1 KiB',
    'ours',
    await measureAsync(async () => hpke.seal(recipient.publicKey, plaintext, { info, aad }), opts),
  );
  add('seal 1 KiB', '@hpke/core', await measureAsync(peerSeal, opts));
  add(
    'open 1 KiB',
    'ours',
    await measureAsync(async () => hpke.open(recipient.secretKey, ours.enc, ours.ciphertext, { info, aad }), opts),
  );
  add(
    'open 1 KiB',
    '@hpke/core',
    await measureAsync(() => suite.open({ recipientKey: peerSecret, enc: ours.enc, info }, ours.ciphertext, aad), opts),
  );
  return {
    name: 'hpke',
    rows,
    notes: [
      'HPKE: ours is synchronous but is timed through the same async harness as @hpke/core (adds ~0.1 µs per call, see HARNESS.md).',
    ],
  };
}
