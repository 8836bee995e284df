// The checks the constraints did not let in: the row already there for their (purse, serial) has
// the same hash (DuplicateCheck: deposited before, or twice in this batch) or another one
// (CloneDetected: two different checks with one serial). A clone is proved (makeFraudProof from the
// two signed checks), the proof kept in fraud_evidence, and the purse marked fraud and revoked.
// The clone's check is then paid under the guarantee when the rules allow (guarantee.ts), else
// refused with the reason (324–327); a clone's check paid before is a duplicate.
import { toHex } from '../../bytes.ts';
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
  /** The batch the first check came in. */
  b: Uint8Array;
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
  const rows = await tx.query<ExistingRow>(
    `select c.purse_id || '/' || c.serial as k, encode(c.check_hash, 'hex') as h, c.batch_index as i, c.batch_hash as b
       from checks c join unnest($1::text[], $2::bigint[]) as t(p, s) on c.purse_id = t.p and c.serial = t.s`,
    [seen.map((c) => c.fields.purseId), seen.map((c) => c.fields.serial)],
  );
  const existing = new Map(rows.map((r) => [r.k, r]));
  // Their deposits in a second statement: checks are kept by purse, batches by merchant (on Citus
  // two tables distributed by different columns, which one join cannot combine).
  const deposits = await storedDeposits(
    tx,
    rows.map((r) => r.b),
  );
  for (const c of seen) {
    const row = existing.get(`${c.fields.purseId}/${c.fields.serial}`);
    const out = outcomes[c.index] as CheckOutcome;
    if (!row || row.h === c.hashHex || (await guarantee.alreadyPaid(c))) {
      out.code = ErrorCode.DuplicateCheck;
      continue;
    }
    const mine = checks[c.index] as Uint8Array;
    // No stored deposit while the first check came in this very batch (not stored yet).
    const deposit = deposits.get(toHex(row.b));
    const first = deposit ? (depositedChecks(deposit)[row.i] as Uint8Array) : (checks[row.i] as Uint8Array);
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

/** The stored merchant-signed deposits of these batches, by batch hash (hex). */
async function storedDeposits(tx: Queryable, batchHashes: readonly Uint8Array[]): Promise<Map<string, Uint8Array>> {
  if (batchHashes.length === 0) return new Map();
  const rows = await tx.query<{ h: string; deposit: Uint8Array }>(
    "select encode(batch_hash, 'hex') as h, deposit from batches where batch_hash = any($1::bytea[])",
    [batchHashes.map((h) => bytea(new Uint8Array(h)))],
  );
  return new Map(rows.map((r) => [r.h, r.deposit]));
}

/** The checks of a stored merchant-signed deposit (batches.deposit), in batch order. */
function depositedChecks(deposit: Uint8Array): Uint8Array[] {
  return depositBatch.decode(parseSign1(new Uint8Array(deposit)).payload).checks;
}
