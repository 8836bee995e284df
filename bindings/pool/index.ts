// The verifier pool: worker threads (comlink over worker_threads in Node, Web Workers in browsers)
// and an in-thread twin with the same interface.

export { PoolError, type PoolErrorCode } from './errors.ts';
export { createInThreadVerifier } from './in-thread.ts';
export { createVerifierPool } from './pool.ts';
export type { PoolOptions, VerifierPool } from './types.ts';
