// Step 1, open: the merchant's sealed, signed deposit, checked against the bank's revocations (the
// service's snapshot, src/bank/revocations.ts: one version read per request). A revoked or foreign
// merchant, a bad signature or a batch too large is refused whole, before any check is looked at.
import { openDeposit } from '../../protocol/capture.ts';
import type { DepositBatch } from '../../protocol/messages.ts';
import type { Verified } from '../../protocol/signed.ts';
import type { Database } from '../db.ts';
import { BankError } from '../errors.ts';
import { type Bank, openWithAnyKey } from '../issuing.ts';
import { Revocations, type RevokedNow } from '../revocations.ts';
import type { CaptureOptions } from './types.ts';

export interface OpenedBatch {
  batch: Verified<DepositBatch>;
  /** The revocations the batch was opened against: the verifier refuses checks under them too. */
  revoked: RevokedNow;
}

export async function openBatch(
  db: Database,
  bank: Bank,
  envelope: Uint8Array,
  o: Pick<CaptureOptions, 'now' | 'maxSkewS' | 'checksMax' | 'revocations'>,
): Promise<OpenedBatch> {
  // Without the service's snapshot (a one-off capture), the revocations are read for this batch.
  const revoked = await (o.revocations ?? new Revocations(db, bank.id)).current();
  // The current key-exchange key first, then earlier generations (a merchant still holding the
  // bank certificate of before a key rotation seals to its key).
  const batch = openWithAnyKey(bank, (keys) =>
    openDeposit(keys, envelope, {
      anchors: bank.anchors,
      now: o.now,
      revoked: revoked.capture,
      ...(o.maxSkewS !== undefined ? { maxSkewS: o.maxSkewS } : {}),
    }),
  );
  if (o.checksMax !== undefined && batch.body.checks.length > o.checksMax)
    throw new BankError('bad_request', `${batch.body.checks.length} checks in one batch, at most ${o.checksMax}`);
  return { batch, revoked };
}
