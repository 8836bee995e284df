// The scheme's view of a settlement round: every bank's signed statements, each pair's two views
// mirroring each other, and the net positions summing to 0 per currency across the scheme (what
// one bank pays, others receive). Anyone holding the scheme root checks it offline: the scheme
// operator, a regulator, the simulator's checkers.
import { ErrorCode, ProtocolError } from './errors.ts';
import type { SettlementStatement } from './messages.ts';
import { checkAgrees, verifyStatement } from './settlement.ts';
import type { VerifyContext } from './signed.ts';

export interface SchemePositions {
  /** Per bank, per currency: its net over the statements it signed (above 0 it pays). */
  banks: Map<string, Map<string, number>>;
  /** Pairs and cycles covered, each by its two statements. */
  pairs: number;
}

const fail = (detail: string): never => {
  throw new ProtocolError(ErrorCode.SchemeNetNotZero, detail);
};

/**
 * Verifies every statement (a bank of the scheme, naming itself), pairs them by the two banks and
 * the cycle, and checks that each pair's two statements agree and that the nets sum to 0 per
 * currency; SchemeNetNotZero otherwise (a statement's own refusal for one that does not verify).
 */
export function checkSchemePositions(statements: Iterable<Uint8Array>, context: VerifyContext): SchemePositions {
  const byPair = new Map<string, SettlementStatement[]>();
  const banks = new Map<string, Map<string, number>>();
  const total = new Map<string, number>();
  for (const bytes of statements) {
    const s = verifyStatement(bytes, context).body;
    const key = `${[s.bankId, s.counterparty].sort().join('\u0000')}\u0000${s.cycle}`;
    byPair.set(key, [...(byPair.get(key) ?? []), s]);
    const own = banks.get(s.bankId) ?? new Map<string, number>();
    banks.set(s.bankId, own);
    for (const [cur, , , net] of s.lines) {
      own.set(cur, (own.get(cur) ?? 0) + net);
      total.set(cur, (total.get(cur) ?? 0) + net);
    }
  }
  for (const [key, pair] of byPair) {
    const [a, b] = pair as [SettlementStatement, SettlementStatement | undefined];
    const name = key.replaceAll('\u0000', ' ');
    if (pair.length !== 2 || !b || a.bankId === b.bankId)
      fail(`${name}: ${pair.length} statement(s), not one of each bank`);
    try {
      checkAgrees(a, b as SettlementStatement);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      fail(`${name}: the two statements disagree (${error.message})`);
    }
  }
  for (const [cur, net] of total) if (net !== 0) fail(`${cur}: the nets sum to ${net}`);
  return { banks, pairs: byPair.size };
}
