// One database interface, two drivers: PGlite in-process (the default) and a PostgreSQL server
// through `pg` (DATABASE_URL=postgres://…), which may be a Citus coordinator (docs/citus.md). All
// run the same SQL. PGlite has one connection, so
// its driver serializes every transaction through one queue.
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export type Row = Record<string, unknown>;

/** What a transaction (or the database outside one) can run. */
export interface Queryable {
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * A bytea query parameter: a Buffer view of the bytes, no copy (both drivers take a Buffer as bytea;
 * some Uint8Arrays handed to the bank are views into a larger buffer).
 */
export const bytea = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export type Isolation = 'read committed' | 'repeatable read' | 'serializable';

export interface Database extends Queryable {
  readonly driver: 'pglite' | 'pg';
  /**
   * True on a Citus coordinator (the citus extension is installed): the tables the migrations
   * distributed take their row locks by an update, as Citus runs no multi-shard `for update`.
   */
  readonly distributed: boolean;
  /**
   * Runs `fn` in one transaction: commit when it returns, roll back when it throws. On PostgreSQL a
   * deadlock or serialization failure runs `fn` again (up to 3 times), so `fn` must have no effects
   * outside the transaction.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, isolation?: Isolation): Promise<T>;
  close(): Promise<void>;
}

// bigint columns come back as strings from pg and as bigint from PGlite: normalise to number
// (amounts are ≤ 2^53 - 1 by the protocol; sums are checked in SQL with numeric).
const INT8 = 20;
pg.types.setTypeParser(INT8, (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 ${v} beyond 2^53 - 1`);
  return n;
});
const NUMERIC = 1700;
pg.types.setTypeParser(NUMERIC, (v: string) => Number(v));

/** The database named by `url` (postgres://…), or an in-process PGlite (memory, or a data dir). */
export async function openDatabase(
  url = process.env.DATABASE_URL ?? process.env.SMARTCHECK_PG_URL,
  options: { dataDir?: string; poolMax?: number } = {},
): Promise<Database> {
  if (url && /^postgres(ql)?:\/\//.test(url)) return openPg(url, options.poolMax ?? 8);
  return openPglite(options.dataDir);
}

const RETRIES_MAX = 3;
/** True when the server is a Citus coordinator (the citus extension is installed). */
async function isCitus(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("select exists (select 1 from pg_extension where extname = 'citus') as on");
    return rows[0]?.on === true;
  } finally {
    await client.end();
  }
}

async function openPg(url: string, max: number): Promise<Database> {
  const distributed = await isCitus(url);
  // On Citus every transaction talks to each node over one connection: the ledger's tables are
  // referenced by foreign keys (entries → accounts, transactions), and Citus refuses to write to
  // such a table after a parallel multi-shard statement in the same transaction. A startup option
  // of every connection, beside the URL's own.
  let connectionString = url;
  if (distributed) {
    const u = new URL(url);
    const own = u.searchParams.get('options') ?? '';
    u.searchParams.set('options', `${own} -c citus.multi_shard_modify_mode=sequential`.trim());
    connectionString = u.toString();
  }
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', () => undefined);
  const query = async <R extends Row>(sql: string, params: readonly unknown[] = []) =>
    (await pool.query(sql, params as unknown[])).rows as R[];
  return {
    driver: 'pg',
    distributed,
    query,
    async transaction(fn, isolation = 'read committed') {
      // A deadlock or serialization failure rolls back cleanly: run the transaction again.
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        try {
          await client.query(`begin isolation level ${isolation}`);
          const tx: Queryable = {
            query: async <R extends Row>(sql: string, params: readonly unknown[] = []) =>
              (await client.query(sql, params as unknown[])).rows as R[],
          };
          const out = await fn(tx);
          await client.query('commit');
          return out;
        } catch (error) {
          await client.query('rollback').catch(() => undefined);
          const code = (error as { code?: unknown }).code;
          if ((code === '40P01' || code === '40001') && attempt < RETRIES_MAX) continue;
          throw error;
        } finally {
          client.release();
        }
      }
    },
    async close() {
      await pool.end();
    },
  };
}

const fromPglite = (rows: Row[]): Row[] => {
  for (const row of rows) {
    for (const key in row) {
      const v = row[key];
      if (typeof v === 'bigint') {
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
          throw new RangeError(`int8 ${v} beyond 2^53 - 1`);
        row[key] = Number(v);
      }
    }
  }
  return rows;
};

// bytea through PGlite: its own codec spends a JavaScript string per byte (Array.from(…).map(…) to
// write, a parseInt per pair to read), about 90 ms each way for a 1,000-check deposit (400 KB), most
// of a capture's database time. Node's hex codec does the same conversion natively; the value read
// back is a plain Uint8Array over its own buffer, as PGlite's is (never a view of Buffer's pool).
const BYTEA = 17;
function byteaToText(v: unknown): string {
  if (!(v instanceof Uint8Array)) throw new TypeError('bytea parameter: expected a Uint8Array');
  return `\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
}
function byteaFromText(v: string): Uint8Array {
  const out = new Uint8Array((v.length - 2) >>> 1);
  Buffer.from(out.buffer).write(v.slice(2), 'hex');
  return out;
}

async function openPglite(dataDir?: string): Promise<Database> {
  const db = await PGlite.create(dataDir ?? 'memory://', {
    parsers: { [INT8]: (v: string) => Number(v), [NUMERIC]: (v: string) => Number(v), [BYTEA]: byteaFromText },
    serializers: { [BYTEA]: byteaToText },
  });
  // One connection: a transaction holds it until it ends, so every call waits its turn.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };
  const raw = async <R extends Row>(sql: string, params: readonly unknown[] = []) =>
    fromPglite((await db.query<Row>(sql, params as unknown[])).rows) as R[];
  return {
    driver: 'pglite',
    distributed: false,
    query: (sql, params) => serial(() => raw(sql, params)),
    transaction: (fn, isolation = 'read committed') =>
      serial(async () => {
        await db.exec(`begin isolation level ${isolation}`);
        try {
          const out = await fn({ query: raw });
          await db.exec('commit');
          return out;
        } catch (error) {
          await db.exec('rollback').catch(() => undefined);
          throw error;
        }
      }),
    async close() {
      await serial(async () => db.close());
    },
  };
}
