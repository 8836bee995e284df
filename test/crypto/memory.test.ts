// No secret stays behind in the core's linear memory: arguments copied in, results copied out and
// the core's own scratch are all freed through an allocator that zeroes
// (core-rs/primitives/src/wiping_alloc.rs), and outputs are copies, never views into WASM memory.
// The check verifier's module links the primitives and frees through the same allocator.
import { describe, expect, it } from 'vitest';
import { coreMemory } from '../../bindings/core.ts';
import { ed25519, hkdf, hpke, x25519 } from '../../bindings/index.ts';
import { verifierWasm, verifyChecks } from '../../src/protocol/verifier/index.ts';

function occurs(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (
    let i = haystack.indexOf(needle[0]!);
    i !== -1 && i <= haystack.length - needle.length;
    i = haystack.indexOf(needle[0]!, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

const memory = () => new Uint8Array(coreMemory().buffer);
const distinctive = (n: number) => crypto.getRandomValues(new Uint8Array(n));

describe('secrets are wiped from WASM memory', () => {
  it('the scanner finds what is there (control)', () => {
    const probe = distinctive(32);
    const m = memory();
    m.set(probe, 1024 * 1024);
    expect(occurs(memory(), probe)).toBe(true);
    m.fill(0, 1024 * 1024, 1024 * 1024 + 32);
  });

  it('Ed25519 seeds after keygen, getPublicKey and sign', () => {
    const seed = distinctive(32);
    const { secretKey } = ed25519.keygen(seed);
    ed25519.getPublicKey(secretKey);
    ed25519.sign(distinctive(100), secretKey);
    expect(occurs(memory(), seed)).toBe(false);
  });

  it('Ed25519 seeds and expanded keys after a SigningKey is freed', () => {
    const seed = distinctive(32);
    const key = ed25519.SigningKey.fromSecretKey(seed);
    key.sign(distinctive(100));
    key.free();
    expect(occurs(memory(), seed)).toBe(false);
  });

  it('X25519 secret keys and shared secrets, HPKE plaintexts after open, HKDF input keys', () => {
    const recipient = x25519.keygen(distinctive(32));
    const peer = x25519.keygen();
    const shared = x25519.sharedSecret(recipient.secretKey, peer.publicKey);
    const plaintext = distinctive(64);
    const sealed = hpke.seal(recipient.publicKey, plaintext);
    const opened = hpke.open(recipient.secretKey, sealed.enc, sealed.ciphertext);
    const ikm = distinctive(32);
    hkdf(ikm, new Uint8Array(0), new Uint8Array(0), 32);
    const m = memory();
    expect(occurs(m, recipient.secretKey)).toBe(false);
    expect(occurs(m, shared)).toBe(false);
    expect(occurs(m, plaintext)).toBe(false);
    expect(occurs(m, ikm)).toBe(false);
    expect(opened).toEqual(plaintext);
  });

  it('results are copies: changing WASM memory does not change them', () => {
    const { publicKey } = ed25519.keygen();
    const before = publicKey.slice();
    memory().fill(0xaa, 1024 * 1024, 2 * 1024 * 1024);
    expect(publicKey.buffer).not.toBe(coreMemory().buffer);
    expect(publicKey).toEqual(before);
    memory().fill(0, 1024 * 1024, 2 * 1024 * 1024);
  });

  it("the check verifier's allocator wipes too: a check's bytes are gone after the call", () => {
    const verifierMemory = () => new Uint8Array(verifierWasm.memory().buffer);
    const probe = distinctive(32);
    verifierMemory().set(probe, 1024 * 1024);
    expect(occurs(verifierMemory(), probe), 'the scanner finds what is there (control)').toBe(true);
    verifierMemory().fill(0, 1024 * 1024, 1024 * 1024 + 32);
    // Not CBOR (0xff first): refused at once. The marker lies past the allocator's free-list words.
    const marker = distinctive(48);
    const check = new Uint8Array(128);
    check[0] = 0xff;
    check.set(marker, 64);
    expect(verifyChecks([check], { anchors: new Map(), now: 0 })).toEqual([{ ok: false, code: 100 }]);
    expect(occurs(verifierMemory(), marker)).toBe(false);
  });
});
