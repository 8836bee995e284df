// What a pool worker does, independent of the thread API that carries the calls.
import { initCore } from '../loader.ts';
import { verifyPacked, type PackedBatch } from '../ed25519.ts';
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
};

export type WorkerApi = typeof workerApi;
