// The interbank settlement: BANK-B's operator closes the cycle with BANK-A over the back office's
// API; the two banks sign mirrored statements over the presentments of the cycle and book their
// nets, which the scheme checks offline (checkSchemePositions: each pair's two statements agree,
// the nets sum to 0 per currency).
import type { PairClose } from '../bank/interbank/exchange.ts';
import { equalBytes } from '../bytes.ts';
import type { TrustAnchors } from '../protocol/certificate.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { verifyStatement } from '../protocol/settlement.ts';
import { checkSchemePositions } from '../protocol/settlement-scheme.ts';
import type { DemoBank } from './banks.ts';
import type { Narrator } from './narrator.ts';

export interface SettlementOutcome {
  closed: PairClose[];
  /** Each bank's side of the cycle: 'agreed' once both signed. */
  statuses: string[];
  /** Each bank's statement is the one the other holds as its peer's. */
  mirrored: boolean;
  /** Per bank, its net in the currency (above 0 it pays); undefined when the scheme check failed. */
  nets: Record<string, number> | undefined;
  /** The sum of the nets across the scheme (0). */
  netSum: number | undefined;
}

type CycleRow = {
  statement: Uint8Array;
  peer_statement: Uint8Array | null;
  status: string;
};

const u8 = (b: Uint8Array | null | undefined) => new Uint8Array(b ?? []);

export async function settleInterbank(
  n: Narrator,
  o: { closing: DemoBank; other: DemoBank; anchors: TrustAnchors; currency: string },
): Promise<SettlementOutcome> {
  const { closing, other, currency } = o;
  const closed = await n.timed(`${closing.id} closes the cycle with ${other.id}`, () =>
    closing.client.closeSettlement(),
  );
  const cycleOf = async (bank: DemoBank) =>
    (
      await bank.db.query<CycleRow>(
        'select statement, peer_statement, status from settlement_cycles where counterparty = $1 order by cycle desc limit 1',
        [bank.id === closing.id ? other.id : closing.id],
      )
    )[0];
  const rows = [await cycleOf(closing), await cycleOf(other)];
  const context = { anchors: o.anchors, now: Math.floor(Date.now() / 1000) };
  for (const row of rows) {
    if (!row) continue;
    const s = verifyStatement(u8(row.statement), context).body;
    for (const [, owed, due, net] of s.lines)
      n.say(
        `  ${s.bankId} signs cycle ${s.cycle} with ${s.counterparty}: owes ${n.money(owed).trim()}, is owed ${n.money(due).trim()}, net ${n.money(net).trim()} — ${row.status}`,
      );
  }
  const [mine, theirs] = rows;
  const mirrored =
    mine !== undefined &&
    theirs !== undefined &&
    u8(mine.peer_statement).length > 0 &&
    equalBytes(u8(mine.peer_statement), u8(theirs.statement)) &&
    equalBytes(u8(theirs.peer_statement), u8(mine.statement));
  let nets: Record<string, number> | undefined;
  let netSum: number | undefined;
  try {
    const positions = checkSchemePositions(
      rows.flatMap((r) => (r ? [u8(r.statement)] : [])),
      context,
    );
    nets = Object.fromEntries([...positions.banks].map(([bank, byCurrency]) => [bank, byCurrency.get(currency) ?? 0]));
    netSum = Object.values(nets).reduce((s, v) => s + v, 0);
    for (const [bank, net] of Object.entries(nets))
      n.say(`  scheme position of ${bank}: ${net > 0 ? 'pays' : 'receives'} ${n.money(Math.abs(net)).trim()}`);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    n.say(`  the scheme check refuses the statements: ${error.code} ${error.message}`);
  }
  n.expect(
    `both banks signed the cycle (${rows.map((r) => r?.status).join(', ')})`,
    rows.every((r) => r?.status === 'agreed'),
  );
  n.expect("each bank holds the other's signed statement, the mirror of its own", mirrored);
  return { closed, statuses: rows.map((r) => r?.status ?? ''), mirrored, nets, netSum };
}
