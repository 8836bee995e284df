// Interbank settlement (src/bank/interbank/): every stored cycle's statements agree with the books.
// This bank's statement verifies under its own key and names the cycle's row; an agreed cycle's
// peer statement verifies under a bank of the scheme and mirrors ours; the statement and the
// stored lines are what the cycle's presentment transactions sum to (per currency owed, due, net,
// and the references hash); and each agreed net asks for its 'settlement' transaction, which the
// books family (run after this one) then finds missing, altered or doubled. Plain selects of its
// own tables and the interbank entries, so it does not depend on how the ledger is read.
import { equalBytes, toHex } from '../../bytes.ts';
import type { SettlementLine, SettlementStatement } from '../../protocol/messages.ts';
import { checkAgrees, referencesHash, verifyStatement } from '../../protocol/settlement.ts';
import type { Queryable } from '../db.ts';
import { settlementReference } from '../interbank/cycles.ts';
import { linesOf, type Presented } from '../interbank/positions.ts';
import { type AuditContext, accountKey, attempt, u8 } from './context.ts';

type CycleRow = {
  counterparty: string;
  cycle: number;
  status: string;
  cutoff: number;
  statement: Uint8Array;
  peer_statement: Uint8Array | null;
};
type ItemRow = {
  counterparty: string;
  cycle: number;
  tx_id: number;
  kind: string;
  reference: string;
  currency: string | null;
  amount: number | null;
};

const show = (lines: readonly SettlementLine[]) => lines.map((l) => l.join(' ')).join('; ') || 'none';

export async function auditSettlements(ctx: AuditContext, q: Queryable): Promise<void> {
  const cycles = await q.query<CycleRow>(
    'select counterparty, cycle, status, cutoff, statement, peer_statement from settlement_cycles order by counterparty, cycle',
  );
  const lines = await q.query<{
    counterparty: string;
    cycle: number;
    currency: string;
    owed: number;
    due: number;
    net: number;
  }>(
    'select counterparty, cycle, currency, owed, due, net from settlement_lines order by counterparty, cycle, currency',
  );
  // Each item with its transaction and, when there is one, its entry on the pair's interbank account.
  const items = await q.query<ItemRow>(
    `select s.counterparty, s.cycle, s.tx_id, t.kind, t.reference, a.currency, e.amount
       from settlement_items s join transactions t on t.id = s.tx_id
       left join (entries e join accounts a on a.id = e.account_id and a.kind = 'interbank')
         on e.tx_id = t.id and a.owner = s.counterparty
      order by s.counterparty, s.cycle, s.tx_id`,
  );
  const keyOf = (r: { counterparty: string; cycle: number }) => `${r.counterparty}/${r.cycle}`;
  const group = <R extends { counterparty: string; cycle: number }>(rows: R[]) => {
    const m = new Map<string, R[]>();
    for (const r of rows) m.set(keyOf(r), [...(m.get(keyOf(r)) ?? []), r]);
    return m;
  };
  const linesBy = group(lines);
  const itemsBy = group(items);
  for (const c of cycles) {
    const key = keyOf(c);
    const presented: Presented[] = [];
    for (const i of itemsBy.get(key) ?? []) {
      if ((i.kind !== 'presentment' && i.kind !== 'guarantee') || i.currency === null || i.amount === null)
        ctx.add(
          'settlement_books_mismatch',
          'settlement_items',
          String(i.tx_id),
          `cycle ${key} includes transaction ${i.tx_id} (${i.kind}), not a presentment on the interbank account of ${c.counterparty}`,
        );
      else presented.push({ txId: i.tx_id, reference: i.reference, currency: i.currency, amount: i.amount });
    }
    const books = linesOf(presented);
    const stored = (linesBy.get(key) ?? []).map((l): SettlementLine => [l.currency, l.owed, l.due, l.net]);
    if (show(stored) !== show(books.lines))
      ctx.add(
        'settlement_books_mismatch',
        'settlement_lines',
        key,
        `lines ${show(stored)}, its presentments sum to ${show(books.lines)}`,
      );
    const ours = ownStatement(ctx, c);
    if (!ours) continue;
    if (show(ours.lines) !== show(books.lines) || !equalBytes(ours.referencesHash, referencesHash(books.references)))
      ctx.add(
        'settlement_books_mismatch',
        'settlement_cycles',
        key,
        `statement ${show(ours.lines)} (references ${toHex(ours.referencesHash).slice(0, 16)}…), its presentments sum to ${show(books.lines)} (${books.references.length} references)`,
      );
    if (c.status !== 'agreed') continue;
    const peer = attempt(() => {
      const theirs = verifyStatement(u8(c.peer_statement), { anchors: ctx.bank.anchors, now: c.cutoff }).body;
      checkAgrees(ours, theirs);
    });
    if (peer.error)
      ctx.add('settlement_statement_invalid', 'settlement_cycles', key, `the peer's statement: ${peer.error}`);
    for (const [currency, , , net] of ours.lines)
      if (net !== 0)
        ctx.expect({
          kind: 'settlement',
          reference: settlementReference(c.counterparty, c.cycle),
          currency,
          entries: [
            [accountKey('interbank', c.counterparty, currency), -net],
            [accountKey('funding', 'outside', currency), net],
          ],
          table: 'settlement_cycles',
          key,
        });
  }
}

/** This bank's statement of the cycle, when it verifies and names the row's pair, cycle and cutoff. */
function ownStatement(ctx: AuditContext, c: CycleRow): SettlementStatement | undefined {
  const key = `${c.counterparty}/${c.cycle}`;
  const r = attempt(() => verifyStatement(u8(c.statement), { anchors: ctx.bank.anchors, now: c.cutoff }).body);
  const s = r.value;
  const why = r.error
    ? r.error
    : s &&
        (s.bankId !== ctx.bank.id || s.counterparty !== c.counterparty || s.cycle !== c.cycle || s.cutoff !== c.cutoff)
      ? `it names ${s.bankId} → ${s.counterparty} cycle ${s.cycle} at ${s.cutoff}`
      : undefined;
  if (why) {
    ctx.add('settlement_statement_invalid', 'settlement_cycles', key, `this bank's statement: ${why}`);
    return undefined;
  }
  return s;
}
