// What a check-verifying worker does (the bank's pool workers, the wallet's verifier worker),
// independent of the thread API that carries the calls: bindings/pool starts the workers and
// serves this object (worker-node.ts in Node; a Web Worker script calling exposeInWebWorker).
// Such a worker loads both WebAssembly modules: the primitives (Ed25519 batches) and the check
// verifier.

import { initCore } from '../../../bindings/core.ts';
import { batchWorkerApi } from '../../../bindings/pool/index.ts';
import { type CheckVerdict, type PreparedOptions, verifyPackedChecks } from './checks.ts';
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
  /** Verifies one chunk of signed checks (packed: concatenated bytes and end offsets); one verdict per check. */
  verifyChecksPacked(packed: PackedChecks): CheckVerdict[] {
    return verifyPackedChecks(packed.checks, packed.options);
  },
};

export type VerifierWorkerApi = typeof workerApi;
