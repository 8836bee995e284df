// A pool of worker threads that batch-verify Ed25519 signatures in the WASM core.
//
// The module is compiled once here and posted to each worker, which instantiates it. A batch is cut
// into contiguous chunks, one per worker (never smaller than `chunkMin`), packed into flat buffers
// and transferred, not copied. Every chunk is a task with a deadline; the number of outstanding
// tasks is bounded; a worker that dies or misses a deadline fails its tasks with a PoolError and is
// replaced, so no call can hang.
import { type Remote, transfer, wrap } from 'comlink';
import { integer } from '../check.ts';
import { type CheckVerdict, type PreparedOptions, pack, prepareOptions, type VerifyChecksOptions } from '../checks.ts';
import { type BatchItem, type BatchResult, type PackedBatch, packBatch } from '../ed25519.ts';
import { compileCore } from '../loader.ts';
import { installErrorTransfer, PoolError, type PoolErrorCode } from './errors.ts';
import { defaultWorkerUrl, type SpawnedWorker, spawnWorker } from './spawn.ts';
import { type PoolOptions, poolDefaults, type VerifierPool } from './types.ts';
import type { PackedChecks, WorkerApi } from './worker-api.ts';

interface Task {
  settle(error: Error | undefined, value?: unknown): void;
}

interface Slot {
  ready: Promise<Remote<WorkerApi>>;
  worker?: SpawnedWorker;
  tasks: Set<Task>;
  dead: boolean;
  startedAt: number;
  /** Consecutive replacements that died young; doubles the wait before the next spawn. */
  strikes: number;
}

/** A worker that dies sooner than this after starting counts as a strike against its slot. */
const YOUNG_DEATH_MS = 1_000;
const RESPAWN_DELAY_MAX_MS = 5_000;

export async function createVerifierPool(options: PoolOptions): Promise<VerifierPool> {
  const workers = integer('workers', options.workers, 1, 64);
  const queueMax = integer('queueMax', options.queueMax ?? poolDefaults.queueMax, 1, 1_000_000);
  const timeoutMs = integer('timeoutMs', options.timeoutMs ?? poolDefaults.timeoutMs, 1, 3_600_000);
  const chunkMin = integer('chunkMin', options.chunkMin ?? poolDefaults.chunkMin, 1, 1_000_000);
  const url = options.workerUrl ?? defaultWorkerUrl();
  installErrorTransfer();
  const module = await compileCore();
  let closed = false;
  let outstanding = 0;

  const fail = (slot: Slot, code: PoolErrorCode, reason: string) => {
    if (slot.dead) return;
    slot.dead = true;
    for (const task of slot.tasks) task.settle(new PoolError(code, reason));
    slot.tasks.clear();
    void slot.worker?.terminate();
    if (closed) return;
    // A worker that keeps dying right after it starts (a broken script, a crash on every input)
    // is replaced with growing delays instead of in a tight loop.
    const strikes = Date.now() - slot.startedAt < YOUNG_DEATH_MS ? slot.strikes + 1 : 0;
    slots[slots.indexOf(slot)] = start(strikes);
  };

  const start = (strikes = 0): Slot => {
    const slot: Slot = {
      tasks: new Set(),
      dead: false,
      ready: Promise.resolve() as never,
      startedAt: Date.now(),
      strikes,
    };
    const delayMs = strikes === 0 ? 0 : Math.min(RESPAWN_DELAY_MAX_MS, 50 * 2 ** strikes);
    slot.ready = (async () => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (slot.dead) throw new Error('the pool is closed');
      const worker = await spawnWorker(url);
      slot.worker = worker;
      // Closed or failed while spawning: fail() had no worker to terminate, so do it here.
      if (slot.dead) {
        void worker.terminate();
        throw new Error('the pool is closed');
      }
      worker.onExit((reason) => fail(slot, 'worker_crashed', reason));
      const remote = wrap<WorkerApi>(worker.endpoint);
      await Promise.race([remote.init(module), worker.exited]);
      return remote;
    })();
    // A worker that cannot start is a dead worker: its tasks fail, and it is replaced.
    slot.ready.catch((error: Error) => fail(slot, 'worker_crashed', `worker failed to start: ${error.message}`));
    return slot;
  };

  const slots: Slot[] = Array.from({ length: workers }, () => start());
  try {
    await Promise.all(slots.map((s) => s.ready));
  } catch (error) {
    // Nobody can close a pool that was never returned: stop it here, or failed workers are
    // replaced (and fail again) forever.
    closed = true;
    for (const slot of slots) fail(slot, 'closed', 'the pool failed to start');
    throw error;
  }

  /** One task on the least busy worker: bounded, with a deadline, failed if the worker dies. */
  const run = <T>(call: (remote: Remote<WorkerApi>) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (closed) return reject(new PoolError('closed', 'the pool is closed'));
      if (outstanding >= queueMax)
        return reject(new PoolError('queue_full', `more than ${queueMax} chunks outstanding`));
      const slot = slots.reduce((a, b) => (b.tasks.size < a.tasks.size ? b : a));
      outstanding += 1;
      const timer = setTimeout(() => fail(slot, 'timeout', `no answer within ${timeoutMs} ms`), timeoutMs);
      const task: Task = {
        settle(error, value) {
          if (!slot.tasks.delete(task)) return;
          clearTimeout(timer);
          outstanding -= 1;
          if (error) reject(error);
          else resolve(value as T);
        },
      };
      slot.tasks.add(task);
      // No Promise.race with `worker.exited` here: that promise stays pending for the worker's
      // life and would keep every call's result reachable (a leak of ~0.5 KB per check under
      // load); a dying worker settles its tasks through onExit → fail() instead.
      slot.ready
        .then((remote) => call(remote))
        .then(
          (value) => task.settle(undefined, value),
          (error: Error) => task.settle(error),
        );
    });

  const runPacked = (packed: PackedBatch): Promise<number[]> => {
    const buffers = [packed.messages, packed.messageEnds, packed.signatures, packed.publicKeys, packed.indices].map(
      (a) => a.buffer,
    );
    return run((remote) => remote.verifyPacked(transfer(packed, buffers)) as Promise<number[]>);
  };

  const runChecks = (checks: readonly Uint8Array[], options: PreparedOptions): Promise<CheckVerdict[]> => {
    const packed: PackedChecks = { checks: pack(checks), options };
    return run(
      (remote) =>
        remote.verifyChecksPacked(transfer(packed, [packed.checks.data.buffer, packed.checks.ends.buffer])) as Promise<
          CheckVerdict[]
        >,
    );
  };

  return {
    size: workers,
    async verifyBatch(items: readonly BatchItem[]): Promise<BatchResult> {
      if (closed) throw new PoolError('closed', 'the pool is closed');
      if (!Array.isArray(items)) throw new TypeError(`items: expected an array, got ${typeof items}`);
      const chunks = Math.max(1, Math.min(workers, Math.floor(items.length / chunkMin)));
      const size = Math.ceil(items.length / chunks);
      const parts: Promise<number[]>[] = [];
      for (let start = 0; start < items.length; start += size) {
        parts.push(runPacked(packBatch(items.slice(start, start + size), start)));
      }
      const invalid = (await Promise.all(parts)).flat().sort((a, b) => a - b);
      return { valid: invalid.length === 0, invalid };
    },
    async verifyChecks(checks: readonly Uint8Array[], options: VerifyChecksOptions): Promise<CheckVerdict[]> {
      if (closed) throw new PoolError('closed', 'the pool is closed');
      if (!Array.isArray(checks)) throw new TypeError(`checks: expected an array, got ${typeof checks}`);
      checks.forEach((c, i) => {
        if (!(c instanceof Uint8Array)) throw new TypeError(`checks[${i}]: expected a Uint8Array`);
      });
      if (options === null || typeof options !== 'object' || !(options.anchors instanceof Map))
        throw new TypeError('options: expected { anchors: Map, now, revoked? }');
      if (checks.length === 0) return [];
      // Once per batch, not per chunk: the revocation list can hold 10^4 ids.
      const prepared = prepareOptions(options);
      const chunks = Math.max(1, Math.min(workers, Math.floor(checks.length / chunkMin)));
      const size = Math.ceil(checks.length / chunks);
      const parts: Promise<CheckVerdict[]>[] = [];
      for (let start = 0; start < checks.length; start += size)
        parts.push(runChecks(checks.slice(start, start + size), prepared));
      return (await Promise.all(parts)).flat();
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const slot of slots) fail(slot, 'closed', 'the pool is closed');
      await Promise.all(slots.map((slot) => slot.worker?.terminate()));
    },
  };
}
