// The pool computes exactly what single-thread batch verification computes: same verdict, same
// invalid positions, whatever the batch size, the chunking and the kinds of bad items.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchItem, type BatchResult, ed25519 } from '../../bindings/index.ts';
import { createInThreadVerifier, createVerifierPool, type VerifierPool } from '../../src/protocol/verifier/index.ts';
import { freshSeed, randomBatch } from './support.ts';

let two: VerifierPool;
let one: VerifierPool;
let tiny: VerifierPool;
const inThread = createInThreadVerifier();

beforeAll(async () => {
  [two, one, tiny] = await Promise.all([
    createVerifierPool({ workers: 2 }),
    createVerifierPool({ workers: 1 }),
    createVerifierPool({ workers: 2, chunkMin: 1 }),
  ]);
});

afterAll(async () => {
  await Promise.all([two?.close(), one?.close(), tiny?.close(), inThread.close()]);
});

/** Runs every verifier on `items`; checks they all agree with each other and with `bad`. */
async function agree(items: BatchItem[], bad: number[], label: string): Promise<BatchResult> {
  const reference = ed25519.verifyBatch(items);
  const results = {
    'workers: 2': await two.verifyBatch(items),
    'workers: 1': await one.verifyBatch(items),
    'workers: 2, chunkMin: 1': await tiny.verifyBatch(items),
    'in-thread': await inThread.verifyBatch(items),
  };
  const expected = { valid: bad.length === 0, invalid: bad };
  expect(reference, `${label}: ed25519.verifyBatch vs the damaged positions`).toEqual(expected);
  for (const [name, result] of Object.entries(results)) {
    expect(result, `${label}: ${name} vs ed25519.verifyBatch`).toEqual(reference);
  }
  return reference;
}

describe('pool results equal single-thread results', () => {
  it('large random batches with bad items at random positions (and at the chunk boundaries)', async () => {
    for (let round = 0; round < 2; round++) {
      const seed = freshSeed();
      const n = round === 0 ? 3000 : 1201; // an even and an odd size (odd: the two chunks differ)
      const boundary = [0, Math.ceil(n / 2) - 1, Math.ceil(n / 2), n - 1];
      const { items, bad } = randomBatch(seed, n, 0.03, boundary);
      const result = await agree(items, bad, `seed ${seed}, n ${n}`);
      expect(result.invalid.length, `seed ${seed}: bad items were generated`).toBeGreaterThan(boundary.length);
    }
  });

  it('an all-valid large batch', async () => {
    const seed = freshSeed();
    const { items, bad } = randomBatch(seed, 2000, 0);
    expect(bad).toEqual([]);
    const result = await agree(items, bad, `seed ${seed}, all valid`);
    expect(result.valid, `seed ${seed}`).toBe(true);
  });

  it('a batch where every item is bad', async () => {
    const seed = freshSeed();
    const { items, bad } = randomBatch(seed, 300, 1);
    expect(bad).toHaveLength(300);
    await agree(items, bad, `seed ${seed}, all bad`);
  });

  it('an empty batch is valid', async () => {
    const result = await agree([], [], 'empty');
    expect(result).toEqual({ valid: true, invalid: [] });
  });

  it('batches smaller than chunkMin (one chunk) and tiny batches cut into one-item chunks', async () => {
    for (const n of [1, 2, 3, 10, 63]) {
      const seed = freshSeed();
      const { items, bad } = randomBatch(seed, n, 0.3);
      await agree(items, bad, `seed ${seed}, n ${n}`);
    }
  });

  it('batches just over chunkMin and odd sizes split across the workers', async () => {
    for (const n of [64, 127, 128, 129, 257]) {
      const seed = freshSeed();
      const { items, bad } = randomBatch(seed, n, 0.1, [n - 1]);
      await agree(items, bad, `seed ${seed}, n ${n}`);
    }
  });

  it('many concurrent calls on one pool each get their own answer', async () => {
    const seed = freshSeed();
    const batches = Array.from({ length: 12 }, (_, i) => randomBatch(seed + i, 50 + 40 * i, 0.05));
    const results = await Promise.all(batches.map(({ items }) => two.verifyBatch(items)));
    results.forEach((result, i) => {
      const { bad } = batches[i]!;
      expect(result, `seed ${seed + i} (batch ${i})`).toEqual({ valid: bad.length === 0, invalid: bad });
    });
  });

  it('a non-array argument is a TypeError, as for ed25519.verifyBatch', async () => {
    const notArray = { length: 1, 0: null } as unknown as BatchItem[];
    expect(() => ed25519.verifyBatch(notArray)).toThrow(TypeError);
    await expect(two.verifyBatch(notArray)).rejects.toThrow(TypeError);
    await expect(inThread.verifyBatch(notArray)).rejects.toThrow(TypeError);
  });
});
