// An audit checkpoint: what one audit run vouches for, as canonical CBOR (the repo's one encoder)
// signed by the auditor's own Ed25519 key over AUDIT_CHECKPOINT_DOMAIN ‖ body. It names the bank,
// its number in the chain and the previous checkpoint's hash (SHA-256 of its body; 32 zero bytes
// for the first), the position reached (every evidence row at or below it is covered by a
// period's roots) and the periods so far, each with per evidence table the count of rows and the
// RFC 6962 root of their leaves; the positions above `position` the run already audited
// (`beyond`, so the next run does not count them twice); the same for the ledger's transactions
// (`transactions`: the ids audited, up to and beyond); the oldest transaction id still running when
// its snapshot was taken (`xmin`: a row written by that one or a later one may have changed since,
// verify.ts); and the totals the audit carries forward. Version 2 added the last three.
import { ed25519, sha256 } from '../../../../bindings/index.ts';
import { concat, utf8 } from '../../../bytes.ts';
import { type CborValue, decode, encode } from '../../../protocol/cbor.ts';
import { AUDIT_CHECKPOINT_DOMAIN } from '../../../protocol/registry.ts';
import { EVIDENCE_TABLE_NAMES, type EvidenceTable } from './evidence.ts';

export const CHECKPOINT_VERSION = 2;

/** The rows of one table in one period: how many, and the Merkle root of their leaves. */
export interface TableRoot {
  count: number;
  root: Uint8Array;
}

/**
 * The evidence with a position in (after, upTo], per table. The first period (after = 0) also
 * holds any row below it: positions start at 1, so such a row can only be a forged one.
 */
export interface Period {
  after: number;
  upTo: number;
  tables: Map<EvidenceTable, TableRoot>;
}

/** What the audit carries from one run to the next (audit/checkpoint/totals.ts). */
export interface CarriedTotals {
  /** Per purse, the evidence's figures (loaded, captured, highestSerial, creditedCount, …). */
  purses: Map<string, Map<string, number>>;
  /** Net credited per merchant (`owner/currency`). */
  merchants: Map<string, number>;
  /** Per account (`kind/owner/currency`), the sum of the entries of the transactions audited. */
  accounts: Map<string, number>;
  /** Paid out per merchant (`owner/currency`): payouts stay within what it was credited. */
  payouts: Map<string, number>;
}

/** The ledger's transactions a checkpoint covers: every id up to `upTo`, and those in `beyond`. */
export interface TransactionsAudited {
  upTo: number;
  beyond: number[];
}

export interface CheckpointBody {
  version: number;
  bankId: string;
  number: number;
  /** Unix seconds. */
  time: number;
  position: number;
  previous: Uint8Array;
  periods: Period[];
  beyond: Map<EvidenceTable, number[]>;
  transactions: TransactionsAudited;
  /** The oldest PostgreSQL transaction id (xid8) running when the audit's snapshot was taken. */
  xmin: number;
  totals: CarriedTotals;
}

/** A stored checkpoint: its body as signed, and the signature. */
export interface SignedCheckpoint {
  body: Uint8Array;
  signature: Uint8Array;
}

export const NO_PREVIOUS = new Uint8Array(32);
const DOMAIN = utf8(AUDIT_CHECKPOINT_DOMAIN);

const numberMap = (m: Map<string, number>): Map<string, CborValue> => new Map(m);

export function encodeCheckpoint(c: CheckpointBody): Uint8Array {
  return encode(
    new Map<string, CborValue>([
      ['v', c.version],
      ['bank', c.bankId],
      ['number', c.number],
      ['time', c.time],
      ['position', c.position],
      ['previous', c.previous],
      [
        'periods',
        c.periods.map((p) => [
          p.after,
          p.upTo,
          new Map<string, CborValue>([...p.tables].map(([t, r]) => [t, [r.count, r.root]])),
        ]),
      ],
      ['beyond', new Map<string, CborValue>(c.beyond)],
      ['transactions', [c.transactions.upTo, c.transactions.beyond]],
      ['xmin', c.xmin],
      ['purses', new Map<string, CborValue>([...c.totals.purses].map(([id, f]) => [id, numberMap(f)]))],
      ['merchants', numberMap(c.totals.merchants)],
      ['accounts', numberMap(c.totals.accounts)],
      ['payouts', numberMap(c.totals.payouts)],
    ]),
  );
}

const fail = (why: string): never => {
  throw new Error(`checkpoint body: ${why}`);
};
const isMap = (v: CborValue | undefined): v is Map<number | string, CborValue> => v instanceof Map;
const field = (m: Map<number | string, CborValue>, k: string): CborValue => m.get(k) ?? fail(`no ${k}`);
const int = (v: CborValue, what: string): number =>
  Number.isInteger(v) ? (v as number) : fail(`${what} not an integer`);
const text = (v: CborValue, what: string): string => (typeof v === 'string' ? v : fail(`${what} not text`));
const bytes = (v: CborValue, what: string): Uint8Array => (v instanceof Uint8Array ? v : fail(`${what} not bytes`));
const array = (v: CborValue, what: string): CborValue[] => (Array.isArray(v) ? v : fail(`${what} not an array`));
const map = (v: CborValue, what: string) => (isMap(v) ? v : fail(`${what} not a map`));
const table = (k: number | string): EvidenceTable =>
  EVIDENCE_TABLE_NAMES.includes(k as EvidenceTable) ? (k as EvidenceTable) : fail(`unknown table ${k}`);
const numbers = (v: CborValue, what: string): Map<string, number> =>
  new Map([...map(v, what)].map(([k, n]) => [text(k, what), int(n, what)]));

/** The body back from its bytes; throws (with why) when they are not a checkpoint of this version. */
export function decodeCheckpoint(body: Uint8Array): CheckpointBody {
  const m = map(decode(body), 'body');
  const version = int(field(m, 'v'), 'v');
  if (version !== CHECKPOINT_VERSION) fail(`version ${version}`);
  return {
    version,
    bankId: text(field(m, 'bank'), 'bank'),
    number: int(field(m, 'number'), 'number'),
    time: int(field(m, 'time'), 'time'),
    position: int(field(m, 'position'), 'position'),
    previous: bytes(field(m, 'previous'), 'previous'),
    periods: array(field(m, 'periods'), 'periods').map((p) => {
      const [after, upTo, tables] = array(p, 'period');
      return {
        after: int(after as CborValue, 'after'),
        upTo: int(upTo as CborValue, 'upTo'),
        tables: new Map(
          [...map(tables as CborValue, 'tables')].map(([t, r]) => {
            const [count, root] = array(r, 'table root');
            return [table(t), { count: int(count as CborValue, 'count'), root: bytes(root as CborValue, 'root') }];
          }),
        ),
      };
    }),
    beyond: new Map(
      [...map(field(m, 'beyond'), 'beyond')].map(([t, ps]) => [
        table(t),
        array(ps, 'beyond').map((p) => int(p, 'beyond')),
      ]),
    ),
    transactions: (() => {
      const [upTo, beyond] = array(field(m, 'transactions'), 'transactions');
      return {
        upTo: int(upTo as CborValue, 'transactions'),
        beyond: array(beyond as CborValue, 'transactions beyond').map((t) => int(t, 'transactions beyond')),
      };
    })(),
    xmin: int(field(m, 'xmin'), 'xmin'),
    totals: {
      purses: new Map(
        [...map(field(m, 'purses'), 'purses')].map(([id, f]) => [text(id, 'purse'), numbers(f, 'purse')]),
      ),
      merchants: numbers(field(m, 'merchants'), 'merchants'),
      accounts: numbers(field(m, 'accounts'), 'accounts'),
      payouts: numbers(field(m, 'payouts'), 'payouts'),
    },
  };
}

export const checkpointHash = (body: Uint8Array): Uint8Array => sha256(body);

export function signCheckpoint(c: CheckpointBody, secretKey: Uint8Array): SignedCheckpoint {
  const body = encodeCheckpoint(c);
  return { body, signature: ed25519.sign(concat(DOMAIN, body), secretKey) };
}

export const checkpointSignatureValid = (s: SignedCheckpoint, publicKey: Uint8Array): boolean =>
  s.signature.length === 64 && ed25519.verify(s.signature, concat(DOMAIN, s.body), publicKey);
