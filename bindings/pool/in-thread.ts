// The same VerifierPool interface without threads: for tests, for single-core hosts, and as the
// reference the threaded pool must agree with.
import { verifyBatch, type BatchItem, type BatchResult } from '../ed25519.ts';
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
    async close(): Promise<void> {
      closed = true;
    },
  };
}
