// BankClient over loopback against the bank server: GET /v1/bank, the back office (its bad inputs
// answered with typed errors and nothing changed), CORS, the admin switch, and typed failures.

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519, x25519 } from '../../bindings/index.ts';
import { createCredential } from '../../src/bank/back-office/credentials.ts';
import { type Database, openDatabase } from '../../src/bank/db.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { balance } from '../../src/bank/ledger.ts';
import { buildServer } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { BankClient } from '../../src/net/bank-client.ts';
import { BankRejectedError, BankUnreachableError } from '../../src/net/bank-link.ts';
import { fromBase64, toBase64 } from '../../src/net/http.ts';
import { parseCertificate, verifyChain } from '../../src/protocol/certificate.ts';
import { Role } from '../../src/protocol/registry.ts';
import { verifyRevocationList } from '../../src/protocol/revocation.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import { LIMITS, listen } from '../wallet/support.ts';

let db: Database;
let app: FastifyInstance;
let url: string;
let client: BankClient;
let token: string;
const now = Math.floor(Date.now() / 1000);
const keys = memoryKeyStore(); // the bank's keys: its ledger is in memory too

beforeAll(async () => {
  db = await openDatabase('');
  const service = await BankService.open(db, createInThreadVerifier(), {
    clock: () => now,
    bankId: 'bank-net',
    keys,
  });
  app = await buildServer(service);
  url = await listen(app);
  ({ token } = await createCredential(db, { name: 'net tests', roles: ['operator', 'issuer'] }));
  client = new BankClient(url, { token });
});
afterAll(async () => {
  await app?.close();
  await db?.close();
});

const key = () => ed25519.keygen().publicKey;
const post = (path: string, body: unknown) =>
  fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
const count = async (table: string) =>
  ((await db.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0] as { n: number }).n;

describe('bank info and admin API', () => {
  it('GET /v1/bank: the bank certificate verifies under the roots it names', async () => {
    const info = await client.bankInfo();
    expect(info.bankId).toBe('bank-net');
    const anchors = new Map(info.roots.map((r) => [r.id, r.publicKey]));
    const bank = verifyChain(info.bankCertificate, anchors, { now });
    expect(bank).toMatchObject({ subject: 'bank-net', role: Role.Bank });
    expect(bank.kxKey).toHaveLength(32);
    expect(verifyRevocationList(await client.revocationList(), { anchors, now }).body.bankId).toBe('bank-net');
  });

  it("registers, certifies and funds from the parties' own public keys", async () => {
    const holderKey = key();
    const holder = await client.registerCardholder('carol', { signingKey: holderKey });
    const cert = parseCertificate(holder.certificate!);
    expect(cert).toMatchObject({ subject: 'carol', role: Role.Cardholder, issuer: 'bank-net' });
    expect(cert.signingKey).toEqual(holderKey);
    expect(cert.kxKey).toBeUndefined();
    expect(await client.registerCardholder('dave')).toEqual({ cardholderId: 'dave' });
    expect(await client.fund('carol', 7_000, 'EUR')).toEqual({ cardholderId: 'carol', balance: 7_000 });
    expect(await client.fund('carol', 500, 'EUR', 'transfer-1')).toEqual({ cardholderId: 'carol', balance: 7_500 });

    const m = { signingKey: key(), kxKey: x25519.keygen().publicKey };
    const merchant = await client.registerMerchant('shop-net', m);
    expect(parseCertificate(merchant.certificate)).toMatchObject({
      subject: 'shop-net',
      role: Role.Merchant,
      signingKey: m.signingKey,
      kxKey: m.kxKey,
    });
    expect(merchant.bankId).toBe('bank-net');

    const p = { signingKey: key(), kxKey: x25519.keygen().publicKey };
    const purse = await client.personalisePurse({ purseId: 'purse-net', cardholderId: 'carol', ...p, limits: LIMITS });
    expect(parseCertificate(purse.certificate)).toMatchObject({
      subject: 'purse-net',
      role: Role.Purse,
      limits: LIMITS,
      signingKey: p.signingKey,
      kxKey: p.kxKey,
    });
    expect(verifyChain(purse.certificate, new Map(purse.roots.map((r) => [r.id, r.publicKey])), { now }).subject).toBe(
      'purse-net',
    );
    expect(
      await db.query('select cardholder_id, currency, status from purses where purse_id = $1', ['purse-net']),
    ).toEqual([{ cardholder_id: 'carol', currency: 'EUR', status: 'active' }]);

    expect(await client.reportLost('purse-net')).toEqual({ purseId: 'purse-net', status: 'lost' });
    expect(await client.reportLost('purse-net')).toEqual({ purseId: 'purse-net', status: 'lost' });
    const anchors = new Map(purse.roots.map((r) => [r.id, r.publicKey]));
    expect(verifyRevocationList(await client.revocationList(), { anchors, now }).body.revoked).toContain('purse-net');
  });

  it('refuses bad admin input with typed errors and changes nothing', async () => {
    const before = {
      cardholders: await count('cardholders'),
      merchants: await count('merchants'),
      purses: await count('purses'),
      tx: await count('transactions'),
    };
    const refused = async (p: Promise<unknown>, status: number, code: string) => {
      const error = await p.catch((e) => e);
      expect(error).toBeInstanceOf(BankRejectedError);
      expect(error).toMatchObject({ status, kind: 'bank', code });
    };
    await client.registerCardholder('erin');
    before.cardholders += 1;
    await refused(client.registerCardholder('erin'), 409, 'conflict');
    await refused(client.registerCardholder('bad id!'), 400, 'bad_request');
    await refused(client.registerCardholder('frank', { signingKey: new Uint8Array(31) }), 400, 'bad_request');
    await refused(client.fund('nobody', 100, 'EUR'), 404, 'not_found');
    await refused(client.fund('erin', 0, 'EUR'), 400, 'bad_request');
    await refused(client.fund('erin', 1.5, 'EUR'), 400, 'bad_request');
    await refused(client.fund('erin', 100, 'euro'), 400, 'bad_request');
    const m = { signingKey: key(), kxKey: x25519.keygen().publicKey };
    await client.registerMerchant('shop-dup', m);
    before.merchants += 1;
    await refused(client.registerMerchant('shop-dup', m), 409, 'conflict');
    await refused(
      client.registerMerchant('shop-x', { signingKey: m.signingKey, kxKey: new Uint8Array(5) }),
      400,
      'bad_request',
    );
    const p = { signingKey: key(), kxKey: x25519.keygen().publicKey };
    await refused(
      client.personalisePurse({ purseId: 'purse-x', cardholderId: 'nobody', ...p, limits: LIMITS }),
      404,
      'not_found',
    );
    await refused(
      client.personalisePurse({
        purseId: 'purse-x',
        cardholderId: 'erin',
        ...p,
        limits: { ...LIMITS, currency: 'eu' },
      }),
      400,
      'bad_request',
    );
    await refused(
      client.personalisePurse({
        purseId: 'purse-x',
        cardholderId: 'erin',
        ...p,
        limits: { ...LIMITS, maxPerCheck: -1 },
      }),
      400,
      'bad_request',
    );
    await refused(
      client.personalisePurse({
        purseId: 'purse-x',
        cardholderId: 'erin',
        signingKey: p.signingKey,
        kxKey: new Uint8Array(33),
        limits: LIMITS,
      }),
      400,
      'bad_request',
    );
    await refused(client.reportLost('purse-none'), 404, 'not_found');
    const raw = await post('/v1/admin/purses', {
      purseId: 'purse-x',
      cardholderId: 'erin',
      signingKey: 'not base64!',
      kxKey: toBase64(p.kxKey),
      limits: LIMITS,
    });
    expect(raw.status).toBe(400);
    const noLimits = await post('/v1/admin/purses', {
      purseId: 'purse-x',
      cardholderId: 'erin',
      signingKey: toBase64(p.signingKey),
      kxKey: toBase64(p.kxKey),
    });
    expect(noLimits.status).toBe(400);
    expect((await post('/v1/admin/cardholders', [1])).status).toBe(400);
    expect(
      (
        await fetch(`${url}/v1/admin/cardholders`, {
          method: 'POST',
          headers: { 'content-type': 'application/cbor', authorization: `Bearer ${token}` },
          body: new Uint8Array([0xa0]),
        })
      ).status,
    ).toBe(400);
    expect({
      cardholders: await count('cardholders'),
      merchants: await count('merchants'),
      purses: await count('purses'),
      tx: await count('transactions'),
    }).toEqual(before);
    expect(await balance(db, 'cardholder', 'erin', 'EUR')).toBe(0);
  });

  it('the back office goes by the credential, not the address; CORS allows loopback origins', async () => {
    const loopback = await app.inject({
      method: 'POST',
      url: '/v1/admin/cardholders',
      remoteAddress: '127.0.0.1',
      payload: { cardholderId: 'mallory' },
    });
    expect(loopback.statusCode).toBe(401);
    expect(loopback.json()).toMatchObject({ error: { kind: 'bank', code: 'unauthorized' } });
    expect(await db.query('select 1 from cardholders where cardholder_id = $1', ['mallory'])).toEqual([]);
    const remote = await app.inject({
      method: 'POST',
      url: '/v1/admin/cardholders',
      remoteAddress: '203.0.113.9',
      headers: { authorization: `Bearer ${token}` },
      payload: { cardholderId: 'remote-teller' },
    });
    expect(remote.statusCode).toBe(200);
    const local = await fetch(`${url}/v1/bank`, { headers: { origin: 'http://127.0.0.1:4173' } });
    expect(local.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:4173');
    const foreign = await fetch(`${url}/v1/bank`, { headers: { origin: 'https://shop.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('with admin off there is no admin API; configured origins replace the loopback default', async () => {
    const service = new BankService(
      db,
      (await BankService.open(db, createInThreadVerifier(), { clock: () => now, keys })).bank,
      createInThreadVerifier(),
      { clock: () => now, keys },
    );
    const off = await buildServer(service, { admin: false, corsOrigins: ['https://wallet.example'] });
    try {
      expect(
        (await off.inject({ method: 'POST', url: '/v1/admin/cardholders', payload: { cardholderId: 'x' } })).statusCode,
      ).toBe(404);
      expect(
        (await off.inject({ method: 'GET', url: '/v1/bank', headers: { origin: 'https://wallet.example' } })).headers[
          'access-control-allow-origin'
        ],
      ).toBe('https://wallet.example');
      expect(
        (await off.inject({ method: 'GET', url: '/v1/bank', headers: { origin: 'http://localhost:3000' } })).headers[
          'access-control-allow-origin'
        ],
      ).toBeUndefined();
    } finally {
      await off.close();
    }
  });
});

describe('BankClient failures', () => {
  it('unreachable (refused connection, timeout) and rejected are typed', async () => {
    await expect(new BankClient('http://127.0.0.1:1').bankInfo()).rejects.toBeInstanceOf(BankUnreachableError);
    const slow = (await import('node:http')).createServer(() => undefined);
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const port = (slow.address() as { port: number }).port;
      const error = await new BankClient(`http://127.0.0.1:${port}`, { timeoutMs: 200 })
        .load(new Uint8Array([1]))
        .catch((e) => e);
      expect(error).toBeInstanceOf(BankUnreachableError);
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
    const garbage = await client.load(new Uint8Array([0xa0])).catch((e) => e);
    expect(garbage).toBeInstanceOf(BankRejectedError);
    expect(garbage).toMatchObject({ status: 422, kind: 'protocol' });
    expect(typeof garbage.code).toBe('number');
    const missing = await new BankClient(`${url}/nope`).bankInfo().catch((e) => e);
    expect(missing).toMatchObject({ name: 'BankRejectedError', status: 404, kind: 'http' });
    expect(() => new BankClient('file:///etc/passwd')).toThrow(TypeError);
  });

  it('base64 round-trips bytes of every value and large sizes', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(fromBase64(toBase64(all))).toEqual(all);
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251);
    expect(fromBase64(toBase64(big))).toEqual(big);
    expect(toBase64(big)).toBe(Buffer.from(big).toString('base64'));
  });
});

describe('browser-safe', () => {
  it('src/wallet and src/net import no node: module and use no Buffer', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    for (const dir of ['src/wallet', 'src/net']) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
        const code = readFileSync(`${dir}/${file}`, 'utf8').replace(/^\s*\/\/.*$/gm, '');
        expect(code, `${dir}/${file}`).not.toMatch(/from ['"]node:|require\(|\bBuffer\b|\bprocess\./);
      }
    }
  });
});
