// What a pool worker does, independent of the thread API that carries the calls.
import { initCore } from '../loader.ts';
import { verifyPacked, type PackedBatch } from '../ed25519.ts';
import { verifyChecks, type CheckVerdict } from '../checks.ts';
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
    const checks: Uint8Array[] = [];
    let start = 0;
    for (const end of packed.ends) {
      checks.push(packed.data.subarray(start, end));
      start = end;
    }
    return verifyChecks(checks, { anchors: packed.anchors, now: packed.now, revoked: packed.revoked });
  },
};

/** A chunk of checks for one worker: bytes and end offsets (transferred), plus the verify options. */
export interface PackedChecks {
  data: Uint8Array;
  ends: Uint32Array;
  anchors: Map<string, Uint8Array>;
  now: number;
  revoked: string[];
}

export type WorkerApi = typeof workerApi;
