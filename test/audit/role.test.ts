// The auditor's read-only role (migration 015): `smartcheck bank audit` run as a login role that
// is a member of smartcheck_auditor and nothing else audits the clean ledger without a finding,
// and that role can neither read a secret column nor write. PostgreSQL only: PGlite has one user.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAuditorKey } from '../../src/bank/audit/checkpoint/index.ts';
import { runAudit } from '../../src/bank/audit/command.ts';
import { type Database, openDatabase } from '../../src/bank/db.ts';
import { createBank } from '../../src/bank/issuing.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import { freshDatabase, NOW, PG_URL } from '../bank/support.ts';
import { buildCleanLedger } from './clean-ledger.ts';

const reason = 'PostgreSQL: set DATABASE_URL or SMARTCHECK_PG_URL (scripts/ci-postgres.sh starts one)';

describe.skipIf(!PG_URL)(`the auditor role on PostgreSQL${PG_URL ? '' : ` (skipped: ${reason})`}`, () => {
  let db: Database;
  let auditor: Database;
  let login: string;
  beforeAll(async () => {
    const fresh = await freshDatabase('pg');
    db = fresh.db;
    const keys = memoryKeyStore();
    const bank = await createBank(db, keys, { bankId: 'bank-1', now: NOW });
    await buildCleanLedger(db, bank, { verifier: createInThreadVerifier(), keys });
    // A login role of the test's own, with a password, member of smartcheck_auditor only.
    login = `auditor_${randomBytes(6).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await db.query(`create role ${login} login password '${password}' in role smartcheck_auditor`);
    const url = new URL(fresh.url as string);
    url.username = login;
    url.password = password;
    auditor = await openDatabase(url.toString(), { poolMax: 2 });
  }, 120_000);
  afterAll(async () => {
    await auditor?.close();
    await db?.query(`drop owned by ${login}`).catch(() => undefined);
    await db?.query(`drop role if exists ${login}`).catch(() => undefined);
    await db?.close();
  });

  it('audits the clean ledger as the auditor: no finding, no invariant broken', async () => {
    const [who] = await auditor.query<{ u: string }>('select current_user as u');
    expect(who?.u).toBe(login);
    const run = await runAudit(auditor, {});
    expect(run.report.findings).toEqual([]);
    expect(run.invariants.violations).toEqual([]);
    expect(run.ok).toBe(true);
  });

  it('writes and then verifies its signed checkpoints as the auditor (its one write)', async () => {
    const key = newAuditorKey(join(mkdtempSync(join(tmpdir(), 'auditor-')), 'auditor.pem'));
    const first = await runAudit(auditor, { checkpoint: { key } });
    expect(first.report.findings).toEqual([]);
    expect(first.report.checkpoint?.written).toBeDefined();
    const again = await runAudit(auditor, { checkpoint: { key, incremental: true } });
    expect(again.report.findings).toEqual([]);
    expect(again.report.checkpoint?.verified).toBe(first.report.checkpoint?.written?.number);
  });

  const denied = /permission denied/;
  for (const [table, column] of [
    ['credentials', 'token_hash'],
    ['activation_codes', 'code_hash'],
    ['renewal_nonces', 'nonce'],
    ['back_office_actions', 'request'],
  ] as const)
    it(`cannot read the secret column ${table}.${column}`, async () => {
      await expect(auditor.query(`select ${column} from ${table}`)).rejects.toThrow(denied);
    });

  it('cannot write', async () => {
    await expect(auditor.query("update purses set status = 'active'")).rejects.toThrow(denied);
    await expect(auditor.query('delete from checks')).rejects.toThrow(denied);
    await expect(auditor.query("insert into transactions (kind, reference) values ('fund', 'x')")).rejects.toThrow(
      denied,
    );
  });

  it('smartcheck_auditor cannot log in and holds no power; the bank user still reads what it may not', async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const [r] = (
        await admin.query('select rolcanlogin, rolsuper, rolcreaterole from pg_roles where rolname = $1', [
          'smartcheck_auditor',
        ])
      ).rows;
      expect(r).toEqual({ rolcanlogin: false, rolsuper: false, rolcreaterole: false });
    } finally {
      await admin.end();
    }
    await expect(db.query('select token_hash from credentials')).resolves.toBeDefined();
  });
});
