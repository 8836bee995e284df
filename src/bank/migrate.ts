// The migration runner: applies src/bank/migrations/NNN_name.sql in order, each once, each in
// its own transaction, recorded in schema_migrations. On PostgreSQL an advisory lock keeps two
// bank processes from migrating at the same time.
import { readdirSync, readFileSync } from 'node:fs';
import type { Database } from './db.ts';

const dir = new URL('./migrations/', import.meta.url);
const LOCK_ID = 0x5c0bae;

/**
 * Applies the migrations not applied yet, in order; with `before`, only those whose file name
 * sorts before it (`bank keys export` reads the secrets 004 drops).
 */
export async function migrate(db: Database, o: { before?: string } = {}): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f) && (o.before === undefined || f < o.before))
    .sort();
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    if (db.driver === 'pg') await tx.query('select pg_advisory_xact_lock($1)', [LOCK_ID]);
    await tx.query(
      'create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())',
    );
    const done = new Set((await tx.query<{ name: string }>('select name from schema_migrations')).map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = readFileSync(new URL(file, dir), 'utf8');
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (name) values ($1)', [file]);
      applied.push(file);
    }
  });
  return applied;
}

/**
 * Statements split at `;` line ends, except inside a `$$ … $$` body (a trigger function's
 * statements end in `;` too). Our migrations hold no other quoted semicolons at a line end.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  for (const [i, part] of sql.split('$$').entries()) {
    // Odd parts are dollar-quoted bodies: kept whole, with their delimiters.
    if (i % 2 === 1) {
      current += `$$${part}$$`;
      continue;
    }
    const pieces = part.split(/;\s*$/m);
    current += pieces[0];
    for (const piece of pieces.slice(1)) {
      statements.push(current);
      current = piece;
    }
  }
  statements.push(current);
  return statements.map((s) => s.replace(/^\s*--.*$/gm, '').trim()).filter(Boolean);
}
