// Step 1, open: the merchant's sealed, signed deposit, checked against the bank's revocations. A
// revoked or foreign merchant, a bad signature or a batch too large is refused whole, before any
// check is looked at.
import { openDeposit } from '../../protocol/capture.ts';
import { revocationKey } from '../../protocol/certificate.ts';
import type { DepositBatch } from '../../protocol/messages.ts';
import type { Verified } from '../../protocol/signed.ts';
import type { Database } from '../db.ts';
import { BankError } from '../errors.ts';
import { type Bank, openWithAnyKey } from '../issuing.ts';
import type { CaptureOptions } from './types.ts';

export interface OpenedBatch {
  batch: Verified<DepositBatch>;
  /** The revoked certificates as `issuer/subject` keys, sorted: the verifier refuses checks under them. */
  revoked: string[];
}

export async function openBatch(
  db: Database,
  bank: Bank,
  envelope: Uint8Array,
  o: Pick<CaptureOptions, 'now' | 'maxSkewS' | 'checksMax'>,
): Promise<OpenedBatch> {
  // Lost cards stay capturable until settled: checks made before the loss may still arrive. Purses
  // revoked as clones or overspent too: book.ts admits their checks dated before the revocation
  // reached the terminals, which the guarantee covers (docs/guarantee.md).
  const subjects = (
    await db.query<{ subject: string }>(
      "select subject from revocations r where not exists (select 1 from purses p where p.purse_id = r.subject and p.status in ('lost', 'fraud', 'overspent')) order by subject",
    )
  ).map((r) => r.subject);
  const revoked = subjects.map((s) => revocationKey(bank.id, s));
  // The current key-exchange key first, then earlier generations (a merchant still holding the
  // bank certificate of before a key rotation seals to its key).
  const batch = openWithAnyKey(bank, (keys) =>
    openDeposit(keys, envelope, {
      anchors: bank.anchors,
      now: o.now,
      revoked: new Set(revoked),
      ...(o.maxSkewS !== undefined ? { maxSkewS: o.maxSkewS } : {}),
    }),
  );
  if (o.checksMax !== undefined && batch.body.checks.length > o.checksMax)
    throw new BankError('bad_request', `${batch.body.checks.length} checks in one batch, at most ${o.checksMax}`);
  return { batch, revoked };
}
