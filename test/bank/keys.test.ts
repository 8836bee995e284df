// The bank's key store (src/bank/keys/): the encrypted file store and its refusals, `--key-store`
// specs, a bank run on the file store with a database dump free of secret keys, and a ledger made
// before migration 004 (secrets in the database) refused until `bank keys export` moves them.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBank } from '../../src/bank/issuing.ts';
import { exportKeys } from '../../src/bank/keys/export.ts';
import { fileKeyStore } from '../../src/bank/keys/file.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { openKeyStore } from '../../src/bank/keys/open.ts';
import { type KeyStore, KeyStoreError, type KeyStoreErrorCode } from '../../src/bank/keys/store.ts';
import { migrate } from '../../src/bank/migrate.ts';
import { equalBytes, toBase64, toHex } from '../../src/bytes.ts';
import type { VerifierPool } from '../../src/protocol/verifier/index.ts';
import { createVerifierPool } from '../../src/protocol/verifier/pool.ts';
import {
  expectNoSecret,
  filesUnder,
  pgDump,
  runBankOnStore,
  selectEverything,
  storeSecretsAsBefore004,
} from './key-store-scenario.ts';
import { DRIVERS, fileKeys, freshDatabase, makeWorld } from './support.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'smartcheck-keys-'));
  dirs.push(d);
  return d;
};
let pool: VerifierPool;
beforeAll(async () => {
  pool = await createVerifierPool({ workers: 1 });
});
afterAll(async () => {
  await pool?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The refusal `run` throws: a KeyStoreError with `code`, whose message holds none of `secrets`. */
async function refusal(run: () => Promise<unknown>, code: KeyStoreErrorCode, secrets: string[] = []): Promise<string> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyStoreError);
  expect((error as KeyStoreError).code).toBe(code);
  const message = (error as KeyStoreError).message;
  for (const secret of secrets) expect(message).not.toContain(secret);
  return message;
}

const secretsOf = async (keys: KeyStore, bankId: string, generations: number): Promise<Uint8Array[]> => {
  const out = [(await keys.root(bankId)) as Uint8Array];
  for (let g = 1; g <= generations; g++) {
    const k = await keys.keys(bankId, g);
    out.push(k.signing as Uint8Array, k.kx.secretKey);
  }
  return out;
};

describe('the file key store', () => {
  it('keeps the keys across opens in a 0600 file, encrypted: no key in it in clear', async () => {
    const dir = tempDir();
    const path = join(dir, 'bank.keys');
    const store = fileKeyStore(path, { passphrase: 'correct horse battery staple' });
    const root = (await store.createRoot('bank-1')) as Uint8Array;
    const g1 = await store.generate('bank-1', 1);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = fileKeyStore(path, { passphrase: 'correct horse battery staple' });
    expect(equalBytes((await again.root('bank-1')) as Uint8Array, root)).toBe(true);
    const read = await again.keys('bank-1', 1);
    expect(equalBytes(read.signing as Uint8Array, g1.signing as Uint8Array)).toBe(true);
    expect(equalBytes(read.kx.secretKey, g1.kx.secretKey)).toBe(true);
    expect(equalBytes(read.kx.publicKey, g1.kx.publicKey)).toBe(true);
    expectNoSecret(readFileSync(path), [root, g1.signing as Uint8Array, g1.kx.secretKey]);
    // Never overwritten; asked for what it does not hold: typed refusals.
    await refusal(() => again.createRoot('bank-1'), 'exists');
    await refusal(() => again.generate('bank-1', 1), 'exists');
    await refusal(() => again.keys('bank-1', 2), 'missing_key');
    await refusal(() => again.root('bank-2'), 'missing_key');
  });

  it('refuses a wrong passphrase, a wrong or missing key file, the other kind of secret, an altered file, a file others can read', async () => {
    const dir = tempDir();
    const path = join(dir, 'bank.keys');
    const passphrase = 'the right passphrase';
    await fileKeyStore(path, { passphrase }).createRoot('bank-1');
    const wrong = 'not the passphrase at all';
    const message = await refusal(() => fileKeyStore(path, { passphrase: wrong }).root('bank-1'), 'wrong_secret', [
      wrong,
      passphrase,
    ]);
    expect(message).toContain(path);
    const keyFile = join(dir, 'bank.key');
    const key = randomBytes(32);
    writeFileSync(keyFile, key, { mode: 0o600 });
    await refusal(() => fileKeyStore(path, { keyFile }).root('bank-1'), 'wrong_secret', [
      toHex(key),
      toBase64(key),
      passphrase,
    ]);
    await refusal(async () => fileKeyStore(path, { keyFile: join(dir, 'missing.key') }), 'missing_secret');

    // A store under a key file: another key file, or a passphrase, does not open it.
    const keyed = join(dir, 'keyed.keys');
    const created = (await fileKeyStore(keyed, { keyFile }).createRoot('bank-1')) as Uint8Array;
    const otherKey = join(dir, 'other.key');
    writeFileSync(otherKey, toHex(randomBytes(32)), { mode: 0o600 });
    await refusal(() => fileKeyStore(keyed, { keyFile: otherKey }).root('bank-1'), 'wrong_secret');
    const otherRaw = join(dir, 'other-raw.key');
    writeFileSync(otherRaw, randomBytes(32), { mode: 0o600 });
    await refusal(() => fileKeyStore(keyed, { keyFile: otherRaw }).root('bank-1'), 'wrong_secret');
    await refusal(() => fileKeyStore(keyed, { passphrase }).root('bank-1'), 'wrong_secret', [passphrase]);
    expect(equalBytes((await fileKeyStore(keyed, { keyFile }).root('bank-1')) as Uint8Array, created)).toBe(true);

    // One byte of the ciphertext changed, or of the authenticated header: refused.
    const file = JSON.parse(readFileSync(keyed, 'utf8'));
    const sealed = Buffer.from(file.ciphertext, 'base64');
    sealed[3] = (sealed[3] as number) ^ 1;
    writeFileSync(keyed, JSON.stringify({ ...file, ciphertext: sealed.toString('base64') }), { mode: 0o600 });
    await refusal(() => fileKeyStore(keyed, { keyFile }).root('bank-1'), 'wrong_secret');
    writeFileSync(keyed, JSON.stringify({ ...file, kdf: { ...file.kdf, salt: toBase64(randomBytes(16)) } }), {
      mode: 0o600,
    });
    await refusal(() => fileKeyStore(keyed, { keyFile }).root('bank-1'), 'wrong_secret');

    chmodSync(path, 0o644);
    await refusal(() => fileKeyStore(path, { passphrase }).root('bank-1'), 'insecure_file', [passphrase]);
    chmodSync(keyFile, 0o640);
    await refusal(async () => fileKeyStore(keyed, { keyFile }), 'insecure_file', [toHex(key)]);
  });
});

describe('--key-store specs', () => {
  it('opens file stores with a passphrase file, a key file or the environment; refuses what does not parse', async () => {
    const dir = tempDir();
    const passFile = join(dir, 'pass');
    writeFileSync(passFile, 'from a file\n', { mode: 0o600 });
    const viaFile = await openKeyStore(`file:${join(dir, 'a.keys')}?passphrase-file=${passFile}`, {});
    const root = (await viaFile.createRoot('bank-1')) as Uint8Array;
    const viaEnv = await openKeyStore(`file:${join(dir, 'a.keys')}`, { SMARTCHECK_KEY_PASSPHRASE: 'from a file' });
    expect(equalBytes((await viaEnv.root('bank-1')) as Uint8Array, root)).toBe(true);
    expect((await openKeyStore('memory:')).description).toContain('memory');
    await refusal(() => openKeyStore(`file:${join(dir, 'b.keys')}`, {}), 'missing_secret');
    await refusal(() => openKeyStore(`pkcs11:/nonexistent.so?token=t`, {}), 'missing_secret');
    for (const spec of ['vault:x', 'file:', `file:${dir}/c.keys?pin-file=x`, 'pkcs11:/m.so?passphrase-file=x', 'x'])
      await refusal(() => openKeyStore(spec, { SMARTCHECK_KEY_PASSPHRASE: 'p' }), 'bad_spec');
  });
});

for (const { driver, skip, reason } of DRIVERS) {
  describe.skipIf(skip)(`a bank on the file key store on ${driver}${skip ? ` (skipped: ${reason})` : ''}`, () => {
    it('loads, captures, rotates and restarts; the database holds no secret key', async () => {
      const dir = tempDir();
      const { keys } = fileKeys(dir);
      const dataDir = driver === 'pglite' ? join(dir, 'ledger') : undefined;
      const w = await makeWorld(driver, 2, 1_000_000, dataDir, keys);
      const reopen = async () => fileKeyStore(join(dir, 'bank.keys'), { keyFile: join(dir, 'bank.key') });
      await runBankOnStore(w, pool, reopen);
      const secrets = await secretsOf(keys, 'bank-1', 2);

      // The wrong store: one without the bank's keys, one with other keys under the same ids.
      await refusal(() => loadBank(w.db, memoryKeyStore()), 'missing_key');
      const impostor = memoryKeyStore();
      await impostor.createRoot('bank-1');
      await refusal(() => loadBank(w.db, impostor), 'mismatch');

      expectNoSecret(await selectEverything(w.db), secrets);
      if (driver === 'pg') expectNoSecret(pgDump(w), secrets);
      await w.db.close();
      if (dataDir) expectNoSecret(filesUnder(dataDir), secrets);
    });
  });

  describe.skipIf(skip)(`a ledger made before migration 004 on ${driver}${skip ? ` (skipped: ${reason})` : ''}`, () => {
    it('is refused by the migration until bank keys export moves its secrets into the store', async () => {
      const { db } = await freshDatabase(driver, 4, undefined, { before: '004_keys_out.sql' });
      try {
        const { root, party, kx } = await storeSecretsAsBefore004(db);
        await expect(migrate(db)).rejects.toThrow(/still holds the bank's secret keys.*smartcheck bank keys export/);
        // The dump search finds them while they are there.
        const before = await selectEverything(db);
        expect(() => expectNoSecret(before, [root.secretKey as Uint8Array])).toThrow();

        const keys = memoryKeyStore();
        expect(await exportKeys(db, keys)).toEqual([{ bankId: 'old-bank', generations: 1 }]);
        const bank = await loadBank(db, keys);
        expect(equalBytes(bank?.party.publicKey as Uint8Array, party.publicKey)).toBe(true);
        expect(equalBytes((await keys.root('old-bank')) as Uint8Array, root.secretKey as Uint8Array)).toBe(true);
        const columns = await db.query<{ column_name: string }>(
          "select column_name from information_schema.columns where table_schema = current_schema() and table_name in ('bank_keys', 'bank_key_generations') and column_name like '%secret%'",
        );
        expect(columns).toEqual([]);
        expectNoSecret(await selectEverything(db), [root.secretKey as Uint8Array, party.secretKey, kx.secretKey]);
        expect(await exportKeys(db, keys)).toEqual([]); // done: nothing left to move
      } finally {
        await db.close();
      }
    });
  });
}
