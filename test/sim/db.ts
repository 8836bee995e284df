// One database per simulated bank: PGlite in memory, or with DATABASE_URL a schema of its own per
// bank on that PostgreSQL server (never `public`). Each stays open for the next run of this
// process (starting PGlite costs seconds) and is emptied at the start of every run, so that a seed
// replays: the sequences restart too. Migrating a fresh schema costs ~0.3 s of CPU per bank, so a
// bank is migrated once per process and its migrated state kept (the rows and the sequences the
// migrations left); each later run truncates every table and puts that state back.
import { type Database, openDatabase } from '../../src/bank/db.ts';
import { migrate } from '../../src/bank/migrate.ts';

/** What a bank's schema holds right after its migrations: rows (JSON, per table) and sequence states. */
interface Migrated {
  tables: string[];
  rows: { table: string; json: string }[];
  sequences: { name: string; last: number; called: boolean }[];
}

const open = new Map<number, Promise<Database>>();
const migrated = new Map<number, Migrated>();

const PG_URL = process.env.DATABASE_URL ?? process.env.SMARTCHECK_PG_URL;
const onPostgres = PG_URL !== undefined && /^postgres(ql)?:\/\//.test(PG_URL);
/** On PostgreSQL each bank works in its own schema, named by the process and the bank's index. */
const schemaOf = (index: number) => `smartcheck_sim_${process.pid}_${index}`;

/** The `index`-th bank's database, migrated and empty. */
export async function bankDatabase(index: number): Promise<Database> {
  let opening = open.get(index);
  if (!opening) {
    opening = openBankDatabase(index);
    open.set(index, opening);
  }
  const db = await opening;
  const state = migrated.get(index);
  if (state) {
    await restore(db, state);
    return db;
  }
  const schema = db.driver === 'pg' ? schemaOf(index) : 'public';
  await db.query(`drop schema if exists ${schema} cascade`);
  await db.query(`create schema ${schema}`);
  await migrate(db);
  migrated.set(index, await snapshot(db));
  return db;
}

async function openBankDatabase(index: number): Promise<Database> {
  if (!onPostgres) return openDatabase('');
  const u = new URL(PG_URL as string);
  u.searchParams.set('options', `-c search_path=${schemaOf(index)}`);
  const db = await openDatabase(u.toString(), { poolMax: 4 });
  await db.query(`create schema if not exists ${schemaOf(index)}`);
  return db;
}

/** The migrated state: every table (but the migrations' own record), the rows in it, every sequence's position. */
async function snapshot(db: Database): Promise<Migrated> {
  const tables = (
    await db.query<{ t: string }>(
      "select tablename as t from pg_tables where schemaname = current_schema() and tablename <> 'schema_migrations' order by tablename",
    )
  ).map((r) => r.t);
  const rows: Migrated['rows'] = [];
  for (const table of tables) {
    const [r] = await db.query<{ json: string | null }>(`select json_agg(t)::text as json from ${table} t`);
    if (r?.json) rows.push({ table, json: r.json });
  }
  const sequences: Migrated['sequences'] = [];
  for (const { name } of await db.query<{ name: string }>(
    'select sequence_name as name from information_schema.sequences where sequence_schema = current_schema() order by 1',
  )) {
    const [s] = await db.query<{ last: number; called: boolean }>(
      `select last_value as last, is_called as called from ${name}`,
    );
    sequences.push({ name, last: Number(s?.last), called: s?.called === true });
  }
  return { tables, rows, sequences };
}

/**
 * Back to the migrated state in one transaction: every table truncated and its migrated rows put
 * back, every sequence where the migrations left it. Triggers are off meanwhile (the append-only
 * back-office log refuses a truncate; the revocation version's trigger would bump it).
 */
async function restore(db: Database, m: Migrated): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('set local session_replication_role = replica');
    await tx.query(`truncate table ${m.tables.join(', ')}`);
    for (const { table, json } of m.rows)
      await tx.query(`insert into ${table} select * from json_populate_recordset(null::${table}, $1::json)`, [json]);
    for (const s of m.sequences) await tx.query('select setval($1, $2, $3)', [s.name, s.last, s.called]);
  });
}
