// The embeddable browser wallet (createBrowserWallet) in Node: IndexedDB is fake-indexeddb and the
// cardholder's crypto runs in this thread (the same object the page's Web Worker serves). The
// whole first start against a real bank and shop over loopback HTTP, then a "reload".
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankClient } from '../../src/net/bank-client.ts';
import { ShopClient } from '../../src/net/shop-client.ts';
import { type BrowserWalletOptions, cardholderCrypto, createBrowserWallet } from '../../src/wallet/index.ts';
import { CURRENCY, LIMITS, MERCHANT_ID, makeWorld, PIN, type World } from './support.ts';

let w: World;
beforeAll(async () => {
  w = await makeWorld();
});
afterAll(async () => {
  await w?.close();
});

const options = (approved: string[]): BrowserWalletOptions => ({
  crypto: cardholderCrypto(),
  clock: () => w.clock.now,
  approve: async (slip) => {
    approved.push(`${slip.amount} ${slip.currency} ${slip.merchantId} ${slip.item}`);
    return true;
  },
});

describe('createBrowserWallet', () => {
  it('sets up the card, loads, pays with approval, and opens again after a reload', async () => {
    const approved: string[] = [];
    const first = await createBrowserWallet(options(approved));
    expect(first.wallet).toBeUndefined();
    expect(first.settings).toBeUndefined();
    await expect(first.resendUnconfirmed()).rejects.toThrow('the card is not set up');

    // The bank opens the account and sends the cardholder a one-time activation code.
    await w.bank.registerCardholder('web-holder');
    const { code } = await w.bank.issueActivationCode('web-holder', { limits: LIMITS });
    // The page's bank client has no back-office credential: the code alone enrols the card.
    const wallet = await first.setUp({ bank: new BankClient(w.bankUrl), pin: PIN, activationCode: code });
    const s = first.settings;
    expect(s).toMatchObject({ bankUrl: w.bankUrl, bankId: 'bank-web', currency: CURRENCY, cardholderId: 'web-holder' });
    expect(s?.purseId).toMatch(/^purse-web-[0-9a-f]{12}$/);
    expect(await first.crypto.cardholderId()).toBe(s?.cardholderId);

    await w.bank.fund(s?.cardholderId as string, 10_000, CURRENCY);
    expect(await wallet.load(5_000)).toMatchObject({ amount: 5_000, resumed: false });
    const paid = await wallet.payInternet(new ShopClient(w.shopUrl), {
      item: 'book',
      amount: 1_250,
      currency: CURRENCY,
    });
    expect(paid).toMatchObject({ status: 'paid', amount: 1_250, merchantId: MERCHANT_ID, balance: 3_750 });
    expect(approved).toEqual([`1250 ${CURRENCY} ${MERCHANT_ID} book`]);
    expect(await first.payments()).toMatchObject([
      { serial: paid.serial, checkId: paid.checkId, shopUrl: w.shopUrl, status: 'paid' },
    ]);
    expect(await first.resendUnconfirmed()).toEqual([]);

    // A reload: the card, the settings and the cardholder key come back from IndexedDB.
    const again = await createBrowserWallet(options([]));
    expect(again.settings).toEqual(s);
    expect((await again.card.status()).balance).toBe(3_750);
    await again.wallet?.unlock(PIN);
    expect((await again.wallet?.log())?.map((r) => [r.kind, r.amount])).toEqual([
      ['purchase', 1_250],
      ['load', 5_000],
    ]);
  });

  it('needs a worker or the crypto itself', async () => {
    await expect(createBrowserWallet({ approve: async () => false })).rejects.toThrow(TypeError);
  });
});
