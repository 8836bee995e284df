// A bank of a scheme: created with its keys certified by the scheme root (no root key of its own),
// reloaded from its database and key store, its roles enforced when it certifies, and the route
// that serves its own and the relayed issuers' revocation lists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/bank/db.ts';
import { createBank, loadBank, registerMerchant, revoke, rotateKeys } from '../../src/bank/issuing.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { migrate } from '../../src/bank/migrate.ts';
import { relayedLists, relayRevocationList } from '../../src/bank/relay.ts';
import { createScheme } from '../../src/bank/scheme.ts';
import { buildServer } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { fromBase64 } from '../../src/bytes.ts';
import { parseCertificate, verifyChain } from '../../src/protocol/certificate.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { BankRole, Role } from '../../src/protocol/registry.ts';
import { verifyRevocationList } from '../../src/protocol/revocation.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import { NOW } from './support.ts';

const scheme = createScheme('SCHEME-T');
const keysA = memoryKeyStore();
let dbA: Database;
let dbB: Database;

beforeAll(async () => {
  dbA = await openDatabase('');
  dbB = await openDatabase('');
  await migrate(dbA);
  await migrate(dbB);
});
afterAll(async () => {
  await dbA.close();
  await dbB.close();
});

describe('a bank of a scheme', () => {
  it('is certified by the scheme root with its roles, holds no root key, reloads from its store', async () => {
    const keys = keysA;
    const bank = await createBank(dbA, keys, { bankId: 'BANK-A', now: NOW, scheme: scheme.member(BankRole.Issuer) });
    expect(bank.root).toEqual({ id: 'SCHEME-T', publicKey: scheme.root.publicKey });
    expect(bank.anchors).toEqual(scheme.anchors);
    const cert = parseCertificate(bank.party.certificate);
    expect(cert).toMatchObject({ issuer: 'SCHEME-T', subject: 'BANK-A', role: Role.Bank, bankRoles: BankRole.Issuer });
    await expect(keys.root('BANK-A')).rejects.toThrow();

    const loaded = await loadBank(dbA, keys, 'BANK-A');
    expect(loaded?.root).toEqual(bank.root);
    expect(loaded?.root.secretKey).toBeUndefined();
    expect(loaded?.party.certificate).toEqual(bank.party.certificate);

    // Its roles hold at the source: no merchant from an issuer-only bank.
    await expect(registerMerchant(dbA, bank, 'shop-a', { now: NOW })).rejects.toMatchObject({
      code: ErrorCode.NotAnAcquirer,
    });
    // New keys need the scheme root's certificate: not done by the bank alone.
    await expect(rotateKeys(dbA, keys, bank, { now: NOW })).rejects.toMatchObject({ code: 'conflict' });
  });

  it("relays another issuer's list as signed, newest only, and serves it on GET /v1/revocations", async () => {
    const keysB = memoryKeyStore();
    const serviceB = await BankService.open(dbB, createInThreadVerifier(), {
      bankId: 'BANK-B',
      keys: keysB,
      clock: () => NOW,
      scheme: scheme.member(BankRole.Acquirer),
    });
    const merchant = await registerMerchant(dbB, serviceB.bank, 'taxi', { now: NOW });
    expect(verifyChain(merchant.certificate, scheme.anchors, { now: NOW }).issuer).toBe('BANK-B');

    const bankA = await loadBank(dbA, keysA, 'BANK-A');
    const serviceA = new BankService(dbA, bankA!, createInThreadVerifier(), { keys: keysA, clock: () => NOW });
    await revoke(dbA, 'P-1', 'lost', NOW - 10);
    const older = await serviceA.revocationList();
    await revoke(dbA, 'P-2', 'stolen', NOW - 5);
    const newer = await serviceA.revocationList();
    expect(await relayRevocationList(dbB, serviceB.bank, newer, { now: NOW })).toBe(true);
    expect(await relayRevocationList(dbB, serviceB.bank, newer, { now: NOW })).toBe(false);
    expect(await relayRevocationList(dbB, serviceB.bank, older, { now: NOW })).toBe(false);
    expect(await relayedLists(dbB)).toEqual([{ issuer: 'BANK-A', bytes: newer }]);

    const app = await buildServer(serviceB);
    try {
      const get = async (url: string) => {
        const r = await app.inject({ method: 'GET', url });
        return { status: r.statusCode, body: r.json() as { lists: { bankId: string; list: string }[]; code?: string } };
      };
      const all = await get('/v1/revocations');
      expect(all.status).toBe(200);
      expect(all.body.lists.map((l) => l.bankId)).toEqual(['BANK-B', 'BANK-A']);
      const lists = all.body.lists.map((l) =>
        verifyRevocationList(fromBase64(l.list), { anchors: scheme.anchors, now: NOW }),
      );
      expect(lists.map((l) => l.body.revoked)).toEqual([[], ['P-1', 'P-2']]);
      const one = await get('/v1/revocations?issuer=BANK-A');
      expect(one.body.lists).toEqual([{ bankId: 'BANK-A', list: all.body.lists[1]?.list }]);
      expect((await get('/v1/revocations?issuer=BANK-B')).body.lists.map((l) => l.bankId)).toEqual(['BANK-B']);
      expect((await get('/v1/revocations?issuer=BANK-Z')).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
