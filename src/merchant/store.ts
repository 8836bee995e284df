// The merchant's journal: every fact the book must not forget (a slip about to go to a card, an
// accepted check, a refund in progress, a void, the bank's answer to a refund, a deposit batch about to be sent, a receipt, the
// newest revocation list) is one record, appended and durable before the step that depends on it.
// The book is rebuilt by replaying the records in order. A CheckStore is deliberately small (load
// all, append one) so a simulator can wrap it and throw before or after any append.
import { type CborValue, decode, encode } from '../protocol/cbor.ts';

/** The terminal is about to send this slip to the card (written before the card sees it). */
export interface SlipRecord {
  kind: 'slip';
  terminalId: string;
  terminalTxId: number;
  /** The purse the card presented (its certificate subject) when the slip was made. */
  purseId: string;
  slip: Uint8Array;
  slipHash: Uint8Array;
  amount: number;
  time: number;
}

/** A slip that ended without a stored check: the card refused it or was not charged, or its check was refused. */
export interface SlipClosedRecord {
  kind: 'slip-closed';
  terminalId: string;
  terminalTxId: number;
  outcome: 'not-charged' | 'refused';
  /** Protocol error code (refused) or the card's code (not charged); 0 when none. */
  code: number;
  /** The check the card returned, kept as evidence when it was refused; empty otherwise. */
  evidence: Uint8Array;
  time: number;
}

/** An accepted check: from here on it is the merchant's money and is never dropped. */
export interface CheckRecord {
  kind: 'check';
  check: Uint8Array;
  checkHash: Uint8Array;
  purseId: string;
  serial: number;
  amount: number;
  currency: string;
  channel: number;
  slipHash: Uint8Array;
  /** POS sale: the terminal and its transaction id; '' and 0 for a web-shop check. */
  terminalId: string;
  terminalTxId: number;
  time: number;
}

/** A refund of a check is about to go to the card: the check is held back from deposit. */
export interface RefundRecord {
  kind: 'refund';
  checkHash: Uint8Array;
  refund: Uint8Array;
  time: number;
}

/** The card did not take the refund: the check may be deposited again. */
export interface RefundReleasedRecord {
  kind: 'refund-released';
  checkHash: Uint8Array;
  code: number;
  time: number;
}

/**
 * The bank's answer to the check's refund, deposited (POST /v1/refunds): reversed or recorded, or
 * refused with a protocol code (not sent again). Written once; a refund without it is sent at the
 * next deposit.
 */
export interface RefundDepositedRecord {
  kind: 'refund-deposited';
  checkHash: Uint8Array;
  outcome: 'reversed' | 'recorded' | 'refused';
  /** 0, or the bank's ErrorCode when refused. */
  code: number;
  /** Debited from the merchant by the bank (reversed), else 0. */
  amount: number;
  time: number;
}

/** The check was refunded (or cancelled otherwise): it is never deposited. */
export interface VoidRecord {
  kind: 'void';
  checkHash: Uint8Array;
  reason: string;
  time: number;
}

/** A deposit batch is about to be sent; a lost reply is retried with exactly these fields. */
export interface BatchRecord {
  kind: 'batch';
  batchId: Uint8Array;
  checkHashes: Uint8Array[];
  time: number;
}

/** The bank's verified receipt for a batch, with its per-check outcomes [hash, code, credited]. */
export interface ReceiptRecord {
  kind: 'receipt';
  batchId: Uint8Array;
  receipt: Uint8Array;
  outcomes: [Uint8Array, number, number][];
  time: number;
}

/** The bank refused the whole batch (not a lost reply): its checks go back to pending. */
export interface BatchAbandonedRecord {
  kind: 'batch-abandoned';
  batchId: Uint8Array;
  reason: string;
  time: number;
}

/** The newest verified revocation list, kept so a terminal restarted offline still has it. */
export interface RevocationRecord {
  kind: 'revocation-list';
  list: Uint8Array;
}

export type JournalRecord =
  | SlipRecord
  | SlipClosedRecord
  | CheckRecord
  | RefundRecord
  | RefundReleasedRecord
  | RefundDepositedRecord
  | VoidRecord
  | BatchRecord
  | ReceiptRecord
  | BatchAbandonedRecord
  | RevocationRecord;

/**
 * A durable, append-only journal of one merchant's records. `append` resolves only once the record
 * survives a crash (power loss included); `load` returns every record appended, in order.
 */
export interface CheckStore {
  load(): Promise<JournalRecord[]>;
  append(record: JournalRecord): Promise<void>;
  close?(): Promise<void>;
}

/** The journal is damaged somewhere other than a torn last record: refusing to guess. */
export class JournalCorruptError extends Error {
  constructor(
    readonly offset: number,
    detail: string,
  ) {
    super(`merchant journal corrupt at byte ${offset}: ${detail}`);
    this.name = 'JournalCorruptError';
  }
}

const KINDS = new Set<JournalRecord['kind']>([
  'slip',
  'slip-closed',
  'check',
  'refund',
  'refund-released',
  'refund-deposited',
  'void',
  'batch',
  'receipt',
  'batch-abandoned',
  'revocation-list',
]);

type Plain = number | string | Uint8Array | Plain[];

/** A record as deterministic CBOR: a map from field name to value (numbers, text, bytes, arrays). */
export function encodeRecord(record: JournalRecord): Uint8Array {
  const map = new Map<string, CborValue>();
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    map.set(key, value as Plain as CborValue);
  }
  return encode(map);
}

/** Reads a record written by encodeRecord; anything else is a TypeError (the caller decides what that means). */
export function decodeRecord(bytes: Uint8Array): JournalRecord {
  const value = decode(bytes);
  if (!(value instanceof Map)) throw new TypeError('journal record: not a map');
  const out: Record<string, unknown> = {};
  for (const [key, v] of value) {
    if (typeof key !== 'string') throw new TypeError('journal record: non-text key');
    out[key] = v;
  }
  if (!KINDS.has(out.kind as JournalRecord['kind']))
    throw new TypeError(`journal record: unknown kind ${String(out.kind)}`);
  return out as unknown as JournalRecord;
}

/**
 * The journal in memory (tests, simulation, a shop that keeps its journal elsewhere). Records are
 * kept encoded, as the file store keeps them, so what comes back is what a restart would read.
 */
export class MemoryCheckStore implements CheckStore {
  readonly records: Uint8Array[] = [];

  async load(): Promise<JournalRecord[]> {
    return this.records.map(decodeRecord);
  }

  async append(record: JournalRecord): Promise<void> {
    this.records.push(encodeRecord(record));
  }
}
