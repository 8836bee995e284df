// Verifying the checkpoints: the chain (each signed by the auditor's key, its row as its body
// says, numbered from 1 without a gap, naming the previous one's hash, extending its periods), and
// that the evidence a checkpoint covers still hashes to its roots — a hash per row, no signature:
// far cheaper than the audit's signature checks (README: the figures). A full audit rehashes every
// period; an incremental one counts every period's rows (one aggregate per table) and rehashes
// only the periods of a table with a row written since the checkpoint's snapshot (its xmin), and
// compares the sums per account of the older transactions' entries with the carried ones.
import { equalBytes, toHex } from '../../../bytes.ts';
import { depositedCheckHash } from '../../../protocol/capture.ts';
import { depositedCheckPayload } from '../../../protocol/fraud.ts';
import { digitalCheck } from '../../../protocol/messages.ts';
import { bytea, type Queryable } from '../../db.ts';
import { attempt, type CheckRow, u8 } from '../context.ts';
import { parseDeposit } from '../deposits.ts';
import type { FindingKind } from '../kinds.ts';
import { EVIDENCE_TABLE_NAMES, type EvidenceTable, evidenceLeaves } from './evidence.ts';
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
export async function verifyEvidence(
  q: Queryable,
  c: CheckpointBody,
  report: Report,
  o: { incremental?: boolean } = {},
): Promise<number> {
  let rows = 0;
  if (c.periods.length === 0) return rows; // a checkpoint of a ledger with no evidence yet
  const compare = (table: EvidenceTable, p: Period, count: number, root: () => Uint8Array) => {
    const want = p.tables.get(table) ?? { count: 0, root: new MerkleBuilder().root() };
    const key = `positions ${p.after + 1}..${p.upTo}`;
    const counts = `${count} rows, checkpoint ${c.number} says ${want.count}`;
    if (count < want.count) report('evidence_deleted', table, key, counts);
    else if (count > want.count) report('evidence_inserted', table, key, counts);
    else if (!equalBytes(root(), want.root))
      report('evidence_tampered', table, key, `${counts}, but their Merkle root is not the checkpoint's`);
  };
  for (const table of EVIDENCE_TABLE_NAMES) {
    if (o.incremental) {
      for (const { period, count, touched } of await periodCounts(q, table, c)) {
        const p = c.periods[period] as Period;
        const after = period === 0 ? Number.MIN_SAFE_INTEGER : p.after;
        if (!touched || (table === 'checks' && (await checksAsDeposited(q, c, after, p.upTo)))) {
          compare(table, p, count, () => p.tables.get(table)?.root ?? new MerkleBuilder().root());
          continue;
        }
        const tree = new MerkleBuilder();
        for await (const { leaf } of evidenceLeaves(q, table, after, p.upTo)) tree.add(leaf);
        rows += tree.count;
        compare(table, p, tree.count, () => tree.root());
      }
      continue;
    }
    const trees = c.periods.map(() => new MerkleBuilder());
    let i = 0;
    for await (const { position, leaf } of evidenceLeaves(q, table, Number.MIN_SAFE_INTEGER, c.position)) {
      while (i < c.periods.length - 1 && position > (c.periods[i] as Period).upTo) i++;
      (trees[i] as MerkleBuilder).add(leaf);
      rows++;
    }
    for (const [n, p] of c.periods.entries())
      compare(table, p, (trees[n] as MerkleBuilder).count, () => (trees[n] as MerkleBuilder).root());
  }
  return rows;
}

/** 2^32: a row's xmin is a 32-bit transaction id, the checkpoint's an xid8 (epoch and xid). */
const XID_SPAN = 4_294_967_296;

/**
 * Per period of `c`, how many rows of `table` it holds now and whether any was written (inserted,
 * updated, or deleted and put back) by a transaction not yet ended when `c`'s audit took its
 * snapshot: xmin at or after `c.xmin` (age() compares 32-bit ids across wraparound; a row written
 * 2^31 transactions later is not told apart, so an auditor runs a full audit well within that).
 * One aggregate over the position index and the rows' headers, no column read.
 */
async function periodCounts(
  q: Queryable,
  table: EvidenceTable,
  c: CheckpointBody,
): Promise<{ period: number; count: number; touched: boolean }[]> {
  const bounds = c.periods.slice(0, -1).map((p) => p.upTo + 1);
  const period = bounds.length ? `width_bucket(audit_position, '{${bounds.join(',')}}'::bigint[])` : '0';
  const rows = await q.query<{ period: number; count: number; touched: number }>(
    `select ${period} as period, count(*)::int as count,
            count(*) filter (where age(xmin) <= age($2::text::xid))::int as touched
       from ${table} where audit_position <= $1 group by 1`,
    [c.position, String(c.xmin % XID_SPAN)],
  );
  const found = new Map(rows.map((r) => [Number(r.period), r]));
  return c.periods.map((_, i) => {
    const r = found.get(i);
    return { period: i, count: r?.count ?? 0, touched: (r?.touched ?? 0) > 0 };
  });
}

/** Past this many check rows written since, their period is rehashed instead of read row by row. */
const TOUCHED_CHECKS = 1_000;

/**
 * Whether the check rows with a position in (after, upTo] written since the checkpoint's snapshot (a merchant refund
 * sets a row's status, which no leaf holds) still say, column by column, what their deposit signed
 * at their place: a check row's leaf columns are exactly those (purse, serial, hash, amount,
 * merchant, batch and index), so then its leaf is unchanged and the period need not be rehashed.
 * The deposit itself is evidence its own table's count and rehash vouch for. When a row differs
 * (or there are many), false: the period is rehashed and the finding says how it changed. Not
 * seen this way: a check row moved to another position of the same period with its columns
 * unchanged (its leaf holds the position; nothing the audit totals depends on it): a full audit.
 */
async function checksAsDeposited(q: Queryable, c: CheckpointBody, after: number, upTo: number): Promise<boolean> {
  const rows = await q.query<Omit<CheckRow, 'status'>>(
    `select purse_id, serial, check_hash, amount, merchant_id, batch_hash, batch_index from checks
      where audit_position > $1 and audit_position <= $2 and age(xmin) <= age($3::text::xid)
      order by batch_hash limit ${TOUCHED_CHECKS + 1}`,
    [after, upTo, String(c.xmin % XID_SPAN)],
  );
  if (rows.length > TOUCHED_CHECKS) return false;
  const deposits = new Map<string, Uint8Array[] | undefined>();
  for (const r of rows) {
    const batch = toHex(u8(r.batch_hash));
    if (!deposits.has(batch)) {
      const [b] = await q.query<{ deposit: Uint8Array }>('select deposit from batches where batch_hash = $1', [
        bytea(u8(r.batch_hash)),
      ]);
      deposits.set(batch, b && parseDeposit(u8(b.deposit)).value?.body.checks);
    }
    const check = deposits.get(batch)?.[r.batch_index];
    const body = check && attempt(() => digitalCheck.decode(depositedCheckPayload(check).payload)).value;
    if (
      !check ||
      !body ||
      !equalBytes(depositedCheckHash(check), u8(r.check_hash)) ||
      body.purseId !== r.purse_id ||
      body.serial !== r.serial ||
      body.amount !== r.amount ||
      body.merchantId !== r.merchant_id
    )
      return false;
  }
  return true;
}

/**
 * The sums per account of the entries of the transactions `c` covers (ids up to its
 * `transactions.upTo` and those beyond) against the sums it carries: one aggregate query, each
 * account that differs a finding (an older transaction or entry changed, deleted or inserted).
 */
export async function verifyBooks(q: Queryable, c: CheckpointBody, report: Report): Promise<void> {
  const { upTo, beyond } = c.transactions;
  const rows = await q.query<{ account: string; sum: number }>(
    `select a.kind || '/' || a.owner || '/' || a.currency as account, sum(e.amount) as sum
       from entries e join accounts a on a.id = e.account_id
      where e.tx_id <= $1 or e.tx_id = any($2::bigint[]) group by 1`,
    [upTo, beyond],
  );
  const now = new Map(rows.map((r) => [r.account, Number(r.sum)]));
  for (const account of new Set([...now.keys(), ...c.totals.accounts.keys()])) {
    const sum = now.get(account) ?? 0;
    const carried = c.totals.accounts.get(account) ?? 0;
    if (sum !== carried)
      report(
        'evidence_tampered',
        'entries',
        `transactions 1..${upTo}`,
        `account ${account}: their entries sum to ${sum}, checkpoint ${c.number} says ${carried}`,
      );
  }
}
