// close(): later calls fail with PoolError('closed'), calls in flight fail instead of hanging,
// closing twice is harmless, and no worker thread outlives its pool.
import { describe, expect, it } from 'vitest';
import { type BatchItem, ed25519 } from '../../bindings/index.ts';
import {
  createInThreadVerifier,
  createVerifierPool,
  PoolError,
  type VerifierPool,
} from '../../src/protocol/verifier/index.ts';
import { fixture, freshSeed, liveThreads, outcome, randomBatch, threadsSettle, within } from './support.ts';

const closedError = (error: unknown, what: string) => {
  expect(error, what).toBeInstanceOf(PoolError);
  expect((error as PoolError).code, what).toBe('closed');
};

describe('close', () => {
  it('after close, verifyBatch rejects with PoolError closed (pool and in-thread twin)', async () => {
    const pool = await createVerifierPool({ workers: 2 });
    const twin = createInThreadVerifier();
    const seed = freshSeed();
    const { items } = randomBatch(seed, 200, 0.1);
    try {
      expect((await pool.verifyBatch(items)).invalid).toEqual(ed25519.verifyBatch(items).invalid);
    } finally {
      await pool.close();
      await twin.close();
    }
    for (const [name, verifier] of [
      ['pool', pool],
      ['in-thread', twin],
    ] as const) {
      for (const batch of [items, items.slice(0, 3), [] as BatchItem[]]) {
        const r = await within(outcome(verifier.verifyBatch(batch)), 5000, `${name}.verifyBatch after close`);
        expect(r.ok, `${name}, ${batch.length} items after close: should reject`).toBe(false);
        if (!r.ok) closedError(r.error, `${name}, ${batch.length} items`);
      }
    }
  });

  it('close twice (in sequence and at once) resolves', async () => {
    const pool = await createVerifierPool({ workers: 2 });
    await within(Promise.all([pool.close(), pool.close()]), 5000, 'two concurrent closes');
    await within(pool.close(), 5000, 'a third close');
    const r = await outcome(pool.verifyBatch([]));
    expect(r.ok).toBe(false);
  });

  it('calls in flight at close time reject with closed instead of hanging', async () => {
    // A real pool busy with large batches, and a pool whose worker never answers.
    const seed = freshSeed();
    const { items } = randomBatch(seed, 3000, 0.01);
    const busy = await createVerifierPool({ workers: 2 });
    const stuck = await createVerifierPool({ workers: 1, workerUrl: fixture('hanging-worker.mjs') });
    try {
      const calls = [busy.verifyBatch(items), busy.verifyBatch(items), stuck.verifyBatch(items.slice(0, 10))].map((p) =>
        outcome(p),
      );
      await Promise.all([busy.close(), stuck.close()]);
      const results = await within(Promise.all(calls), 5000, 'in-flight calls after close');
      results.forEach((r, i) => {
        expect(r.ok, `call ${i} (seed ${seed}) should reject`).toBe(false);
        if (!r.ok) closedError(r.error, `call ${i}`);
      });
    } finally {
      await Promise.all([busy.close(), stuck.close()]);
    }
  });

  it('a new pool works after an old one is closed', async () => {
    const seed = freshSeed();
    const { items, bad } = randomBatch(seed, 500, 0.05);
    for (let round = 0; round < 2; round++) {
      const pool = await createVerifierPool({ workers: 2 });
      try {
        expect((await pool.verifyBatch(items)).invalid, `seed ${seed}, round ${round}`).toEqual(bad);
      } finally {
        await within(pool.close(), 5000, 'close');
      }
    }
  });

  it.skipIf(liveThreads() === undefined)('closed pools leave no threads behind', async () => {
    const m = new Uint8Array(8);
    const { secretKey, publicKey } = ed25519.keygen();
    const items = Array.from({ length: 100 }, () => ({ message: m, signature: ed25519.sign(m, secretKey), publicKey }));
    // Warm up (module compile, tsx, libuv's thread pool) before taking the baseline.
    const warm = await createVerifierPool({ workers: 1 });
    await warm.verifyBatch(items);
    await warm.close();
    const baseline = (await threadsSettle(0, 300))!;
    const pools: VerifierPool[] = [];
    for (let i = 0; i < 3; i++) pools.push(await createVerifierPool({ workers: 2 }));
    expect(liveThreads()!, 'three 2-worker pools add threads').toBeGreaterThanOrEqual(baseline + 6);
    await Promise.all(pools.map((p) => p.verifyBatch(items)));
    await Promise.all(pools.map((p) => p.close()));
    expect(await threadsSettle(baseline), 'threads after closing every pool').toBeLessThanOrEqual(baseline);
  });

  it.skipIf(liveThreads() === undefined)(
    'closing right after a worker crash leaves no replacement worker running',
    async () => {
      const warm = await createVerifierPool({ workers: 1, workerUrl: fixture('crashing-worker.mjs') });
      await warm.close();
      const baseline = (await threadsSettle(0, 300))!;
      const m = new Uint8Array(8);
      const { secretKey, publicKey } = ed25519.keygen();
      const items = [{ message: m, signature: ed25519.sign(m, secretKey), publicKey }];
      for (let round = 0; round < 3; round++) {
        const pool = await createVerifierPool({ workers: 1, workerUrl: fixture('crashing-worker.mjs') });
        const r = await within(outcome(pool.verifyBatch(items)), 10_000, 'call on a crashing worker');
        expect(r.ok).toBe(false);
        // The pool is now starting a replacement; close must stop it too.
        await pool.close();
      }
      expect(await threadsSettle(baseline), 'threads after closing the crashed pools').toBeLessThanOrEqual(baseline);
    },
  );
});
