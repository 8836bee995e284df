// The issue-14 journey end to end over loopback HTTP: banks A and B of one scheme, each issuing and
// acquiring, each its own BankService and database (PGlite; with DATABASE_URL, PostgreSQL). A card
// of A, loaded by A, pays a POS and a web shop of B and a POS and a web shop of A; every merchant
// deposits through its own bank's HTTP API; B presents A's checks to A, A answers, B credits its
// merchants; the operator closes the settlement cycle; both banks' statements agree and the
// scheme's nets sum to 0; both ledgers hold their invariants and both audits are clean; the value
// the card was loaded with is exactly what the card kept plus what the four merchants were paid.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519, x25519 } from '../../bindings/index.ts';
import { audit } from '../../src/bank/audit/index.ts';
import { createCredential } from '../../src/bank/back-office/credentials.ts';
import type { Database } from '../../src/bank/db.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { balance, checkInvariants } from '../../src/bank/ledger.ts';
import type { PeerBank } from '../../src/bank/relay.ts';
import { createScheme } from '../../src/bank/scheme.ts';
import { buildServer } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { PurseCard } from '../../src/card/purse.ts';
import { MemoryCheckStore, MerchantBook, Terminal } from '../../src/merchant/index.ts';
import { BankClient } from '../../src/net/bank-client.ts';
import { ShopClient } from '../../src/net/shop-client.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { BankRole } from '../../src/protocol/registry.ts';
import { checkSchemePositions } from '../../src/protocol/settlement-scheme.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import { createShopServer } from '../../src/shop/server.ts';
import { issueCard } from '../../src/wallet/issue.ts';
import { Wallet } from '../../src/wallet/wallet.ts';
import { DRIVERS, freshDatabase } from '../bank/support.ts';
import { CURRENCY, LIMITS, listen, PIN } from '../wallet/support.ts';

interface BankNode {
  id: string;
  db: Database;
  service: BankService;
  app: FastifyInstance;
  peers: PeerBank[];
  url: string;
  client: BankClient;
}

describe.each(DRIVERS)('a card of bank A pays merchants of A and of B ($driver)', ({ driver, skip, reason }) => {
  const clock = { now: Math.floor(Date.now() / 1000) };
  const scheme = createScheme('SCHEME-TWO-BANKS');
  const anchors = scheme.anchors;
  let a: BankNode;
  let b: BankNode;
  const shops: FastifyInstance[] = [];

  async function startBank(id: string): Promise<BankNode> {
    const { db } = await freshDatabase(driver);
    // The peer's address is known once it listens: filled in below.
    const peers: PeerBank[] = [{ bankId: id === 'BANK-A' ? 'BANK-B' : 'BANK-A', url: '' }];
    const service = await BankService.open(db, createInThreadVerifier(), {
      bankId: id,
      keys: memoryKeyStore(),
      clock: () => clock.now,
      scheme: scheme.member(BankRole.Issuer | BankRole.Acquirer),
      peers,
      peerRefreshS: 0,
      // Sent when the test says: the merchants first see their foreign checks presented.
      presentEveryS: 3_600,
    });
    const app = await buildServer(service);
    const url = await listen(app);
    const { token } = await createCredential(db, { name: 'two banks e2e', roles: ['operator', 'issuer'] });
    return { id, db, service, app, peers, url, client: new BankClient(url, { timeoutMs: 5_000, token }) };
  }

  /** A merchant banking at `bank`: keys certified over HTTP, its book, its lists refreshed. */
  async function merchantAt(bank: BankNode, id: string): Promise<MerchantBook> {
    const sign = ed25519.keygen();
    const kx = x25519.keygen();
    const cert = await bank.client.registerMerchant(id, { signingKey: sign.publicKey, kxKey: kx.publicKey });
    const book = await MerchantBook.open({
      merchant: { id, secretKey: sign.secretKey, publicKey: sign.publicKey, certificate: cert.certificate, kx },
      bankCertificate: cert.bankCertificate,
      anchors,
      store: new MemoryCheckStore(),
      bank: bank.client,
      clock: () => clock.now,
      policy: { currency: CURRENCY, revocationMaxAgeS: 3_600 },
    });
    expect(await book.refreshRevocationList()).toBe(true);
    return book;
  }

  /** A web shop over `book`, served on loopback; its client. */
  async function shopOf(book: MerchantBook): Promise<ShopClient> {
    const app = await createShopServer({ book, clock: () => clock.now });
    shops.push(app);
    return new ShopClient(await listen(app));
  }

  beforeAll(async () => {
    if (skip) return;
    a = await startBank('BANK-A');
    b = await startBank('BANK-B');
    (a.peers[0] as PeerBank).url = b.url;
    (b.peers[0] as PeerBank).url = a.url;
  });
  afterAll(async () => {
    if (skip) return;
    for (const app of shops) await app.close();
    for (const node of [b, a]) {
      await node?.app.close();
      await node?.db.close();
    }
  });

  it.skipIf(skip)(
    `POS and web shop at both banks, capture, presentment, settlement, both audits clean${skip ? ` (${reason})` : ''}`,
    async () => {
      // The cardholder banks at A: a card issued and loaded by A (loading stays with the card's bank).
      const holderKeys = ed25519.keygen();
      const registered = await a.client.registerCardholder('alice', { signingKey: holderKeys.publicKey });
      await a.client.fund('alice', 100_000, CURRENCY);
      const card = new PurseCard(await EmulatedCard.create());
      const purse = await issueCard(card, a.client, {
        purseId: 'P-A1',
        cardholderId: 'alice',
        limits: LIMITS,
        pin: PIN,
      });
      const wallet = new Wallet({
        card,
        bank: a.client,
        bankCertificate: purse.bankCertificate,
        anchors,
        cardholder: { id: 'alice', secretKey: holderKeys.secretKey, certificate: registered.certificate as Uint8Array },
        clock: () => clock.now,
      });
      await wallet.unlock(PIN);
      expect(await wallet.load(30_000)).toMatchObject({ balance: 30_000 });

      // Four merchants: a POS and a web shop at each bank. B's terminal holds A's list, relayed by B.
      const taxiB = await merchantAt(b, 'taxi-b');
      const shopB = await merchantAt(b, 'shop-b');
      const kioskA = await merchantAt(a, 'kiosk-a');
      const shopA = await merchantAt(a, 'shop-a');
      expect(taxiB.revocationLists.map((l) => l.body.bankId).sort()).toEqual(['BANK-A', 'BANK-B']);

      // Offline at both POS, on the Internet at both shops.
      const sales = [
        await new Terminal(taxiB, { terminalId: 'TAXI-B' }).sell(card, 2_400),
        await new Terminal(kioskA, { terminalId: 'KIOSK-A' }).sell(card, 1_300),
      ];
      for (const sale of sales) expect(sale.verdict).toMatchObject({ decision: 'accept', genuine: true });
      for (const [shop, amount] of [
        [shopB, 1_100],
        [shopA, 900],
      ] as const)
        expect(
          await wallet.payInternet(await shopOf(shop), { item: 'ticket', amount, currency: CURRENCY }),
        ).toMatchObject({
          status: 'paid',
        });
      expect((await card.status()).balance).toBe(30_000 - 2_400 - 1_300 - 1_100 - 900);

      // Capture: A books its own card's checks at once; B presents A's (337, nothing credited yet).
      for (const [book, amount] of [
        [kioskA, 1_300],
        [shopA, 900],
      ] as const)
        expect((await book.deposit()).outcomes).toEqual([
          expect.objectContaining({ status: 'deposited', code: 0, credited: amount }),
        ]);
      for (const book of [taxiB, shopB])
        expect((await book.deposit()).outcomes).toEqual([
          expect.objectContaining({ status: 'presented', code: ErrorCode.PresentedToIssuer, credited: 0 }),
        ]);
      expect(taxiB.presentedAmount() + shopB.presentedAmount()).toBe(3_500);

      // B presents to A over HTTP; A answers; B credits; the merchants learn it from the same batch.
      await b.service.sendPresentments();
      expect(await balance(b.db, 'merchant', 'taxi-b', CURRENCY)).toBe(2_400);
      expect(await balance(b.db, 'merchant', 'shop-b', CURRENCY)).toBe(1_100);
      expect(await balance(a.db, 'interbank', 'BANK-B', CURRENCY)).toBe(3_500);
      expect(await balance(b.db, 'interbank', 'BANK-A', CURRENCY)).toBe(-3_500);
      for (const [book, amount] of [
        [taxiB, 2_400],
        [shopB, 1_100],
      ] as const) {
        expect((await book.deposit()).credited).toBe(amount);
        expect(book.presentedAmount()).toBe(0);
      }

      // Settlement: the operator closes the cycle at B; both statements agree, the nets sum to 0.
      expect(await b.client.closeSettlement()).toEqual([{ bankId: 'BANK-A', cycle: 1 }]);
      const statementOf = async (node: BankNode) =>
        new Uint8Array(
          (
            await node.db.query<{ statement: Uint8Array }>(
              "select statement from settlement_cycles where status = 'agreed' order by cycle",
            )
          )[0]?.statement as Uint8Array,
        );
      const positions = checkSchemePositions([await statementOf(a), await statementOf(b)], { anchors, now: clock.now });
      expect(Object.fromEntries(positions.banks.get('BANK-A') ?? [])).toEqual({ [CURRENCY]: 3_500 });
      expect(Object.fromEntries(positions.banks.get('BANK-B') ?? [])).toEqual({ [CURRENCY]: -3_500 });
      for (const [node, other] of [
        [a, b],
        [b, a],
      ] as const)
        expect(await balance(node.db, 'interbank', other.id, CURRENCY)).toBe(0);

      // Value conserved across the scheme: what the card was loaded with = what it kept + what the
      // four merchants were paid; nothing is left presented or pending anywhere.
      const paid =
        (await balance(a.db, 'merchant', 'kiosk-a', CURRENCY)) +
        (await balance(a.db, 'merchant', 'shop-a', CURRENCY)) +
        (await balance(b.db, 'merchant', 'taxi-b', CURRENCY)) +
        (await balance(b.db, 'merchant', 'shop-b', CURRENCY));
      expect(paid + (await card.status()).balance).toBe(30_000);
      for (const book of [taxiB, shopB, kioskA, shopA]) expect(book.pendingAmount() + book.presentedAmount()).toBe(0);

      for (const node of [a, b]) {
        expect((await checkInvariants(node.db)).violations).toEqual([]);
        const report = await audit(node.db, node.service.bank);
        expect(report.differences).toEqual([]);
        expect(report.ok).toBe(true);
      }
    },
    120_000,
  );
});
