// The bank on a PKCS#11 token (SoftHSM2, test/bank/softhsm.ts): signing keys generated and used in
// the token and never readable out of it, key-exchange secrets kept there encrypted under a token
// AES key; load, capture, rotation and a restart on it, a database that holds no secret key, the
// refusals (wrong PIN, unknown token, unloadable module), an export of an old ledger's secrets into
// the token (imported as non-extractable keys), and `smartcheck bank serve --key-store pkcs11:…` as a process. Skipped, with the
// reason, where SoftHSM2 or pkcs11js cannot be had (CI runs setup as root, which installs it).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519 } from '../../bindings/index.ts';
import { type Bank, loadBank } from '../../src/bank/issuing.ts';
import { exportKeys } from '../../src/bank/keys/export.ts';
import { openKeyStore } from '../../src/bank/keys/open.ts';
import { KeyStoreError } from '../../src/bank/keys/store.ts';
import { equalBytes } from '../../src/bytes.ts';
import type { SigningKey } from '../../src/protocol/signing-key.ts';
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
import { softHsmTokens } from './softhsm.ts';
import { DRIVERS, freshDatabase, makeWorld } from './support.ts';

const hsm = await softHsmTokens(['smartcheck-pglite', 'smartcheck-pg', 'smartcheck-misc']);
const skip = 'skip' in hsm ? hsm.skip : '';
if (skip) process.stderr.write(`[hsm tests] skipped: ${skip}\n`);
const token = hsm as Exclude<typeof hsm, { skip: string }>;

let pool: VerifierPool;
const dirs: string[] = [];
beforeAll(async () => {
  pool = await createVerifierPool({ workers: 1 });
});
afterAll(async () => {
  await pool?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (!skip) token.remove();
});

const refused = async (run: () => Promise<unknown>) =>
  run().then(
    () => undefined,
    (e: unknown) => e as KeyStoreError,
  );

/** The token's own view of an object, through a second PKCS#11 session of this process. */
function tokenObject(
  label: string,
  cls: 'private' | 'data',
): { sensitive?: boolean; extractable?: boolean; value?: Buffer } {
  const lib = createRequire(import.meta.url)('pkcs11js') as typeof import('pkcs11js');
  const pk = new lib.PKCS11();
  pk.load(token.module);
  try {
    pk.C_Initialize();
  } catch {
    // already initialised by the store (this process): the library is shared
  }
  const slot = pk.C_GetSlotList(true).find((s) => pk.C_GetTokenInfo(s).label.trim() === 'smartcheck-misc') as Buffer;
  const session = pk.C_OpenSession(slot, lib.CKF_SERIAL_SESSION);
  try {
    pk.C_FindObjectsInit(session, [
      { type: lib.CKA_LABEL, value: label },
      { type: lib.CKA_CLASS, value: cls === 'private' ? lib.CKO_PRIVATE_KEY : lib.CKO_DATA },
    ]);
    const [handle] = pk.C_FindObjects(session, 1);
    pk.C_FindObjectsFinal(session);
    if (!handle) throw new Error(`${label}: not in the token`);
    if (cls === 'data')
      return { value: pk.C_GetAttributeValue(session, handle, [{ type: lib.CKA_VALUE }])[0]?.value as Buffer };
    const [sensitive, extractable] = pk.C_GetAttributeValue(session, handle, [
      { type: lib.CKA_SENSITIVE },
      { type: lib.CKA_EXTRACTABLE },
    ]);
    expect(() => pk.C_GetAttributeValue(session, handle, [{ type: lib.CKA_VALUE }])).toThrow(/SENSITIVE/);
    const flag = (a: typeof sensitive) => (a?.value as Buffer | undefined)?.[0] === 1;
    return { sensitive: flag(sensitive), extractable: flag(extractable) };
  } finally {
    pk.C_CloseSession(session);
  }
}

describe.skipIf(skip)(`the PKCS#11 key store on SoftHSM2${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('signs in the token with keys that never leave it; key-exchange secrets are kept encrypted', async () => {
    const store = await openKeyStore(token.spec('smartcheck-misc'));
    try {
      const root = (await store.createRoot('bank-x')) as SigningKey;
      expect(root).not.toBeInstanceOf(Uint8Array);
      const message = new TextEncoder().encode('signed in the token');
      expect(ed25519.verify(root.sign(message), message, root.publicKey)).toBe(true);
      const g1 = await store.generate('bank-x', 1);
      const signing = g1.signing as SigningKey;
      expect(ed25519.verify(signing.sign(message), message, signing.publicKey)).toBe(true);
      for (const label of ['bank-x/root', 'bank-x/signing/1'])
        expect(tokenObject(label, 'private')).toEqual({ sensitive: true, extractable: false });
      // The key-exchange secret: in the token only encrypted (nonce ‖ ciphertext ‖ tag).
      const stored = tokenObject('bank-x/kx/1', 'data').value as Buffer;
      expect(stored.length).toBe(12 + 32 + 16);
      expectNoSecret(stored, [g1.kx.secretKey]);
      const again = await openKeyStore(token.spec('smartcheck-misc'));
      try {
        const read = await again.keys('bank-x', 1);
        expect(equalBytes(read.kx.secretKey, g1.kx.secretKey)).toBe(true);
        expect(equalBytes((read.signing as SigningKey).publicKey, signing.publicKey)).toBe(true);
        expect((await refused(() => again.generate('bank-x', 1)))?.code).toBe('exists');
        expect((await refused(() => again.keys('bank-x', 2)))?.code).toBe('missing_key');
      } finally {
        await again.close();
      }
    } finally {
      await store.close();
    }
  });

  it('refuses a wrong PIN, an unknown token and a module that does not load: typed, without the PIN', async () => {
    const wrong = await refused(() =>
      openKeyStore(`pkcs11:${token.module}?token=smartcheck-misc`, { SMARTCHECK_PKCS11_PIN: '000000' }),
    );
    expect(wrong).toBeInstanceOf(KeyStoreError);
    expect([wrong?.code, wrong?.message]).toEqual(['wrong_secret', 'pkcs11 token smartcheck-misc: wrong PIN']);
    expect(wrong?.message).not.toContain(token.pin);
    const unknown = await refused(() => openKeyStore(token.spec('no-such-token')));
    expect([unknown?.code, unknown?.message.includes(token.pin)]).toEqual(['unavailable', false]);
    const module = await refused(() => openKeyStore(`pkcs11:/nonexistent/libpkcs11.so?pin-file=${token.pinFile}`));
    expect([module?.code, module?.message.includes(token.pin)]).toEqual(['unavailable', false]);
  });

  for (const { driver, skip: noDriver, reason } of DRIVERS) {
    it.skipIf(noDriver)(
      `runs a bank on ${driver}: load, capture, rotation, restart; the database holds no secret key${noDriver ? ` (skipped: ${reason})` : ''}`,
      async () => {
        const spec = token.spec(`smartcheck-${driver}`);
        const keys = await openKeyStore(spec);
        const dir = mkdtempSync(join(tmpdir(), 'smartcheck-hsm-'));
        dirs.push(dir);
        const dataDir = driver === 'pglite' ? join(dir, 'ledger') : undefined;
        const w = await makeWorld(driver, 2, 1_000_000, dataDir, keys);
        try {
          expect(w.bank.party.secretKey).not.toBeInstanceOf(Uint8Array);
          const bank = await runBankOnStore(w, pool, () => openKeyStore(spec));
          // The signing keys never left the token; the key-exchange secrets did, into memory only.
          const secrets = [bank.party.kx?.secretKey, bank.previous[0]?.kx?.secretKey] as Uint8Array[];
          expectNoSecret(await selectEverything(w.db), secrets);
          if (driver === 'pg') expectNoSecret(pgDump(w), secrets);
          await w.db.close();
          if (dataDir) expectNoSecret(filesUnder(dataDir), secrets);
        } finally {
          await keys.close();
        }
      },
    );
  }

  it('bank keys export moves the secrets of an old ledger into the token, where they sign', async () => {
    const { db } = await freshDatabase('pglite', 4, undefined, { before: '004_keys_out.sql' });
    const keys = await openKeyStore(token.spec('smartcheck-misc'));
    try {
      const { root, party, kx } = await storeSecretsAsBefore004(db);
      expect(await exportKeys(db, keys)).toEqual([{ bankId: 'old-bank', generations: 1 }]);
      const bank = (await loadBank(db, keys, 'old-bank')) as Bank;
      const signing = bank.party.secretKey as SigningKey;
      expect(signing).not.toBeInstanceOf(Uint8Array);
      const message = new TextEncoder().encode('imported');
      expect(ed25519.verify(signing.sign(message), message, party.publicKey)).toBe(true);
      expect(equalBytes(bank.party.kx?.secretKey as Uint8Array, kx.secretKey)).toBe(true);
      expect(equalBytes((bank.root.secretKey as SigningKey).publicKey, root.publicKey)).toBe(true);
      expect(tokenObject('old-bank/signing/1', 'private')).toEqual({ sensitive: true, extractable: false });
      expectNoSecret(await selectEverything(db), [root.secretKey as Uint8Array, party.secretKey, kx.secretKey]);
    } finally {
      await keys.close();
      await db.close();
    }
  });

  it('smartcheck bank serve runs on the token (--key-store pkcs11:…) and keeps its keys there across restarts', async () => {
    const cli = new URL('../../src/cli/index.ts', import.meta.url).pathname;
    const dir = mkdtempSync(join(tmpdir(), 'smartcheck-hsm-serve-'));
    dirs.push(dir);
    const serve = async () => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          cli,
          'bank',
          'serve',
          '--port',
          '0',
          '--workers',
          '1',
          '--data-dir',
          join(dir, 'ledger'),
        ].concat(['--bank-id', 'bank-served', '--key-store', token.spec('smartcheck-misc')]),
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } },
      );
      let out = '';
      child.stderr.on('data', (d) => (out += d));
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          if (/ on http/.test(out)) resolve(out);
        });
        child.on('exit', (code) => reject(new Error(`bank serve exited ${code}: ${out}`)));
      });
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1] as string;
      const health = (await fetch(`${url}/health`)).status;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      return { line, health };
    };
    const first = await serve();
    expect(first.line).toContain('bank bank-served on http');
    expect(first.line).toContain('keys: pkcs11 token smartcheck-misc');
    expect(first.health).toBe(200);
    const second = await serve(); // the bank is loaded from the database and the token
    expect(second.line).toContain('bank bank-served on http');
    expect(second.health).toBe(200);
    const keys = await openKeyStore(token.spec('smartcheck-misc'));
    try {
      const { openDatabase } = await import('../../src/bank/db.ts');
      const db = await openDatabase('', { dataDir: join(dir, 'ledger') });
      try {
        expect((await loadBank(db, keys, 'bank-served'))?.generation).toBe(1);
      } finally {
        await db.close();
      }
    } finally {
      await keys.close();
    }
  });
});
