// Two banks of one scheme over loopback HTTP, each its own BankService, key store and database
// (PGlite; with DATABASE_URL, two PostgreSQL schemas): bank A issues cards only, bank B acquires
// merchants only. A card of A pays a POS of B offline and a web shop of B on the Internet; the merchant refreshes its revocation lists
// through B, which fetches A's signed list from A's API and relays it as signed. A purse A reports
// lost is refused at B's terminal after the next refresh. Capture of the foreign checks at B
// verifies their chain (scheme root → bank A → purse) and presents them to A; the merchants' books
// hold them as presented until A's answer credits them (test/e2e/presentment.test.ts: the faults).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519, x25519 } from '../../bindings/index.ts';
import { audit } from '../../src/bank/audit/index.ts';
import { createCredential } from '../../src/bank/back-office/credentials.ts';
import type { Database } from '../../src/bank/db.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { balance, checkInvariants } from '../../src/bank/ledger.ts';
import { createScheme } from '../../src/bank/scheme.ts';
import { buildServer } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { PurseCard } from '../../src/card/purse.ts';
import { MemoryCheckStore, MerchantBook, Terminal, TerminalError } from '../../src/merchant/index.ts';
import { BankClient } from '../../src/net/bank-client.ts';
import { ShopClient } from '../../src/net/shop-client.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { BankRole } from '../../src/protocol/registry.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import { createShopServer } from '../../src/shop/server.ts';
import { issueCard } from '../../src/wallet/issue.ts';
import { Wallet } from '../../src/wallet/wallet.ts';
import { DRIVERS, freshDatabase } from '../bank/support.ts';
import { CURRENCY, LIMITS, listen, PIN } from '../wallet/support.ts';

interface BankNode {
  db: Database;
  service: BankService;
  app: FastifyInstance;
  url: string;
  client: BankClient;
}

describe.each(DRIVERS)('two banks of one scheme on $driver', ({ driver, skip, reason }) => {
  const clock = { now: Math.floor(Date.now() / 1000) };
  const scheme = createScheme('SCHEME-E2E');
  let bankA: BankNode;
  let bankB: BankNode;

  async function startBank(
    bankId: string,
    bankRoles: number,
    peers: { bankId: string; url: string }[] = [],
  ): Promise<BankNode> {
    const { db } = await freshDatabase(driver);
    const service = await BankService.open(db, createInThreadVerifier(), {
      bankId,
      keys: memoryKeyStore(),
      clock: () => clock.now,
      scheme: scheme.member(bankRoles),
      peers,
      // Every merchant refresh fetches the peers' lists again (60 s by default).
      peerRefreshS: 0,
    });
    const app = await buildServer(service);
    const url = await listen(app);
    const { token } = await createCredential(db, { name: 'scheme e2e', roles: ['operator', 'issuer'] });
    return { db, service, app, url, client: new BankClient(url, { timeoutMs: 5_000, token }) };
  }

  beforeAll(async () => {
    if (skip) return;
    bankA = await startBank('BANK-A', BankRole.Issuer);
    bankB = await startBank('BANK-B', BankRole.Acquirer, [{ bankId: 'BANK-A', url: bankA.url }]);
  });
  afterAll(async () => {
    if (skip) return;
    for (const node of [bankB, bankA]) {
      await node?.app.close();
      await node?.db.close();
    }
  });

  it.skipIf(skip)(
    `a card of A pays a POS of B offline and a web shop of B; B relays A's revocation list${skip ? ` (${reason})` : ''}`,
    async () => {
      // Both banks trust the scheme root, and only it.
      const infoA = await bankA.client.bankInfo();
      const infoB = await bankB.client.bankInfo();
      expect(infoA.roots).toEqual([{ id: 'SCHEME-E2E', publicKey: scheme.root.publicKey }]);
      expect(infoB.roots).toEqual(infoA.roots);
      const anchors = new Map(infoB.roots.map((r) => [r.id, r.publicKey]));

      // An issuer-only bank certifies no merchant, an acquirer-only bank no cardholder.
      const keys = { signingKey: ed25519.keygen().publicKey, kxKey: x25519.keygen().publicKey };
      await expect(bankA.client.registerMerchant('shop-a', keys)).rejects.toMatchObject({
        code: ErrorCode.NotAnAcquirer,
      });
      await expect(
        bankB.client.registerCardholder('bob', { signingKey: ed25519.keygen().publicKey }),
      ).rejects.toMatchObject({ code: ErrorCode.NotAnIssuer });

      // The cardholder banks at A: a card issued and loaded by A.
      const holderKeys = ed25519.keygen();
      const registered = await bankA.client.registerCardholder('alice', { signingKey: holderKeys.publicKey });
      await bankA.client.fund('alice', 100_000, CURRENCY);
      const card = new PurseCard(await EmulatedCard.create());
      const purse = await issueCard(card, bankA.client, {
        purseId: 'P-A1',
        cardholderId: 'alice',
        limits: LIMITS,
        pin: PIN,
      });
      const wallet = new Wallet({
        card,
        bank: bankA.client,
        bankCertificate: purse.bankCertificate,
        anchors,
        cardholder: {
          id: 'alice',
          secretKey: holderKeys.secretKey,
          certificate: registered.certificate as Uint8Array,
        },
        clock: () => clock.now,
      });
      await wallet.unlock(PIN);
      expect(await wallet.load(30_000)).toMatchObject({ balance: 30_000 });

      // The taxi banks at B: its own keys, certified by B; its terminal trusts the scheme root.
      const sign = ed25519.keygen();
      const kx = x25519.keygen();
      const taxiCert = await bankB.client.registerMerchant('taxi', { signingKey: sign.publicKey, kxKey: kx.publicKey });
      const taxi = await MerchantBook.open({
        merchant: {
          id: 'taxi',
          secretKey: sign.secretKey,
          publicKey: sign.publicKey,
          certificate: taxiCert.certificate,
          kx,
        },
        bankCertificate: taxiCert.bankCertificate,
        anchors,
        store: new MemoryCheckStore(),
        bank: bankB.client,
        clock: () => clock.now,
        policy: { currency: CURRENCY, revocationMaxAgeS: 3_600 },
      });

      // One refresh through B brings B's own list and A's, which B fetched from A over HTTP.
      expect(await taxi.refreshRevocationList()).toBe(true);
      expect(taxi.revocationLists.map((l) => l.body.bankId).sort()).toEqual(['BANK-A', 'BANK-B']);
      expect((await bankB.client.revocationLists('BANK-A')).length).toBe(1);

      const till = new Terminal(taxi, { terminalId: 'TAXI-1' });
      const sale = await till.sell(card, 2_400);
      expect(sale).toMatchObject({ purseId: 'P-A1', amount: 2_400 });
      expect(sale.verdict).toMatchObject({ decision: 'accept', genuine: true });
      expect((await card.status()).balance).toBe(27_600);

      // On the Internet too: a web shop banking at B takes the card of A (its own book and lists).
      const shopSign = ed25519.keygen();
      const shopKx = x25519.keygen();
      const shopCert = await bankB.client.registerMerchant('webshop', {
        signingKey: shopSign.publicKey,
        kxKey: shopKx.publicKey,
      });
      const shopBook = await MerchantBook.open({
        merchant: {
          id: 'webshop',
          secretKey: shopSign.secretKey,
          publicKey: shopSign.publicKey,
          certificate: shopCert.certificate,
          kx: shopKx,
        },
        bankCertificate: shopCert.bankCertificate,
        anchors,
        store: new MemoryCheckStore(),
        bank: bankB.client,
        clock: () => clock.now,
        policy: { currency: CURRENCY, revocationMaxAgeS: 3_600 },
      });
      await shopBook.refreshRevocationList();
      const shopApp = await createShopServer({ book: shopBook, clock: () => clock.now });
      try {
        const paid = await wallet.payInternet(new ShopClient(await listen(shopApp)), {
          item: 'ticket',
          amount: 1_100,
          currency: CURRENCY,
        });
        expect(paid).toMatchObject({ status: 'paid', balance: 26_500 });
        expect(shopBook.pendingAmount()).toBe(1_100);
      } finally {
        await shopApp.close();
      }

      // A reports the card lost: after the next refresh through B the taxi refuses it offline.
      clock.now += 5;
      await bankA.client.reportLost('P-A1');
      await taxi.refreshRevocationList();
      expect(taxi.revocationLists.find((l) => l.body.bankId === 'BANK-A')?.body.revoked).toEqual(['P-A1']);
      const refused = await till.sell(card, 100).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(TerminalError);
      expect(refused).toMatchObject({ kind: 'check_refused', code: ErrorCode.Revoked });
      expect((await card.status()).balance).toBe(26_500);

      // Capture at B: the chain verifies (B's verifier trusts the scheme root), B presents the
      // check to A and the receipt says so (337, nothing credited yet); the merchant's book keeps
      // it presented, not pending, and counts it nowhere else.
      const report = await taxi.deposit();
      expect(report.outcomes).toEqual([
        expect.objectContaining({ status: 'presented', code: ErrorCode.PresentedToIssuer, credited: 0 }),
      ]);
      expect(taxi.presentedAmount()).toBe(2_400);
      expect(taxi.pendingAmount()).toBe(0);
      const shopReport = await shopBook.deposit();
      expect(shopReport.outcomes).toEqual([expect.objectContaining({ status: 'presented', credited: 0 })]);

      // A answers (the card was reported lost after these checks: still paid, as for A's own
      // merchants); B credits its merchants; their next deposit learns it from the same batch.
      await bankB.service.sendPresentments();
      expect(await balance(bankB.db, 'merchant', 'taxi', CURRENCY)).toBe(2_400);
      expect(await balance(bankB.db, 'merchant', 'webshop', CURRENCY)).toBe(1_100);
      expect(await balance(bankA.db, 'interbank', 'BANK-B', CURRENCY)).toBe(3_500);
      const asked = await taxi.deposit();
      expect(asked.outcomes).toEqual([expect.objectContaining({ status: 'deposited', code: 0, credited: 2_400 })]);
      expect(asked.credited).toBe(2_400);
      expect(taxi.presentedAmount()).toBe(0);
      // Asked once more: nothing presented is left, nothing reported or counted twice.
      expect((await taxi.deposit()).outcomes).toEqual([]);
      expect((await shopBook.deposit()).credited).toBe(1_100);

      for (const node of [bankA, bankB]) {
        expect((await checkInvariants(node.db)).violations).toEqual([]);
        const r = await audit(node.db, node.service.bank);
        expect(r.differences).toEqual([]);
        expect(r.ok).toBe(true);
      }
    },
    120_000,
  );

  it.skipIf(skip)('an unreachable peer issuer: B still serves its own list and the last relayed one', async () => {
    await bankA.app.close();
    const lists = await bankB.client.revocationLists();
    expect(lists.length).toBe(2);
    const refreshed = await bankB.service.refreshPeerLists();
    expect(refreshed).toEqual([{ bankId: 'BANK-A', error: expect.stringContaining('unreachable') }]);
  });
});
