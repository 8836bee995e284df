// A VerifierPool over any pool of check-verifying workers (threads, or the in-thread twin): the
// batch is cut into one chunk per worker, each packed into flat buffers and transferred; each
// worker's verdicts come back as the core's records in one transferred buffer, decoded here. A
// versioned revocation list travels as its version alone: a worker that does not hold it yet
// answers null and gets the chunk again with the ids (once per worker and version).

import type { BatchItem, BatchResult } from '../../../bindings/ed25519.ts';
import { PoolError, transfer, verifyBatchOn, type WorkerPool } from '../../../bindings/pool/index.ts';
import { type CheckVerdict, pack, prepareOptions, readVerdicts, type VerifyChecksOptions } from './checks.ts';
import type { VerifierPool } from './types.ts';
import type { PackedChecks, VerifierWorkerApi } from './worker-api.ts';

export function verifierOn(pool: WorkerPool<VerifierWorkerApi>): VerifierPool {
  return {
    size: pool.size,
    verifyBatch: (items: readonly BatchItem[]): Promise<BatchResult> => verifyBatchOn(pool, items),
    async verifyChecks(checks: readonly Uint8Array[], options: VerifyChecksOptions): Promise<CheckVerdict[]> {
      if (pool.closed) throw new PoolError('closed', 'the pool is closed');
      if (!Array.isArray(checks)) throw new TypeError(`checks: expected an array, got ${typeof checks}`);
      checks.forEach((c, i) => {
        if (!(c instanceof Uint8Array)) throw new TypeError(`checks[${i}]: expected a Uint8Array`);
      });
      if (options === null || typeof options !== 'object' || !(options.anchors instanceof Map))
        throw new TypeError('options: expected { anchors: Map, now, revoked? }');
      // Once per batch, not per chunk: the revocation list can hold 10^4 ids. Before the empty
      // case, so that bad options are refused whatever the batch (as verifyChecks does).
      const prepared = prepareOptions(options);
      if (checks.length === 0) return [];
      const versionOnly =
        prepared.revoked.version === undefined
          ? prepared
          : { ...prepared, revoked: { version: prepared.revoked.version } };
      const parts = pool.chunks(checks).map(({ items }) =>
        pool.run(async (worker) => {
          const send = (options: typeof prepared) => {
            const packed: PackedChecks = { checks: pack(items), options };
            const buffers = [packed.checks.data.buffer, packed.checks.ends.buffer];
            return worker.verifyChecksPacked(transfer(packed, buffers)) as Promise<Uint8Array | null>;
          };
          const out = (await send(versionOnly)) ?? (await send(prepared));
          if (!out) throw new Error('verify_checks: the worker holds no revocation set even with the ids');
          return readVerdicts(out, items.length);
        }),
      );
      return (await Promise.all(parts)).flat();
    },
    load: () => pool.load(),
    close: () => pool.close(),
  };
}
