// What a cycle holds, read from this bank's own books: the presentment transactions (and, at an
// issuer, the guarantee's payments for presented checks, owed to the acquirer too) with one
// counterparty not yet in a cycle (settlement_items), each with its entry on the interbank account
// (above 0 this bank owes, below 0 it is owed: migration 011), summed into a statement's lines.
import { addAmounts } from '../../protocol/fields.ts';
import type { SettlementLine } from '../../protocol/messages.ts';
import { type PresentedReference, sortReferences } from '../../protocol/settlement.ts';
import type { Queryable } from '../db.ts';

/** One presentment transaction's effect on the pair's interbank account. */
export interface Presented {
  txId: number;
  reference: string;
  currency: string;
  /** The interbank entry: > 0 owed to the counterparty, < 0 due from it. */
  amount: number;
}

const PRESENTED = `select t.id::bigint as tx_id, t.reference, a.currency, e.amount
     from transactions t join entries e on e.tx_id = t.id join accounts a on a.id = e.account_id
    where t.kind in ('presentment', 'guarantee') and a.kind = 'interbank' and a.owner = $1
      and not exists (select 1 from settlement_items s where s.tx_id = t.id)`;

type Row = { tx_id: number; reference: string; currency: string; amount: number };
const presented = (r: Row): Presented => ({
  txId: Number(r.tx_id),
  reference: r.reference,
  currency: r.currency,
  amount: Number(r.amount),
});

/** Every presentment with `counterparty` not yet settled, in ledger order. */
export async function unsettled(q: Queryable, counterparty: string): Promise<Presented[]> {
  return (await q.query<Row>(`${PRESENTED} order by t.id`, [counterparty])).map(presented);
}

/** The unsettled presentments with `counterparty` of these references (those found). */
export async function unsettledOf(
  q: Queryable,
  counterparty: string,
  references: readonly PresentedReference[],
): Promise<Presented[]> {
  const rows = await q.query<Row>(`${PRESENTED} and t.reference = any($2::text[]) order by t.id`, [
    counterparty,
    [...new Set(references.map(([, r]) => r))],
  ]);
  const wanted = new Set(references.map(([c, r]) => `${c}\u0000${r}`));
  return rows.map(presented).filter((p) => wanted.has(`${p.currency}\u0000${p.reference}`));
}

/** Per currency (sorted) gross owed, gross due and net; the references included. */
export function linesOf(items: readonly Presented[]): { lines: SettlementLine[]; references: PresentedReference[] } {
  const sums = new Map<string, { owed: number; due: number }>();
  for (const p of items) {
    const s = sums.get(p.currency) ?? { owed: 0, due: 0 };
    if (p.amount > 0) s.owed = addAmounts(s.owed, p.amount);
    else s.due = addAmounts(s.due, -p.amount);
    sums.set(p.currency, s);
  }
  const lines = [...sums]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([cur, s]): SettlementLine => [cur, s.owed, s.due, s.owed - s.due]);
  // A reference once per currency: at an issuer a presented batch's guarantee payment shares it.
  const unique = new Map(items.map((p) => [`${p.currency}\u0000${p.reference}`, [p.currency, p.reference] as const]));
  return { lines, references: sortReferences([...unique.values()].map(([c, r]): PresentedReference => [c, r])) };
}
