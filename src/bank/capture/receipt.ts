// Step 4, receipt: signed by the protocol layer's makeReceipt (with the verifier's check hashes, so
// no check is parsed again while the transaction holds its row locks) and stored with the
// merchant-signed deposit under the batch's payload hash; a re-submission of the batch gets the
// stored receipt back (replayed) and credits nothing.
import { makeReceipt } from '../../protocol/capture.ts';
import { parseSign1 } from '../../protocol/cose.ts';
import { captureReceipt, type DepositBatch } from '../../protocol/messages.ts';
import type { Signer, Verified } from '../../protocol/signed.ts';
import { bytea, type Queryable } from '../db.ts';
import type { Booked } from './book.ts';
import type { CaptureResult } from './types.ts';

/**
 * The receipt stored for the batch with this payload hash, if it was captured before. The hash
 * covers the merchant id, which the lookup names too: on Citus it reads the merchant's shard only.
 */
export async function storedReceipt(
  q: Queryable,
  batch: Pick<Verified<DepositBatch>, 'hash' | 'body'>,
): Promise<Uint8Array | undefined> {
  const [row] = await q.query<{ receipt: Uint8Array }>(
    'select receipt from batches where merchant_id = $1 and batch_hash = $2',
    [batch.body.merchantId, bytea(batch.hash)],
  );
  return row?.receipt;
}

/** Signs the receipt for the booked outcomes and stores it with the deposit. */
export async function storeReceipt(
  tx: Queryable,
  bank: Signer,
  batch: Verified<DepositBatch>,
  checkHashes: readonly Uint8Array[],
  booked: Booked,
  now: number,
): Promise<Uint8Array> {
  const receipt = makeReceipt(bank, batch.body, booked.outcomes, now, checkHashes);
  await tx.query(
    'insert into batches (batch_hash, deposit, merchant_id, batch_id, receipt, credited, checks_count) values ($1, $2, $3, $4, $5, $6, $7)',
    [
      bytea(batch.hash),
      bytea(batch.bytes),
      batch.body.merchantId,
      bytea(batch.body.batchId),
      bytea(receipt),
      booked.credited,
      batch.body.checks.length,
    ],
  );
  return receipt;
}

/** The result of a re-submitted batch: the stored receipt and the outcomes it gives. */
export function replayed(receipt: Uint8Array, count: number, openMs: number): CaptureResult {
  const body = captureReceipt.decode(parseSign1(receipt).payload);
  const outcomes = body.outcomes.map(([, code, credited]) => ({ code, credited }));
  if (outcomes.length !== count) throw new Error('stored receipt does not match the batch');
  return {
    receipt: new Uint8Array(receipt),
    outcomes,
    credited: body.totalCredited,
    replayed: true,
    timings: { openMs, verifyMs: 0, dbMs: 0 },
  };
}
