// What every family of audit checks shares: the ledger read once (plain selects, no writes), the
// bank whose anchors verify the evidence, the findings so far, and what the evidence says the
// books must hold (purse totals, expected transactions) for the families that run after.

import { CertificateCache } from '../../protocol/certificate.ts';
import type { Refund } from '../../protocol/messages.ts';
import type { Queryable } from '../db.ts';
import type { PublicBank } from '../issuing.ts';
import type { Finding, FindingKind } from './kinds.ts';

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
}
export interface BatchRow {
  batch_hash: Uint8Array;
  deposit: Uint8Array;
  merchant_id: string;
  batch_id: Uint8Array;
  receipt: Uint8Array;
  credited: number;
  checks_count: number;
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

export interface LedgerRows {
  accounts: AccountRow[];
  transactions: TransactionRow[];
  entries: EntryRow[];
  purses: PurseRow[];
  loads: LoadRow[];
  checks: CheckRow[];
  fraud: FraudRow[];
  guarantees: GuaranteeRow[];
  batches: BatchRow[];
  refunds: RefundRow[];
  revocations: RevocationRow[];
  lists: ListRow[];
  bankKeys: BankKeysRow[];
  generations: GenerationRow[];
  merchants: PartyRow[];
  cardholders: PartyRow[];
  purseCertificates: PurseCertificateRow[];
}

/** Every table the audit looks at, in a stable order (bytea as Uint8Array on both drivers). */
export async function readLedger(q: Queryable): Promise<LedgerRows> {
  const all = <R>(sql: string) => q.query(sql) as Promise<R[]>;
  return {
    accounts: await all<AccountRow>('select id, kind, owner, currency, balance from accounts order by id'),
    transactions: await all<TransactionRow>('select id, kind, reference from transactions order by id'),
    entries: await all<EntryRow>('select id, tx_id, account_id, amount from entries order by id'),
    purses: await all<PurseRow>('select * from purses order by purse_id'),
    loads: await all<LoadRow>(
      'select request_hash, purse_id, nonce, amount, request, tx_id from loads order by request_hash',
    ),
    checks: await all<CheckRow>('select * from checks order by batch_hash, batch_index, purse_id, serial'),
    fraud: await all<FraudRow>(
      'select check_hash, purse_id, serial, bytes, proof from fraud_evidence order by check_hash',
    ),
    guarantees: await all<GuaranteeRow>('select * from guarantees order by check_hash'),
    batches: await all<BatchRow>(
      'select batch_hash, deposit, merchant_id, batch_id, receipt, credited, checks_count from batches order by batch_hash',
    ),
    refunds: await all<RefundRow>(
      'select refund_hash, check_hash, merchant_id, purse_id, serial, amount, currency, refund from refunds order by refund_hash',
    ),
    revocations: await all<RevocationRow>('select subject, reason, revoked_at from revocations order by subject'),
    lists: await all<ListRow>(
      'select list_number, bytes, issued_at, subjects, key_generation from revocation_lists order by list_number',
    ),
    bankKeys: await all<BankKeysRow>(
      'select bank_id, root_id, root_public, bank_public, kx_public, certificate, generation from bank_keys order by bank_id',
    ),
    generations: await all<GenerationRow>(
      'select bank_id, generation, bank_public, kx_public, certificate from bank_key_generations order by bank_id, generation',
    ),
    merchants: await all<PartyRow>('select merchant_id as id, certificate from merchants order by merchant_id'),
    cardholders: await all<PartyRow>('select cardholder_id as id, certificate from cardholders order by cardholder_id'),
    purseCertificates: await all<PurseCertificateRow>(
      'select id::text as id, purse_id, certificate, reason from purse_certificates order by id',
    ),
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

export class AuditContext {
  readonly findings: Finding[] = [];
  readonly expected: ExpectedTransaction[] = [];
  readonly purses = new Map<string, PurseEvidence>();
  /** Net credited per merchant and currency (`owner/currency`), for payouts. */
  readonly merchantNet = new Map<string, number>();
  /** The stored merchant refunds, by refundKey (check hash and merchant), as signed. */
  readonly refunds = new Map<string, Refund>();
  readonly cache = new CertificateCache(65_536);

  constructor(
    readonly bank: PublicBank,
    readonly rows: LedgerRows,
  ) {}

  add(kind: FindingKind, table: string, key: string, detail: string): void {
    this.findings.push({ kind, table, key, detail });
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
    this.expected.push({ ...t, entries });
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
