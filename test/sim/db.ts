// One database per simulated bank: PGlite in memory, or with DATABASE_URL a schema of its own per
// bank on that PostgreSQL server (never `public`). Each stays open for the next run of this
// process (starting PGlite costs seconds) and is emptied at the start of every run, so that a seed
// replays: the sequences restart too.
import { type Database, openDatabase } from '../../src/bank/db.ts';

const open = new Map<number, Promise<Database>>();

const PG_URL = process.env.DATABASE_URL ?? process.env.SMARTCHECK_PG_URL;
const onPostgres = PG_URL !== undefined && /^postgres(ql)?:\/\//.test(PG_URL);
/** On PostgreSQL each bank works in its own schema, named by the process and the bank's index. */
const schemaOf = (index: number) => `smartcheck_sim_${process.pid}_${index}`;

/** The empty database of the `index`-th bank of a run. */
export async function bankDatabase(index: number): Promise<Database> {
  let db = open.get(index);
  if (!db) {
    db = openBankDatabase(index);
    open.set(index, db);
  }
  const ready = await db;
  const schema = ready.driver === 'pg' ? schemaOf(index) : 'public';
  await ready.query(`drop schema if exists ${schema} cascade`);
  await ready.query(`create schema ${schema}`);
  return ready;
}

async function openBankDatabase(index: number): Promise<Database> {
  if (!onPostgres) return openDatabase('');
  const u = new URL(PG_URL as string);
  u.searchParams.set('options', `-c search_path=${schemaOf(index)}`);
  const db = await openDatabase(u.toString(), { poolMax: 4 });
  await db.query(`create schema if not exists ${schemaOf(index)}`);
  return db;
}
