// What a pool worker does, independent of the thread API that carries the calls.

import { type CheckVerdict, type PreparedOptions, verifyPackedChecks } from '../checks.ts';
import { type PackedBatch, verifyPacked } from '../ed25519.ts';
import { initCore } from '../loader.ts';
import { installErrorTransfer } from './errors.ts';

installErrorTransfer();

export const workerApi = {
  /** Instantiates the core from the module the pool compiled once. */
  async init(module: WebAssembly.Module): Promise<void> {
    await initCore(module);
  },
  /** Verifies one chunk; returns the caller's indices of invalid items. */
  verifyPacked(packed: PackedBatch): number[] {
    return verifyPacked(packed);
  },
  /** Verifies one chunk of signed checks (packed: concatenated bytes and end offsets); one verdict per check. */
  verifyChecksPacked(packed: PackedChecks): CheckVerdict[] {
    return verifyPackedChecks(packed.checks, packed.options);
  },
};

/** A chunk of checks for one worker (packed, transferred), with the batch's options, checked and
 * packed once on the pool's side. */
export interface PackedChecks {
  checks: { data: Uint8Array; ends: Uint32Array };
  options: PreparedOptions;
}

export type WorkerApi = typeof workerApi;
