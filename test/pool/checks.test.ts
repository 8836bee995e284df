// The pool's verifyChecks operation: the same verdicts as the protocol's verifyChecks in this
// thread, whatever the chunking, with refused items at chunk boundaries; the caller's buffers are
// left intact (the pool transfers its own packed copy); closed pools refuse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certifyParty } from '../../src/protocol/pki.ts';
import { Role } from '../../src/protocol/registry.ts';
import {
  createInThreadVerifier,
  createVerifierPool,
  PoolError,
  type VerifierPool,
  verifyChecks,
} from '../../src/protocol/verifier/index.ts';
import { LIMITS, LONG, makePki, NOW, purchase, seed } from '../support/protocol-pki.ts';

let two: VerifierPool;
let tiny: VerifierPool;
const pki = makePki('pc', 40);
let checks: Uint8Array[];

beforeAll(async () => {
  [two, tiny] = await Promise.all([
    createVerifierPool({ workers: 2 }),
    createVerifierPool({ workers: 2, chunkMin: 1 }),
  ]);
  const purses = [
    pki.purse,
    certifyParty(pki.bank, 'purse-pc2', Role.Purse, { ...LONG, seed: seed(60), kxSeed: seed(61), limits: LIMITS }),
  ];
  checks = Array.from({ length: 150 }, (_, i) => {
    const c = purchase({ ...pki, purse: purses[i % 2]! }, { amount: 100 + i }, i + 1).check;
    if (i % 37 === 0) c[c.length - 3]! ^= 1; // bad signature
    return i % 50 === 49 ? new Uint8Array([0xff]) : c; // malformed at chunk ends
  });
});
afterAll(async () => {
  await Promise.all([two?.close(), tiny?.close()]);
});

describe('pool verifyChecks', () => {
  it('agrees with verifyChecks in this thread for several batch sizes and chunkings', async () => {
    const options = { anchors: pki.anchors, now: NOW, revoked: ['bank-pc/purse-pc2'] };
    const inThread = createInThreadVerifier();
    for (const n of [1, 2, 63, 64, 129, 150]) {
      const part = checks.slice(0, n);
      const reference = verifyChecks(part, options);
      expect(await two.verifyChecks(part, options)).toEqual(reference);
      expect(await tiny.verifyChecks(part, options)).toEqual(reference);
      expect(await inThread.verifyChecks(part, options)).toEqual(reference);
    }
    const verdicts = verifyChecks(checks, options);
    expect(verdicts.filter((v) => v.ok).length).toBeGreaterThan(0);
    expect(new Set(verdicts.map((v) => (v.ok ? 0 : v.code)))).toEqual(new Set([0, 100, 200, 206]));
  });
  it("leaves the caller's check buffers intact", async () => {
    const copy = checks.map((c) => c.slice());
    await tiny.verifyChecks(checks, { anchors: pki.anchors, now: NOW });
    expect(checks).toEqual(copy);
    expect(await two.verifyChecks([], { anchors: pki.anchors, now: NOW })).toEqual([]);
  });
  it('refuses bad arguments at once and after close', async () => {
    await expect(two.verifyChecks('x' as never, { anchors: pki.anchors, now: NOW })).rejects.toThrow(TypeError);
    await expect(two.verifyChecks([new Uint8Array(1)], { anchors: {} as never, now: NOW })).rejects.toThrow(TypeError);
    const pool = await createVerifierPool({ workers: 1 });
    await pool.close();
    await expect(pool.verifyChecks(checks, { anchors: pki.anchors, now: NOW })).rejects.toBeInstanceOf(PoolError);
  });
});
