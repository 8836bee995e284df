// The verifier pool's interface, shared by the worker-thread pool and the in-thread twin.

import type { BatchItem, BatchResult } from '../../../bindings/ed25519.ts';
import type { PoolLoad, PoolOptions } from '../../../bindings/pool/index.ts';
import type { CheckVerdict, VerifyChecksOptions } from './checks.ts';

export interface VerifierPool {
  /** Number of worker threads (0 for the in-thread implementation). */
  readonly size: number;
  /** Same result as `ed25519.verifyBatch(items)`, computed across the workers. */
  verifyBatch(items: readonly BatchItem[]): Promise<BatchResult>;
  /** Same verdicts as `verifyChecks(checks, options)` (checks.ts), in order, computed across the workers. */
  verifyChecks(checks: readonly Uint8Array[], options: VerifyChecksOptions): Promise<CheckVerdict[]>;
  /** Chunks waiting or running, the bound, workers replaced: for the bank's metrics. */
  load(): PoolLoad;
  /** Rejects pending work with PoolError('closed') and releases every worker. */
  close(): Promise<void>;
}

export interface VerifierPoolOptions extends PoolOptions {
  /**
   * Browsers: starts one module Web Worker whose script is
   * `exposeInWebWorker(workerApi)` (worker-api.ts), written by the caller as
   * `() => new Worker(new URL('./x.ts', import.meta.url), { type: 'module' })` for its bundler.
   */
  web?: () => Worker;
  /**
   * Each worker reads and compiles both modules itself, instead of the pool compiling them once
   * here and posting them: the browser wallet sets it, so that its page's main thread never loads
   * the check verifier.
   */
  compileInWorkers?: boolean;
}
