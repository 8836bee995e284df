// The checks the constraints did not let in: the row already there for their (purse, serial) has
// the same hash (DuplicateCheck: deposited before, or twice in this batch) or another one
// (CloneDetected: two different checks with one serial). A clone is proved (makeFraudProof from the
// two signed checks), the proof kept in fraud_evidence, and the purse marked fraud and revoked.
// The clone's check is then paid under the guarantee when the rules allow (guarantee.ts), else
// refused with the reason (324–327); a clone's check paid before is a duplicate.
import type { CheckOutcome } from '../../protocol/capture.ts';
import { parseSign1 } from '../../protocol/cose.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { makeFraudProof } from '../../protocol/fraud.ts';
import { depositBatch } from '../../protocol/messages.ts';
import { bytea, type Queryable } from '../db.ts';
import { revoke } from '../issuing.ts';
import type { PurseRow } from './credit.ts';
import type { GuaranteeBook } from './guarantee.ts';
import type { Candidate } from './verify.ts';

type ExistingRow = {
  k: string;
  h: string;
  /** The stored deposit the first check came in; null while that is this very batch (not stored yet). */
  deposit: Uint8Array | null;
  /** The first check's place in its batch. */
  i: number;
};

export async function resolveConflicts(
  tx: Queryable,
  seen: readonly Candidate[],
  checks: readonly Uint8Array[],
  purses: ReadonlyMap<string, PurseRow>,
  outcomes: CheckOutcome[],
  guarantee: GuaranteeBook,
  now: number,
): Promise<void> {
  if (seen.length === 0) return;
  const existing = new Map(
    (
      await tx.query<ExistingRow>(
        `select c.purse_id || '/' || c.serial as k, encode(c.check_hash, 'hex') as h, c.batch_index as i, b.deposit
           from checks c join unnest($1::text[], $2::bigint[]) as t(p, s) on c.purse_id = t.p and c.serial = t.s
           left join batches b on b.batch_hash = c.batch_hash`,
        [seen.map((c) => c.fields.purseId), seen.map((c) => c.fields.serial)],
      )
    ).map((r) => [r.k, r]),
  );
  for (const c of seen) {
    const row = existing.get(`${c.fields.purseId}/${c.fields.serial}`);
    const out = outcomes[c.index] as CheckOutcome;
    if (!row || row.h === c.hashHex || (await guarantee.alreadyPaid(c))) {
      out.code = ErrorCode.DuplicateCheck;
      continue;
    }
    const mine = checks[c.index] as Uint8Array;
    const first = row.deposit ? (depositedChecks(row.deposit)[row.i] as Uint8Array) : (checks[row.i] as Uint8Array);
    const proof = makeFraudProof(first, mine);
    await tx.query(
      "insert into fraud_evidence (check_hash, purse_id, serial, bytes, proof) values (decode($1, 'hex'), $2, $3, $4, $5) on conflict do nothing",
      [c.hashHex, c.fields.purseId, c.fields.serial, bytea(mine), bytea(proof)],
    );
    await tx.query("update purses set status = 'fraud', revoked_at = coalesce(revoked_at, $2) where purse_id = $1", [
      c.fields.purseId,
      now,
    ]);
    await revoke(tx, c.fields.purseId, 'clone', now);
    out.code = await guarantee.decide(c, purses.get(c.fields.purseId) as PurseRow, true);
    if (out.code === 0) out.credited = c.fields.amount;
  }
}

/** The checks of a stored merchant-signed deposit (batches.deposit), in batch order. */
function depositedChecks(deposit: Uint8Array): Uint8Array[] {
  return depositBatch.decode(parseSign1(new Uint8Array(deposit)).payload).checks;
}
