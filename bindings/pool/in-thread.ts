// The pool's in-thread twin: the same WorkerPool interface, its tasks run on the API object in this
// thread. For tests, for single-core hosts, and as the reference the threaded pool must agree with.
// The API's modules must already be initialised in this thread.
import type { Remote } from 'comlink';
import { PoolError } from './errors.ts';
import type { Chunk, WorkerPool } from './types.ts';

export function createInThreadPool<Api extends object>(api: Api): WorkerPool<Api> {
  let closed = false;
  // What a worker's comlink proxy gives: the same functions, their results as promises.
  const local = Object.fromEntries(
    Object.entries(api).map(([name, f]) => [
      name,
      typeof f === 'function' ? async (...args: unknown[]) => f.apply(api, args) : f,
    ]),
  ) as Remote<Api>;
  return {
    size: 0,
    get closed() {
      return closed;
    },
    chunks: <T>(items: readonly T[]): Chunk<T>[] => (items.length ? [{ start: 0, items: items.slice() }] : []),
    async run<T>(task: (worker: Remote<Api>) => Promise<T>): Promise<T> {
      if (closed) throw new PoolError('closed', 'the pool is closed');
      return task(local);
    },
    // Tasks run to completion as they are called: nothing ever waits.
    load: () => ({ workers: 0, outstanding: 0, queueMax: 0, restarts: 0 }),
    async close(): Promise<void> {
      closed = true;
    },
  };
}
