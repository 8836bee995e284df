// The totals a checkpoint carries, taken from a finished audit's context: per purse what its
// evidence says (every figure of PurseEvidence), per merchant the net its deposits and refunds
// credited (the presentments' credits are not carried: that family reads its tables whole each
// run), per account the sum of the entries of every transaction audited, per merchant the payouts.
// `refunded` is not carried: it is derived (a settled lost card's loaded − captured) when its
// settlement is audited.
import type { AuditContext } from '../context.ts';
import type { CarriedTotals } from './format.ts';

export function carriedTotals(ctx: AuditContext): CarriedTotals {
  return {
    purses: new Map([...ctx.purses].map(([id, e]) => [id, new Map(Object.entries(e))])),
    merchants: new Map(ctx.evidenceNet),
    accounts: new Map(ctx.accountSums),
    payouts: new Map(ctx.payouts),
  };
}
