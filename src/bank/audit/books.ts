// The books: every balance is the sum of its entries, every transaction balances in one currency,
// and every transaction answers exactly one item of evidence with exactly the entries that
// evidence gives (loads, captured batches, reversed checks, settled lost cards, collected by the
// families that ran before). Fund transactions (money paid in from outside) have no signed
// evidence here: they must have the shape outside → the cardholder named by their reference.
// Payouts (merchant → outside) must stay within what the merchant was credited. Transactions are
// read in pages with their entries (stream.ts); only the sums per account are carried. An
// incremental run reads the transactions newer than the last checkpoint and starts from the sums
// per account and the payouts it carries (its verification compared those sums with one aggregate
// query over the older entries: checkpoint/verify.ts); an expected transaction that is not among
// the newer ones (a settled lost card's refund, a presentment's) is looked up among the older ones.
import type { Queryable } from '../db.ts';
import { type AuditContext, accountKey, type EntryRow, TABLES, type TransactionRow } from './context.ts';
import { pages } from './stream.ts';

const ENTRIES = { select: 'select id, tx_id, account_id, amount from entries', column: 'tx_id', order: 'id' };

export async function auditBooks(ctx: AuditContext, q: Queryable): Promise<void> {
  const { rows } = ctx;
  const accounts = new Map(rows.accounts.map((a) => [a.id, a]));
  const sums = new Map<number, number>();
  for (const a of rows.accounts) {
    const carried = ctx.carried?.accounts.get(accountKey(a.kind, a.owner, a.currency));
    if (carried !== undefined) sums.set(a.id, carried);
  }
  const accountKeyOf = (id: number) => {
    const a = accounts.get(id);
    return a ? accountKey(a.kind, a.owner, a.currency) : `?/${id}`;
  };
  const byKey = new Map(rows.accounts.map((a) => [accountKey(a.kind, a.owner, a.currency), a]));
  const expected = ctx.expected;
  const matched = new Set<string>();
  const payouts = ctx.payouts;
  const byTransaction = (entries: readonly EntryRow[]) => {
    const byTx = new Map<number, { account: number; amount: number }[]>();
    for (const e of entries) {
      const list = byTx.get(e.tx_id);
      if (list) list.push({ account: e.account_id, amount: e.amount });
      else byTx.set(e.tx_id, [{ account: e.account_id, amount: e.amount }]);
    }
    return byTx;
  };
  const newer = { ...TABLES.transactions, filter: ctx.newTransactions('id') };
  const child = { ...ENTRIES, filter: ctx.newTransactions('tx_id') };
  for await (const page of pages<TransactionRow, EntryRow>(q, newer, { ...ctx.paging, child })) {
    ctx.counts.transactions += page.rows.length;
    for (const e of page.children) sums.set(e.account_id, (sums.get(e.account_id) ?? 0) + e.amount);
    const byTx = byTransaction(page.children);
    for (const t of page.rows) transaction(t, byTx.get(t.id) ?? []);
  }
  const older = ctx.newTransactions('id');
  const unmatched = [...expected.values()].filter((t) => !matched.has(`${t.kind}|${t.reference}|${t.currency}`));
  if (older && unmatched.length) {
    // Checked as in a full run; their entries are in the carried sums already.
    const found = await q.query<TransactionRow & Record<string, unknown>>(
      `${TABLES.transactions.select} where not ${older} and (kind, reference) in (select * from unnest($1::text[], $2::text[])) order by id`,
      [unmatched.map((t) => t.kind), unmatched.map((t) => t.reference)],
    );
    const entries = await q.query<EntryRow & Record<string, unknown>>(
      `${ENTRIES.select} where tx_id = any($1::bigint[]) order by id`,
      [found.map((t) => t.id)],
    );
    const byTx = byTransaction(entries);
    for (const t of found) transaction(t, byTx.get(t.id) ?? []);
  }
  for (const a of rows.accounts) {
    const s = sums.get(a.id) ?? 0;
    if (s !== a.balance)
      ctx.add(
        'account_balance_mismatch',
        'accounts',
        accountKey(a.kind, a.owner, a.currency),
        `balance ${a.balance}, entries ${s}`,
      );
  }
  for (const [id, t] of expected)
    if (!matched.has(id)) ctx.add('transaction_missing', t.table, t.key, `no ${t.kind} transaction ${t.reference}`);
  for (const [id, s] of sums) ctx.accountSums.set(accountKeyOf(id), s);

  function transaction(t: TransactionRow, entries: { account: number; amount: number }[]): void {
    const key = String(t.id);
    const sum = entries.reduce((s, e) => s + e.amount, 0);
    if (sum !== 0 || entries.length < 2)
      ctx.add('transaction_unbalanced', 'transactions', key, `${entries.length} entries summing to ${sum}`);
    const net = new Map<string, number>();
    const currencies = new Set<string>();
    for (const e of entries) {
      const a = accounts.get(e.account);
      const k = accountKeyOf(e.account);
      if (a) currencies.add(a.currency);
      net.set(k, (net.get(k) ?? 0) + e.amount);
    }
    for (const [k, v] of net) if (v === 0) net.delete(k);
    if (currencies.size > 1)
      ctx.add('transaction_mixed_currency', 'transactions', key, `entries in ${[...currencies].sort().join(', ')}`);
    const currency = accounts.get(entries[0]?.account ?? -1)?.currency ?? '';
    const show = (m: Map<string, number>) =>
      [...m]
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');

    if (t.kind === 'fund' || t.kind === 'payout') {
      // outside → a cardholder (fund) or a merchant → outside (payout), the party named first in
      // the reference (`owner:…`; an id may itself hold ':', so the reference is matched, not split).
      const party = t.kind === 'fund' ? 'cardholder' : 'merchant';
      const outside = accountKey('funding', 'outside', currency);
      const amount = (t.kind === 'fund' ? -1 : 1) * (net.get(outside) ?? 0);
      const others = [...net.keys()].filter((k) => k !== outside);
      const owner = others.length === 1 ? (byKey.get(others[0] as string)?.owner ?? '') : '';
      const shape = new Map([
        [outside, t.kind === 'fund' ? -amount : amount],
        [accountKey(party, owner, currency), t.kind === 'fund' ? amount : -amount],
      ]);
      if (amount <= 0 || !owner || !t.reference.startsWith(`${owner}:`) || show(shape) !== show(net))
        ctx.add(
          'transaction_mismatch',
          'transactions',
          key,
          `a ${t.kind} must move outside ↔ the ${party} its reference names; ${t.reference}: entries ${show(net)}`,
        );
      if (t.kind === 'payout' && amount > 0 && owner) {
        const m = `${owner}/${currency}`;
        const paid = (payouts.get(m) ?? 0) + amount;
        payouts.set(m, paid);
        if (paid > (ctx.merchantNet.get(m) ?? 0))
          ctx.add(
            'payout_unbacked',
            'transactions',
            key,
            `${owner} paid out ${paid} in all, credited ${ctx.merchantNet.get(m) ?? 0}`,
          );
      }
      return;
    }
    const id = `${t.kind}|${t.reference}|${currency}`;
    const want = expected.get(id);
    if (!want || matched.has(id)) {
      ctx.add(
        'transaction_unjustified',
        'transactions',
        key,
        want ? `a second ${t.kind} ${t.reference}` : `no evidence asks for ${t.kind} ${t.reference}`,
      );
      return;
    }
    matched.add(id);
    if (show(want.entries) !== show(net))
      ctx.add(
        'transaction_mismatch',
        'transactions',
        key,
        `${t.kind} ${t.reference}: entries ${show(net)}, evidence says ${show(want.entries)}`,
      );
  }
}
