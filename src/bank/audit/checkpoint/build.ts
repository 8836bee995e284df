// The seam between the checkpoints and the audit that consumes them. resumeFrom: given the last
// verified checkpoint, where an incremental audit starts: the evidence above `position` (less the
// rows in `beyond`, already counted), the transactions above `transactions.upTo` (less its beyond),
// and the totals the older ones gave. buildCheckpoint: the next checkpoint from the stream of
// (table, position, leaf) of the evidence above the last position, in position order per table,
// and the final totals.
import { EVIDENCE_TABLE_NAMES, type EvidenceLeaf, type EvidenceTable } from './evidence.ts';
import {
  type CarriedTotals,
  CHECKPOINT_VERSION,
  type CheckpointBody,
  NO_PREVIOUS,
  type Period,
  type TransactionsAudited,
} from './format.ts';
import { MerkleBuilder } from './merkle.ts';

export interface Resume {
  /** Audit the evidence above this position… */
  position: number;
  /** …except these rows, which the last run audited and counted already. */
  beyond: Map<EvidenceTable, Set<number>>;
  /** The ledger's transactions audited so far: ids up to `upTo`, and those listed beyond. */
  transactions: { upTo: number; beyond: Set<number> };
  /** The totals of the evidence and transactions audited so far. */
  totals: CarriedTotals;
}

export function resumeFrom(last: CheckpointBody | undefined): Resume {
  if (!last)
    return {
      position: 0,
      beyond: new Map(),
      transactions: { upTo: 0, beyond: new Set() },
      totals: { purses: new Map(), merchants: new Map(), accounts: new Map(), payouts: new Map() },
    };
  return {
    position: last.position,
    beyond: new Map([...last.beyond].map(([t, ps]) => [t, new Set(ps)])),
    transactions: { upTo: last.transactions.upTo, beyond: new Set(last.transactions.beyond) },
    totals: last.totals,
  };
}

export interface NextCheckpoint {
  last: { body: CheckpointBody; hash: Uint8Array } | undefined;
  bankId: string;
  /** The settled position (position.ts): rows above it go to `beyond`. */
  position: number;
  /** The transactions audited: the settled id (position.ts) and the ids above it in the snapshot. */
  transactions: TransactionsAudited;
  /** The snapshot's oldest running PostgreSQL transaction id. */
  xmin: number;
  totals: CarriedTotals;
  /** Unix seconds. */
  time: number;
}

export async function buildCheckpoint(leaves: AsyncIterable<EvidenceLeaf>, o: NextCheckpoint): Promise<CheckpointBody> {
  const after = o.last?.body.position ?? 0;
  const trees = new Map<EvidenceTable, MerkleBuilder>(EVIDENCE_TABLE_NAMES.map((t) => [t, new MerkleBuilder()]));
  const beyond = new Map<EvidenceTable, number[]>();
  for await (const { table, position, leaf } of leaves) {
    if (position <= after)
      throw new RangeError(`${table} position ${position}: not above the last checkpoint's ${after}`);
    if (position <= o.position) (trees.get(table) as MerkleBuilder).add(leaf);
    else {
      const list = beyond.get(table) ?? [];
      list.push(position);
      beyond.set(table, list);
    }
  }
  const periods: Period[] = [...(o.last?.body.periods ?? [])];
  if (o.position > after)
    periods.push({
      after,
      upTo: o.position,
      tables: new Map([...trees].map(([t, tree]) => [t, { count: tree.count, root: tree.root() }])),
    });
  return {
    version: CHECKPOINT_VERSION,
    bankId: o.bankId,
    number: (o.last?.body.number ?? 0) + 1,
    time: o.time,
    position: Math.max(o.position, after),
    previous: o.last?.hash ?? NO_PREVIOUS,
    periods,
    beyond,
    transactions: o.transactions,
    xmin: o.xmin,
    totals: o.totals,
  };
}
