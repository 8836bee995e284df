// The authenticated back office: every /v1/admin route refused without a credential, with a
// malformed, wrong or revoked one, with a role that lacks the right, and from loopback with
// X-Forwarded-For: 401/403, nothing changed, the refusal logged (never the token). Then the action
// records (append-only in the database, checked by the audit), the one-time activation codes
// (used, expired, wrong) and the cardholder's own unblock. On PGlite and PostgreSQL.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519, x25519 } from '../../bindings/index.ts';
import { audit } from '../../src/bank/audit/index.ts';
import { createCredential, revokeCredential } from '../../src/bank/back-office/credentials.ts';
import { openDatabase } from '../../src/bank/db.ts';
import { createBank, registerCardholder, registerCardholderKey } from '../../src/bank/issuing.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { post } from '../../src/bank/ledger.ts';
import { migrate, splitStatements } from '../../src/bank/migrate.ts';
import { buildAdminServer, buildServer } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { fromBase64, toBase64 } from '../../src/bytes.ts';
import { parseCertificate } from '../../src/protocol/certificate.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { unblockRequestMessage } from '../../src/protocol/unblock.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import { DRIVERS, invariants, LIMITS, makeWorld, NOW, type World } from './support.ts';

const key = () => toBase64(ed25519.keygen().publicKey);
const kxKey = () => toBase64(x25519.keygen().publicKey);

/** Each back-office route, the role it needs, and a body that the right credential gets through. */
const ROUTES: { action: string; role: 'operator' | 'issuer'; url: string; body: () => Record<string, unknown> }[] = [
  { action: 'cardholder', role: 'issuer', url: '/v1/admin/cardholders', body: () => ({ cardholderId: 'bob' }) },
  {
    action: 'fund',
    role: 'operator',
    url: '/v1/admin/cardholders/alice/fund',
    body: () => ({ amount: 500, currency: 'EUR', reference: 'counter-1' }),
  },
  {
    action: 'activation',
    role: 'issuer',
    url: '/v1/admin/cardholders/alice/activation-codes',
    body: () => ({ limits: LIMITS }),
  },
  {
    action: 'merchant',
    role: 'issuer',
    url: '/v1/admin/merchants',
    body: () => ({ merchantId: 'shop-9', signingKey: key(), kxKey: kxKey() }),
  },
  {
    action: 'purse',
    role: 'issuer',
    url: '/v1/admin/purses',
    body: () => ({ purseId: 'purse-9', cardholderId: 'alice', signingKey: key(), kxKey: kxKey(), limits: LIMITS }),
  },
  { action: 'lost', role: 'operator', url: '/v1/admin/purses/purse-1/lost', body: () => ({}) },
  {
    action: 'unblock',
    role: 'operator',
    url: '/v1/admin/purses/purse-0/unblock',
    body: () => ({ counter: NOW * 1000 }),
  },
];

describe.each(DRIVERS)('back office on $driver', ({ driver, skip, reason }) => {
  let w: World;
  let app: FastifyInstance;
  let service: BankService;
  let clock = NOW;
  const lines: string[] = [];
  const tokens: Record<'operator' | 'issuer' | 'revoked', string> = { operator: '', issuer: '', revoked: '' };
  const ids: Record<string, string> = {};
  const secrets: string[] = [];

  beforeAll(async () => {
    if (skip) return;
    w = await makeWorld(driver, 2);
    service = new BankService(w.db, w.bank, createInThreadVerifier(), { clock: () => clock, keys: w.keys });
    app = await buildServer(service, {
      log: { level: 'info', stream: { write: (line: string) => void lines.push(line) } },
    });
    for (const [name, roles] of [
      ['operator', ['operator']],
      ['issuer', ['issuer']],
      ['revoked', ['operator', 'issuer']],
    ] as const) {
      const made = await createCredential(w.db, { name: `${name} desk`, roles });
      tokens[name] = made.token;
      ids[name] = made.credential.id;
      secrets.push(made.token);
    }
    await revokeCredential(w.db, ids.revoked as string);
  });
  afterAll(async () => {
    if (skip) return;
    // No token or activation code in any log line (nor any part of one: the secret half).
    for (const line of lines) for (const s of secrets) expect(line).not.toContain(s.slice(-20));
    expect(await invariants(w.db)).toEqual([]);
    await app?.close();
    await w?.db.close();
  });

  /** What a refused request must leave as it was. */
  const snapshot = async () =>
    w.db.query(
      `select (select count(*) from cardholders)::int as cardholders, (select count(*) from merchants)::int as merchants,
              (select count(*) from purses)::int as purses, (select count(*) from transactions)::int as transactions,
              (select count(*) from back_office_actions)::int as actions, (select count(*) from activation_codes)::int as codes,
              (select count(*) from revocations)::int as revocations,
              (select string_agg(purse_id || ':' || status, ',' order by purse_id) from purses) as statuses`,
    );
  const send = (url: string, body: unknown, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
    app.inject({ method: 'POST', url, payload: body as Record<string, unknown>, headers, remoteAddress });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it.skipIf(skip)(`each route refuses what is not a live credential with its role ${reason}`, async () => {
    const before = await snapshot();
    for (const r of ROUTES) {
      const other = r.role === 'operator' ? 'issuer' : 'operator';
      const wrong = `${tokens[r.role].slice(0, -4)}AAAA`;
      const cases: { headers: Record<string, string>; status: number; why: string; remote?: string }[] = [
        { headers: {}, status: 401, why: 'missing' },
        { headers: { authorization: 'Bearer nonsense' }, status: 401, why: 'malformed' },
        { headers: { authorization: `Basic ${tokens[r.role]}` }, status: 401, why: 'malformed' },
        { headers: bearer(wrong), status: 401, why: 'wrong' },
        { headers: bearer(`scb_0000000000000000_${'A'.repeat(43)}`), status: 401, why: 'unknown' },
        { headers: bearer(tokens.revoked), status: 401, why: 'revoked' },
        { headers: bearer(tokens[other]), status: 403, why: 'role' },
        // Behind a proxy on the same host: loopback and a forwarded address count for nothing.
        { headers: { 'x-forwarded-for': '127.0.0.1' }, status: 401, why: 'missing' },
        { headers: { 'x-forwarded-for': '10.0.0.1' }, status: 401, why: 'missing', remote: '203.0.113.7' },
      ];
      for (const c of cases) {
        const at = lines.length;
        const res = await send(r.url, r.body(), c.headers, c.remote);
        expect(res.statusCode, `${r.url} ${c.why}`).toBe(c.status);
        expect(res.json().error).toMatchObject({
          kind: 'bank',
          code: c.status === 401 ? 'unauthorized' : 'forbidden',
        });
        if (c.status === 401) expect(res.headers['www-authenticate']).toContain('Bearer');
        const logged = lines.slice(at).map((l) => JSON.parse(l));
        expect(logged, `${r.url} ${c.why}`).toContainEqual(
          expect.objectContaining({
            msg: 'back office: refused',
            backOffice: expect.objectContaining({ action: r.action, refused: c.why }),
          }),
        );
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it.skipIf(skip)(`each route works with its role and records who, what, when and the request ${reason}`, async () => {
    for (const r of ROUTES) {
      const res = await send(r.url, r.body(), bearer(tokens[r.role]), '203.0.113.7');
      expect(res.statusCode, `${r.url}: ${res.body}`).toBe(200);
      const [record] = await w.db.query<{
        credential_id: string;
        actor: string;
        action: string;
        request: { url: string; ip: string };
      }>('select credential_id, actor, action, request from back_office_actions order by id desc limit 1');
      expect(record).toMatchObject({
        credential_id: ids[r.role],
        actor: `${r.role} desk`,
        action: r.action,
        request: { url: r.url, ip: '203.0.113.7' },
      });
    }
    // The issued code is in no record and no log line; its answer is the only place it appears.
    const actions = JSON.stringify(await w.db.query('select * from back_office_actions'));
    for (const s of secrets) expect(actions).not.toContain(s.slice(-20));
    expect((await audit(w.db, w.bank)).findings).toEqual([]);
  });

  it.skipIf(skip)(`the action records are append-only in the database ${reason}`, async () => {
    for (const sql of [
      "update back_office_actions set actor = 'someone else'",
      'delete from back_office_actions',
      'truncate back_office_actions',
    ])
      await expect(w.db.query(sql)).rejects.toThrow(/append-only/);
  });

  it.skipIf(skip)(`enrolment takes a code once, refuses a wrong, used or expired one ${reason}`, async () => {
    const issue = async () =>
      (
        await send(
          '/v1/admin/cardholders/alice/activation-codes',
          { limits: LIMITS, ttlS: 3_600 },
          bearer(tokens.issuer),
        )
      ).json().code as string;
    const code = await issue();
    secrets.push(code.replace(/-/g, ''), code);
    expect(code).toMatch(/^([A-Z2-7]{4}-){5}[A-Z2-7]{4}$/);
    const holderKey = ed25519.keygen();
    const request = (purseId: string, activationCode = code) => ({
      activationCode,
      purseId,
      signingKey: key(),
      kxKey: kxKey(),
      cardholderKey: toBase64(holderKey.publicKey),
    });
    const refused = async (body: unknown, code: number) => {
      const before = await snapshot();
      const res = await send('/v1/enrol', body);
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({ kind: 'protocol', code });
      expect(await snapshot()).toEqual(before);
    };
    await refused(request('purse-web', 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF'), ErrorCode.ActivationCodeUnknown);

    const first = request('purse-web', code.toLowerCase().replace(/-/g, ' '));
    const ok = await send('/v1/enrol', first);
    expect(ok.statusCode, ok.body).toBe(200);
    const enrolled = ok.json();
    expect(enrolled).toMatchObject({ purseId: 'purse-web', cardholderId: 'alice', bankId: 'bank-1' });
    expect(parseCertificate(fromBase64(enrolled.certificate)).limits).toEqual(LIMITS);
    expect(parseCertificate(fromBase64(enrolled.cardholderCertificate)).signingKey).toEqual(holderKey.publicKey);
    // The same enrolment again (the answer was lost): the same certificate; anything else is "used".
    expect((await send('/v1/enrol', first)).json().certificate).toBe(enrolled.certificate);
    await refused(request('purse-web-2'), ErrorCode.ActivationCodeUsed);
    await refused({ ...first, signingKey: key() }, ErrorCode.ActivationCodeUsed);

    const late = await issue();
    secrets.push(late);
    clock += 3_600;
    await refused(request('purse-late', late), ErrorCode.ActivationCodeExpired);
    clock = NOW;
    const [record] = await w.db.query<{ actor: string; credential_id: string | null }>(
      "select actor, credential_id from back_office_actions where action = 'enrol'",
    );
    expect(record).toEqual({ actor: 'cardholder alice', credential_id: null });

    // The cardholder's own unblock, signed with the approval key enrolled above.
    const counter = NOW * 1000;
    const signed = toBase64(ed25519.sign(unblockRequestMessage('purse-web', counter), holderKey.secretKey));
    const unblocked = await send('/v1/unblock', { purseId: 'purse-web', counter, signature: signed });
    expect(unblocked.statusCode, unblocked.body).toBe(200);
    const forged = toBase64(ed25519.sign(unblockRequestMessage('purse-web', counter), ed25519.keygen().secretKey));
    const refusedUnblock = await send('/v1/unblock', { purseId: 'purse-web', counter, signature: forged });
    expect(refusedUnblock.json().error).toMatchObject({ kind: 'protocol', code: ErrorCode.BadSignature });
    expect((await audit(w.db, w.bank)).findings).toEqual([]);
  });

  it.skipIf(skip)(`the audit finds a funding or a record that the back office did not make ${reason}`, async () => {
    await w.db.transaction(async (tx) => {
      const [from] = await tx.query<{ id: number }>("select id from accounts where kind = 'funding'");
      const [to] = await tx.query<{ id: number }>(
        "select id from accounts where kind = 'cardholder' and owner = 'alice'",
      );
      await post(tx, 'fund', 'alice:by-hand', [
        { account: (from as { id: number }).id, amount: -7 },
        { account: (to as { id: number }).id, amount: 7 },
      ]);
      await tx.query(
        "insert into back_office_actions (credential_id, actor, action, subject, detail) values ($1, 'revoked desk', 'lost', 'purse-0', '{}'), ($2, 'operator desk', 'merchant', 'shop-x', '{}')",
        [ids.revoked, ids.operator],
      );
    });
    const findings = (await audit(w.db, w.bank)).findings.map((f) => `${f.kind} ${f.table} ${f.detail}`);
    expect(findings).toEqual([
      expect.stringMatching(/^action_missing transactions funding alice:by-hand has no back-office action record/),
      expect.stringMatching(/^action_unauthorised back_office_actions lost by credential \w+ after its revocation/),
      expect.stringMatching(
        /^action_unauthorised back_office_actions merchant by credential \w+, whose roles \(operator\) lack issuer/,
      ),
    ]);
  });
});

describe('the back office on its own listener', () => {
  it('answers the admin routes there only', async () => {
    const w = await makeWorld('pglite', 1);
    const service = new BankService(w.db, w.bank, createInThreadVerifier(), { clock: () => NOW, keys: w.keys });
    const pub = await buildServer(service, { admin: false });
    const admin = await buildAdminServer(service);
    try {
      const { token } = await createCredential(w.db, { name: 'desk', roles: ['issuer'] });
      const req = {
        method: 'POST' as const,
        url: '/v1/admin/cardholders',
        payload: { cardholderId: 'carol' },
        headers: { authorization: `Bearer ${token}` },
      };
      expect((await pub.inject(req)).statusCode).toBe(404);
      expect((await admin.inject(req)).statusCode).toBe(200);
      expect((await admin.inject({ method: 'GET', url: '/v1/bank' })).statusCode).toBe(404);
      // A cardholder registered in-process is recorded too, as in-process.
      await registerCardholderKey(w.db, w.bank, 'dave', { now: NOW });
      expect(await w.db.query("select actor, credential_id from back_office_actions where subject = 'dave'")).toEqual([
        { actor: 'in-process', credential_id: null },
      ]);
    } finally {
      await pub.close();
      await admin.close();
      await w.db.close();
    }
  });
});

describe('migration 003 on a ledger from before it', () => {
  it('records the earlier fundings and lost reports once, so the audit is clean', async () => {
    const db = await openDatabase('');
    try {
      // The ledger as migrations 001, 002 and 004 (keys out, so that today's createBank can write
      // it) left it, without 003 (the runner's own splitting, $$ bodies kept whole).
      await db.query(
        'create table schema_migrations (name text primary key, applied_at timestamptz not null default now())',
      );
      const before = ['001_ledger.sql', '002_key_generations.sql', '004_keys_out.sql'];
      for (const file of before) {
        const sql = readFileSync(new URL(`../../src/bank/migrations/${file}`, import.meta.url), 'utf8');
        for (const statement of splitStatements(sql)) await db.query(statement);
        await db.query('insert into schema_migrations (name) values ($1)', [file]);
      }
      const bank = await createBank(db, memoryKeyStore(), { bankId: 'bank-old', now: NOW });
      await registerCardholder(db, bank, 'olga', { now: NOW });
      await db.query("insert into transactions (kind, reference) values ('fund', 'olga:cash'), ('fund', 'olga:cash')");
      expect(await migrate(db, { before: '005' })).toEqual(['003_back_office.sql']);
      await migrate(db); // the later ones (005 on) leave what 003 did alone
      expect(await db.query('select actor, action, subject from back_office_actions')).toEqual([
        { actor: 'before migration 003', action: 'fund', subject: 'olga:cash' },
      ]);
      const findings = (await audit(db, bank)).findings.filter((f) => f.kind.startsWith('action_'));
      expect(findings).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('splits statements at line-end semicolons but keeps a $$ body whole', () => {
    expect(
      splitStatements(
        'create table a (x int);\n-- a comment\ncreate function f() returns int language sql as $$\nselect 1;\n$$;\nselect 2;\n',
      ),
    ).toEqual([
      'create table a (x int)',
      'create function f() returns int language sql as $$\nselect 1;\n$$',
      'select 2',
    ]);
  });
});
