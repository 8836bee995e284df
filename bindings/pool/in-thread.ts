// The same VerifierPool interface without threads: for tests, for single-core hosts, and as the
// reference the threaded pool must agree with.

import { type CheckVerdict, type VerifyChecksOptions, verifyChecks } from '../checks.ts';
import { type BatchItem, type BatchResult, verifyBatch } from '../ed25519.ts';
import { PoolError } from './errors.ts';
import type { VerifierPool } from './types.ts';

export function createInThreadVerifier(): VerifierPool {
  let closed = false;
  return {
    size: 0,
    async verifyBatch(items: readonly BatchItem[]): Promise<BatchResult> {
      if (closed) throw new PoolError('closed', 'the verifier is closed');
      return verifyBatch(items);
    },
    async verifyChecks(checks: readonly Uint8Array[], options: VerifyChecksOptions): Promise<CheckVerdict[]> {
      if (closed) throw new PoolError('closed', 'the verifier is closed');
      return verifyChecks(checks, options);
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}
