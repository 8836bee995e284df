// The crypto core knows no payments (issue 11): the primitives and the check verifier are two
// WebAssembly modules, and each side loads only its own. The primitives' module exports no check
// function and the verifier's no primitive; importing the bindings or the card's modules compiles
// the primitives and never the verifier, and neither does the verifier pool the wallet page
// creates (its worker compiles the verifier itself).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const wasm = (path: string) => new Uint8Array(readFileSync(new URL(`../../${path}`, import.meta.url)));
const primitives = wasm('core-rs/primitives/pkg/smartcheck_core_bg.wasm');
const verifier = wasm('core-rs/checks/pkg/smartcheck_checks_bg.wasm');

/** The functions a module exports, without wasm-bindgen's own (`__wbindgen_malloc`, …). */
const exported = (bytes: Uint8Array<ArrayBuffer>) =>
  WebAssembly.Module.exports(new WebAssembly.Module(bytes))
    .filter((e) => e.kind === 'function' && !e.name.startsWith('__'))
    .map((e) => e.name)
    .sort();

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

describe('what each module exports', () => {
  it('the primitives: Ed25519 (and its signing-key handle), SHA-2, HKDF, X25519, HPKE, the stack wipe, and no check function', () => {
    expect(exported(primitives)).toEqual([
      'ed25519_keygen',
      'ed25519_public_key',
      'ed25519_sign',
      'ed25519_verify',
      'ed25519_verify_batch',
      'ed25519signingkey_new',
      'ed25519signingkey_publicKey',
      'ed25519signingkey_sign',
      'hkdf_sha256',
      'hpke_open',
      'hpke_seal',
      'sha256',
      'sha256_many',
      'sha512',
      'wipe_stack',
      'x25519_keygen',
      'x25519_public_key',
      'x25519_shared_secret',
    ]);
  });

  it('the check verifier: verify_checks and its kept revoked set alone (no sign, seal, hash or key generation)', () => {
    expect(exported(verifier)).toEqual(['revocationset_new', 'revocationset_size', 'verify_checks']);
  });
});

describe('who compiles which module', () => {
  const compiled: Uint8Array[] = [];
  beforeAll(() => {
    const compile = WebAssembly.compile.bind(WebAssembly);
    vi.spyOn(WebAssembly, 'compile').mockImplementation((source: BufferSource) => {
      compiled.push(
        ArrayBuffer.isView(source)
          ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice()
          : new Uint8Array(source).slice(),
      );
      return compile(source);
    });
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });
  const compiledVerifier = () => compiled.some((bytes) => same(bytes, verifier));

  it('importing the bindings compiles the primitives only', async () => {
    await import('../../bindings/index.ts');
    expect(compiled.some((bytes) => same(bytes, primitives))).toBe(true);
    expect(compiledVerifier()).toBe(false);
  });

  it("the card's modules and its applet (the coprocessor) compile no verifier", async () => {
    const card = await import('../../src/card/index.ts');
    const applet = await card.loadApplet();
    expect(applet.size).toBeGreaterThan(0);
    expect(compiled.length).toBe(2); // the primitives and the applet
    expect(compiledVerifier()).toBe(false);
  });

  it('a verifier pool whose workers compile the verifier loads none here, and verifies', async () => {
    const { createVerifierPool } = await import('../../src/protocol/verifier/pool.ts');
    const pool = await createVerifierPool({ workers: 1, compileInWorkers: true });
    try {
      const [verdict] = await pool.verifyChecks([Uint8Array.of(0xff)], { anchors: new Map(), now: 0 });
      expect(verdict).toEqual({ ok: false, code: 100 });
    } finally {
      await pool.close();
    }
    expect(compiledVerifier()).toBe(false);
  });

  it('a pool that compiles once for its workers (the bank) compiles the verifier here', async () => {
    const { createVerifierPool } = await import('../../src/protocol/verifier/pool.ts');
    const pool = await createVerifierPool({ workers: 1 });
    await pool.close();
    expect(compiledVerifier()).toBe(true);
  });
});
