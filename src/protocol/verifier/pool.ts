// The check-verifying worker pool: bindings/pool's machinery (bounded queue, deadlines, respawn)
// running this folder's worker API, which loads both WebAssembly modules. Importing this file
// loads neither: the browser wallet's page imports it and stays on the primitives.

import { compileCore } from '../../../bindings/core.ts';
import { createWorkerPool, siblingModule } from '../../../bindings/pool/index.ts';
import { verifierWasm } from './loader.ts';
import type { VerifierPool, VerifierPoolOptions } from './types.ts';
import { verifierOn } from './verifier.ts';
import type { VerifierModules, VerifierWorkerApi } from './worker-api.ts';

export async function createVerifierPool(options: VerifierPoolOptions): Promise<VerifierPool> {
  const pool = await createWorkerPool<VerifierWorkerApi, VerifierModules | undefined>(options, {
    api: siblingModule('worker-api', import.meta.url),
    ...(options.web ? { web: options.web } : {}),
    init: async () => {
      if (options.compileInWorkers) return undefined;
      const [core, verifier] = await Promise.all([compileCore(), verifierWasm.compile()]);
      return { core, verifier };
    },
  });
  return verifierOn(pool);
}
