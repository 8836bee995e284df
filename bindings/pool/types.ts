// The pool's interfaces: what a pool of workers offers (the worker-thread pool and its in-thread
// twin alike), how it is configured, and how its workers are started. What the workers do is the
// caller's: an API object (an object of functions, with an `init`) that each worker exposes.

import type { Remote } from 'comlink';

/** What every worker API has: `init` runs once per worker before any task, with the pool's `init` value. */
export interface WorkerApi<Init> {
  init(value: Init): Promise<void>;
}

/** A contiguous part of a batch and where it starts in the batch. */
export interface Chunk<T> {
  start: number;
  items: T[];
}

export interface WorkerPool<Api> {
  /** Number of worker threads (0 for the in-thread twin). */
  readonly size: number;
  /** True once {@link close} was called: every later task rejects with PoolError('closed'). */
  readonly closed: boolean;
  /** Cuts a batch into contiguous chunks, one per worker, none smaller than `chunkMin` (one chunk in-thread). */
  chunks<T>(items: readonly T[]): Chunk<T>[];
  /**
   * Runs one task on the least busy worker: bounded (PoolError 'queue_full'), with a deadline
   * ('timeout'), failed if the worker dies ('worker_crashed'), never left hanging.
   */
  run<T>(task: (worker: Remote<Api>) => Promise<T>): Promise<T>;
  /** What the pool holds now, for the servers' metrics. */
  load(): PoolLoad;
  /** Rejects pending work with PoolError('closed') and releases every worker. */
  close(): Promise<void>;
}

/** A pool's state at one moment: chunks waiting or running against its bound, workers replaced. */
export interface PoolLoad {
  workers: number;
  outstanding: number;
  queueMax: number;
  /** Workers replaced since the start (crashed, timed out, failed to start). */
  restarts: number;
}

export interface PoolOptions {
  /** Worker threads to start (1..64). */
  workers: number;
  /** Most chunks waiting or running at once; more is refused with PoolError('queue_full'). */
  queueMax?: number;
  /** A chunk not answered in this time fails with PoolError('timeout') and its worker is replaced. */
  timeoutMs?: number;
  /** Batches are cut into chunks of at least this many items, so small batches use one worker. */
  chunkMin?: number;
  /** Node worker script to run instead of the default (tests use it to inject a crashing worker). */
  workerUrl?: URL;
}

/** What the workers run and what each is given at start. */
export interface WorkerSpec<Init> {
  /**
   * Node: the module whose `workerApi` export each worker thread exposes (loaded by
   * worker-node.ts). A `file:` URL.
   */
  api: URL;
  /**
   * Browsers: starts one module Web Worker whose script calls `exposeInWebWorker(api)`. The caller
   * writes it as `() => new Worker(new URL('./x.ts', import.meta.url), { type: 'module' })` so that
   * bundlers (Vite, webpack 5, Parcel) find the worker and bundle it with its imports.
   */
  web?: () => Worker;
  /** Made once here and passed to every worker's `init`, respawned ones too (e.g. compiled modules). */
  init(): Promise<Init>;
}

export const poolDefaults = Object.freeze({ queueMax: 4096, timeoutMs: 30_000, chunkMin: 64 });
