// Ed25519 batch verification across a pool: each chunk packed into flat buffers and transferred,
// not copied. Any worker API that includes `batchWorkerApi` can serve it.
import { transfer } from 'comlink';
import { type BatchItem, type BatchResult, type PackedBatch, packBatch, verifyPacked } from '../ed25519.ts';
import { PoolError } from './errors.ts';
import type { WorkerPool } from './types.ts';

/** The worker side: verifies one packed chunk; returns the caller's indices of invalid items. */
export const batchWorkerApi = {
  verifyPacked(packed: PackedBatch): number[] {
    return verifyPacked(packed);
  },
};

/** Same result as `ed25519.verifyBatch(items)`, computed across the pool's workers. */
export async function verifyBatchOn(
  pool: WorkerPool<typeof batchWorkerApi>,
  items: readonly BatchItem[],
): Promise<BatchResult> {
  if (pool.closed) throw new PoolError('closed', 'the pool is closed');
  if (!Array.isArray(items)) throw new TypeError(`items: expected an array, got ${typeof items}`);
  const parts = pool.chunks(items).map(({ start, items: chunk }) => {
    const packed = packBatch(chunk, start);
    const buffers = [packed.messages, packed.messageEnds, packed.signatures, packed.publicKeys, packed.indices].map(
      (a) => a.buffer,
    );
    return pool.run((worker) => worker.verifyPacked(transfer(packed, buffers)) as Promise<number[]>);
  });
  const invalid = (await Promise.all(parts)).flat().sort((a, b) => a - b);
  return { valid: invalid.length === 0, invalid };
}
