// The worker pool: worker threads (comlink over worker_threads in Node, Web Workers in browsers)
// that each expose one API, and an in-thread twin with the same interface. It knows no payments:
// the check-verifying workers are the protocol layer's (src/protocol/verifier/).

export { transfer } from 'comlink';
export { batchWorkerApi, verifyBatchOn } from './batch.ts';
export { PoolError, type PoolErrorCode } from './errors.ts';
export { createInThreadPool } from './in-thread.ts';
export { siblingModule } from './module-url.ts';
export { createWorkerPool } from './pool.ts';
export type { Chunk, PoolLoad, PoolOptions, WorkerApi, WorkerPool, WorkerSpec } from './types.ts';
export { exposeInWebWorker } from './worker-web.ts';
