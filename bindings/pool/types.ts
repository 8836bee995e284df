// The verifier pool's interface, shared by the worker-thread pool and the in-thread twin.

import type { CheckVerdict, VerifyChecksOptions } from '../checks.ts';
import type { BatchItem, BatchResult } from '../ed25519.ts';

export interface VerifierPool {
  /** Number of worker threads (0 for the in-thread implementation). */
  readonly size: number;
  /** Same result as `ed25519.verifyBatch(items)`, computed across the workers. */
  verifyBatch(items: readonly BatchItem[]): Promise<BatchResult>;
  /** Same verdicts as `verifyChecks(checks, options)` (bindings/checks.ts), in order, computed across the workers. */
  verifyChecks(checks: readonly Uint8Array[], options: VerifyChecksOptions): Promise<CheckVerdict[]>;
  /** Rejects pending work with PoolError('closed') and releases every worker. */
  close(): Promise<void>;
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
  /** Worker script to run instead of the default (tests use it to inject a crashing worker). */
  workerUrl?: URL;
}

export const poolDefaults = Object.freeze({ queueMax: 4096, timeoutMs: 30_000, chunkMin: 64 });
