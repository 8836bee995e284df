// Ed25519: sign, verify, and batch verify per signature at n = 1..1024, ours against four peers.
// Peers have no batch verification, so their batch figure is the per-signature cost of a loop.
import { createPrivateKey, createPublicKey, type KeyObject, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { ed25519 as noble } from '@noble/curves/ed25519.js';
import sodium from 'libsodium-wrappers';
import nacl from 'tweetnacl';
import { ed25519 } from '../bindings/index.ts';
import { type SignedItem, signedItems, withBadSignature } from './fixtures.ts';
import { measure, mustBe, type RunOptions, type SuiteResult, table } from './harness.ts';

export const BATCH_SIZES = [1, 8, 64, 256, 1024] as const;

/** One peer: how it signs and verifies, with keys converted to its own format once, up front. */
interface Impl {
  name: string;
  sign(i: number, message: Uint8Array): Uint8Array;
  verify(i: number, item: SignedItem): boolean;
}

// DER wrappers that let node:crypto import raw Ed25519 keys (RFC 8410 PKCS#8 and SPKI).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function implementations(items: SignedItem[]): Impl[] {
  const ours = items.map((it) => ed25519.keygen(it.seed).secretKey);
  const nodeSecret: KeyObject[] = items.map((it) =>
    createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, it.seed]), format: 'der', type: 'pkcs8' }),
  );
  const nodePublic: KeyObject[] = items.map((it) =>
    createPublicKey({ key: Buffer.concat([SPKI_PREFIX, it.publicKey]), format: 'der', type: 'spki' }),
  );
  const sodiumSecret = items.map((it) => sodium.crypto_sign_seed_keypair(it.seed).privateKey);
  const naclSecret = items.map((it) => nacl.sign.keyPair.fromSeed(it.seed).secretKey);
  return [
    {
      name: 'ours',
      sign: (i, m) => ed25519.sign(m, ours[i]!),
      verify: (_, it) => ed25519.verify(it.signature, it.message, it.publicKey),
    },
    {
      name: 'node:crypto',
      sign: (i, m) => nodeSign(null, m, nodeSecret[i]!),
      verify: (i, it) => nodeVerify(null, it.message, nodePublic[i]!, it.signature),
    },
    {
      name: '@noble/curves',
      sign: (i, m) => noble.sign(m, items[i]!.seed),
      verify: (_, it) => noble.verify(it.signature, it.message, it.publicKey),
    },
    {
      name: 'libsodium',
      sign: (i, m) => sodium.crypto_sign_detached(m, sodiumSecret[i]!),
      verify: (_, it) => sodium.crypto_sign_verify_detached(it.signature, it.message, it.publicKey),
    },
    {
      name: 'tweetnacl',
      sign: (i, m) => nacl.sign.detached(m, naclSecret[i]!),
      verify: (_, it) => nacl.sign.detached.verify(it.message, it.signature, it.publicKey),
    },
  ];
}

/** Ed25519 is deterministic: every peer must produce our exact signature and reject a flipped one. */
function checkCorrect(impls: Impl[], items: SignedItem[]): void {
  const bad = withBadSignature(items, 0)[0]!;
  for (const impl of impls) {
    for (const i of [0, 1, 2]) {
      const it = items[i]!;
      const sig = impl.sign(i, it.message);
      mustBe(Buffer.from(sig).equals(Buffer.from(it.signature)), `${impl.name} sign matches RFC 8032 (item ${i})`);
      mustBe(impl.verify(i, it), `${impl.name} verify accepts a valid signature`);
    }
    mustBe(!impl.verify(0, bad), `${impl.name} verify rejects a flipped signature`);
  }
  const n = BATCH_SIZES[BATCH_SIZES.length - 1];
  mustBe(ed25519.verifyBatch(items.slice(0, n)).valid, 'ours verifyBatch accepts a valid batch');
  const result = ed25519.verifyBatch(withBadSignature(items.slice(0, 64), 17));
  mustBe(!result.valid && result.invalid.join() === '17', 'ours verifyBatch names the one bad item');
}

/** The very closure about to be timed must say true (a key/message mix-up would make it false). */
function allTrue(fn: () => boolean, what: string, calls: number): () => boolean {
  for (let i = 0; i < calls; i++) mustBe(fn(), what);
  return fn;
}

export async function run(opts: RunOptions): Promise<SuiteResult> {
  await sodium.ready;
  const items = signedItems(1024);
  const impls = implementations(items);
  checkCorrect(impls, items);
  const rows: SuiteResult['rows'] = [];
  const add = table('Ed25519', rows);

  // Single operations rotate through 64 messages of 64..200 bytes, each with its own key.
  for (const impl of impls) {
    let k = 0;
    const fn = () => {
      k = (k + 1) & 63;
      return impl.sign(k, items[k]!.message);
    };
    add('sign', impl.name, await measure(fn, opts));
  }
  // A key held by the core (ed25519.SigningKey): one base-point multiplication per signature, as
  // node:crypto's KeyObject above; the seed-based row pays the public key's derivation every time.
  const held = items.slice(0, 64).map((it) => ed25519.SigningKey.fromSecretKey(it.seed));
  mustBe(
    Buffer.from(held[1]!.sign(items[1]!.message)).equals(Buffer.from(items[1]!.signature)),
    'SigningKey signs as the seed',
  );
  {
    let k = 0;
    const sign = (i: number, m: Uint8Array) => held[i]!.sign(m);
    const fn = () => {
      k = (k + 1) & 63;
      return sign(k, items[k]!.message);
    };
    add('sign with a key held by the core', 'ours', await measure(fn, opts));
    const node = impls.find((i) => i.name === 'node:crypto')!;
    add(
      'sign with a key held by the core',
      'node:crypto',
      await measure(() => {
        k = (k + 1) & 63;
        return node.sign(k, items[k]!.message);
      }, opts),
    );
  }
  for (const impl of impls) {
    let k = 0;
    const fn = () => {
      k = (k + 1) & 63;
      return impl.verify(k, items[k]!);
    };
    add('verify', impl.name, await measure(allTrue(fn, `${impl.name} verify`, 70), opts));
  }
  for (const n of BATCH_SIZES) {
    const batch = items.slice(0, n);
    const op = `batch verify n=${n} (per signature)`;
    add(
      op,
      'ours',
      await measure(
        allTrue(() => ed25519.verifyBatch(batch).valid, op, 1),
        opts,
      ),
      n,
    );
    // A peer's loop costs n single verifications whatever n is; in a quick run, loops of 256 and
    // 1024 are skipped (tweetnacl needs ~9 s for one loop of 1024 on this machine).
    if (opts.quick && n > 64) continue;
    for (const impl of impls.slice(1)) {
      const fn = () => batch.every((it, i) => impl.verify(i, it));
      add(op, impl.name, await measure(allTrue(fn, `${impl.name} ${op}`, 1), opts), n);
    }
  }
  const notes = [
    'Ed25519: peers have no batch API; their batch rows are the per-signature cost of a loop of single verifications.',
  ];
  if (opts.quick)
    notes.push(
      'Ed25519 (quick run): peer loops at n = 256 and 1024 not run; their per-signature cost equals the n = 64 loop.',
    );
  return { name: 'ed25519', rows, notes };
}
