// The audit_checkpoints table (migration 014): a bank's chain read in order, and one checkpoint
// written (the only row an audit ever writes).
import { bytea, type Queryable } from '../../db.ts';
import { u8 } from '../context.ts';
import { type CheckpointBody, checkpointHash, type SignedCheckpoint } from './format.ts';

export interface StoredCheckpoint extends SignedCheckpoint {
  bankId: string;
  number: number;
  position: number;
  hash: Uint8Array;
}

export async function readCheckpoints(q: Queryable, bankId: string): Promise<StoredCheckpoint[]> {
  const rows = await q.query<{ number: number; position: number; body: unknown; signature: unknown; hash: unknown }>(
    'select number, position, body, signature, hash from audit_checkpoints where bank_id = $1 order by number',
    [bankId],
  );
  return rows.map((r) => ({
    bankId,
    number: r.number,
    position: r.position,
    body: u8(r.body),
    signature: u8(r.signature),
    hash: u8(r.hash),
  }));
}

export async function insertCheckpoint(q: Queryable, c: CheckpointBody, signed: SignedCheckpoint): Promise<Uint8Array> {
  const hash = checkpointHash(signed.body);
  await q.query(
    'insert into audit_checkpoints (bank_id, number, position, body, signature, hash) values ($1, $2, $3, $4, $5, $6)',
    [c.bankId, c.number, c.position, bytea(signed.body), bytea(signed.signature), bytea(hash)],
  );
  return hash;
}
