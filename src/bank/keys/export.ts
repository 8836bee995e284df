// `smartcheck bank keys export`: a ledger made before migration 004 holds the bank's secret keys
// in bank_keys and bank_key_generations. This moves them into a key store, checks that the store
// gives back the very keys the ledger's certificates name, blanks them in the database (empty
// bytea), runs the migrations, 004 included, which drop the columns, and rewrites the two tables
// (VACUUM FULL) so their files no longer hold the old rows. Backups and WAL made before still do:
// rotate the keys after an export (`smartcheck bank rotate-keys`). Run again after a crash, it
// keeps the keys already in the store (and checks them as the others).

import type { Database } from '../db.ts';
import { loadBank } from '../issuing.ts';
import { migrate } from '../migrate.ts';
import type { ExportedKeys, KeyStore } from './store.ts';

const KEYS_OUT = '004_keys_out.sql';
const u8 = (b: unknown) => new Uint8Array(b as Uint8Array);

/** Moves every bank's secret keys into `keys`; returns the banks moved (none: nothing to move). */
export async function exportKeys(db: Database, keys: KeyStore): Promise<{ bankId: string; generations: number }[]> {
  await migrate(db, { before: KEYS_OUT });
  const [done] = await db.query<{ n: number }>('select count(*)::int as n from schema_migrations where name = $1', [
    KEYS_OUT,
  ]);
  if (done?.n) return [];
  const banks = await db.query<{ bank_id: string; root_secret: Uint8Array }>(
    'select bank_id, root_secret from bank_keys where length(root_secret) > 0 order by bank_id',
  );
  const moved: { bankId: string; generations: number }[] = [];
  for (const bank of banks) {
    const generations = await db.query<{ generation: number; bank_secret: Uint8Array; kx_secret: Uint8Array }>(
      'select generation, bank_secret, kx_secret from bank_key_generations where bank_id = $1 order by generation',
      [bank.bank_id],
    );
    const exported: ExportedKeys = {
      root: u8(bank.root_secret),
      generations: generations.map((g) => ({
        generation: g.generation,
        signing: u8(g.bank_secret),
        kx: u8(g.kx_secret),
      })),
    };
    await keys.importKeys(bank.bank_id, exported);
    // Every key read back from the store and compared with the certified public keys (mismatch otherwise).
    await loadBank(db, keys, bank.bank_id);
    moved.push({ bankId: bank.bank_id, generations: generations.length });
  }
  await db.transaction(async (tx) => {
    await tx.query("update bank_keys set root_secret = '', bank_secret = '', kx_secret = ''");
    await tx.query("update bank_key_generations set bank_secret = '', kx_secret = ''");
  });
  await migrate(db);
  // Dropped columns and the rows before the update stay in the table files until rewritten.
  await db.query('vacuum full bank_keys');
  await db.query('vacuum full bank_key_generations');
  return moved;
}
