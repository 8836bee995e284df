// The evidence a checkpoint covers: per table, the columns that never change once a row is
// written (its signed bytes and what the bank wrote beside them), read in position order
// (migration 014) in bounded pages, each row as one leaf. A leaf's data is the canonical CBOR of
// [table, position, ...columns]: the table and position inside it, so a row moved to another table
// or position no longer hashes the same. Columns are cast so both drivers give the same values
// (timestamps as microseconds, jsonb as its text, booleans as 0/1); null is the empty array.
// checks.status is left out: a merchant refund later changes it legitimately (the audit checks
// it against the refunds). Secret columns are never read.
import { sha256Many } from '../../../../bindings/index.ts';
import { concat } from '../../../bytes.ts';
import { type CborValue, encode } from '../../../protocol/cbor.ts';
import type { Queryable } from '../../db.ts';
import { LEAF_PREFIX } from './merkle.ts';

const micros = (column: string) => `floor(extract(epoch from ${column}) * 1000000)::bigint as ${column}`;

interface TableSpec {
  /** The immutable columns, as select expressions. */
  columns: string[];
  /** The key that orders rows of one position (a forged duplicate position) and pages them. */
  key: string[];
  /** Rows per page: batches hold whole deposits (up to a few hundred kB each). */
  page: number;
}

/** Every evidence table, in the order a checkpoint lists them. */
export const EVIDENCE_TABLES = {
  bank_key_generations: {
    columns: ['bank_id', 'generation', 'bank_public', 'kx_public', 'certificate', micros('created_at')],
    key: ['bank_id', 'generation'],
    page: 1000,
  },
  purse_certificates: {
    columns: ['id', 'purse_id', 'certificate', 'reason', micros('recorded_at')],
    key: ['id'],
    page: 2000,
  },
  loads: {
    columns: [
      'request_hash',
      'purse_id',
      'nonce',
      'amount',
      'token_id',
      'token',
      'request',
      'tx_id',
      micros('created_at'),
    ],
    key: ['request_hash'],
    page: 2000,
  },
  refunds: {
    columns: [
      'refund_hash',
      'check_hash',
      'merchant_id',
      'purse_id',
      'serial',
      'amount',
      'currency',
      'refund',
      micros('created_at'),
    ],
    key: ['refund_hash'],
    page: 2000,
  },
  batches: {
    columns: [
      'batch_hash',
      'deposit',
      'merchant_id',
      'batch_id',
      'receipt',
      'credited',
      'checks_count',
      micros('created_at'),
    ],
    key: ['batch_hash'],
    page: 64,
  },
  checks: {
    columns: ['purse_id', 'serial', 'check_hash', 'amount', 'merchant_id', 'batch_hash', 'batch_index'],
    key: ['purse_id', 'serial'],
    page: 5000,
  },
  guarantees: {
    columns: [
      'check_hash',
      'purse_id',
      'serial',
      'amount',
      'merchant_id',
      'batch_hash',
      'batch_index',
      'clone::int as clone',
    ],
    key: ['check_hash'],
    page: 2000,
  },
  fraud_evidence: {
    columns: ['check_hash', 'purse_id', 'serial', 'bytes', 'proof', micros('created_at')],
    key: ['check_hash'],
    page: 1000,
  },
  revocation_lists: {
    columns: ['list_number', 'bytes', 'issued_at', 'subjects', 'key_generation'],
    key: ['list_number'],
    page: 200,
  },
  back_office_actions: {
    columns: ['id', micros('at'), 'credential_id', 'actor', 'action', 'subject', 'detail::text as detail'],
    key: ['id'],
    page: 2000,
  },
} as const satisfies Record<string, TableSpec>;

export type EvidenceTable = keyof typeof EVIDENCE_TABLES;
export const EVIDENCE_TABLE_NAMES = Object.keys(EVIDENCE_TABLES) as EvidenceTable[];

/** One row of evidence as the checkpoint sees it: where it is, and its RFC 6962 leaf hash. */
export interface EvidenceLeaf {
  table: EvidenceTable;
  position: number;
  leaf: Uint8Array;
}

const cborOf = (v: unknown): CborValue =>
  v === null || v === undefined ? [] : v instanceof Uint8Array ? new Uint8Array(v) : (v as CborValue);

/**
 * The leaves of `table` with a position in (after, upTo], in (position, key) order, one page of
 * rows in memory at a time; each page hashed in one call into the core.
 */
export async function* evidenceLeaves(
  q: Queryable,
  table: EvidenceTable,
  after: number,
  upTo = Number.MAX_SAFE_INTEGER,
): AsyncGenerator<EvidenceLeaf> {
  const spec: TableSpec = EVIDENCE_TABLES[table];
  const keyNames = spec.key;
  const names = spec.columns.map((c) => c.split(' as ').at(-1) as string);
  const select = `select audit_position as position, ${keyNames.map((k, i) => `${k} as k${i}`).join(', ')}, ${spec.columns.join(', ')} from ${table}`;
  const order = `order by audit_position, ${keyNames.join(', ')} limit ${spec.page}`;
  let cursor: unknown[] | undefined;
  for (;;) {
    const rows = cursor
      ? await q.query(
          // The first bound lets the position index range-scan; the row comparison skips the rows of
          // the cursor's own position already given (only a forged duplicate has any).
          `${select} where audit_position >= $1 and (audit_position, ${keyNames.join(', ')}) > (${cursor.map((_, i) => `$${i + 1}`).join(', ')}) and audit_position <= $${cursor.length + 1} ${order}`,
          [...cursor, upTo],
        )
      : await q.query(`${select} where audit_position > $1 and audit_position <= $2 ${order}`, [after, upTo]);
    if (rows.length === 0) return;
    const data = rows.map((r) =>
      concat(LEAF_PREFIX, encode([table, r.position as number, ...names.map((n) => cborOf(r[n]))])),
    );
    const leaves = sha256Many(data);
    for (const [i, r] of rows.entries()) yield { table, position: r.position as number, leaf: leaves[i] as Uint8Array };
    if (rows.length < spec.page) return;
    const last = rows.at(-1) as Record<string, unknown>;
    cursor = [last.position, ...keyNames.map((_, i) => last[`k${i}`])];
  }
}
