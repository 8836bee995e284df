// The same VerifierPool interface without threads (bindings/pool's in-thread twin running the worker
// API here): for tests, for single-core hosts, and as the reference the threaded pool must agree
// with. Both modules must be initialised in this thread (index.ts does it).

import { createInThreadPool } from '../../../bindings/pool/index.ts';
import type { VerifierPool } from './types.ts';
import { verifierOn } from './verifier.ts';
import { workerApi } from './worker-api.ts';

export function createInThreadVerifier(): VerifierPool {
  return verifierOn(createInThreadPool(workerApi));
}
