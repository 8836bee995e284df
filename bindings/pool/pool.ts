// A pool of worker threads that each serve the same API: the machinery, not the work (what the
// workers do is the caller's: src/protocol/verifier/ defines the check-verifying ones).
//
// What every worker is given at start (`spec.init`, e.g. WebAssembly modules compiled once here)
// is made once and posted to each worker, which instantiates them. A batch is cut into contiguous
// chunks, one per worker (never smaller than `chunkMin`). Every chunk is a task with a deadline;
// the number of outstanding tasks is bounded; a worker that dies or misses a deadline fails its
// tasks with a PoolError and is replaced, so no call can hang.
import { type Remote, wrap } from 'comlink';
import { integer } from '../check.ts';
import { installErrorTransfer, PoolError, type PoolErrorCode } from './errors.ts';
import { type SpawnedWorker, spawnWorker, workerStart } from './spawn.ts';
import {
  type Chunk,
  type PoolOptions,
  poolDefaults,
  type WorkerApi,
  type WorkerPool,
  type WorkerSpec,
} from './types.ts';

interface Task {
  settle(error: Error | undefined, value?: unknown): void;
}

interface Slot<Api> {
  ready: Promise<Remote<Api>>;
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

export async function createWorkerPool<Api extends WorkerApi<Init>, Init>(
  options: PoolOptions,
  spec: WorkerSpec<Init>,
): Promise<WorkerPool<Api>> {
  const workers = integer('workers', options.workers, 1, 64);
  const queueMax = integer('queueMax', options.queueMax ?? poolDefaults.queueMax, 1, 1_000_000);
  const timeoutMs = integer('timeoutMs', options.timeoutMs ?? poolDefaults.timeoutMs, 1, 3_600_000);
  const chunkMin = integer('chunkMin', options.chunkMin ?? poolDefaults.chunkMin, 1, 1_000_000);
  const launch = workerStart(spec, options.workerUrl);
  installErrorTransfer();
  const initValue = await spec.init();
  let closed = false;
  let outstanding = 0;
  let restarts = 0;

  const fail = (slot: Slot<Api>, code: PoolErrorCode, reason: string) => {
    if (slot.dead) return;
    slot.dead = true;
    for (const task of slot.tasks) task.settle(new PoolError(code, reason));
    slot.tasks.clear();
    void slot.worker?.terminate();
    if (closed) return;
    // A worker that keeps dying right after it starts (a broken script, a crash on every input)
    // is replaced with growing delays instead of in a tight loop.
    const strikes = Date.now() - slot.startedAt < YOUNG_DEATH_MS ? slot.strikes + 1 : 0;
    restarts += 1;
    slots[slots.indexOf(slot)] = start(strikes);
  };

  const start = (strikes = 0): Slot<Api> => {
    const slot: Slot<Api> = {
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
      const worker = await spawnWorker(launch);
      slot.worker = worker;
      // Closed or failed while spawning: fail() had no worker to terminate, so do it here.
      if (slot.dead) {
        void worker.terminate();
        throw new Error('the pool is closed');
      }
      worker.onExit((reason) => fail(slot, 'worker_crashed', reason));
      const remote = wrap<Api>(worker.endpoint);
      // Typed loosely: comlink's Remote cannot relate `Init` to its own clone type of `Init`.
      await Promise.race([(remote as unknown as Remote<WorkerApi<unknown>>).init(initValue), worker.exited]);
      return remote;
    })();
    // A worker that cannot start is a dead worker: its tasks fail, and it is replaced.
    slot.ready.catch((error: Error) => fail(slot, 'worker_crashed', `worker failed to start: ${error.message}`));
    return slot;
  };

  const slots: Slot<Api>[] = Array.from({ length: workers }, () => start());
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
  const run = <T>(call: (remote: Remote<Api>) => Promise<T>): Promise<T> =>
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

  /** Contiguous chunks, one per worker, none smaller than `chunkMin`. */
  const chunks = <T>(items: readonly T[]): Chunk<T>[] => {
    const count = Math.max(1, Math.min(workers, Math.floor(items.length / chunkMin)));
    const size = Math.ceil(items.length / count);
    const out: Chunk<T>[] = [];
    for (let at = 0; at < items.length; at += size) out.push({ start: at, items: items.slice(at, at + size) });
    return out;
  };

  return {
    size: workers,
    get closed() {
      return closed;
    },
    chunks,
    run,
    load: () => ({ workers, outstanding, queueMax, restarts }),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const slot of slots) fail(slot, 'closed', 'the pool is closed');
      await Promise.all(slots.map((slot) => slot.worker?.terminate()));
    },
  };
}
