// The totals a checkpoint carries, taken from a finished audit's context: per purse what its
// evidence says (every figure of PurseEvidence), per merchant the net credited, per account the
// balance the evidence asks for (the sum of the expected transactions' entries). `refunded` is not
// carried: it is derived (a settled lost card's loaded − captured) when its settlement is audited.
import type { AuditContext } from '../context.ts';
import type { CarriedTotals } from './format.ts';

export function carriedTotals(ctx: AuditContext): CarriedTotals {
  const accounts = new Map<string, number>();
  for (const t of ctx.expected.values())
    for (const [account, amount] of t.entries) accounts.set(account, (accounts.get(account) ?? 0) + amount);
  return {
    purses: new Map([...ctx.purses].map(([id, e]) => [id, new Map(Object.entries(e))])),
    merchants: new Map(ctx.merchantNet),
    accounts,
  };
}
