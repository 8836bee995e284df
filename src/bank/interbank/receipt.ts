// The merchant's receipt for a batch with foreign checks, asked again: the stored receipt said
// PresentedToIssuer (337) for them; once their issuer answered, the same batch deposited again gets
// a receipt with the issuer's outcome instead (0 and the amount credited, or its refusal code),
// signed now over the same batch. Ed25519 signatures are deterministic and the receipt is dated by
// the last answer, so asking again gives the same bytes; the stored receipt is kept as it was
// (the audit checks it against the deposit as given then).
import { makeReceipt } from '../../protocol/capture.ts';
import { parseSign1 } from '../../protocol/cose.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { captureReceipt, type DepositBatch } from '../../protocol/messages.ts';
import type { Signer, Verified } from '../../protocol/signed.ts';
import { bytea, type Queryable } from '../db.ts';

export async function currentReceipt(
  q: Queryable,
  bank: Signer,
  batch: Verified<DepositBatch>,
  stored: Uint8Array,
): Promise<Uint8Array> {
  const rows = await q.query<{
    batch_index: number;
    status: string;
    code: number | null;
    credited: number;
    at: number;
  }>(
    `select c.batch_index, c.status, c.code, c.credited, p.answered_at as at
       from presented_checks c join presentments p using (presentment_id)
      where c.batch_hash = $1 and c.status <> 'presented'`,
    [bytea(batch.hash)],
  );
  if (rows.length === 0) return stored;
  const body = captureReceipt.decode(parseSign1(new Uint8Array(stored)).payload);
  const outcomes = body.outcomes.map(([, code, credited]) => ({ code, credited }));
  let time = body.time;
  for (const r of rows) {
    const out = outcomes[r.batch_index];
    // Only this batch's own presented checks (a row of it stands at its index with 337).
    if (!out || out.code !== ErrorCode.PresentedToIssuer) continue;
    out.code = r.status === 'accepted' ? 0 : (r.code ?? ErrorCode.PresentmentAnswerMismatch);
    out.credited = r.status === 'accepted' ? r.credited : 0;
    time = Math.max(time, r.at);
  }
  return makeReceipt(
    bank,
    batch.body,
    outcomes,
    time,
    body.outcomes.map(([hash]) => hash),
  );
}
