// Verifying the checkpoints: the chain (each signed by the auditor's key, its row as its body
// says, numbered from 1 without a gap, naming the previous one's hash, extending its periods), and
// that the evidence a checkpoint covers still hashes to its roots — a hash per row, no signature:
// far cheaper than the audit's signature checks (README: the figures).
import { equalBytes, toHex } from '../../../bytes.ts';
import type { Queryable } from '../../db.ts';
import type { FindingKind } from '../kinds.ts';
import { EVIDENCE_TABLE_NAMES, evidenceLeaves } from './evidence.ts';
import {
  type CheckpointBody,
  checkpointHash,
  checkpointSignatureValid,
  decodeCheckpoint,
  NO_PREVIOUS,
  type Period,
} from './format.ts';
import { MerkleBuilder } from './merkle.ts';
import { readCheckpoints } from './store.ts';

export type Report = (kind: FindingKind, table: string, key: string, detail: string) => void;

const samePeriod = (a: Period, b: Period) =>
  a.after === b.after &&
  a.upTo === b.upTo &&
  a.tables.size === b.tables.size &&
  [...a.tables].every(([t, r]) => {
    const o = b.tables.get(t);
    return o !== undefined && o.count === r.count && equalBytes(o.root, r.root);
  });

/** Why `c` does not extend `prev` (undefined when it does). */
function brokenLink(
  c: CheckpointBody,
  prev: { body: CheckpointBody; hash: Uint8Array } | undefined,
): string | undefined {
  if (!equalBytes(c.previous, prev?.hash ?? NO_PREVIOUS))
    return `names previous ${toHex(c.previous)}, not ${toHex(prev?.hash ?? NO_PREVIOUS)}`;
  const before = prev?.body.periods ?? [];
  if (c.position < (prev?.body.position ?? 0))
    return `position ${c.position} below the previous ${prev?.body.position}`;
  if (!before.every((p, i) => c.periods[i] !== undefined && samePeriod(p, c.periods[i] as Period)))
    return "does not keep the previous checkpoint's periods";
  let upTo = 0;
  for (const p of c.periods) {
    if (p.after !== upTo || p.upTo <= p.after) return `period (${p.after}, ${p.upTo}] does not follow ${upTo}`;
    upTo = p.upTo;
  }
  if (upTo !== c.position) return `periods end at ${upTo}, not at its position ${c.position}`;
  return undefined;
}

/**
 * Verifies the chain of `bankId`'s checkpoints under the auditor's public key, reporting each
 * fault; returns the last checkpoint and its hash when the whole chain holds.
 */
export async function verifyChain(
  q: Queryable,
  bankId: string,
  publicKey: Uint8Array,
  report: Report,
): Promise<{ body: CheckpointBody; hash: Uint8Array } | undefined> {
  let prev: { body: CheckpointBody; hash: Uint8Array } | undefined;
  let ok = true;
  const stored = await readCheckpoints(q, bankId);
  for (const [i, s] of stored.entries()) {
    const key = `${bankId}/${s.number}`;
    if (!checkpointSignatureValid(s, publicKey)) {
      report('checkpoint_invalid', 'audit_checkpoints', key, "the signature does not verify under the auditor's key");
      ok = false;
      prev = undefined;
      continue;
    }
    let body: CheckpointBody;
    try {
      body = decodeCheckpoint(s.body);
    } catch (error) {
      report('checkpoint_invalid', 'audit_checkpoints', key, (error as Error).message);
      ok = false;
      prev = undefined;
      continue;
    }
    const hash = checkpointHash(s.body);
    const row = [
      body.bankId !== bankId && `bank ${body.bankId}`,
      body.number !== s.number && `number ${body.number}`,
      body.position !== s.position && `position ${body.position}`,
      !equalBytes(hash, s.hash) && `hash ${toHex(hash)}`,
    ].filter(Boolean);
    if (row.length > 0) {
      report('checkpoint_row_mismatch', 'audit_checkpoints', key, `the signed body says ${row.join(', ')}`);
      ok = false;
    }
    const broken = body.number !== i + 1 ? `number ${body.number} where ${i + 1} was due` : brokenLink(body, prev);
    if (broken && (prev || i === 0)) {
      report('checkpoint_chain_broken', 'audit_checkpoints', key, broken);
      ok = false;
    }
    prev = { body, hash };
  }
  return ok ? prev : undefined;
}

/**
 * Rehashes the evidence at or below the checkpoint's position, period by period and table by
 * table, and reports each period whose rows no longer give its count and root: fewer rows
 * (deleted), more (inserted, or moved in from a later position), or as many with another root
 * (a row changed, or moved within).
 */
export async function verifyEvidence(q: Queryable, c: CheckpointBody, report: Report): Promise<number> {
  let rows = 0;
  if (c.periods.length === 0) return rows; // a checkpoint of a ledger with no evidence yet
  for (const table of EVIDENCE_TABLE_NAMES) {
    const trees = c.periods.map(() => new MerkleBuilder());
    let i = 0;
    for await (const { position, leaf } of evidenceLeaves(q, table, Number.MIN_SAFE_INTEGER, c.position)) {
      while (i < c.periods.length - 1 && position > (c.periods[i] as Period).upTo) i++;
      (trees[i] as MerkleBuilder).add(leaf);
      rows++;
    }
    for (const [n, p] of c.periods.entries()) {
      const want = p.tables.get(table) ?? { count: 0, root: new MerkleBuilder().root() };
      const tree = trees[n] as MerkleBuilder;
      const key = `positions ${p.after + 1}..${p.upTo}`;
      const counts = `${tree.count} rows, checkpoint ${c.number} says ${want.count}`;
      if (tree.count < want.count) report('evidence_deleted', table, key, counts);
      else if (tree.count > want.count) report('evidence_inserted', table, key, counts);
      else if (!equalBytes(tree.root(), want.root))
        report('evidence_tampered', table, key, `${counts}, but their Merkle root is not the checkpoint's`);
    }
  }
  return rows;
}
