// The whole system in one test, over loopback HTTP: a bank (BankService + HTTP API) on PGlite and,
// with DATABASE_URL, on PostgreSQL; a web shop and a POS terminal (each its own merchant book); a
// card personalised through the bank and its cardholder's wallet. Load, offline spend, Internet
// spend, capture — with the card, the books and the bank's ledger checked after every step.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519, x25519 } from '../../bindings/index.ts';
import { audit } from '../../src/bank/audit/index.ts';
import { balance, checkInvariants } from '../../src/bank/ledger.ts';
import { FileCheckStore } from '../../src/merchant/file-store.ts';
import { MerchantBook, Terminal } from '../../src/merchant/index.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { DRIVERS, freshDatabase } from '../bank/support.ts';
import { CURRENCY, FUNDS, type Holder, MERCHANT_ID, makeWorld, newHolder, PIN, type World } from '../wallet/support.ts';

describe.each(DRIVERS)('the whole system on $driver', ({ driver, skip, reason }) => {
  let w: World;
  let holder: Holder;
  let till: Terminal;
  let cafe: MerchantBook;
  let dir: string;

  beforeAll(async () => {
    if (skip) return;
    w = await makeWorld({ db: (await freshDatabase(driver)).db });
    holder = await newHolder(w);
    // The POS merchant: its own keys, certified by the bank; its journal on disk (fsync).
    const sign = ed25519.keygen();
    const kx = x25519.keygen();
    const registered = await w.bank.registerMerchant('cafe', { signingKey: sign.publicKey, kxKey: kx.publicKey });
    const merchant: Party = {
      id: 'cafe',
      secretKey: sign.secretKey,
      publicKey: sign.publicKey,
      certificate: registered.certificate,
      kx,
    };
    dir = mkdtempSync(join(tmpdir(), 'smartcheck-e2e-'));
    cafe = await MerchantBook.open({
      merchant,
      bankCertificate: registered.bankCertificate,
      anchors: w.anchors,
      store: new FileCheckStore(dir),
      bank: w.bank,
      clock: () => w.clock.now,
      policy: { currency: CURRENCY, revocationMaxAgeS: 86_400 },
    });
    await cafe.refreshRevocationList();
    till = new Terminal(cafe, { terminalId: 'T-1' });
  });
  afterAll(async () => {
    if (skip) return;
    await w?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Everything the test knows about the money, read from the component that holds it. */
  const books = async () => {
    const status = await holder.card.status();
    return {
      account: await balance(w.db, 'cardholder', holder.cardholderId, CURRENCY),
      card: status.balance,
      emoney: await balance(w.db, 'emoney', w.service.bank.id, CURRENCY),
      cafe: await balance(w.db, 'merchant', 'cafe', CURRENCY),
      shop: await balance(w.db, 'merchant', MERCHANT_ID, CURRENCY),
      cafePending: cafe.pendingAmount(),
      shopPending: w.book.pendingAmount(),
    };
  };
  const conserved = async () => {
    const b = await books();
    // Value never created or lost: the account, the card, the checks not yet deposited and the
    // merchants' credit always add up to what was paid in; the e-money liability is what the card
    // holds plus what merchants hold and have not deposited.
    expect(b.account + b.card + b.cafePending + b.shopPending + b.cafe + b.shop).toBe(FUNDS);
    expect(b.emoney).toBe(b.card + b.cafePending + b.shopPending);
    expect((await checkInvariants(w.db)).violations).toEqual([]);
    return b;
  };

  it.skipIf(skip)(
    `load, offline spend, Internet spend, capture, checked at every step${skip ? ` (${reason})` : ''}`,
    async () => {
      expect(await conserved()).toMatchObject({ account: FUNDS, card: 0, emoney: 0 });

      await holder.wallet.unlock(PIN);
      expect(await holder.wallet.load(30_000)).toMatchObject({ balance: 30_000 });
      expect(await conserved()).toMatchObject({ account: FUNDS - 30_000, card: 30_000, emoney: 30_000 });

      // Offline at the POS: the bank sees nothing until the deposit.
      for (const amount of [1_200, 800, 2_000]) await till.sell(holder.card, amount);
      expect(await conserved()).toMatchObject({ card: 26_000, cafePending: 4_000, cafe: 0, emoney: 30_000 });

      // On the Internet through the web shop.
      const paid = await holder.wallet.payInternet(w.shop, { item: 'book', amount: 2_500, currency: CURRENCY });
      expect(paid).toMatchObject({ status: 'paid', balance: 23_500 });
      expect(await conserved()).toMatchObject({ card: 23_500, shopPending: 2_500, shop: 0 });

      // Capture: both merchants deposit; the same deposit again changes nothing.
      expect((await cafe.deposit()).credited).toBe(4_000);
      expect(await conserved()).toMatchObject({ cafe: 4_000, cafePending: 0, emoney: 26_000 });
      expect((await w.book.deposit()).credited).toBe(2_500);
      expect(await conserved()).toMatchObject({ shop: 2_500, shopPending: 0, emoney: 23_500, card: 23_500 });
      expect((await cafe.deposit()).credited).toBe(0);
      expect(await conserved()).toMatchObject({ cafe: 4_000, shop: 2_500 });

      const report = await audit(w.db, w.service.bank);
      expect(report.differences).toEqual([]);
      expect(report.ok).toBe(true);
    },
    120_000,
  );
});
