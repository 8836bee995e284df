// Failures are reported, never hung on: a worker that dies, never starts, never answers, a full
// queue, and typed errors thrown inside a worker.
import { afterEach, describe, expect, it } from 'vitest';
import { CoreError, CoreErrorCode } from '../../bindings/errors.ts';
import { type BatchItem, ed25519 } from '../../bindings/index.ts';
import { createVerifierPool, PoolError, type VerifierPool } from '../../src/protocol/verifier/index.ts';
import { fixture, outcome, sleep, within } from './support.ts';

const pools: VerifierPool[] = [];
const open = async (options: Parameters<typeof createVerifierPool>[0]) => {
  const pool = await within(createVerifierPool(options), 10_000, 'createVerifierPool');
  pools.push(pool);
  return pool;
};
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

const { secretKey, publicKey } = ed25519.keygen();
const batch = (n: number): BatchItem[] =>
  Array.from({ length: n }, (_, i) => {
    const message = Uint8Array.of(i & 255, i >> 8);
    return { message, signature: ed25519.sign(message, secretKey), publicKey };
  });

async function rejection(promise: Promise<unknown>, ms: number, what: string): Promise<unknown> {
  const r = await within(outcome(promise), ms, what);
  expect(r.ok, `${what}: should reject`).toBe(false);
  return r.ok ? undefined : r.error;
}

function poolError(error: unknown, code: PoolError['code'], what: string): void {
  expect(error, what).toBeInstanceOf(PoolError);
  expect((error as PoolError).code, `${what}: ${String(error)}`).toBe(code);
}

describe('worker failures', () => {
  it('a worker that exits during verifyPacked fails the call with worker_crashed, and again on the replacement', async () => {
    const pool = await open({ workers: 1, workerUrl: fixture('crashing-worker.mjs') });
    for (let call = 0; call < 2; call++) {
      poolError(await rejection(pool.verifyBatch(batch(5)), 10_000, `call ${call}`), 'worker_crashed', `call ${call}`);
    }
  });

  it('a worker that cannot start fails createVerifierPool, promptly, and is not respawned forever', async () => {
    const channel = new BroadcastChannel('smartcheck-test-broken-worker');
    let starts = 0;
    channel.onmessage = () => {
      starts += 1;
    };
    try {
      const started = Date.now();
      const error = await rejection(
        createVerifierPool({ workers: 2, workerUrl: fixture('broken-worker.mjs') }),
        10_000,
        'createVerifierPool',
      );
      expect(error).toBeInstanceOf(Error);
      expect(String(error)).toMatch(/refusing to start|worker/);
      expect(Date.now() - started).toBeLessThan(10_000);
      await sleep(500);
      const settled = starts;
      await sleep(1000);
      expect(starts, 'broken workers kept being spawned after createVerifierPool failed').toBe(settled);
      expect(settled, 'spawns of the broken worker').toBeLessThanOrEqual(4);
    } finally {
      channel.close();
    }
  });

  it('a worker that never answers fails the call with timeout after timeoutMs', async () => {
    const pool = await open({ workers: 1, timeoutMs: 300, workerUrl: fixture('hanging-worker.mjs') });
    const started = Date.now();
    poolError(await rejection(pool.verifyBatch(batch(5)), 10_000, 'verifyBatch'), 'timeout', 'verifyBatch');
    expect(Date.now() - started, 'rejected before timeoutMs').toBeGreaterThanOrEqual(290);
    // The stuck worker was replaced; the next call times out too rather than hanging.
    poolError(await rejection(pool.verifyBatch(batch(5)), 10_000, 'second call'), 'timeout', 'second call');
  });

  it('a crash is reported when it happens, not at timeoutMs', async () => {
    const pool = await open({ workers: 1, timeoutMs: 5000, workerUrl: fixture('crashing-worker.mjs') });
    const started = Date.now();
    poolError(await rejection(pool.verifyBatch(batch(2)), 10_000, 'verifyBatch'), 'worker_crashed', 'verifyBatch');
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe('bounded queue', () => {
  it('queueMax: 1 refuses a second concurrent call with queue_full', async () => {
    const pool = await open({ workers: 1, queueMax: 1, timeoutMs: 10_000, workerUrl: fixture('hanging-worker.mjs') });
    const first = outcome(pool.verifyBatch(batch(3)));
    poolError(await rejection(pool.verifyBatch(batch(3)), 5000, 'second call'), 'queue_full', 'second call');
    await pool.close();
    const r = await within(first, 5000, 'first call after close');
    expect(r.ok).toBe(false);
    if (!r.ok) poolError(r.error, 'closed', 'first call');
  });

  it('queueMax: 1 with a real worker: the second concurrent call is refused, a later one is served', async () => {
    const pool = await open({ workers: 1, queueMax: 1 });
    const items = batch(2000);
    const [first, second] = [outcome(pool.verifyBatch(items)), outcome(pool.verifyBatch(items))];
    const [a, b] = await within(Promise.all([first, second]), 10_000, 'two calls');
    expect(a).toEqual({ ok: true, value: { valid: true, invalid: [] } });
    expect(b.ok).toBe(false);
    if (!b.ok) poolError(b.error, 'queue_full', 'second call');
    expect(await pool.verifyBatch(items)).toEqual({ valid: true, invalid: [] });
  });

  it('a timed-out or crashed chunk frees exactly one queue place (queue_full still enforced after)', async () => {
    for (const name of ['hanging-worker.mjs', 'crashing-worker.mjs']) {
      const pool = await open({ workers: 1, queueMax: 1, timeoutMs: 300, workerUrl: fixture(name) });
      await rejection(pool.verifyBatch(batch(3)), 10_000, `${name}: first call`);
      await sleep(50);
      const [second, third] = [outcome(pool.verifyBatch(batch(3))), outcome(pool.verifyBatch(batch(3)))];
      const r = await within(third, 5000, `${name}: third call`);
      expect(r.ok, `${name}: third call while the second is outstanding`).toBe(false);
      if (!r.ok) poolError(r.error, 'queue_full', `${name}: third call`);
      await within(second, 10_000, `${name}: second call`);
    }
  });
});

describe('typed errors cross the worker boundary', () => {
  it('a CoreError thrown in the worker arrives as a CoreError with its code', async () => {
    const pool = await open({ workers: 1, workerUrl: fixture('throwing-worker.mjs') });
    const error = await rejection(pool.verifyBatch(batch(2)), 10_000, 'verifyBatch');
    expect(error).toBeInstanceOf(CoreError);
    expect(error).not.toBeInstanceOf(PoolError);
    expect((error as CoreError).name).toBe('CoreError');
    expect((error as CoreError).code).toBe(CoreErrorCode.Layout);
    expect((error as CoreError).code).toBe(2);
    expect((error as CoreError).message).toBe('bad layout');
  });
});

describe('option validation', () => {
  const bad: [string, Record<string, unknown>][] = [
    ['workers', { workers: 0 }],
    ['workers', { workers: 1.5 }],
    ['workers', { workers: 65 }],
    ['workers', { workers: '2' }],
    ['workers', {}],
    ['queueMax', { workers: 1, queueMax: -1 }],
    ['queueMax', { workers: 1, queueMax: 0 }],
    ['timeoutMs', { workers: 1, timeoutMs: 0 }],
    ['timeoutMs', { workers: 1, timeoutMs: Number.NaN }],
    ['chunkMin', { workers: 1, chunkMin: 2.5 }],
  ];
  for (const [name, options] of bad) {
    it(`${JSON.stringify(options)} is a RangeError naming ${name}`, async () => {
      const r = await within(outcome(createVerifierPool(options as never)), 5000, 'createVerifierPool');
      if (r.ok) pools.push(r.value);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error).toBeInstanceOf(RangeError);
        expect((r.error as Error).message).toMatch(new RegExp(`^${name}\\b`));
      }
    });
  }
});
