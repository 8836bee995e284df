// The verifier pool: batches of 1024 and 4096 signatures on 1 and 2 worker threads, next to the
// same batch verified in this thread. The figure that matters is the speedup, t(1 worker)/t(2).
import os from 'node:os';
import { ed25519 } from '../bindings/index.ts';
import { createVerifierPool } from '../src/protocol/verifier/pool.ts';
import { signedItems, withBadSignature } from './fixtures.ts';
import { measure, measureAsync, mustBe, type RunOptions, type SuiteResult, table } from './harness.ts';

export const POOL_SIZES = [1024, 4096] as const;
export const WORKER_COUNTS = [1, 2] as const;
/** A pool mark decides a target, so even a quick run takes this many batches (~1 s at 4096). */
const POOL_SAMPLES_MIN = 6;

export async function run(opts: RunOptions): Promise<SuiteResult> {
  const notes: string[] = [];
  const rows: SuiteResult['rows'] = [];
  const add = table('Pool', rows);
  const all = signedItems(Math.max(...POOL_SIZES));
  for (const n of POOL_SIZES) {
    const items = all.slice(0, n);
    const op = `batch ${n} (per signature)`;
    add(op, 'in-thread', await measure(() => ed25519.verifyBatch(items).valid, opts, POOL_SAMPLES_MIN), n);
    for (const workers of WORKER_COUNTS) {
      // Generous timeout: on a loaded machine a 4096 batch may take seconds, and a timeout would
      // fail the run rather than measure it.
      const verifier = await createVerifierPool({ workers, timeoutMs: 120_000 });
      try {
        // Correct before timed: a valid batch passes, one flipped signature is named exactly.
        mustBe((await verifier.verifyBatch(items)).valid, `pool(${workers}) accepts a valid batch of ${n}`);
        const bad = await verifier.verifyBatch(withBadSignature(items, n - 3));
        mustBe(!bad.valid && bad.invalid.join() === String(n - 3), `pool(${workers}) names the one bad item of ${n}`);
        const label = workers === 1 ? '1 worker' : `${workers} workers`;
        add(op, label, await measureAsync(() => verifier.verifyBatch(items), opts, POOL_SAMPLES_MIN), n);
      } finally {
        await verifier.close();
      }
    }
  }
  notes.push(
    `Pool: ${os.cpus().length} cores here; 2 workers can only be 2× faster when both cores are free, so other load on the machine lowers the speedup.`,
  );
  return { name: 'pool', rows, notes };
}
