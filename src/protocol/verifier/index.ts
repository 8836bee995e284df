// The check verifier: batch verification of signed checks in its own WebAssembly module
// (core-rs/checks), in this thread or across a worker pool. Importing this module instantiates the
// primitives and the verifier here (top-level await), so every function is ready to call; code
// that must not load the verifier in its thread (the wallet page) imports pool.ts alone.

import '../../../bindings/index.ts';
import { verifierWasm } from './loader.ts';

await verifierWasm.init();

export { PoolError, type PoolErrorCode } from '../../../bindings/pool/index.ts';
export type { CheckFields, CheckRefused, CheckVerdict, VerifyChecksOptions } from './checks.ts';
export { verifyChecks } from './checks.ts';
export { createInThreadVerifier } from './in-thread.ts';
export { verifierWasm } from './loader.ts';
export { createVerifierPool } from './pool.ts';
export type { VerifierPool, VerifierPoolOptions } from './types.ts';
