// The verifier pool: worker threads (comlink over worker_threads in Node, Web Workers in browsers)
// and an in-thread twin with the same interface.
export { createVerifierPool } from './pool.ts';
export { createInThreadVerifier } from './in-thread.ts';
export { PoolError, type PoolErrorCode } from './errors.ts';
export type { VerifierPool, PoolOptions } from './types.ts';
