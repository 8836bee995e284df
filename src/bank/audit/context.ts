// What every family of audit checks shares: the reference tables read whole and how every table is
// read (plain selects, no writes; the big ones in pages: stream.ts), the bank whose anchors verify
// the evidence, the findings so far, and what the evidence says the books must hold (totals per
// purse, merchant and expected transaction, never rows) for the families that run after.

import { toHex } from '../../bytes.ts';
import { CertificateCache } from '../../protocol/certificate.ts';
import type { Refund } from '../../protocol/messages.ts';
import type { VerifierPool } from '../../protocol/verifier/index.ts';
import type { Queryable } from '../db.ts';
import type { PublicBank } from '../issuing.ts';
import { ChainMemo } from './chains.ts';
import type { Resume } from './checkpoint/build.ts';
import type { CarriedTotals } from './checkpoint/format.ts';
import type { Finding, FindingKind } from './kinds.ts';
import { all, type EvidenceSink, type Paging, pagingOf, type TableSpec } from './stream.ts';

export const u8 = (b: unknown): Uint8Array => new Uint8Array(b as Uint8Array);

export interface AccountRow {
  id: number;
  kind: string;
  owner: string;
  currency: string;
  balance: number;
}
export interface TransactionRow {
  id: number;
  kind: string;
  reference: string;
}
export interface EntryRow {
  id: number;
  tx_id: number;
  account_id: number;
  amount: number;
}
export interface PurseRow {
  purse_id: string;
  cardholder_id: string;
  currency: string;
  certificate: Uint8Array;
  loaded: number;
  captured: number;
  refunded: number;
  highest_serial: number;
  checks_count: number;
  status: string;
  revoked_at: number | null;
  settle_after: number | null;
}
export interface LoadRow {
  request_hash: Uint8Array;
  purse_id: string;
  nonce: Uint8Array;
  amount: number;
  request: Uint8Array;
  tx_id: number;
  /** The transaction tx_id names (null when there is none). */
  tx_kind: string | null;
  tx_reference: string | null;
  /** Its evidence position (migration 014). */
  position: number;
}
export interface CheckRow {
  purse_id: string;
  serial: number;
  check_hash: Uint8Array;
  amount: number;
  merchant_id: string;
  batch_hash: Uint8Array;
  status: string;
  batch_index: number;
}
export interface FraudRow {
  check_hash: Uint8Array;
  purse_id: string;
  serial: number;
  bytes: Uint8Array;
  proof: Uint8Array;
  /** Its evidence position (migration 014): an incremental audit counts only the newer rows. */
  position: number;
}
export interface GuaranteeRow {
  check_hash: Uint8Array;
  purse_id: string;
  serial: number;
  amount: number;
  merchant_id: string;
  batch_hash: Uint8Array;
  batch_index: number;
  clone: boolean;
  /** Its evidence position (migration 014): an incremental audit counts only the newer rows. */
  position: number;
}
export interface BatchRow {
  batch_hash: Uint8Array;
  deposit: Uint8Array;
  merchant_id: string;
  batch_id: Uint8Array;
  receipt: Uint8Array;
  credited: number;
  checks_count: number;
  /** Its evidence position (migration 014). */
  position: number;
}
export interface RefundRow {
  refund_hash: Uint8Array;
  check_hash: Uint8Array;
  merchant_id: string;
  purse_id: string;
  serial: number;
  amount: number;
  currency: string;
  refund: Uint8Array;
  /** Its evidence position (migration 014): an incremental audit counts only the newer rows. */
  position: number;
}
export interface RevocationRow {
  subject: string;
  reason: string;
  revoked_at: number;
}
export interface ListRow {
  list_number: number;
  bytes: Uint8Array;
  issued_at: number;
  subjects: number;
  key_generation: number;
}
export interface BankKeysRow {
  bank_id: string;
  root_id: string;
  root_public: Uint8Array;
  bank_public: Uint8Array;
  kx_public: Uint8Array;
  certificate: Uint8Array;
  generation: number;
}
export interface GenerationRow {
  bank_id: string;
  generation: number;
  bank_public: Uint8Array;
  kx_public: Uint8Array;
  certificate: Uint8Array;
}
export interface PartyRow {
  id: string;
  certificate: Uint8Array | null;
}
/** A certificate a purse has held (migration 008: issued, or renewed). */
export interface PurseCertificateRow {
  id: string;
  purse_id: string;
  certificate: Uint8Array;
  reason: string;
}

/** The tables read whole: they grow with the bank's parties and its fraud, not with its traffic. */
export interface ReferenceRows {
  accounts: AccountRow[];
  purses: PurseRow[];
  fraud: FraudRow[];
  guarantees: GuaranteeRow[];
  refunds: RefundRow[];
  revocations: RevocationRow[];
  lists: ListRow[];
  bankKeys: BankKeysRow[];
  generations: GenerationRow[];
  merchants: PartyRow[];
  cardholders: PartyRow[];
  purseCertificates: PurseCertificateRow[];
}

const hex = (b: unknown) => toHex(u8(b));

/**
 * Every table the audit looks at: explicit columns (public keys, certificates and signed evidence
 * only: the auditor role of migration 015 may read nothing else), keyset by the primary key.
 */
export const TABLES = {
  accounts: {
    table: 'accounts',
    select: 'select id, kind, owner, currency, balance from accounts',
    key: ['id'],
    keyOf: (r: AccountRow) => [r.id],
  },
  transactions: {
    table: 'transactions',
    select: 'select id, kind, reference from transactions',
    key: ['id'],
    keyOf: (r: TransactionRow) => [r.id],
  },
  purses: {
    table: 'purses',
    select:
      'select purse_id, cardholder_id, currency, certificate, loaded, captured, refunded, highest_serial, checks_count, status, revoked_at, settle_after from purses',
    key: ['purse_id'],
    keyOf: (r: PurseRow) => [r.purse_id],
    evidence: (r: PurseRow) => ({ key: r.purse_id, bytes: [u8(r.certificate)] }),
  },
  loads: {
    table: 'loads',
    // The load's transaction comes with it: loads.ts checks the row names its own load transaction.
    select:
      'select l.request_hash, l.purse_id, l.nonce, l.amount, l.request, l.tx_id, t.kind as tx_kind, t.reference as tx_reference, l.audit_position as position from loads l left join transactions t on t.id = l.tx_id',
    key: ['l.request_hash'],
    keyOf: (r: LoadRow) => [r.request_hash],
    evidence: (r: LoadRow) => ({ key: hex(r.request_hash), bytes: [u8(r.request)] }),
  },
  batches: {
    table: 'batches',
    select:
      'select batch_hash, deposit, merchant_id, batch_id, receipt, credited, checks_count, audit_position as position from batches',
    key: ['batch_hash'],
    keyOf: (r: BatchRow) => [r.batch_hash],
    evidence: (r: BatchRow) => ({ key: hex(r.batch_hash), bytes: [u8(r.deposit), u8(r.receipt)] }),
  },
  fraud: {
    table: 'fraud_evidence',
    select: 'select check_hash, purse_id, serial, bytes, proof, audit_position as position from fraud_evidence',
    key: ['check_hash'],
    keyOf: (r: FraudRow) => [r.check_hash],
    evidence: (r: FraudRow) => ({ key: hex(r.check_hash), bytes: [u8(r.bytes), u8(r.proof)] }),
  },
  guarantees: {
    table: 'guarantees',
    select:
      'select check_hash, purse_id, serial, amount, merchant_id, batch_hash, batch_index, clone, audit_position as position from guarantees',
    key: ['check_hash'],
    keyOf: (r: GuaranteeRow) => [r.check_hash],
  },
  refunds: {
    table: 'refunds',
    select:
      'select refund_hash, check_hash, merchant_id, purse_id, serial, amount, currency, refund, audit_position as position from refunds',
    key: ['refund_hash'],
    keyOf: (r: RefundRow) => [r.refund_hash],
    evidence: (r: RefundRow) => ({ key: hex(r.refund_hash), bytes: [u8(r.refund)] }),
  },
  revocations: {
    table: 'revocations',
    select: 'select subject, reason, revoked_at from revocations',
    key: ['subject'],
    keyOf: (r: RevocationRow) => [r.subject],
  },
  lists: {
    table: 'revocation_lists',
    select: 'select list_number, bytes, issued_at, subjects, key_generation from revocation_lists',
    key: ['list_number'],
    keyOf: (r: ListRow) => [r.list_number],
    evidence: (r: ListRow) => ({ key: String(r.list_number), bytes: [u8(r.bytes)] }),
  },
  bankKeys: {
    table: 'bank_keys',
    select: 'select bank_id, root_id, root_public, bank_public, kx_public, certificate, generation from bank_keys',
    key: ['bank_id'],
    keyOf: (r: BankKeysRow) => [r.bank_id],
  },
  generations: {
    table: 'bank_key_generations',
    select: 'select bank_id, generation, bank_public, kx_public, certificate from bank_key_generations',
    key: ['bank_id', 'generation'],
    keyOf: (r: GenerationRow) => [r.bank_id, r.generation],
    evidence: (r: GenerationRow) => ({ key: `${r.bank_id}/${r.generation}`, bytes: [u8(r.certificate)] }),
  },
  merchants: {
    table: 'merchants',
    select: 'select merchant_id as id, certificate from merchants',
    key: ['merchant_id'],
    keyOf: (r: PartyRow) => [r.id],
    evidence: (r: PartyRow) => ({ key: r.id, bytes: [u8(r.certificate)] }),
  },
  cardholders: {
    table: 'cardholders',
    select: 'select cardholder_id as id, certificate from cardholders',
    key: ['cardholder_id'],
    keyOf: (r: PartyRow) => [r.id],
    evidence: (r: PartyRow) => ({ key: r.id, bytes: r.certificate === null ? [] : [u8(r.certificate)] }),
  },
  purseCertificates: {
    table: 'purse_certificates',
    select: 'select id::text as id, purse_id, certificate, reason from purse_certificates',
    // Qualified: `order by id` would sort by the text alias.
    key: ['purse_certificates.id'],
    keyOf: (r: PurseCertificateRow) => [r.id],
    evidence: (r: PurseCertificateRow) => ({ key: String(r.id), bytes: [u8(r.certificate)] }),
  },
} satisfies Record<string, TableSpec<never>>;

/** The reference tables, whole, in a stable order (bytea as Uint8Array on both drivers). */
export async function readReference(q: Queryable, paging: Paging): Promise<ReferenceRows> {
  const readAll = <R>(q: Queryable, spec: TableSpec<R>) => all(q, spec, paging);
  return {
    accounts: await readAll(q, TABLES.accounts),
    purses: await readAll(q, TABLES.purses),
    fraud: await readAll(q, TABLES.fraud),
    guarantees: await readAll(q, TABLES.guarantees),
    refunds: await readAll(q, TABLES.refunds),
    revocations: await readAll(q, TABLES.revocations),
    lists: await readAll(q, TABLES.lists),
    bankKeys: await readAll(q, TABLES.bankKeys),
    generations: await readAll(q, TABLES.generations),
    merchants: await readAll(q, TABLES.merchants),
    cardholders: await readAll(q, TABLES.cardholders),
    purseCertificates: await readAll(q, TABLES.purseCertificates),
  };
}

/** A transaction the evidence asks for: its net amount per account (`kind/owner/currency`). */
export interface ExpectedTransaction {
  kind: string;
  reference: string;
  currency: string;
  entries: Map<string, number>;
  /** The evidence row that asks for it (where a missing transaction is reported). */
  table: string;
  key: string;
}

/** Per purse, what the signed evidence says. */
export interface PurseEvidence {
  loaded: number;
  /** Credited by receipts, less checks reversed. */
  captured: number;
  highestSerial: number;
  creditedCount: number;
  overspentChecks: number;
  cloneProofs: number;
  /** Paid under the guarantee (the issuer's fraud loss), by receipts: sum, count and largest. */
  guaranteed: number;
  guaranteedChecks: number;
  guaranteedLargest: number;
}

/** Findings kept in memory by default; past it they are counted (AuditReport.findingsTotal). */
export const MAX_FINDINGS = 10_000;

/** What the audit counted as it read (the report's counts). */
export interface AuditCounts {
  loads: number;
  checks: number;
  purses: number;
  batches: number;
  transactions: number;
}

export class AuditContext {
  readonly findings: Finding[] = [];
  /** Every finding, listed or not. */
  findingsTotal = 0;
  /** By `kind|reference|currency`: the transaction the books must hold (a second one replaces the first). */
  readonly expected = new Map<string, ExpectedTransaction>();
  readonly purses = new Map<string, PurseEvidence>();
  /** Net credited per merchant and currency (`owner/currency`), for payouts. */
  readonly merchantNet = new Map<string, number>();
  /** The stored merchant refunds, by refundKey (check hash and merchant), as signed. */
  readonly refunds = new Map<string, Refund>();
  readonly cache = new CertificateCache(65_536);
  /** verifyChain per distinct certificate, for the checks verified in batches (deposits.ts). */
  readonly chains: ChainMemo;
  readonly counts: AuditCounts = { loads: 0, checks: 0, purses: 0, batches: 0, transactions: 0 };
  /** How the families page through their tables: the evidence sink, and the page size if set. */
  readonly paging: Paging;
  /** The purse rows by id. */
  readonly purseRows: ReadonlyMap<string, PurseRow>;

  constructor(
    readonly bank: PublicBank,
    readonly rows: ReferenceRows,
    readonly o: {
      maxFindings?: number;
      sink?: EvidenceSink | undefined;
      pageRows?: number | undefined;
      onChecks?: ((checks: number) => void) | undefined;
      verifier?: VerifierPool | undefined;
    } = {},
  ) {
    this.counts.purses = rows.purses.length;
    this.paging = pagingOf(o);
    this.chains = new ChainMemo(bank.anchors, this.cache);
    this.purseRows = new Map(rows.purses.map((p) => [p.purse_id, p]));
  }

  /**
   * Where an incremental run starts (the last verified checkpoint): the evidence and transactions
   * it covers are not read again, their totals are carried. Undefined in a full run.
   */
  since: Resume | undefined = undefined;
  /** The positions of every table the last checkpoint lists beyond (audited, above its position). */
  private beyond = new Set<number>();
  /** The carried totals an incremental run started from (and the books family compares with). */
  carried: CarriedTotals | undefined = undefined;
  /** Net credited per merchant by the bank's own evidence (before the presentments add theirs): carried. */
  evidenceNet = new Map<string, number>();
  /** Paid out per merchant (`owner/currency`), as the books read them: carried. */
  readonly payouts = new Map<string, number>();
  /** Per account (`kind/owner/currency`), the sum of the entries of every transaction audited: carried. */
  readonly accountSums = new Map<string, number>();

  /** Continues from the last verified checkpoint: its totals, and only newer evidence read. */
  resume(since: Resume): void {
    this.since = since;
    this.beyond = new Set([...since.beyond.values()].flatMap((b) => [...b]));
    this.carried = since.totals;
    for (const [id, figures] of since.totals.purses) Object.assign(this.purse(id), Object.fromEntries(figures));
    for (const [m, net] of since.totals.merchants) this.merchantNet.set(m, net);
    for (const [m, paid] of since.totals.payouts) this.payouts.set(m, paid);
  }

  /** Whether an evidence row at `position` is newer than the last checkpoint (every row in a full run). */
  isNew(position: number): boolean {
    const s = this.since;
    return !s || (position > s.position && !this.beyond.has(position));
  }

  /** The SQL condition on `column` (audit_position) that keeps the newer evidence; none in a full run. */
  newEvidence(column: string): string | undefined {
    const s = this.since;
    if (!s) return undefined;
    const beyond = [...this.beyond];
    return `(${column} > ${s.position}${beyond.length ? ` and ${column} not in (${beyond.join(', ')})` : ''})`;
  }

  /** The SQL condition on `column` (a transaction id) that keeps the newer transactions; none in a full run. */
  newTransactions(column: string): string | undefined {
    const t = this.since?.transactions;
    if (!t) return undefined;
    return `(${column} > ${t.upTo}${t.beyond.size ? ` and ${column} not in (${[...t.beyond].join(', ')})` : ''})`;
  }

  add(kind: FindingKind, table: string, key: string, detail: string): void {
    this.findingsTotal += 1;
    if (this.findings.length < (this.o.maxFindings ?? MAX_FINDINGS)) this.findings.push({ kind, table, key, detail });
  }

  purse(id: string): PurseEvidence {
    let p = this.purses.get(id);
    if (!p) {
      p = {
        loaded: 0,
        captured: 0,
        highestSerial: 0,
        creditedCount: 0,
        overspentChecks: 0,
        cloneProofs: 0,
        guaranteed: 0,
        guaranteedChecks: 0,
        guaranteedLargest: 0,
      };
      this.purses.set(id, p);
    }
    return p;
  }

  expect(t: Omit<ExpectedTransaction, 'entries'> & { entries: [string, number][] }): void {
    const entries = new Map<string, number>();
    for (const [account, amount] of t.entries) entries.set(account, (entries.get(account) ?? 0) + amount);
    this.expected.set(`${t.kind}|${t.reference}|${t.currency}`, { ...t, entries });
  }
}

export const accountKey = (kind: string, owner: string, currency: string): string => `${kind}/${owner}/${currency}`;

/** Runs `fn`, turning a thrown error into its message (the detail of a finding). */
export function attempt<T>(fn: () => T): { value: T; error?: undefined } | { value?: undefined; error: string } {
  try {
    return { value: fn() };
  } catch (error) {
    return { error: (error as Error).message || (error as Error).name };
  }
}
