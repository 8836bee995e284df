// The wallet end to end over loopback HTTP: a card personalised through the bank's admin API loads
// value, pays a web shop (protocol 3), the shop deposits, and the bank's ledger adds up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SW } from '../../src/card/apdu.ts';
import type { EmulatedCard } from '../../src/card/emulator.ts';
import { CardError } from '../../src/card/purse.ts';
import { BankClient } from '../../src/net/bank-client.ts';
import { type BankLink, BankRejectedError, BankUnreachableError } from '../../src/net/bank-link.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { WalletError } from '../../src/wallet/errors.ts';
import {
  type CardholderSigner,
  type PaymentJournal,
  type PendingPayment,
  partySigner,
  Wallet,
} from '../../src/wallet/wallet.ts';
import { CURRENCY, FUNDS, invariants, ledger, MERCHANT_ID, makeWorld, newHolder, PIN, type World } from './support.ts';

let w: World;
beforeAll(async () => {
  w = await makeWorld();
});
afterAll(async () => {
  expect(await invariants(w)).toEqual([]);
  await w?.close();
});

const order = (amount: number) => ({ item: 'book', amount, currency: CURRENCY });

describe('wallet: load, pay a web shop, deposit', () => {
  it('loads, pays, the shop deposits, and the ledger shows the merchant credited and balances that add up', async () => {
    const h = await newHolder(w);
    const approvals: unknown[] = [];
    const before = await ledger(w, h.cardholderId);
    await h.wallet.unlock(PIN);
    expect(await h.wallet.load(10_000)).toEqual({ amount: 10_000, balance: 10_000, resumed: false });
    expect((await ledger(w, h.cardholderId)).cardholder).toBe(before.cardholder - 10_000);

    const wallet = new Wallet({
      card: h.card,
      bank: w.bank,
      bankCertificate: w.bankCertificate,
      anchors: w.anchors,
      cardholder: h.cardholder,
      clock: () => w.clock.now,
      approve: async (s) => {
        approvals.push(s);
        return true;
      },
    });
    const paid = await wallet.payInternet(w.shop, order(2_500));
    expect(paid).toMatchObject({
      status: 'paid',
      purseId: h.purseId,
      serial: 1,
      amount: 2_500,
      currency: CURRENCY,
      merchantId: MERCHANT_ID,
      balance: 7_500,
    });
    expect(approvals).toEqual([
      expect.objectContaining({
        orderId: paid.orderId,
        merchantId: MERCHANT_ID,
        amount: 2_500,
        currency: CURRENCY,
        item: 'book',
      }),
    ]);
    expect(wallet.pendingPayments()).toEqual([]);
    const status = await (await fetch(`${w.shopUrl}/v1/orders/${paid.orderId}`)).json();
    expect(status).toMatchObject({ status: 'paid', checkId: paid.checkId });
    expect(w.book.pending().map((e) => e.record.serial)).toEqual([1]);

    const log = await h.wallet.log();
    expect(log.map((r) => [r.kind, r.amount, r.counterparty])).toEqual([
      ['purchase', 2_500, MERCHANT_ID],
      ['load', 10_000, 'bank-web'],
    ]);

    const deposit = await fetch(`${w.shopUrl}/v1/deposit`, { method: 'POST' });
    expect(deposit.status).toBe(200);
    expect(await deposit.json()).toMatchObject({ credited: 2_500, refused: [] });
    expect(w.book.pending()).toEqual([]);
    const after = await ledger(w, h.cardholderId);
    expect(after.merchant - before.merchant).toBe(2_500);
    expect(after.emoney - before.emoney).toBe(7_500);
    expect(after.cardholder + after.emoney + after.merchant).toBe(before.cardholder + before.emoney + before.merchant);
    expect((await h.wallet.status()).balance).toBe(7_500);
    expect(await invariants(w)).toEqual([]);
  });

  it('wrong PIN: the card refuses with tries left, loads and payments refused until unlocked', async () => {
    const h = await newHolder(w);
    await h.card.select();
    const wrong = await h.wallet.unlock('0000').catch((e) => e);
    expect(wrong).toBeInstanceOf(CardError);
    expect((wrong as CardError).sw & 0xfff0).toBe(SW.pinTries);
    await expect(h.wallet.load(1_000)).rejects.toBeInstanceOf(CardError);
    expect((await h.wallet.status()).pinTries).toBe(2);
    expect((await ledger(w, h.cardholderId)).cardholder).toBe(FUNDS);
    await h.wallet.unlock(PIN);
    expect((await h.wallet.load(1_000)).balance).toBe(1_000);
  });

  it('insufficient funds at the bank and on the card: typed refusals, nothing moved', async () => {
    const h = await newHolder(w, { funds: 3_000 });
    await h.wallet.unlock(PIN);
    const refused = await h.wallet.load(5_000).catch((e) => e);
    expect(refused).toBeInstanceOf(BankRejectedError);
    expect(refused).toMatchObject({ status: 422, kind: 'protocol', code: ErrorCode.InsufficientFunds });
    expect((await ledger(w, h.cardholderId)).cardholder).toBe(3_000);
    expect((await h.wallet.status()).balance).toBe(0);

    expect((await h.wallet.load(2_000)).balance).toBe(2_000);
    const pending = w.book.pending().length;
    const short = await h.wallet.payInternet(w.shop, order(2_001)).catch((e) => e);
    expect(short).toBeInstanceOf(CardError);
    expect((short as CardError).sw).toBe(SW.insufficientFunds);
    expect(w.book.pending().length).toBe(pending);
    expect(await h.wallet.status()).toMatchObject({ balance: 2_000, serial: 0 });
  });

  it('the cardholder declines, or the shop signs another amount: nothing charged', async () => {
    const declining = await newHolder(w, { wallet: { approve: async () => false } });
    await declining.wallet.unlock(PIN);
    await declining.wallet.load(1_000);
    await expect(declining.wallet.payInternet(w.shop, order(100))).rejects.toMatchObject({
      name: 'WalletError',
      code: 'declined',
    });
    const h = await newHolder(w);
    await h.wallet.unlock(PIN);
    await h.wallet.load(1_000);
    const lying = {
      purchase: (o: { item: string; amount: number; currency: string }) =>
        w.shop.purchase({ ...o, amount: o.amount + 1 }),
      pay: w.shop.pay.bind(w.shop),
    };
    await expect(h.wallet.payInternet(lying, order(100))).rejects.toMatchObject({ code: 'offer_mismatch' });
    await expect(
      new Wallet({ card: h.card, bank: w.bank, bankCertificate: w.bankCertificate, anchors: w.anchors }).payInternet(
        w.shop,
        order(100),
      ),
    ).rejects.toMatchObject({ code: 'no_cardholder' });
    expect(await declining.wallet.status()).toMatchObject({ balance: 1_000, serial: 0 });
    expect(await h.wallet.status()).toMatchObject({ balance: 1_000, serial: 0 });
  });
  it('an approval that outlasts the order: refused before the card is charged', async () => {
    const h = await newHolder(w, {
      wallet: {
        approve: async (s) => {
          w.clock.now = s.expiresAt;
          return true;
        },
      },
    });
    await h.wallet.unlock(PIN);
    await h.wallet.load(1_000);
    await expect(h.wallet.payInternet(w.shop, order(100))).rejects.toMatchObject({
      name: 'WalletError',
      code: 'offer_expired',
    });
    expect(await h.wallet.status()).toMatchObject({ balance: 1_000, serial: 0 });
  });
});

describe('wallet: lost replies and the bank unreachable', () => {
  it('bank unreachable: a typed error, nothing changed; the retry resends the same request and credits once', async () => {
    const h = await newHolder(w);
    await h.wallet.unlock(PIN);
    const dead = new BankClient('http://127.0.0.1:1', { timeoutMs: 2_000 });
    const offline = new Wallet({
      card: h.card,
      bank: dead,
      bankCertificate: w.bankCertificate,
      anchors: w.anchors,
      clock: () => w.clock.now,
    });
    const error = await offline.load(4_000).catch((e) => e);
    expect(error).toBeInstanceOf(BankUnreachableError);
    expect((await ledger(w, h.cardholderId)).cardholder).toBe(FUNDS);
    expect(await h.card.outstandingLoads()).toEqual([{ counter: 1, amount: 4_000 }]);
    expect((await h.wallet.status()).balance).toBe(0);
    expect(await h.wallet.load(4_000)).toEqual({ amount: 4_000, balance: 4_000, resumed: true });
    expect(await h.card.outstandingLoads()).toEqual([]);
    expect((await ledger(w, h.cardholderId)).cardholder).toBe(FUNDS - 4_000);
  });

  it('a reply lost after the bank debited: the retry gets the same token, the money moves once', async () => {
    const h = await newHolder(w);
    await h.wallet.unlock(PIN);
    let drop = true;
    const lossy: BankLink = {
      load: async (sealed) => {
        const token = await w.bank.load(sealed);
        if (drop) throw new BankUnreachableError(w.bankUrl, new Error('connection reset'));
        return token;
      },
      deposit: (b) => w.bank.deposit(b),
      refund: (r) => w.bank.refund(r),
      revocationList: () => w.bank.revocationList(),
    };
    const wallet = new Wallet({
      card: h.card,
      bank: lossy,
      bankCertificate: w.bankCertificate,
      anchors: w.anchors,
      clock: () => w.clock.now,
    });
    await expect(wallet.load(6_000)).rejects.toBeInstanceOf(BankUnreachableError);
    expect((await ledger(w, h.cardholderId)).cardholder).toBe(FUNDS - 6_000);
    expect((await h.wallet.status()).balance).toBe(0);
    drop = false;
    expect(await wallet.load(6_000)).toMatchObject({ balance: 6_000, resumed: true });
    expect((await ledger(w, h.cardholderId)).cardholder).toBe(FUNDS - 6_000);
    // A second load of the same amount is a new one (nothing outstanding any more).
    expect(await wallet.load(6_000)).toMatchObject({ balance: 12_000, resumed: false });
    expect((await ledger(w, h.cardholderId)).cardholder).toBe(FUNDS - 12_000);
    expect(await invariants(w)).toEqual([]);
  });

  it('an outstanding request the bank now refuses as expired is left, and a new one loads', async () => {
    const h = await newHolder(w);
    await h.wallet.unlock(PIN);
    const dead = new Wallet({
      card: h.card,
      bank: new BankClient('http://127.0.0.1:1', { timeoutMs: 2_000 }),
      bankCertificate: w.bankCertificate,
      anchors: w.anchors,
      clock: () => w.clock.now,
    });
    await expect(dead.load(800)).rejects.toBeInstanceOf(BankUnreachableError);
    w.clock.now += 301; // past the bank's accepted skew for the old request's time
    expect(await h.wallet.load(800)).toEqual({ amount: 800, balance: 800, resumed: false });
    expect(await h.card.outstandingLoads()).toEqual([{ counter: 1, amount: 800 }]);
    expect((await ledger(w, h.cardholderId)).cardholder).toBe(FUNDS - 800);
  });

  it('recoverLoads sends every outstanding request again (a wallet restarted after lost replies)', async () => {
    const h = await newHolder(w);
    await h.wallet.unlock(PIN);
    const dead = new Wallet({
      card: h.card,
      bank: new BankClient('http://127.0.0.1:1', { timeoutMs: 2_000 }),
      bankCertificate: w.bankCertificate,
      anchors: w.anchors,
      clock: () => w.clock.now,
    });
    await expect(dead.load(100)).rejects.toBeInstanceOf(BankUnreachableError);
    await expect(dead.load(200)).rejects.toBeInstanceOf(BankUnreachableError);
    const recovered = await h.wallet.recoverLoads();
    expect(recovered.map((r) => [r.amount, r.error])).toEqual([
      [100, undefined],
      [200, undefined],
    ]);
    expect((await h.wallet.status()).balance).toBe(300);
    expect((await ledger(w, h.cardholderId)).cardholder).toBe(FUNDS - 300);
  });

  it('wrong envelope: a load request sealed to another bank key is refused, nothing debited', async () => {
    const { certifyBank, createRoot, anchorsOf } = await import('../../src/protocol/pki.ts');
    const h = await newHolder(w);
    await h.wallet.unlock(PIN);
    const otherRoot = createRoot('root-other');
    const other = certifyBank(otherRoot, 'bank-web', { notBefore: w.clock.now - 60, notAfter: w.clock.now + 86_400 });
    const anchors = new Map([...w.anchors, ...anchorsOf(otherRoot)]);
    const misdirected = new Wallet({
      card: h.card,
      bank: w.bank,
      bankCertificate: other.certificate,
      anchors,
      clock: () => w.clock.now,
    });
    const error = await misdirected.load(1_500).catch((e) => e);
    expect(error).toMatchObject({
      name: 'BankRejectedError',
      status: 422,
      kind: 'protocol',
      code: ErrorCode.EnvelopeOpenFailed,
    });
    expect((await ledger(w, h.cardholderId)).cardholder).toBe(FUNDS);
    expect((await h.wallet.status()).balance).toBe(0);
    // A bank certificate under no trusted root is refused before anything is sealed.
    expect(
      () => new Wallet({ card: h.card, bank: w.bank, bankCertificate: other.certificate, anchors: w.anchors }),
    ).toThrow();
  });

  it('a revoked (lost) purse: the bank refuses its loads and the shop, with a fresh revocation list, its checks', async () => {
    const h = await newHolder(w);
    await h.wallet.unlock(PIN);
    await h.wallet.load(5_000);
    expect(await w.bank.reportLost(h.purseId)).toEqual({ purseId: h.purseId, status: 'lost' });
    await expect(h.wallet.load(1_000)).rejects.toMatchObject({ name: 'BankRejectedError', code: ErrorCode.Revoked });
    expect(await w.book.refreshRevocationList()).toBe(true);
    const pending = w.book.pending().length;
    const error = await h.wallet.payInternet(w.shop, order(700)).catch((e) => e);
    expect(error).toBeInstanceOf(WalletError);
    expect(error).toMatchObject({ code: 'payment_incomplete' });
    expect((error as Error).cause).toMatchObject({
      name: 'ShopRejectedError',
      status: 422,
      kind: 'protocol',
      code: ErrorCode.Revoked,
    });
    expect(w.book.pending().length).toBe(pending);
  });
});

describe('wallet: an app-held cardholder signer and payment journal (the browser wallet path)', () => {
  it("a power cut inside INTERNET CHECK at every write: recoverPayment finds the payment in the card's log (paid once) or says not charged; value conserved", async () => {
    const h = await newHolder(w);
    await h.wallet.unlock(PIN);
    await h.wallet.load(20_000);
    const emulator = h.card.reader as EmulatedCard;
    const outcomes = new Set<string>();
    for (let write = 1; write <= 40; write++) {
      const before = (await h.card.status()).balance;
      const paidBefore = w.book.pending().length;
      emulator.cutAtWrite = emulator.writes + write;
      let interrupted = false;
      try {
        await h.wallet.payInternet(w.shop, order(100));
        emulator.cutAtWrite = undefined; // the command needs fewer writes: no more cut points
        expect((await h.card.status()).balance).toBe(before - 100);
        outcomes.add('paid');
        break;
      } catch (error) {
        expect(error).toMatchObject({ code: 'payment_interrupted' });
        interrupted = true;
      }
      expect(interrupted).toBe(true);
      expect(h.wallet.interruptedPayments()).toHaveLength(1);
      await emulator.powerOn(); // the card presented again after the cut
      await h.wallet.unlock(PIN); // a new power cycle: the PIN again
      const r = await h.wallet.recoverPayment(
        w.shop,
        (h.wallet.interruptedPayments()[0] as { orderId: string }).orderId,
      );
      const after = (await h.card.status()).balance;
      if (r.status === 'not charged') {
        expect(after).toBe(before);
        expect(w.book.pending().length).toBe(paidBefore);
      } else {
        expect(r).toMatchObject({ status: 'paid', amount: 100, balance: before - 100 });
        expect(after).toBe(before - 100);
        expect(w.book.pending().length).toBe(paidBefore + 1);
      }
      outcomes.add(r.status);
      expect(h.wallet.interruptedPayments()).toEqual([]);
    }
    expect([...outcomes].sort()).toEqual(['not charged', 'paid']);
    const status = await h.card.status();
    expect(BigInt(status.balance) + status.spentTotal).toBe(status.loadedTotal);
  });

  it('signs through cardholderSigner, journals the payment before it is sent, resumes it from the journal in a new wallet', async () => {
    const h = await newHolder(w);
    await h.wallet.unlock(PIN);
    await h.wallet.load(3_000);
    const events: string[] = [];
    const kept = new Map<string, PendingPayment>();
    const inner = partySigner(h.cardholder, w.anchors);
    const signer: CardholderSigner = {
      id: h.cardholderId,
      approveAndSeal: async (d, now) => {
        events.push('sign');
        return inner.approveAndSeal(d, now);
      },
    };
    const journal: PaymentJournal = {
      signed: async (p) => {
        events.push(`kept ${p.orderId}`);
        kept.set(p.orderId, p);
      },
      confirmed: async (p, c) => {
        events.push(`confirmed ${c.checkId}`);
        kept.delete(p.orderId);
      },
    };
    // The shop takes the check, its answer is lost: the journal holds the payment.
    let cut = true;
    const flaky = {
      purchase: w.shop.purchase.bind(w.shop),
      pay: async (id: string, sealed: Uint8Array) => {
        const r = await w.shop.pay(id, sealed);
        if (cut) throw new Error('connection reset');
        return r;
      },
    };
    const app = {
      card: h.card,
      bank: w.bank,
      bankCertificate: w.bankCertificate,
      anchors: w.anchors,
      clock: () => w.clock.now,
      cardholderSigner: signer,
      journal,
    };
    const error = await new Wallet({
      ...app,
      approve: async (s) => {
        events.push(`approve ${s.bankId}`);
        return true;
      },
    })
      .payInternet(flaky, order(1_200))
      .catch((e) => e);
    expect(error).toMatchObject({ name: 'WalletError', code: 'payment_incomplete' });
    const [orderId] = [...kept.keys()];
    expect(events).toEqual([`approve ${w.service.bank.id}`, 'sign', `kept ${orderId}`]);
    const pending = kept.get(orderId as string) as PendingPayment;
    expect(pending).toMatchObject({
      orderId,
      item: 'book',
      amount: 1_200,
      currency: CURRENCY,
      merchantId: MERCHANT_ID,
      serial: 1,
    });
    expect(await h.card.status()).toMatchObject({ balance: 1_800, serial: 1 });

    // A new wallet (the page reloaded) sends the journalled payment; the shop confirms that check once.
    cut = false;
    const resumed = await new Wallet(app).resumePayment(flaky, pending);
    expect(resumed).toMatchObject({ orderId, checkId: pending.checkId, merchantId: MERCHANT_ID, balance: 1_800 });
    expect(events.at(-1)).toBe(`confirmed ${pending.checkId}`);
    expect(kept.size).toBe(0);
    expect(await (await fetch(`${w.shopUrl}/v1/orders/${orderId}`)).json()).toMatchObject({
      status: 'paid',
      checkId: pending.checkId,
    });
  });

  it('a journal that cannot keep the payment stops the send; a slip that does not verify is offer_invalid, nothing charged', async () => {
    const h = await newHolder(w);
    await h.wallet.unlock(PIN);
    await h.wallet.load(1_000);
    let sent = 0;
    const counting = {
      purchase: w.shop.purchase.bind(w.shop),
      pay: (id: string, s: Uint8Array) => {
        sent++;
        return w.shop.pay(id, s);
      },
    };
    const full: PaymentJournal = {
      signed: async () => {
        throw new Error('quota exceeded');
      },
      confirmed: async () => undefined,
    };
    const wallet = new Wallet({
      card: h.card,
      bank: w.bank,
      bankCertificate: w.bankCertificate,
      anchors: w.anchors,
      cardholder: h.cardholder,
      clock: () => w.clock.now,
      journal: full,
    });
    const error = await wallet.payInternet(counting, order(300)).catch((e) => e);
    expect(error).toMatchObject({ code: 'payment_incomplete', pending: { amount: 300, serial: 1 } });
    expect((error as Error).message).toMatch(/could not be kept, so it was not sent: quota exceeded/);
    expect(sent).toBe(0);
    expect(wallet.pendingPayments().map((p) => p.serial)).toEqual([1]);

    const tampered = {
      purchase: async (o: { item: string; amount: number; currency: string }) => {
        const offer = await w.shop.purchase(o);
        const slip = offer.slip.slice();
        slip[slip.length - 1]! ^= 1;
        return { ...offer, slip };
      },
      pay: counting.pay,
    };
    const bad = await h.wallet.payInternet(tampered, order(100)).catch((e) => e);
    expect(bad).toMatchObject({ name: 'WalletError', code: 'offer_invalid' });
    expect((bad as Error).cause).toMatchObject({ name: 'ProtocolError', code: ErrorCode.BadSignature });
    expect(await h.card.status()).toMatchObject({ balance: 700, serial: 1 });
    expect(sent).toBe(0);
  });
});
