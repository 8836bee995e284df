// What every key store must carry a bank through (test/bank/keys.test.ts on the file store,
// test/bank/hsm.test.ts on SoftHSM2): loads signed by the bank, deposits opened with its
// key-exchange key and receipts signed, a rotation (an envelope sealed to the old key still opens,
// the new key signs), a restart that reads the keys back, and a database that holds none of them.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { audit } from '../../src/bank/audit/index.ts';
import { bytea, type Database } from '../../src/bank/db.ts';
import { type Bank, loadBank } from '../../src/bank/issuing.ts';
import type { KeyStore } from '../../src/bank/keys/store.ts';
import { BankService } from '../../src/bank/service.ts';
import { equalBytes, toBase64, toHex } from '../../src/bytes.ts';
import { makeDeposit } from '../../src/protocol/capture.ts';
import { certifyBank, createRoot } from '../../src/protocol/pki.ts';
import { verifyRevocationList } from '../../src/protocol/revocation.ts';
import type { VerifierPool } from '../../src/protocol/verifier/index.ts';
import { applyToken, batchId, check, invariants, loadRequest, NOW, PG_URL, type World } from './support.ts';

/** Loads, captures, rotates and restarts on `w.keys`; `reopen` opens the same store afresh. */
export async function runBankOnStore(w: World, verifier: VerifierPool, reopen: () => Promise<KeyStore>): Promise<Bank> {
  const service = new BankService(w.db, w.bank, verifier, { clock: () => NOW, keys: w.keys });
  const gen1 = service.bank;
  expect(applyToken(w, 0, (await service.load(loadRequest(w, 0, 30_000))).token)).toBe(30_000);
  const sealedToGen1 = (checks: Uint8Array[]) =>
    makeDeposit(w.merchant, gen1.party.certificate, checks, batchId(), NOW);
  expect((await service.deposit(sealedToGen1([check(w, 0, 1_000)]))).outcomes).toEqual([{ code: 0, credited: 1_000 }]);

  const gen2 = await service.rotateKeys();
  expect(gen2.generation).toBe(2);
  expect(equalBytes(gen2.party.publicKey, gen1.party.publicKey)).toBe(false);
  // The old key-exchange key still opens; the new signing key signs the receipt and the list.
  expect((await service.deposit(sealedToGen1([check(w, 0, 2_000)]))).outcomes).toEqual([{ code: 0, credited: 2_000 }]);
  const toGen2 = makeDeposit(w.merchant, gen2.party.certificate, [check(w, 0, 3_000)], batchId(), NOW);
  expect((await service.deposit(toGen2)).outcomes).toEqual([{ code: 0, credited: 3_000 }]);
  w.bank = gen2;
  expect(applyToken(w, 1, (await service.load(loadRequest(w, 1, 5_000))).token)).toBe(5_000);
  const list = verifyRevocationList(await service.revocationList(), { anchors: gen2.anchors, now: NOW });
  expect(equalBytes(list.signer.signingKey, gen2.party.publicKey)).toBe(true);

  // A restart: the database and the store, opened afresh, give back both generations.
  const again = await reopen();
  try {
    const restarted = (await loadBank(w.db, again, 'bank-1')) as Bank;
    expect([restarted.generation, restarted.previous.length]).toEqual([2, 1]);
    const after = new BankService(w.db, restarted, verifier, { clock: () => NOW, keys: again });
    expect((await after.deposit(sealedToGen1([check(w, 0, 4_000)]))).outcomes).toEqual([{ code: 0, credited: 4_000 }]);
  } finally {
    await again.close();
  }
  expect(await invariants(w.db)).toEqual([]);
  expect((await audit(w.db, gen2)).findings).toEqual([]);
  return gen2;
}

/** Every row of every table of the ledger, as text (bytea in hex): what a SELECT dump would hold. */
export async function selectEverything(db: Database): Promise<string> {
  const tables = await db.query<{ table_name: string }>(
    "select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name",
  );
  expect(tables.map((t) => t.table_name)).toContain('bank_key_generations');
  let out = '';
  for (const { table_name } of tables) {
    for (const row of await db.query<Record<string, unknown>>(`select * from ${table_name}`)) {
      // Bytes as hex before JSON (a pg Buffer would otherwise turn into a list of numbers).
      const text = Object.entries(row).map(([k, v]) => `${k}=${v instanceof Uint8Array ? toHex(v) : String(v)}`);
      out += `${table_name} ${text.join(' ')}\n`;
    }
  }
  return out;
}

/** `pg_dump` of the world's schema (plain SQL: bytea as \x hex). */
export function pgDump(w: World): string {
  const schema = new URL(w.url as string).searchParams.get('options')?.replace(/^-c search_path=/, '') as string;
  const bindir = readdirSync('/usr/lib/postgresql')
    .sort((a, b) => Number(a) - Number(b))
    .map((v) => `/usr/lib/postgresql/${v}/bin/pg_dump`)
    .pop() as string;
  return execFileSync(bindir, ['--dbname', PG_URL as string, '--schema', schema], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** Every byte of every file under `dir` (a PGlite data directory: tables, WAL, free space). */
export function filesUnder(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else parts.push(readFileSync(p));
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}

/** Fails when any secret appears in `haystack`, as raw bytes, hex (either case) or base64. */
export function expectNoSecret(haystack: string | Buffer, secrets: Uint8Array[]): void {
  expect(secrets.length).toBeGreaterThan(0);
  const bytes = Buffer.isBuffer(haystack) ? haystack : Buffer.from(haystack, 'utf8');
  const text = bytes.toString('latin1').toLowerCase();
  for (const secret of secrets) {
    expect(secret.length).toBe(32);
    expect(bytes.includes(Buffer.from(secret))).toBe(false);
    expect(text.includes(toHex(secret).toLowerCase())).toBe(false);
    expect(bytes.toString('latin1').includes(toBase64(secret).slice(0, 40))).toBe(false);
  }
}

/** A bank as the code before migration 004 stored it: every secret in bank_keys and its generation. */
export async function storeSecretsAsBefore004(db: Database) {
  const root = createRoot('root-old');
  const party = certifyBank(root, 'old-bank', { notBefore: NOW - 86_400, notAfter: NOW + 86_400 * 365 });
  const kx = party.kx as NonNullable<typeof party.kx>;
  await db.query(
    'insert into bank_keys (bank_id, root_id, root_public, root_secret, bank_secret, bank_public, kx_secret, kx_public, certificate, generation) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,1)',
    [
      'old-bank',
      root.id,
      bytea(root.publicKey),
      bytea(root.secretKey as Uint8Array),
      bytea(party.secretKey),
      bytea(party.publicKey),
      bytea(kx.secretKey),
      bytea(kx.publicKey),
      bytea(party.certificate),
    ],
  );
  await db.query(
    'insert into bank_key_generations (bank_id, generation, bank_secret, bank_public, kx_secret, kx_public, certificate) values ($1,1,$2,$3,$4,$5,$6)',
    [
      'old-bank',
      bytea(party.secretKey),
      bytea(party.publicKey),
      bytea(kx.secretKey),
      bytea(kx.publicKey),
      bytea(party.certificate),
    ],
  );
  return { root, party, kx };
}
