// Double-entry bookkeeping: accounts, balanced transactions, and the invariants as one query.
// Sign convention: an account's balance is the sum of its entries, and the sum over all accounts
// is 0. What the bank owes (cardholder, merchant, e-money liability) is positive; money that came
// in from outside (the funding account) or the issuer paid of its own under the guarantee (the
// fraud-loss account, docs/guarantee.md) is negative.
import { parseCertificate } from '../protocol/certificate.ts';
import type { Queryable } from './db.ts';

export type AccountKind = 'cardholder' | 'merchant' | 'emoney' | 'funding' | 'fraud_loss' | 'interbank';
export type TransactionKind =
  | 'fund'
  | 'load'
  | 'capture'
  | 'refund'
  | 'payout'
  | 'guarantee'
  | 'presentment'
  | 'settlement';

export interface Entry {
  account: number;
  amount: number;
}

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
}

/** The account's id, created on first use. */
export async function accountId(q: Queryable, kind: AccountKind, owner: string, currency: string): Promise<number> {
  const found = await q.query<{ id: number }>(
    'select id from accounts where kind = $1 and owner = $2 and currency = $3',
    [kind, owner, currency],
  );
  if (found[0]) return found[0].id;
  await q.query('insert into accounts (kind, owner, currency) values ($1, $2, $3) on conflict do nothing', [
    kind,
    owner,
    currency,
  ]);
  const rows = await q.query<{ id: number }>(
    'select id from accounts where kind = $1 and owner = $2 and currency = $3',
    [kind, owner, currency],
  );
  return (rows[0] as { id: number }).id;
}

/**
 * Posts one balanced transaction (entries sum to 0, none zero) and updates the balances, in account
 * id order so that concurrent transactions lock rows in one order. `floor` refuses a debit that
 * would take that account below 0 (a cardholder cannot spend money it does not have).
 */
export async function post(
  q: Queryable,
  kind: TransactionKind,
  reference: string,
  entries: readonly Entry[],
  floor: readonly number[] = [],
): Promise<number> {
  let sum = 0;
  for (const e of entries) {
    if (!Number.isSafeInteger(e.amount) || e.amount === 0)
      throw new LedgerError(`entry amount ${e.amount}: a non-zero integer`);
    sum += e.amount;
  }
  if (sum !== 0 || entries.length < 2)
    throw new LedgerError(`unbalanced transaction (${entries.length} entries, sum ${sum})`);
  const merged = new Map<number, number>();
  for (const e of entries) merged.set(e.account, (merged.get(e.account) ?? 0) + e.amount);
  const ordered = [...merged].filter(([, a]) => a !== 0).sort((a, b) => a[0] - b[0]);
  for (const [account, amount] of ordered) {
    const rows = await q.query<{ balance: number }>(
      'update accounts set balance = balance + $2 where id = $1 returning balance',
      [account, amount],
    );
    if (!rows[0]) throw new LedgerError(`no account ${account}`);
    if (floor.includes(account) && rows[0].balance < 0) throw new LedgerError(`account ${account} would go below 0`);
  }
  const [tx] = await q.query<{ id: number }>(
    'insert into transactions (kind, reference) values ($1, $2) returning id',
    [kind, reference],
  );
  const id = (tx as { id: number }).id;
  await q.query(
    'insert into entries (tx_id, account_id, amount) select $1, a, m from unnest($2::bigint[], $3::bigint[]) as t(a, m)',
    [id, entries.map((e) => e.account), entries.map((e) => e.amount)],
  );
  return id;
}

export async function balance(q: Queryable, kind: AccountKind, owner: string, currency: string): Promise<number> {
  const rows = await q.query<{ balance: number }>(
    'select balance from accounts where kind = $1 and owner = $2 and currency = $3',
    [kind, owner, currency],
  );
  return rows[0]?.balance ?? 0;
}

export interface InvariantReport {
  ok: boolean;
  /** Human-readable violations; empty when ok. */
  violations: string[];
}

/**
 * The ledger's invariants, each one query: all balances sum to 0; every transaction balances;
 * every balance is the sum of its entries; per bank and currency the e-money liability equals
 * loaded − captured − refunded over its purses; per purse, captured equals its credited checks and
 * loaded its loads; no purse captured more than it was loaded; per currency the fraud loss equals
 * what the guarantee paid, and per purse that stays within its certificate's offline limits; per
 * counterparty bank and currency the interbank balance is presentments − settlements.
 */
export async function checkInvariants(q: Queryable): Promise<InvariantReport> {
  const violations: string[] = [];
  const [total] = await q.query<{ s: number }>('select coalesce(sum(balance), 0)::numeric as s from accounts');
  if (total?.s !== 0) violations.push(`sum of all balances is ${total?.s}, not 0`);
  for (const r of await q.query<{ tx_id: number; s: number }>(
    'select tx_id, sum(amount)::numeric as s from entries group by tx_id having sum(amount) <> 0',
  ))
    violations.push(`transaction ${r.tx_id} sums to ${r.s}`);
  for (const r of await q.query<{ id: number; balance: number; s: number }>(
    'select a.id, a.balance, coalesce(sum(e.amount), 0)::numeric as s from accounts a left join entries e on e.account_id = a.id group by a.id, a.balance having a.balance <> coalesce(sum(e.amount), 0)',
  ))
    violations.push(`account ${r.id} balance ${r.balance}, entries ${r.s}`);
  for (const r of await q.query<{ currency: string; liability: number; outstanding: number }>(
    `select c.currency, coalesce(a.balance, 0)::numeric as liability, coalesce(p.outstanding, 0)::numeric as outstanding
       from (select currency from accounts where kind = 'emoney' union select currency from purses) c
       left join (select currency, sum(balance) as balance from accounts where kind = 'emoney' group by currency) a on a.currency = c.currency
       left join (select currency, sum(loaded - captured - refunded) as outstanding from purses group by currency) p on p.currency = c.currency
      where coalesce(a.balance, 0) <> coalesce(p.outstanding, 0)`,
  ))
    violations.push(`${r.currency}: e-money liability ${r.liability}, loaded − captured − refunded ${r.outstanding}`);
  for (const r of await q.query<{ purse_id: string; captured: number; s: number }>(
    `select p.purse_id, p.captured, coalesce(sum(c.amount), 0)::numeric as s from purses p left join checks c on c.purse_id = p.purse_id and c.status = 'credited'
      group by p.purse_id, p.captured having p.captured <> coalesce(sum(c.amount), 0)`,
  ))
    violations.push(`purse ${r.purse_id}: captured ${r.captured}, credited checks ${r.s}`);
  for (const r of await q.query<{ purse_id: string; loaded: number; s: number }>(
    `select p.purse_id, p.loaded, coalesce(sum(l.amount), 0)::numeric as s from purses p left join loads l on l.purse_id = p.purse_id
      group by p.purse_id, p.loaded having p.loaded <> coalesce(sum(l.amount), 0)`,
  ))
    violations.push(`purse ${r.purse_id}: loaded ${r.loaded}, loads ${r.s}`);
  for (const r of await q.query<{ purse_id: string }>('select purse_id from purses where captured + refunded > loaded'))
    violations.push(`purse ${r.purse_id} captured more than loaded`);
  await checkGuarantees(q, violations);
  await checkInterbank(q, violations);
  return { ok: violations.length === 0, violations };
}

/** The guarantee's invariants: the fraud-loss accounts hold what it paid, each purse within its limits. */
async function checkGuarantees(q: Queryable, violations: string[]): Promise<void> {
  for (const r of await q.query<{ currency: string; loss: number; paid: number }>(
    `select c.currency, coalesce(a.balance, 0)::numeric as loss, coalesce(g.paid, 0)::numeric as paid
       from (select currency from accounts where kind = 'fraud_loss' union select p.currency from guarantees g join purses p on p.purse_id = g.purse_id) c
       left join (select currency, sum(balance) as balance from accounts where kind = 'fraud_loss' group by currency) a on a.currency = c.currency
       left join (select p.currency, sum(g.amount) as paid from guarantees g join purses p on p.purse_id = g.purse_id group by p.currency) g on g.currency = c.currency
      where coalesce(a.balance, 0) <> -coalesce(g.paid, 0)`,
  ))
    violations.push(`${r.currency}: fraud loss ${r.loss}, paid under the guarantee ${r.paid}`);
  for (const r of await q.query<{ purse_id: string; certificate: Uint8Array; paid: number; n: number; top: number }>(
    `select p.purse_id, p.certificate, sum(g.amount)::numeric as paid, count(*)::int as n, max(g.amount)::numeric as top
       from guarantees g join purses p on p.purse_id = g.purse_id group by p.purse_id, p.certificate`,
  )) {
    const limits = parseCertificate(new Uint8Array(r.certificate)).limits;
    if (!limits || r.paid > limits.maxOfflineAmount || r.n > limits.maxOfflineChecks || r.top > limits.maxPerCheck)
      violations.push(
        `purse ${r.purse_id}: paid under the guarantee ${r.paid} in ${r.n} checks (largest ${r.top}), beyond its certificate's offline limits`,
      );
  }
}

/**
 * Interbank (src/bank/interbank/README.md): per counterparty and currency the interbank account
 * holds its presentments (with, at an issuer, what it paid under the guarantee for a presented
 * check: a 'guarantee' transaction owed to the acquirer) less the nets of the cycles agreed
 * (settlements), and no other kind of transaction touches it.
 */
async function checkInterbank(q: Queryable, violations: string[]): Promise<void> {
  for (const r of await q.query<{
    owner: string;
    currency: string;
    balance: number;
    presented: number;
    settled: number;
    other: number;
  }>(
    `select a.owner, a.currency, a.balance, coalesce(p.presented, 0)::numeric as presented,
            coalesce(l.settled, 0)::numeric as settled, coalesce(p.other, 0)::int as other
       from accounts a
       left join (select e.account_id, sum(e.amount) filter (where t.kind in ('presentment', 'guarantee')) as presented,
                         count(*) filter (where t.kind not in ('presentment', 'guarantee', 'settlement')) as other
                    from entries e join transactions t on t.id = e.tx_id group by e.account_id) p on p.account_id = a.id
       left join (select l.counterparty, l.currency, sum(l.net) as settled from settlement_lines l
                    join settlement_cycles c using (counterparty, cycle) where c.status = 'agreed'
                   group by l.counterparty, l.currency) l on l.counterparty = a.owner and l.currency = a.currency
      where a.kind = 'interbank'
        and (a.balance <> coalesce(p.presented, 0) - coalesce(l.settled, 0) or coalesce(p.other, 0) > 0)`,
  ))
    violations.push(
      `interbank ${r.owner} ${r.currency}: balance ${r.balance}, presentments ${r.presented} − settlements ${r.settled}` +
        (r.other ? `, ${r.other} entries of other transactions` : ''),
    );
}
