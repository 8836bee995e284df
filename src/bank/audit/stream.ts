// How the audit reads the ledger: every table in bounded pages by keyset pagination (`where key >
// last key order by key limit n`, the key unique and indexed), so that peak memory does not depend
// on the ledger's size, and each page asked for while the caller works on the one before (on
// PostgreSQL the server reads the next page while this thread verifies). Every row of signed
// evidence passes through one place, in key order: the EvidenceSink (the checkpoint's hash over the
// evidence audited, src/bank/audit/checkpoint/, plugs in there).
import { bytea, type Queryable } from '../db.ts';

/** One row of stored evidence: its table, its key (as findings name it) and its stored bytes. */
export interface EvidenceRow {
  table: string;
  key: string;
  bytes: readonly Uint8Array[];
}
export type EvidenceSink = (row: EvidenceRow) => void;

export interface TableSpec<R> {
  /** The table, as findings and the evidence sink name it. */
  table: string;
  /** `select <columns> from <table or join>`, without where, order or limit. */
  select: string;
  /** A condition on the rows read, if not all. */
  filter?: string | undefined;
  /** The keyset columns (unique together, an index's leading columns), in order. */
  key: readonly string[];
  keyOf: (row: R) => readonly unknown[];
  /** The signed bytes this row keeps as evidence, and its key (for the evidence sink). */
  evidence?: (row: R) => { key: string; bytes: Uint8Array[] };
}

/** Rows per page of the tables read by count (deposit batches are sized by their checks). */
export const PAGE_ROWS = 2_000;

const param = (v: unknown) => (v instanceof Uint8Array ? bytea(v) : v);

/** The rows of a child table whose parent key (one column) falls in a page's range: checks of batches, entries of transactions. */
export interface ChildSpec {
  /** `select <columns> from <table>`, without where or order. */
  select: string;
  /** The child's column holding the parent's key (indexed). */
  column: string;
  order: string;
  /** A condition on the child rows read, if not all (an incremental audit's newer rows). */
  filter?: string | undefined;
}

export interface Page<R, C> {
  rows: R[];
  /** The child rows whose parent key is past the previous page's last and up to this page's last
   * (past it too on the last page): every child row once, orphans included, in parent-key order. */
  children: C[];
}

/** How to page: rows per page (asked before each page), and where evidence rows go. */
export interface Paging {
  size?: () => number;
  sink?: EvidenceSink | undefined;
}

/** The paging the audit's options ask for: their evidence sink, and a fixed page size if set. */
export const pagingOf = (o: { sink?: EvidenceSink | undefined; pageRows?: number | undefined }): Paging => {
  const { sink, pageRows } = o;
  return { sink, ...(pageRows ? { size: () => pageRows } : {}) };
};

/**
 * Pages of `spec`, each of at most `size()` rows (with `child`, each with its child rows), the
 * next one asked for before this one is yielded. Rows of evidence go to `sink` in key order as their
 * page arrives.
 */
export async function* pages<R, C = never>(
  q: Queryable,
  spec: TableSpec<R>,
  o: Paging & { child?: ChildSpec } = {},
): AsyncGenerator<Page<R, C>> {
  const order = spec.key.join(', ');
  const fetch = async (after: readonly unknown[] | undefined): Promise<Page<R, C> & { last?: readonly unknown[] }> => {
    const limit = o.size?.() ?? PAGE_ROWS;
    const conditions = [spec.filter, after && `(${order}) > (${spec.key.map((_, i) => `$${i + 1}`).join(', ')})`];
    const where = conditions.some(Boolean) ? ` where ${conditions.filter(Boolean).join(' and ')}` : '';
    const rows = await q.query<R & Record<string, unknown>>(
      `${spec.select}${where} order by ${order} limit ${limit}`,
      after ? after.map(param) : [],
    );
    const last = rows.length === limit ? spec.keyOf(rows[rows.length - 1] as R) : undefined;
    let children: C[] = [];
    if (o.child) {
      const { select, column, order: childOrder, filter } = o.child;
      const bounds = [filter, after && `${column} > $1`, last && `${column} <= $${after ? 2 : 1}`].filter(Boolean);
      children = await q.query<C & Record<string, unknown>>(
        `${select}${bounds.length ? ` where ${bounds.join(' and ')}` : ''} order by ${childOrder}`,
        [after?.[0], last?.[0]].filter((v) => v !== undefined).map(param),
      );
    }
    return last ? { rows, children, last } : { rows, children };
  };
  let pending: ReturnType<typeof fetch> | undefined = fetch(undefined);
  while (pending) {
    const { rows, children, last }: Page<R, C> & { last?: readonly unknown[] } = await pending;
    pending = last ? fetch(last) : undefined;
    // A page asked for ahead may fail while the caller works: the failure surfaces at its await.
    pending?.catch(() => undefined);
    if (o.sink && spec.evidence) for (const row of rows) o.sink({ table: spec.table, ...spec.evidence(row) });
    yield { rows, children };
  }
}

/** Every row of a table that stays small (parties, keys, lists), read through the same pages. */
export async function all<R>(q: Queryable, spec: TableSpec<R>, paging: Paging = {}): Promise<R[]> {
  const out: R[] = [];
  for await (const { rows } of pages(q, spec, paging)) out.push(...rows);
  return out;
}
