// The tampers: each changes ONE thing in a clean ledger, the way a careless or a careful forger
// with write access to the database would, and says which findings (kind, table, key) the audit
// must give for it — all of them and nothing else. Targets are picked by what the rows are
// (a credited check, a capture transaction, a settled purse…), not by how the clean ledger was
// built, so any ledger with those features (e.g. one from the whole-system simulator) serves.

import type { FindingKind } from '../../src/bank/audit/index.ts';
import type { Queryable } from '../../src/bank/db.ts';
import { decode, Tag, Tagged } from '../../src/protocol/cbor.ts';
import { parseSign1 } from '../../src/protocol/cose.ts';
import { makeFraudProof } from '../../src/protocol/fraud.ts';
import { captureReceipt, depositBatch, revocationList } from '../../src/protocol/messages.ts';

export interface Expected {
  kind: FindingKind;
  table: string;
  key: string;
}

export interface Tamper {
  name: string;
  /**
   * Audited incrementally against the suite's audit checkpoints (two, written on the clean ledger):
   * a change to evidence they cover, or to a checkpoint.
   */
  checkpoint?: true;
  /** Changes the ledger (inside a transaction the test rolls back) and returns what the audit must find. */
  apply(tx: Queryable): Promise<Expected[]>;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Inserts `row` (a row read with `returning *`) into `table` as it is. */
async function insertRow(tx: Queryable, table: string, row: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(row);
  await tx.query(
    `insert into ${table} (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
    columns.map((k) => row[k]),
  );
}
const u8 = (b: unknown) => new Uint8Array(b as Uint8Array);
const buf = (b: Uint8Array) => Buffer.from(b);
/** The bytes with their last byte changed: for a COSE_Sign1 that is the last byte of its signature. */
const flipLast = (b: Uint8Array) => {
  const out = u8(b).slice();
  out[out.length - 1] = (out[out.length - 1] as number) ^ 0x01;
  return out;
};
const randomBytes = (n: number) => buf(crypto.getRandomValues(new Uint8Array(n)));

async function one<R extends Record<string, unknown>>(
  tx: Queryable,
  what: string,
  sql: string,
  params: unknown[] = [],
): Promise<R> {
  const [row] = await tx.query<R>(sql, params);
  if (!row) throw new Error(`the ledger has no ${what}: this tamper cannot be applied`);
  return row;
}

const adjust = (tx: Queryable, accountId: number, delta: number) =>
  tx.query('update accounts set balance = balance + $2 where id = $1', [accountId, delta]);
const accountKeyOf = async (tx: Queryable, id: number) => {
  const a = await one<{ kind: string; owner: string; currency: string }>(
    tx,
    `account ${id}`,
    'select kind, owner, currency from accounts where id = $1',
    [id],
  );
  return `${a.kind}/${a.owner}/${a.currency}`;
};

interface CheckTarget {
  purse_id: string;
  serial: number;
  batch_hash: Uint8Array;
  batch_index: number;
  check_hash: Uint8Array;
  amount: number;
  merchant_id: string;
}
const creditedCheck = (tx: Queryable) =>
  one<CheckTarget & Record<string, unknown>>(
    tx,
    'credited check',
    "select purse_id, serial, batch_hash, batch_index, check_hash, amount, merchant_id from checks where status = 'credited' order by purse_id, serial limit 1",
  );
const captureTx = (tx: Queryable) =>
  one<{ id: number; reference: string }>(
    tx,
    'capture transaction',
    "select id, reference from transactions where kind = 'capture' order by id limit 1",
  );
const guaranteeTx = (tx: Queryable) =>
  one<{ id: number; reference: string }>(
    tx,
    'guarantee transaction',
    "select id, reference from transactions where kind = 'guarantee' order by id limit 1",
  );
const entryOf = (tx: Queryable, txId: number, accountKind: string) =>
  one<{ id: number; account_id: number; amount: number }>(
    tx,
    `${accountKind} entry of transaction ${txId}`,
    'select e.id, e.account_id, e.amount from entries e join accounts a on a.id = e.account_id where e.tx_id = $1 and a.kind = $2 order by e.id limit 1',
    [txId, accountKind],
  );
const accountOfKind = (tx: Queryable, kind: string) =>
  one<{ id: number; kind: string; owner: string; currency: string }>(
    tx,
    `${kind} account`,
    'select id, kind, owner, currency from accounts where kind = $1 and balance <> 0 order by id limit 1',
    [kind],
  );
const checkKey = (c: { purse_id: string; serial: number }) => `${c.purse_id}/${c.serial}`;

const storedRefund = (tx: Queryable) =>
  one<{ refund_hash: Uint8Array; refund: Uint8Array }>(
    tx,
    'stored refund',
    'select refund_hash, refund from refunds order by refund_hash limit 1',
  );
/** `batch_hash#index` of the receipt outcome that names this check in one of the merchant's batches. */
async function receiptPosition(tx: Queryable, checkHash: Uint8Array, merchantId: string): Promise<string> {
  for (const b of await tx.query<{ batch_hash: Uint8Array; receipt: Uint8Array }>(
    'select batch_hash, receipt from batches where merchant_id = $1 order by batch_hash',
    [merchantId],
  )) {
    const outcomes = captureReceipt.decode(parseSign1(u8(b.receipt)).payload).outcomes;
    const i = outcomes.findIndex(([h]) => hex(h) === hex(checkHash));
    if (i >= 0) return `${hex(u8(b.batch_hash))}#${i}`;
  }
  throw new Error('no receipt names the refunded check: this tamper cannot be applied');
}

const editBalance = (kind: string): Tamper => ({
  name: `the balance of a ${kind} account edited by hand`,
  async apply(tx) {
    const a = await accountOfKind(tx, kind);
    await adjust(tx, a.id, 1);
    return [{ kind: 'account_balance_mismatch', table: 'accounts', key: `${a.kind}/${a.owner}/${a.currency}` }];
  },
});

export const TAMPERS: Tamper[] = [
  // Checks.
  {
    name: 'a check amount changed',
    async apply(tx) {
      const c = await creditedCheck(tx);
      await tx.query('update checks set amount = amount + 1 where purse_id = $1 and serial = $2', [
        c.purse_id,
        c.serial,
      ]);
      return [{ kind: 'check_row_mismatch', table: 'checks', key: checkKey(c) }];
    },
  },
  {
    name: 'a check serial changed',
    async apply(tx) {
      const c = await creditedCheck(tx);
      await tx.query('update checks set serial = serial + 1000 where purse_id = $1 and serial = $2', [
        c.purse_id,
        c.serial,
      ]);
      return [{ kind: 'check_row_mismatch', table: 'checks', key: `${c.purse_id}/${c.serial + 1000}` }];
    },
  },
  {
    name: 'a check moved to another merchant',
    async apply(tx) {
      const c = await creditedCheck(tx);
      const m = await one<{ merchant_id: string }>(
        tx,
        'second merchant',
        'select merchant_id from merchants where merchant_id <> $1 order by merchant_id limit 1',
        [c.merchant_id],
      );
      await tx.query('update checks set merchant_id = $3 where purse_id = $1 and serial = $2', [
        c.purse_id,
        c.serial,
        m.merchant_id,
      ]);
      return [{ kind: 'check_row_mismatch', table: 'checks', key: checkKey(c) }];
    },
  },
  {
    name: 'a check attributed to another purse',
    async apply(tx) {
      const c = await creditedCheck(tx);
      const p = await one<{ purse_id: string }>(
        tx,
        'purse free at that serial',
        'select purse_id from purses p where purse_id <> $1 and not exists (select 1 from checks c where c.purse_id = p.purse_id and c.serial = $2) order by purse_id limit 1',
        [c.purse_id, c.serial],
      );
      // Deleted and inserted again under the other purse: Citus moves no row to another shard by an update.
      const [row] = await tx.query('delete from checks where purse_id = $1 and serial = $2 returning *', [
        c.purse_id,
        c.serial,
      ]);
      await insertRow(tx, 'checks', { ...row, purse_id: p.purse_id });
      return [{ kind: 'check_row_mismatch', table: 'checks', key: `${p.purse_id}/${c.serial}` }];
    },
  },
  {
    name: 'a check hash changed',
    async apply(tx) {
      const c = await creditedCheck(tx);
      await tx.query('update checks set check_hash = $3 where purse_id = $1 and serial = $2', [
        c.purse_id,
        c.serial,
        randomBytes(32),
      ]);
      return [{ kind: 'check_row_mismatch', table: 'checks', key: checkKey(c) }];
    },
  },
  {
    name: 'a check row duplicated (another serial, the same deposited check)',
    async apply(tx) {
      const c = await creditedCheck(tx);
      await tx.query(
        "insert into checks (purse_id, serial, check_hash, amount, merchant_id, batch_hash, status, batch_index) values ($1, $2, $3, $4, $5, $6, 'credited', $7)",
        [c.purse_id, c.serial + 1000, randomBytes(32), c.amount, c.merchant_id, buf(u8(c.batch_hash)), c.batch_index],
      );
      return [{ kind: 'check_row_duplicate', table: 'checks', key: `${c.purse_id}/${c.serial + 1000}` }];
    },
  },
  {
    name: 'a check row pointing past the end of its deposit',
    async apply(tx) {
      const c = await creditedCheck(tx);
      await tx.query('update checks set batch_index = 9999 where purse_id = $1 and serial = $2', [
        c.purse_id,
        c.serial,
      ]);
      return [
        { kind: 'check_evidence_missing', table: 'checks', key: checkKey(c) },
        { kind: 'receipt_check_missing', table: 'batches', key: `${hex(u8(c.batch_hash))}#${c.batch_index}` },
      ];
    },
  },
  {
    name: 'a credited check row deleted (the receipt names a check not credited)',
    async apply(tx) {
      const c = await creditedCheck(tx);
      await tx.query('delete from checks where purse_id = $1 and serial = $2', [c.purse_id, c.serial]);
      return [{ kind: 'receipt_check_missing', table: 'batches', key: `${hex(u8(c.batch_hash))}#${c.batch_index}` }];
    },
  },
  {
    name: 'a credited check marked refunded without a reversal',
    async apply(tx) {
      const c = await creditedCheck(tx);
      await tx.query("update checks set status = 'refunded' where purse_id = $1 and serial = $2", [
        c.purse_id,
        c.serial,
      ]);
      return [
        { kind: 'purse_captured_mismatch', table: 'purses', key: c.purse_id },
        { kind: 'transaction_missing', table: 'checks', key: checkKey(c) },
        { kind: 'refund_missing', table: 'checks', key: checkKey(c) },
      ];
    },
  },
  {
    name: 'a credited check marked over the limit',
    async apply(tx) {
      const c = await creditedCheck(tx);
      await tx.query("update checks set status = 'overspent' where purse_id = $1 and serial = $2", [
        c.purse_id,
        c.serial,
      ]);
      return [{ kind: 'check_not_in_receipt', table: 'checks', key: checkKey(c) }];
    },
  },
  {
    name: 'a bad purse signature on a stored check',
    async apply(tx) {
      const c = await creditedCheck(tx);
      const b = await one<{ deposit: Uint8Array }>(tx, 'deposit', 'select deposit from batches where batch_hash = $1', [
        buf(u8(c.batch_hash)),
      ]);
      const deposit = buf(u8(b.deposit));
      const stored = depositBatch.decode(parseSign1(u8(deposit)).payload).checks[c.batch_index] as Uint8Array;
      const at = deposit.indexOf(buf(stored));
      deposit[at + stored.length - 1] = (deposit[at + stored.length - 1] as number) ^ 0x01; // the check's signature, in place
      await tx.query('update batches set deposit = $2 where batch_hash = $1', [buf(u8(c.batch_hash)), deposit]);
      return [
        { kind: 'deposit_invalid', table: 'batches', key: hex(u8(c.batch_hash)) },
        { kind: 'check_signature_invalid', table: 'checks', key: checkKey(c) },
      ];
    },
  },
  {
    name: 'a bad cardholder signature on a stored Internet check',
    async apply(tx) {
      for (const c of await tx.query<CheckTarget & { deposit: Uint8Array } & Record<string, unknown>>(
        "select c.purse_id, c.serial, c.batch_hash, c.batch_index, b.deposit from checks c join batches b on b.batch_hash = c.batch_hash where c.status = 'credited' order by c.purse_id, c.serial",
      )) {
        const deposit = buf(u8(c.deposit));
        const stored = depositBatch.decode(parseSign1(u8(deposit)).payload).checks[c.batch_index] as Uint8Array;
        const value = decode(stored);
        if (!(value instanceof Tagged && value.tag === Tag.Sign)) continue;
        // A COSE_Sign ends with its last signature: the cardholder's approval.
        const at = deposit.indexOf(buf(stored));
        deposit[at + stored.length - 1] = (deposit[at + stored.length - 1] as number) ^ 0x01;
        await tx.query('update batches set deposit = $2 where batch_hash = $1', [buf(u8(c.batch_hash)), deposit]);
        return [
          { kind: 'deposit_invalid', table: 'batches', key: hex(u8(c.batch_hash)) },
          { kind: 'check_signature_invalid', table: 'checks', key: checkKey(c) },
        ];
      }
      throw new Error('the ledger has no credited Internet check: this tamper cannot be applied');
    },
  },
  // Batches and receipts.
  {
    name: 'a deposit batch receipt altered',
    async apply(tx) {
      const b = await one<{ batch_hash: Uint8Array; receipt: Uint8Array }>(
        tx,
        'batch',
        'select batch_hash, receipt from batches order by batch_hash limit 1',
      );
      await tx.query('update batches set receipt = $2 where batch_hash = $1', [
        buf(u8(b.batch_hash)),
        buf(flipLast(u8(b.receipt))),
      ]);
      return [{ kind: 'receipt_invalid', table: 'batches', key: hex(u8(b.batch_hash)) }];
    },
  },
  {
    name: "a batch row's credited total edited",
    async apply(tx) {
      const b = await one<{ batch_hash: Uint8Array }>(
        tx,
        'credited batch',
        'select batch_hash from batches where credited > 0 order by batch_hash limit 1',
      );
      await tx.query('update batches set credited = credited + 1 where batch_hash = $1', [buf(u8(b.batch_hash))]);
      return [{ kind: 'receipt_invalid', table: 'batches', key: hex(u8(b.batch_hash)) }];
    },
  },
  {
    name: "a batch row's merchant changed",
    async apply(tx) {
      const b = await one<{ batch_hash: Uint8Array; merchant_id: string }>(
        tx,
        'batch',
        'select batch_hash, merchant_id from batches order by batch_hash limit 1',
      );
      // Deleted and inserted again under the other merchant: Citus moves no row to another shard by an update.
      const [row] = await tx.query('delete from batches where batch_hash = $1 returning *', [buf(u8(b.batch_hash))]);
      await insertRow(tx, 'batches', { ...row, merchant_id: `${b.merchant_id}-x` });
      return [{ kind: 'deposit_invalid', table: 'batches', key: hex(u8(b.batch_hash)) }];
    },
  },
  // Books.
  editBalance('cardholder'),
  editBalance('merchant'),
  editBalance('emoney'),
  editBalance('funding'),
  {
    name: 'a capture credited to the wrong merchant account (balances moved too)',
    async apply(tx) {
      const t = await captureTx(tx);
      const e = await entryOf(tx, t.id, 'merchant');
      const other = await one<{ id: number }>(
        tx,
        'second merchant account',
        "select id from accounts where kind = 'merchant' and id <> $1 and currency = (select currency from accounts where id = $1) order by id limit 1",
        [e.account_id],
      );
      await tx.query('update entries set account_id = $2 where id = $1', [e.id, other.id]);
      await adjust(tx, e.account_id, -e.amount);
      await adjust(tx, other.id, e.amount);
      return [{ kind: 'transaction_mismatch', table: 'transactions', key: String(t.id) }];
    },
  },
  {
    name: 'a capture transaction deleted (balances put back)',
    async apply(tx) {
      const t = await captureTx(tx);
      for (const e of await tx.query<{ account_id: number; amount: number }>(
        'select account_id, amount from entries where tx_id = $1',
        [t.id],
      ))
        await adjust(tx, e.account_id, -e.amount);
      await tx.query('delete from entries where tx_id = $1', [t.id]);
      await tx.query('delete from transactions where id = $1', [t.id]);
      return [
        { kind: 'transaction_missing', table: 'batches', key: t.reference.slice(t.reference.lastIndexOf(':') + 1) },
      ];
    },
  },
  {
    name: 'an unbalanced transaction (one entry changed, its balance too)',
    async apply(tx) {
      const t = await one<{ id: number }>(
        tx,
        'load transaction',
        "select id from transactions where kind = 'load' order by id limit 1",
      );
      const e = await entryOf(tx, t.id, 'emoney');
      await tx.query('update entries set amount = amount + 1 where id = $1', [e.id]);
      await adjust(tx, e.account_id, 1);
      return [
        { kind: 'transaction_unbalanced', table: 'transactions', key: String(t.id) },
        { kind: 'transaction_mismatch', table: 'transactions', key: String(t.id) },
      ];
    },
  },
  {
    name: 'a ledger entry deleted (its balance too)',
    async apply(tx) {
      const t = await one<{ id: number }>(
        tx,
        'fund transaction',
        "select id from transactions where kind = 'fund' order by id limit 1",
      );
      const e = await entryOf(tx, t.id, 'cardholder');
      await tx.query('delete from entries where id = $1', [e.id]);
      await adjust(tx, e.account_id, -e.amount);
      return [
        { kind: 'transaction_unbalanced', table: 'transactions', key: String(t.id) },
        { kind: 'transaction_mismatch', table: 'transactions', key: String(t.id) },
      ];
    },
  },
  {
    name: 'a ledger entry duplicated (balance left alone)',
    async apply(tx) {
      const t = await captureTx(tx);
      const e = await entryOf(tx, t.id, 'merchant');
      await tx.query('insert into entries (tx_id, account_id, amount) values ($1, $2, $3)', [
        t.id,
        e.account_id,
        e.amount,
      ]);
      return [
        { kind: 'account_balance_mismatch', table: 'accounts', key: await accountKeyOf(tx, e.account_id) },
        { kind: 'transaction_unbalanced', table: 'transactions', key: String(t.id) },
        { kind: 'transaction_mismatch', table: 'transactions', key: String(t.id) },
      ];
    },
  },
  {
    name: 'a ledger entry moved to an account in another currency',
    async apply(tx) {
      const t = await one<{ id: number }>(
        tx,
        'fund transaction',
        "select id from transactions where kind = 'fund' order by id limit 1",
      );
      const e = await entryOf(tx, t.id, 'cardholder');
      const a = await one<{ owner: string }>(tx, 'account', 'select owner from accounts where id = $1', [e.account_id]);
      const [usd] = await tx.query<{ id: number }>(
        "insert into accounts (kind, owner, currency, balance) values ('cardholder', $1, 'USD', $2) returning id",
        [a.owner, e.amount],
      );
      await tx.query('update entries set account_id = $2 where id = $1', [e.id, (usd as { id: number }).id]);
      await adjust(tx, e.account_id, -e.amount);
      return [
        { kind: 'transaction_mixed_currency', table: 'transactions', key: String(t.id) },
        { kind: 'transaction_mismatch', table: 'transactions', key: String(t.id) },
      ];
    },
  },
  {
    name: 'money paid in for one cardholder credited to another (balances moved too)',
    async apply(tx) {
      const t = await one<{ id: number }>(
        tx,
        'fund transaction',
        "select id from transactions where kind = 'fund' order by id limit 1",
      );
      const e = await entryOf(tx, t.id, 'cardholder');
      const other = await one<{ id: number }>(
        tx,
        'second cardholder account',
        "select id from accounts where kind = 'cardholder' and id <> $1 and currency = (select currency from accounts where id = $1) order by id limit 1",
        [e.account_id],
      );
      await tx.query('update entries set account_id = $2 where id = $1', [e.id, other.id]);
      await adjust(tx, e.account_id, -e.amount);
      await adjust(tx, other.id, e.amount);
      return [{ kind: 'transaction_mismatch', table: 'transactions', key: String(t.id) }];
    },
  },
  {
    name: 'a load credited twice (a second transaction of the same reference)',
    async apply(tx) {
      const t = await one<{ id: number; reference: string }>(
        tx,
        'load transaction',
        "select id, reference from transactions where kind = 'load' order by id limit 1",
      );
      const [copy] = await tx.query<{ id: number }>(
        "insert into transactions (kind, reference) values ('load', $1) returning id",
        [t.reference],
      );
      const id = (copy as { id: number }).id;
      for (const e of await tx.query<{ account_id: number; amount: number }>(
        'select account_id, amount from entries where tx_id = $1',
        [t.id],
      )) {
        await tx.query('insert into entries (tx_id, account_id, amount) values ($1, $2, $3)', [
          id,
          e.account_id,
          e.amount,
        ]);
        await adjust(tx, e.account_id, e.amount);
      }
      return [{ kind: 'transaction_unjustified', table: 'transactions', key: String(id) }];
    },
  },
  {
    name: 'an orphan transaction (no entries, no evidence)',
    async apply(tx) {
      const [t] = await tx.query<{ id: number }>(
        "insert into transactions (kind, reference) values ('capture', 'shop-1:00') returning id",
      );
      const key = String((t as { id: number }).id);
      return [
        { kind: 'transaction_unbalanced', table: 'transactions', key },
        { kind: 'transaction_unjustified', table: 'transactions', key },
      ];
    },
  },
  {
    name: 'a merchant payout without a capture',
    async apply(tx) {
      const m = await one<{ merchant_id: string }>(
        tx,
        'merchant never credited',
        "select merchant_id from merchants m where not exists (select 1 from accounts a where a.kind = 'merchant' and a.owner = m.merchant_id and a.balance <> 0) order by merchant_id limit 1",
      );
      const funding = await accountOfKind(tx, 'funding');
      const [account] = await tx.query<{ id: number }>(
        "insert into accounts (kind, owner, currency, balance) values ('merchant', $1, $2, -500) on conflict (kind, owner, currency) do update set balance = accounts.balance - 500 returning id",
        [m.merchant_id, funding.currency],
      );
      const [t] = await tx.query<{ id: number }>(
        "insert into transactions (kind, reference) values ('payout', $1) returning id",
        [`${m.merchant_id}:payout-1`],
      );
      const id = (t as { id: number }).id;
      await tx.query('insert into entries (tx_id, account_id, amount) values ($1, $2, -500), ($1, $3, 500)', [
        id,
        (account as { id: number }).id,
        funding.id,
      ]);
      await adjust(tx, funding.id, 500);
      return [{ kind: 'payout_unbacked', table: 'transactions', key: String(id) }];
    },
  },
  {
    name: 'a time-travelled transaction (dated a year ahead)',
    async apply(tx) {
      const t = await captureTx(tx);
      await tx.query("update transactions set created_at = now() + interval '1 year' where id = $1", [t.id]);
      return [{ kind: 'timestamp_out_of_range', table: 'transactions', key: String(t.id) }];
    },
  },
  {
    name: 'a load dated before the bank existed',
    async apply(tx) {
      const l = await one<{ request_hash: Uint8Array; created_at: Date }>(
        tx,
        'load',
        'select request_hash, created_at from loads order by request_hash limit 1',
      );
      // The new date as a constant: Citus evaluates no time arithmetic on a column in an update.
      await tx.query("update loads set created_at = $2::timestamptz - interval '10 years' where request_hash = $1", [
        buf(u8(l.request_hash)),
        l.created_at,
      ]);
      return [{ kind: 'timestamp_out_of_range', table: 'loads', key: hex(u8(l.request_hash)) }];
    },
  },
  // Loads and purses.
  {
    name: 'a load whose stored row no longer matches its signed amount',
    async apply(tx) {
      const l = await one<{ request_hash: Uint8Array }>(
        tx,
        'load',
        'select request_hash from loads order by request_hash limit 1',
      );
      await tx.query('update loads set amount = amount + 1 where request_hash = $1', [buf(u8(l.request_hash))]);
      return [{ kind: 'load_row_mismatch', table: 'loads', key: hex(u8(l.request_hash)) }];
    },
  },
  {
    name: "a load's signed request altered",
    async apply(tx) {
      const l = await one<{ request_hash: Uint8Array; request: Uint8Array }>(
        tx,
        'load',
        'select request_hash, request from loads order by request_hash limit 1',
      );
      await tx.query('update loads set request = $2 where request_hash = $1', [
        buf(u8(l.request_hash)),
        buf(flipLast(u8(l.request))),
      ]);
      return [{ kind: 'load_evidence_invalid', table: 'loads', key: hex(u8(l.request_hash)) }];
    },
  },
  {
    name: 'a load deleted: the purse has captured more than its evidence loaded',
    async apply(tx) {
      const l = await one<{ request_hash: Uint8Array; purse_id: string; tx_id: number }>(
        tx,
        'purse loaded twice that captured more than one load',
        "select l.request_hash, l.purse_id, l.tx_id from loads l join purses p on p.purse_id = l.purse_id where p.status = 'active' and p.captured > p.loaded - l.amount order by l.request_hash limit 1",
      );
      await tx.query('delete from loads where request_hash = $1', [buf(u8(l.request_hash))]);
      return [
        { kind: 'purse_loaded_mismatch', table: 'purses', key: l.purse_id },
        { kind: 'purse_overspent', table: 'purses', key: l.purse_id },
        { kind: 'transaction_unjustified', table: 'transactions', key: String(l.tx_id) },
      ];
    },
  },
  {
    name: "a purse's loaded total edited",
    async apply(tx) {
      const p = await one<{ purse_id: string }>(
        tx,
        'loaded purse',
        "select purse_id from purses where status = 'active' and loaded > 0 order by purse_id limit 1",
      );
      await tx.query('update purses set loaded = loaded + 1 where purse_id = $1', [p.purse_id]);
      return [{ kind: 'purse_loaded_mismatch', table: 'purses', key: p.purse_id }];
    },
  },
  {
    name: "a purse's highest serial edited",
    async apply(tx) {
      const p = await one<{ purse_id: string }>(
        tx,
        'purse with checks',
        'select purse_id from purses where highest_serial > 0 order by purse_id limit 1',
      );
      await tx.query('update purses set highest_serial = highest_serial + 1 where purse_id = $1', [p.purse_id]);
      return [{ kind: 'purse_counters_mismatch', table: 'purses', key: p.purse_id }];
    },
  },
  {
    name: "a settled lost card's refund edited",
    async apply(tx) {
      const p = await one<{ purse_id: string }>(
        tx,
        'settled purse',
        "select purse_id from purses where status = 'settled' and refunded > 0 order by purse_id limit 1",
      );
      await tx.query('update purses set refunded = refunded - 1 where purse_id = $1', [p.purse_id]);
      return [{ kind: 'purse_refunded_mismatch', table: 'purses', key: p.purse_id }];
    },
  },
  {
    name: "a settled lost card's refund transaction deleted (balances put back)",
    async apply(tx) {
      const t = await one<{ id: number; reference: string }>(
        tx,
        'lost-card refund',
        "select id, reference from transactions where kind = 'refund' and reference like 'lost:%' order by id limit 1",
      );
      for (const e of await tx.query<{ account_id: number; amount: number }>(
        'select account_id, amount from entries where tx_id = $1',
        [t.id],
      ))
        await adjust(tx, e.account_id, -e.amount);
      await tx.query('delete from entries where tx_id = $1', [t.id]);
      await tx.query('delete from transactions where id = $1', [t.id]);
      return [{ kind: 'transaction_missing', table: 'purses', key: t.reference.slice('lost:'.length) }];
    },
  },
  {
    name: "a reversed check's refund transaction deleted (balances put back)",
    async apply(tx) {
      const c = await one<{ purse_id: string; serial: number; check_hash: Uint8Array }>(
        tx,
        'reversed check',
        "select purse_id, serial, check_hash from checks where status = 'refunded' order by purse_id, serial limit 1",
      );
      const t = await one<{ id: number }>(
        tx,
        'reversal transaction',
        'select id from transactions where reference = $1',
        [`reversal:${hex(u8(c.check_hash))}`],
      );
      for (const e of await tx.query<{ account_id: number; amount: number }>(
        'select account_id, amount from entries where tx_id = $1',
        [t.id],
      ))
        await adjust(tx, e.account_id, -e.amount);
      await tx.query('delete from entries where tx_id = $1', [t.id]);
      await tx.query('delete from transactions where id = $1', [t.id]);
      return [{ kind: 'transaction_missing', table: 'checks', key: checkKey(c) }];
    },
  },
  // Merchant refunds.
  {
    name: "a stored refund's merchant signature changed",
    async apply(tx) {
      const r = await storedRefund(tx);
      await tx.query('update refunds set refund = $2 where refund_hash = $1', [
        buf(u8(r.refund_hash)),
        buf(flipLast(u8(r.refund))),
      ]);
      return [{ kind: 'refund_invalid', table: 'refunds', key: hex(u8(r.refund_hash)) }];
    },
  },
  {
    name: "a refund row's amount edited",
    async apply(tx) {
      const r = await storedRefund(tx);
      await tx.query('update refunds set amount = amount + 1 where refund_hash = $1', [buf(u8(r.refund_hash))]);
      return [{ kind: 'refund_row_mismatch', table: 'refunds', key: hex(u8(r.refund_hash)) }];
    },
  },
  {
    name: "a reversed check's refund deleted",
    async apply(tx) {
      const c = await one<{ purse_id: string; serial: number; check_hash: Uint8Array }>(
        tx,
        'reversed check',
        "select purse_id, serial, check_hash from checks where status = 'refunded' order by purse_id, serial limit 1",
      );
      await tx.query('delete from refunds where check_hash = $1', [buf(u8(c.check_hash))]);
      return [{ kind: 'refund_missing', table: 'checks', key: checkKey(c) }];
    },
  },
  {
    name: 'the refund of a check refused as refunded deleted',
    async apply(tx) {
      const r = await one<{ check_hash: Uint8Array; merchant_id: string }>(
        tx,
        'refund of a check never credited',
        'select r.check_hash, r.merchant_id from refunds r where not exists (select 1 from checks c where c.purse_id = r.purse_id and c.check_hash = r.check_hash) order by r.refund_hash limit 1',
      );
      const position = await receiptPosition(tx, u8(r.check_hash), r.merchant_id);
      await tx.query('delete from refunds where check_hash = $1', [buf(u8(r.check_hash))]);
      return [{ kind: 'refund_missing', table: 'batches', key: position }];
    },
  },
  {
    name: 'a reversed check marked credited again (its reversal kept)',
    async apply(tx) {
      const c = await one<{ purse_id: string; serial: number; check_hash: Uint8Array }>(
        tx,
        'reversed check',
        "select purse_id, serial, check_hash from checks where status = 'refunded' order by purse_id, serial limit 1",
      );
      await tx.query("update checks set status = 'credited' where check_hash = $1", [buf(u8(c.check_hash))]);
      const t = await one<{ id: number }>(
        tx,
        'reversal transaction',
        'select id from transactions where reference = $1',
        [`reversal:${hex(u8(c.check_hash))}`],
      );
      return [
        { kind: 'refund_not_applied', table: 'checks', key: checkKey(c) },
        { kind: 'purse_captured_mismatch', table: 'purses', key: c.purse_id },
        { kind: 'transaction_unjustified', table: 'transactions', key: String(t.id) },
      ];
    },
  },
  // Fraud and revocation.
  {
    name: 'a fraud evidence row whose two checks no longer prove a clone',
    async apply(tx) {
      const f = await one<{ check_hash: Uint8Array; purse_id: string; bytes: Uint8Array }>(
        tx,
        'fraud evidence',
        'select check_hash, purse_id, bytes from fraud_evidence order by check_hash limit 1',
      );
      // Pair the stored clone with a genuine check of another purse, taken from a stored deposit.
      const c = await one<{ batch_index: number; deposit: Uint8Array }>(
        tx,
        'check of another purse',
        'select c.batch_index, b.deposit from checks c join batches b on b.batch_hash = c.batch_hash where c.purse_id <> $1 order by c.purse_id, c.serial limit 1',
        [f.purse_id],
      );
      const other = depositBatch.decode(parseSign1(u8(c.deposit)).payload).checks[c.batch_index] as Uint8Array;
      await tx.query('update fraud_evidence set proof = $2 where check_hash = $1', [
        buf(u8(f.check_hash)),
        buf(makeFraudProof(u8(f.bytes), other)),
      ]);
      return [{ kind: 'fraud_evidence_invalid', table: 'fraud_evidence', key: hex(u8(f.check_hash)) }];
    },
  },
  {
    name: "a fraud evidence row's serial changed",
    async apply(tx) {
      const f = await one<{ check_hash: Uint8Array }>(
        tx,
        'fraud evidence',
        'select check_hash from fraud_evidence order by check_hash limit 1',
      );
      await tx.query('update fraud_evidence set serial = serial + 1 where check_hash = $1', [buf(u8(f.check_hash))]);
      return [{ kind: 'fraud_evidence_invalid', table: 'fraud_evidence', key: hex(u8(f.check_hash)) }];
    },
  },
  {
    name: 'fraud evidence deleted while the purse stays revoked',
    async apply(tx) {
      const f = await one<{ check_hash: Uint8Array; purse_id: string }>(
        tx,
        'fraud evidence',
        'select check_hash, purse_id from fraud_evidence order by check_hash limit 1',
      );
      await tx.query('delete from fraud_evidence where check_hash = $1', [buf(u8(f.check_hash))]);
      // The purse's status, its revocation as a clone and the clone's check all lose their proof:
      // the receipt's clone outcome, or the clone's check paid under the guarantee.
      const paid = await tx.query('select 1 from guarantees where check_hash = $1', [buf(u8(f.check_hash))]);
      return [
        { kind: 'purse_status_unjustified', table: 'purses', key: f.purse_id },
        { kind: 'revocation_unjustified', table: 'revocations', key: f.purse_id },
        paid.length
          ? { kind: 'guarantee_unjustified', table: 'guarantees', key: hex(u8(f.check_hash)) }
          : { kind: 'receipt_check_missing', table: 'batches', key: await clonePosition(tx, u8(f.check_hash)) },
      ];
    },
  },
  {
    name: 'a revocation deleted while the fraud evidence remains',
    async apply(tx) {
      const f = await one<{ purse_id: string }>(
        tx,
        'fraud evidence',
        'select purse_id from fraud_evidence order by check_hash limit 1',
      );
      await tx.query('delete from revocations where subject = $1', [f.purse_id]);
      // Every stored list that named it now names a subject that is not revoked.
      const lists = (
        await tx.query<{ list_number: number; bytes: Uint8Array }>(
          'select list_number, bytes from revocation_lists order by list_number',
        )
      ).filter((l) => revocationList.decode(parseSign1(u8(l.bytes)).payload).revoked.includes(f.purse_id));
      if (!lists.length) throw new Error('no stored revocation list names the cloned purse');
      return [
        { kind: 'revocation_missing', table: 'purses', key: f.purse_id },
        ...lists.map(
          (l): Expected => ({
            kind: 'revocation_list_mismatch',
            table: 'revocation_lists',
            key: String(l.list_number),
          }),
        ),
      ];
    },
  },
  {
    name: 'an active purse revoked as a clone without a proof',
    async apply(tx) {
      const p = await one<{ purse_id: string }>(
        tx,
        'active purse',
        "select purse_id from purses where status = 'active' order by purse_id limit 1",
      );
      await tx.query("insert into revocations (subject, reason, revoked_at) values ($1, 'clone', 1)", [p.purse_id]);
      return [{ kind: 'revocation_unjustified', table: 'revocations', key: p.purse_id }];
    },
  },
  {
    name: 'an overspent purse set active again',
    async apply(tx) {
      const p = await one<{ purse_id: string }>(
        tx,
        'overspent purse',
        "select purse_id from purses where status = 'overspent' order by purse_id limit 1",
      );
      await tx.query("update purses set status = 'active' where purse_id = $1", [p.purse_id]);
      // Its checks paid under the guarantee lose their justification too: a purse still active.
      const paid = await tx.query<{ check_hash: Uint8Array }>('select check_hash from guarantees where purse_id = $1', [
        p.purse_id,
      ]);
      return [
        { kind: 'purse_status_unjustified', table: 'purses', key: p.purse_id },
        ...paid.map((g) => ({
          kind: 'guarantee_unjustified' as const,
          table: 'guarantees',
          key: hex(u8(g.check_hash)),
        })),
      ];
    },
  },
  {
    name: 'a revocation list with a bad signature',
    async apply(tx) {
      const l = await one<{ list_number: number; bytes: Uint8Array }>(
        tx,
        'revocation list',
        'select list_number, bytes from revocation_lists order by list_number desc limit 1',
      );
      await tx.query('update revocation_lists set bytes = $2 where list_number = $1', [
        l.list_number,
        buf(flipLast(u8(l.bytes))),
      ]);
      return [{ kind: 'revocation_list_invalid', table: 'revocation_lists', key: String(l.list_number) }];
    },
  },
  {
    name: 'a revocation list row with the wrong subject count',
    async apply(tx) {
      const l = await one<{ list_number: number }>(
        tx,
        'revocation list',
        'select list_number from revocation_lists order by list_number desc limit 1',
      );
      await tx.query('update revocation_lists set subjects = subjects + 1 where list_number = $1', [l.list_number]);
      return [{ kind: 'revocation_list_mismatch', table: 'revocation_lists', key: String(l.list_number) }];
    },
  },
  {
    name: 'a revocation list row naming the wrong key generation',
    async apply(tx) {
      const l = await one<{ list_number: number }>(
        tx,
        'revocation list',
        'select list_number from revocation_lists order by list_number desc limit 1',
      );
      await tx.query('update revocation_lists set key_generation = key_generation + 1 where list_number = $1', [
        l.list_number,
      ]);
      return [{ kind: 'revocation_list_mismatch', table: 'revocation_lists', key: String(l.list_number) }];
    },
  },
  // Keys and certificates.
  {
    name: 'two merchant certificate rows swapped',
    async apply(tx) {
      const [a, b] = await tx.query<{ merchant_id: string; certificate: Uint8Array }>(
        'select merchant_id, certificate from merchants order by merchant_id limit 2',
      );
      if (!a || !b) throw new Error('the ledger has fewer than two merchants');
      await tx.query('update merchants set certificate = $2 where merchant_id = $1', [
        a.merchant_id,
        buf(u8(b.certificate)),
      ]);
      await tx.query('update merchants set certificate = $2 where merchant_id = $1', [
        b.merchant_id,
        buf(u8(a.certificate)),
      ]);
      return [
        { kind: 'certificate_invalid', table: 'merchants', key: a.merchant_id },
        { kind: 'certificate_invalid', table: 'merchants', key: b.merchant_id },
      ];
    },
  },
  {
    name: "a purse certificate's signature altered",
    async apply(tx) {
      const p = await one<{ purse_id: string; certificate: Uint8Array }>(
        tx,
        'purse',
        'select purse_id, certificate from purses order by purse_id limit 1',
      );
      await tx.query('update purses set certificate = $2 where purse_id = $1', [
        p.purse_id,
        buf(flipLast(u8(p.certificate))),
      ]);
      return [{ kind: 'certificate_invalid', table: 'purses', key: p.purse_id }];
    },
  },
  {
    name: "a purse's certificate history row altered",
    async apply(tx) {
      const h = await one<{ id: string; purse_id: string; certificate: Uint8Array }>(
        tx,
        "the history row of a purse's current certificate",
        'select h.id::text as id, h.purse_id, h.certificate from purse_certificates h join purses p on p.purse_id = h.purse_id and p.certificate = h.certificate order by h.id limit 1',
      );
      await tx.query('update purse_certificates set certificate = $2 where id = $1', [
        h.id,
        buf(flipLast(u8(h.certificate))),
      ]);
      // the altered row does not verify, and the purse's current certificate is no longer in its history
      return [
        { kind: 'certificate_invalid', table: 'purse_certificates', key: h.id },
        { kind: 'certificate_invalid', table: 'purses', key: h.purse_id },
      ];
    },
  },
  {
    name: 'an earlier bank key generation row altered',
    async apply(tx) {
      const g = await one<{ bank_id: string; generation: number }>(
        tx,
        'earlier key generation',
        'select bank_id, generation from bank_key_generations g where generation < (select max(generation) from bank_key_generations h where h.bank_id = g.bank_id) order by generation limit 1',
      );
      await tx.query('update bank_key_generations set kx_public = $3 where bank_id = $1 and generation = $2', [
        g.bank_id,
        g.generation,
        randomBytes(32),
      ]);
      return [{ kind: 'bank_key_invalid', table: 'bank_key_generations', key: `${g.bank_id}/${g.generation}` }];
    },
  },
  {
    name: "the bank_keys row's copy of the current key altered",
    async apply(tx) {
      const k = await one<{ bank_id: string }>(tx, 'bank', 'select bank_id from bank_keys order by bank_id limit 1');
      await tx.query('update bank_keys set kx_public = $2 where bank_id = $1', [k.bank_id, randomBytes(32)]);
      return [{ kind: 'bank_key_mirror_mismatch', table: 'bank_keys', key: k.bank_id }];
    },
  },
  {
    name: "a funding's action record deleted (the append-only trigger disabled by the table's owner)",
    async apply(tx) {
      const t = await one<{ id: number; reference: string }>(
        tx,
        'funding with one transaction',
        "select min(id) as id, reference from transactions where kind = 'fund' group by reference having count(*) = 1 order by 1 limit 1",
      );
      await deleteActions(tx, 'fund', t.reference);
      return [{ kind: 'action_missing', table: 'transactions', key: String(t.id) }];
    },
  },
  {
    name: "a lost report's action record deleted",
    async apply(tx) {
      const p = await one<{ purse_id: string }>(
        tx,
        'lost or settled purse',
        "select purse_id from purses where status in ('lost', 'settled') order by purse_id limit 1",
      );
      await deleteActions(tx, 'lost', p.purse_id);
      return [{ kind: 'action_missing', table: 'purses', key: p.purse_id }];
    },
  },
  {
    name: 'an action record by a credential whose role lacks the right',
    async apply(tx) {
      await tx.query(
        "insert into credentials (credential_id, name, roles, token_hash) values ('00000000000000aa', 'teller', array['operator'], $1)",
        [randomBytes(32)],
      );
      const a = await one<{ id: number }>(
        tx,
        'action record',
        "insert into back_office_actions (credential_id, actor, action, subject, detail) values ('00000000000000aa', 'teller', 'merchant', 'shop-x', '{}') returning id",
      );
      return [{ kind: 'action_unauthorised', table: 'back_office_actions', key: String(a.id) }];
    },
  },
  {
    name: 'an enrolment record with no activation code behind it',
    async apply(tx) {
      const a = await one<{ id: number }>(
        tx,
        'action record',
        "insert into back_office_actions (actor, action, subject, detail) values ('cardholder x', 'enrol', 'purse-forged', '{}') returning id",
      );
      return [{ kind: 'action_unauthorised', table: 'back_office_actions', key: String(a.id) }];
    },
  },
  // The guarantee (docs/guarantee.md): checks paid from the issuer's fraud loss.
  {
    name: "a guarantee's payment changed (balances moved too)",
    async apply(tx) {
      const t = await guaranteeTx(tx);
      for (const kind of ['fraud_loss', 'merchant']) {
        const e = await entryOf(tx, t.id, kind);
        const delta = kind === 'merchant' ? 1 : -1;
        await tx.query('update entries set amount = amount + $2 where id = $1', [e.id, delta]);
        await adjust(tx, e.account_id, delta);
      }
      return [{ kind: 'transaction_mismatch', table: 'transactions', key: String(t.id) }];
    },
  },
  {
    name: 'a guarantee transaction deleted (balances put back)',
    async apply(tx) {
      const t = await guaranteeTx(tx);
      for (const e of await tx.query<{ account_id: number; amount: number }>(
        'select account_id, amount from entries where tx_id = $1',
        [t.id],
      ))
        await adjust(tx, e.account_id, -e.amount);
      await tx.query('delete from entries where tx_id = $1', [t.id]);
      await tx.query('delete from transactions where id = $1', [t.id]);
      return [
        { kind: 'transaction_missing', table: 'batches', key: t.reference.slice(t.reference.lastIndexOf(':') + 1) },
      ];
    },
  },
  {
    name: "a guarantee's loss booked to the e-money liability instead (balances moved too)",
    async apply(tx) {
      const t = await guaranteeTx(tx);
      const e = await entryOf(tx, t.id, 'fraud_loss');
      const emoney = await accountOfKind(tx, 'emoney');
      await tx.query('update entries set account_id = $2 where id = $1', [e.id, emoney.id]);
      await adjust(tx, e.account_id, -e.amount);
      await adjust(tx, emoney.id, e.amount);
      return [{ kind: 'transaction_mismatch', table: 'transactions', key: String(t.id) }];
    },
  },
  {
    name: 'a check paid past the loaded value marked credited (no longer guaranteed)',
    async apply(tx) {
      const g = await one<{ check_hash: Uint8Array; purse_id: string; serial: number }>(
        tx,
        'check paid past the loaded value',
        'select check_hash, purse_id, serial from guarantees where not clone order by check_hash limit 1',
      );
      await tx.query("update checks set status = 'credited' where check_hash = $1", [buf(u8(g.check_hash))]);
      // Its guarantee loses its 'guaranteed' row (the books' captured column is untouched), and the
      // purse's overspent status and revocation their one justification (its check above the
      // certified limit per check was refused at verification, 334, and left no row).
      return [
        { kind: 'guarantee_unjustified', table: 'guarantees', key: hex(u8(g.check_hash)) },
        { kind: 'purse_status_unjustified', table: 'purses', key: g.purse_id },
        { kind: 'revocation_unjustified', table: 'revocations', key: g.purse_id },
      ];
    },
  },
  {
    name: "a cloned purse's certificate swapped for one with lower offline limits",
    async apply(tx) {
      const g = await one<{ purse_id: string }>(
        tx,
        'purse paid under the guarantee',
        'select purse_id from guarantees group by purse_id order by sum(amount) desc, purse_id limit 1',
      );
      const small = await one<{ purse_id: string; certificate: Uint8Array }>(
        tx,
        'purse certifying offline limits lower than that',
        "select purse_id, certificate from purses where purse_id = 'purse-idle'",
      );
      const history = await one<{ id: string }>(
        tx,
        "the cloned purse's certificate history",
        'select id::text as id from purse_certificates where purse_id = $1 order by id limit 1',
        [g.purse_id],
      );
      await tx.query('update purses set certificate = $2 where purse_id = $1', [
        g.purse_id,
        buf(u8(small.certificate)),
      ]);
      return [
        { kind: 'certificate_invalid', table: 'purses', key: g.purse_id },
        // Its history's certificate now certifies another key than the (swapped) current one.
        { kind: 'certificate_invalid', table: 'purse_certificates', key: history.id },
        { kind: 'guarantee_over_limit', table: 'purses', key: g.purse_id },
      ];
    },
  },
  {
    // The clean ledger of one bank has no interbank cycle: a forger inserts one.
    name: 'a settlement cycle inserted with a statement no bank signed',
    async apply(tx) {
      await tx.query(
        "insert into settlement_cycles (counterparty, cycle, status, cutoff, position, statement) values ('BANK-FORGED', 1, 'proposed', 1, 0, $1)",
        [randomBytes(120)],
      );
      return [{ kind: 'settlement_statement_invalid', table: 'settlement_cycles', key: 'BANK-FORGED/1' }];
    },
  },
  {
    name: 'a settlement cycle inserted with lines no presentment gives',
    async apply(tx) {
      await tx.query(
        "insert into settlement_cycles (counterparty, cycle, status, cutoff, position, statement) values ('BANK-FORGED', 1, 'proposed', 1, 0, $1)",
        [randomBytes(120)],
      );
      await tx.query(
        "insert into settlement_lines (counterparty, cycle, currency, owed, due, net) values ('BANK-FORGED', 1, 'EUR', 500, 0, 500)",
      );
      return [
        { kind: 'settlement_statement_invalid', table: 'settlement_cycles', key: 'BANK-FORGED/1' },
        { kind: 'settlement_books_mismatch', table: 'settlement_lines', key: 'BANK-FORGED/1' },
      ];
    },
  },
  {
    name: 'a stored value token changed, older than the last audit checkpoint',
    checkpoint: true,
    async apply(tx) {
      const load = await one<{ request_hash: Uint8Array }>(tx, 'load', 'select request_hash from loads limit 1');
      await tx.query("update loads set token = token || '\\x00'::bytea where request_hash = $1", [load.request_hash]);
      return [{ kind: 'evidence_tampered', table: 'loads', key: await checkpointPeriod(tx) }];
    },
  },
  {
    name: 'the first signed revocation list deleted, older than the last audit checkpoint',
    checkpoint: true,
    async apply(tx) {
      await tx.query(
        'delete from revocation_lists where list_number = (select min(list_number) from revocation_lists)',
      );
      return [{ kind: 'evidence_deleted', table: 'revocation_lists', key: await checkpointPeriod(tx) }];
    },
  },
  {
    name: 'a back-office action record inserted at a position the last audit checkpoint covers',
    checkpoint: true,
    async apply(tx) {
      await tx.query(
        "insert into back_office_actions (actor, action, subject, detail, audit_position) values ('forger', 'purse', 'purse-0', '{}', 1)",
      );
      return [{ kind: 'evidence_inserted', table: 'back_office_actions', key: await checkpointPeriod(tx) }];
    },
  },
  {
    name: "the last audit checkpoint's signature changed",
    checkpoint: true,
    async apply(tx) {
      const c = await lastCheckpoint(tx);
      await tx.query('update audit_checkpoints set signature = $3 where bank_id = $1 and number = $2', [
        c.bank_id,
        c.number,
        buf(flipLast(c.signature)),
      ]);
      return [{ kind: 'checkpoint_invalid', table: 'audit_checkpoints', key: `${c.bank_id}/${c.number}` }];
    },
  },
  {
    name: "the last audit checkpoint's position column moved past its signed position",
    checkpoint: true,
    async apply(tx) {
      const c = await lastCheckpoint(tx);
      await tx.query('update audit_checkpoints set position = position + 1 where bank_id = $1 and number = $2', [
        c.bank_id,
        c.number,
      ]);
      return [{ kind: 'checkpoint_row_mismatch', table: 'audit_checkpoints', key: `${c.bank_id}/${c.number}` }];
    },
  },
  {
    name: 'the first audit checkpoint deleted',
    checkpoint: true,
    async apply(tx) {
      const c = await lastCheckpoint(tx);
      await tx.query('delete from audit_checkpoints where bank_id = $1 and number = 1', [c.bank_id]);
      return [{ kind: 'checkpoint_chain_broken', table: 'audit_checkpoints', key: `${c.bank_id}/${c.number}` }];
    },
  },
  // Presentments between banks (src/bank/interbank/): both ends.
  {
    name: "a sent presentment's acquirer signature broken",
    async apply(tx) {
      const p = await one<{ id: Uint8Array; bytes: Uint8Array }>(
        tx,
        'sent presentment',
        'select presentment_id as id, bytes from presentments order by presentment_id limit 1',
      );
      await tx.query('update presentments set bytes = $2 where presentment_id = $1', [
        buf(u8(p.id)),
        buf(flipLast(u8(p.bytes))),
      ]);
      return [{ kind: 'presentment_invalid', table: 'presentments', key: hex(u8(p.id)) }];
    },
  },
  {
    name: "an issuer's stored answer to a sent presentment tampered with",
    async apply(tx) {
      const p = await one<{ id: Uint8Array; answer: Uint8Array }>(
        tx,
        'answered presentment',
        'select presentment_id as id, answer from presentments where answer is not null order by presentment_id limit 1',
      );
      await tx.query('update presentments set answer = $2 where presentment_id = $1', [
        buf(u8(p.id)),
        buf(flipLast(u8(p.answer))),
      ]);
      return [{ kind: 'presentment_answer_invalid', table: 'presentments', key: hex(u8(p.id)) }];
    },
  },
  {
    name: 'a presented check accepted by its issuer marked refused',
    async apply(tx) {
      const c = await one<{ check_hash: Uint8Array }>(
        tx,
        'accepted presented check',
        "select check_hash from presented_checks where status = 'accepted' order by check_hash limit 1",
      );
      await tx.query("update presented_checks set status = 'refused' where check_hash = $1", [buf(u8(c.check_hash))]);
      return [{ kind: 'presented_check_mismatch', table: 'presented_checks', key: hex(u8(c.check_hash)) }];
    },
  },
  {
    name: 'the answer this bank gave to a received presentment tampered with',
    async apply(tx) {
      const p = await one<{ id: Uint8Array; answer: Uint8Array }>(
        tx,
        'received presentment',
        'select presentment_id as id, answer from received_presentments order by presentment_id limit 1',
      );
      await tx.query('update received_presentments set answer = $2 where presentment_id = $1', [
        buf(u8(p.id)),
        buf(flipLast(u8(p.answer))),
      ]);
      return [{ kind: 'presentment_answer_invalid', table: 'received_presentments', key: hex(u8(p.id)) }];
    },
  },
];

/** Deletes action records as only the table's owner can: the append-only trigger off, then on again. */
async function deleteActions(tx: Queryable, action: string, subject: string): Promise<void> {
  await tx.query('alter table back_office_actions disable trigger back_office_actions_no_change');
  await tx.query('delete from back_office_actions where action = $1 and subject = $2', [action, subject]);
  await tx.query('alter table back_office_actions enable trigger back_office_actions_no_change');
}

/** `batch#index` of the receipt outcome that reported the clone with this check hash. */
async function clonePosition(tx: Queryable, checkHash: Uint8Array): Promise<string> {
  for (const b of await tx.query<{ batch_hash: Uint8Array; receipt: Uint8Array }>(
    'select batch_hash, receipt from batches order by batch_hash',
  )) {
    const i = captureReceipt
      .decode(parseSign1(u8(b.receipt)).payload)
      .outcomes.findIndex(([h]) => Buffer.from(h).equals(Buffer.from(checkHash)));
    if (i >= 0) return `${hex(u8(b.batch_hash))}#${i}`;
  }
  throw new Error('no receipt reports the clone');
}

/** The newest audit checkpoint (the suite writes two: the second has no new evidence). */
const lastCheckpoint = (tx: Queryable) =>
  one<{ bank_id: string; number: number; position: number; signature: Uint8Array }>(
    tx,
    'audit checkpoint',
    'select bank_id, number, position, signature from audit_checkpoints order by number desc limit 1',
  );

/** The key of the period the suite's checkpoints cover: every position up to the first one's. */
const checkpointPeriod = async (tx: Queryable) => `positions 1..${(await lastCheckpoint(tx)).position}`;
