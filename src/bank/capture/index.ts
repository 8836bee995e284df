// Protocol 5 as a service, in four named steps: open the merchant's sealed, signed deposit batch
// (open.ts); verify every check in the worker pool (verify.ts); then, in one database transaction,
// book it — the constraints decide duplicates and clones, each purse is credited within what it
// was loaded (book.ts) — and store the signed receipt under the batch's payload hash (receipt.ts),
// so a re-submission gets the same receipt back and credits nothing.
import { toHex } from '../../bytes.ts';
import type { Database } from '../db.ts';
import { currentReceipt } from '../interbank/receipt.ts';
import type { Bank } from '../issuing.ts';
import { bookBatch } from './book.ts';
import { openBatch } from './open.ts';
import { replayed, storedReceipt, storeReceipt } from './receipt.ts';
import type { CaptureOptions, CaptureResult } from './types.ts';
import { verifyBatch } from './verify.ts';

export type { CaptureOptions, CaptureResult, CaptureStep } from './types.ts';

export async function captureBatch(
  db: Database,
  bank: Bank,
  envelope: Uint8Array,
  o: CaptureOptions,
): Promise<CaptureResult> {
  const t0 = performance.now();
  const { batch, revoked } = await openBatch(db, bank, envelope, o);
  const count = batch.body.checks.length;
  const prior = await storedReceipt(db, batch);
  const t1 = performance.now();
  // Asked again: the foreign checks' outcomes as their issuers have answered since.
  if (prior) return replayed(await currentReceipt(db, bank.party, batch, prior), count, t1 - t0);

  // Outside the transaction: no row is locked while the signatures are checked.
  const verified = await verifyBatch(batch.body, o.verifier, {
    anchors: bank.anchors,
    now: o.now,
    revoked: revoked.captureList,
    revokedVersion: revoked.version,
  });
  const t2 = performance.now();
  await o.onStep?.('verified');

  const result = await db.transaction(async (tx) => {
    // Two PostgreSQL processes capturing the same batch: the second waits here, then finds the receipt.
    if (db.driver === 'pg') await tx.query('select pg_advisory_xact_lock(hashtext($1))', [toHex(batch.hash)]);
    const again = await storedReceipt(tx, batch);
    if (again) return { replay: true as const, receipt: new Uint8Array(again) };
    const booked = await bookBatch(tx, bank, batch, verified, { ...o, distributed: db.distributed });
    await o.onStep?.('booked');
    return {
      replay: false as const,
      booked,
      receipt: await storeReceipt(tx, bank.party, batch, verified.hashes, booked, o.now),
    };
  });
  const t3 = performance.now();
  if (result.replay) return replayed(await currentReceipt(db, bank.party, batch, result.receipt), count, t1 - t0);
  return {
    receipt: result.receipt,
    outcomes: result.booked.outcomes,
    credited: result.booked.credited,
    replayed: false,
    timings: { openMs: t1 - t0, verifyMs: t2 - t1, dbMs: t3 - t2 },
  };
}
