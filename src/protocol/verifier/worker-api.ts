// What a check-verifying worker does (the bank's pool workers, the wallet's verifier worker),
// independent of the thread API that carries the calls: bindings/pool starts the workers and
// serves this object (worker-node.ts in Node; a Web Worker script calling exposeInWebWorker).
// Such a worker loads both WebAssembly modules: the primitives (Ed25519 batches) and the check
// verifier.

import { initCore } from '../../../bindings/core.ts';
import { batchWorkerApi, transfer } from '../../../bindings/pool/index.ts';
import { type PreparedOptions, verifyPackedChecksRaw } from './checks.ts';
import { verifierWasm } from './loader.ts';

/** The two modules, compiled once by the pool and posted to every worker. */
export interface VerifierModules {
  core: WebAssembly.Module;
  verifier: WebAssembly.Module;
}

/** A chunk of checks for one worker (packed, transferred), with the batch's options, checked and
 * packed once on the pool's side. */
export interface PackedChecks {
  checks: { data: Uint8Array; ends: Uint32Array };
  options: PreparedOptions;
}

export const workerApi = {
  /** Instantiates both modules: from the pool's compiled modules, or (none given) compiled here. */
  async init(modules: VerifierModules | undefined): Promise<void> {
    await Promise.all([initCore(modules?.core), verifierWasm.init(modules?.verifier)]);
  },
  ...batchWorkerApi,
  /**
   * Verifies one chunk of signed checks (packed: concatenated bytes and end offsets). Returns the
   * core's result records in one transferred buffer (the caller decodes them: readVerdicts), or
   * null when the options name a revocation version this worker does not hold and carry no ids.
   */
  verifyChecksPacked(packed: PackedChecks): Uint8Array | null {
    const out = verifyPackedChecksRaw(packed.checks, packed.options);
    return out && transfer(out, [out.buffer]);
  },
};

export type VerifierWorkerApi = typeof workerApi;
