// The shop's accepted checks are durable: after a restart (a new book read from the same journal
// directory, a new server) they are still owed, then deposited and credited once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCheckStore } from '../../src/merchant/file-store.ts';
import { MerchantBook } from '../../src/merchant/index.ts';
import { ShopClient } from '../../src/net/shop-client.ts';
import { createShopServer } from '../../src/shop/server.ts';
import { CURRENCY, invariants, ledger, listen, makeWorld, newHolder, PIN, type World } from '../wallet/support.ts';

let w: World;
const dir = mkdtempSync(join(tmpdir(), 'shop-journal-'));
beforeAll(async () => {
  w = await makeWorld();
});
afterAll(async () => {
  expect(await invariants(w)).toEqual([]);
  await w?.close();
  rmSync(dir, { recursive: true, force: true });
});

const openBook = () =>
  MerchantBook.open({
    merchant: w.merchant,
    bankCertificate: w.bankCertificate,
    anchors: w.anchors,
    store: new FileCheckStore(dir),
    bank: w.bank,
    clock: () => w.clock.now,
  });

describe('web shop journal', () => {
  it('paid checks survive a restart and are deposited once', async () => {
    const h = await newHolder(w);
    await h.wallet.unlock(PIN);
    await h.wallet.load(5_000);
    const before = await ledger(w, h.cardholderId);

    const book = await openBook();
    const app = await createShopServer({ book, clock: () => w.clock.now });
    const shop = new ShopClient(await listen(app));
    const a = await h.wallet.payInternet(shop, { item: 'pen', amount: 1_200, currency: CURRENCY });
    const b = await h.wallet.payInternet(shop, { item: 'ink', amount: 300, currency: CURRENCY });
    await app.close(); // the shop goes away without depositing

    const reopened = await openBook();
    expect(reopened.pending().map((e) => [e.record.purseId, e.record.serial, e.record.amount])).toEqual([
      [h.purseId, a.serial, 1_200],
      [h.purseId, b.serial, 300],
    ]);
    const again = await createShopServer({ book: reopened, clock: () => w.clock.now });
    try {
      const url = await listen(again);
      // Orders lived in memory: the old order is unknown to the new process.
      const old = await fetch(`${url}/v1/orders/${a.orderId}`);
      expect(old.status).toBe(404);
      const report = (await (await fetch(`${url}/v1/deposit`, { method: 'POST' })).json()) as { credited: number };
      expect(report.credited).toBe(1_500);
      const second = (await (await fetch(`${url}/v1/deposit`, { method: 'POST' })).json()) as { credited: number };
      expect(second.credited).toBe(0);
    } finally {
      await again.close();
    }
    const after = await ledger(w, h.cardholderId);
    expect(after.merchant - before.merchant).toBe(1_500);
    expect(before.emoney - after.emoney).toBe(1_500);
  });
});
