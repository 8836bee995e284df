// cancelLast: the merchant refunds the last sale to the card and the check is voided, never
// deposited; a crash or a lost reply between the steps neither creates nor loses value. The next
// deposit sends the refund to the bank (once answered, never again), which then refuses the check.
import { beforeAll, describe, expect, it } from 'vitest';
import { type CardPort, MemoryCheckStore, Terminal } from '../../src/merchant/index.ts';
import { BankUnreachableError } from '../../src/net/bank-link.ts';
import { makeDeposit } from '../../src/protocol/capture.ts';
import { ErrorCode, makeRefund, sealRefund, verifyCheck } from '../../src/protocol/index.ts';
import { balanceOf, makeWorld, NOW, newCard, openBook, portOf, type World } from './support.ts';

let w: World;
beforeAll(async () => {
  w = await makeWorld();
});

class Crash extends Error {}

describe('cancel last', () => {
  it('refunds the card, voids the check, and the deposit leaves it out', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 60_000 });
    const store = new MemoryCheckStore();
    const book = await openBook(w, store);
    const terminal = new Terminal(book, { terminalId: 'T-V' });
    const kept = await terminal.sell(rig.card, 5_000);
    const sale = await terminal.sell(rig.card, 20_000);
    expect(await balanceOf(rig.card)).toBe(35_000);
    const cancelled = await terminal.cancelLast(rig.card);
    expect(cancelled).toMatchObject({ amount: 20_000, balance: 55_000 });
    expect(Buffer.from(cancelled.checkHash).equals(Buffer.from(sale.checkHash))).toBe(true);
    expect(await balanceOf(rig.card)).toBe(55_000);
    expect(book.entry(sale.checkHash)).toMatchObject({ status: 'voided', voidReason: 'refunded to the card' });
    expect(book.pending().map((e) => e.record.serial)).toEqual([kept.serial]);
    // cancelling again: the last sale is voided
    await expect(terminal.cancelLast(rig.card)).rejects.toMatchObject({ kind: 'not_cancellable' });
    const before = await w.merchantBalance();
    const report = await book.deposit();
    expect(report.outcomes.map((o) => o.serial)).toEqual([kept.serial]);
    expect(await w.merchantBalance()).toBe(before + 5_000);
    // the void survives a restart
    expect((await openBook(w, store)).entry(sale.checkHash)?.status).toBe('voided');
    expect(await w.invariants()).toEqual([]);
  });

  it('the next deposit sends the refund: recorded at the bank, which then refuses the check (322); a lost reply sends it again', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 60_000 });
    const store = new MemoryCheckStore();
    let sent = 0;
    let drop = true;
    const book = await openBook(w, store, undefined, {
      ...w.link,
      refund: async (sealed) => {
        sent += 1;
        const answer = await w.link.refund(sealed);
        if (drop) throw new BankUnreachableError('in-process', new Error('reply lost'));
        return answer;
      },
    });
    const terminal = new Terminal(book, { terminalId: 'T-R1' });
    const sale = await terminal.sell(rig.card, 3_000);
    await terminal.cancelLast(rig.card);
    expect(book.pendingRefunds().map((e) => e.record.serial)).toEqual([sale.serial]);
    await expect(book.deposit()).rejects.toMatchObject({ kind: 'bank_unreachable' });
    expect(book.pendingRefunds()).toHaveLength(1);
    drop = false;
    const report = await book.deposit();
    expect(report.refunds).toEqual([
      {
        checkHash: sale.checkHash,
        purseId: sale.purseId,
        serial: sale.serial,
        amount: 3_000,
        outcome: 'recorded',
        code: 0,
        debited: 0,
      },
    ]);
    expect(book.pendingRefunds()).toEqual([]);
    expect((await book.deposit()).refunds).toEqual([]);
    expect(sent).toBe(2);
    // the answer survives a restart: not sent again
    expect((await openBook(w, store)).pendingRefunds()).toEqual([]);
    // the refunded check deposited anyway (outside the book) is refused, never credited
    const before = await w.merchantBalance();
    const check = book.entry(sale.checkHash)?.record.check as Uint8Array;
    const again = await w.service.deposit(
      makeDeposit(w.merchant, w.bank.party.certificate, [check], crypto.getRandomValues(new Uint8Array(16)), NOW),
    );
    expect(again.outcomes).toEqual([{ code: ErrorCode.CheckRefunded, credited: 0 }]);
    expect(await w.merchantBalance()).toBe(before);
    expect(await w.invariants()).toEqual([]);
  });

  it('a refund the bank refuses is reported with its code and not sent again', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 60_000 });
    const book = await openBook(w);
    const terminal = new Terminal(book, { terminalId: 'T-R2' });
    const sale = await terminal.sell(rig.card, 2_000);
    await terminal.cancelLast(rig.card);
    // the same merchant's other refund of that check is already at the bank: this one is 316
    const entry = book.entry(sale.checkHash);
    const verified = verifyCheck(entry?.record.check as Uint8Array, { anchors: w.bank.anchors, now: NOW });
    await w.service.refund(sealRefund(w.bank.party.certificate, makeRefund(w.merchant, verified, NOW + 99)));
    const report = await book.deposit();
    expect(report.refunds).toMatchObject([{ outcome: 'refused', code: ErrorCode.RefundAlreadyApplied }]);
    expect(book.pendingRefunds()).toEqual([]);
    expect((await book.deposit()).refunds).toEqual([]);
  });

  it('a deposited sale cannot be cancelled', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 60_000 });
    const book = await openBook(w);
    const terminal = new Terminal(book, { terminalId: 'T-V2' });
    await terminal.sell(rig.card, 1_000);
    await book.deposit();
    await expect(terminal.cancelLast(rig.card)).rejects.toMatchObject({ kind: 'not_cancellable' });
    expect(await balanceOf(rig.card)).toBe(59_000);
  });

  it('the card refuses the refund (it paid someone else since): the sale stands and is deposited', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 60_000 });
    const book = await openBook(w);
    const otherShop = await openBook(w, new MemoryCheckStore(), { currency: 'EUR' });
    const terminal = new Terminal(book, { terminalId: 'T-V3' });
    const sale = await terminal.sell(rig.card, 7_000);
    // the same card pays at another terminal of another book (same merchant keys, separate journal)
    await new Terminal(otherShop, { terminalId: 'T-ELSE' }).sell(rig.card, 1_000);
    const error = await terminal.cancelLast(rig.card).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'card_refused', code: ErrorCode.UnknownCheck });
    expect(book.entry(sale.checkHash)?.status).toBe('pending');
    expect(await balanceOf(rig.card)).toBe(52_000);
    const before = await w.merchantBalance();
    expect((await book.deposit()).credited).toBe(7_000);
    expect(await w.merchantBalance()).toBe(before + 7_000);
  });

  it('a crash after the refund was journalled and before the card saw it: held, not deposited, then completed', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 60_000 });
    const store = new MemoryCheckStore();
    const book = await openBook(w, store);
    const sale = await new Terminal(book, { terminalId: 'T-V4' }).sell(rig.card, 9_000);
    const dead: CardPort = {
      ...portOf(rig.card),
      refund: async () => {
        throw new Crash('terminal died');
      },
    };
    await expect(new Terminal(book, { terminalId: 'T-V4' }).cancelLast(dead)).rejects.toMatchObject({
      kind: 'card_interrupted',
    });

    const restarted = new Terminal(await openBook(w, store), { terminalId: 'T-V4' });
    expect(restarted.book.entry(sale.checkHash)?.status).toBe('held');
    expect((await restarted.book.deposit()).batches).toEqual([]); // held checks are not deposited
    expect(await balanceOf(rig.card)).toBe(51_000);
    expect(await restarted.cancelLast(rig.card)).toMatchObject({ amount: 9_000, balance: 60_000 });
    expect(restarted.book.entry(sale.checkHash)?.status).toBe('voided');
  });

  it('a lost reply after the card credited the refund: the retry sees "already refunded" and voids, credited once', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 60_000 });
    const store = new MemoryCheckStore();
    const book = await openBook(w, store);
    const sale = await new Terminal(book, { terminalId: 'T-V5' }).sell(rig.card, 9_000);
    const lossy: CardPort = {
      ...portOf(rig.card),
      refund: async (r, n) => {
        await rig.card.refund(r, n);
        throw new Crash('card pulled out before the answer');
      },
    };
    await expect(new Terminal(book, { terminalId: 'T-V5' }).cancelLast(lossy)).rejects.toMatchObject({
      kind: 'card_interrupted',
    });
    expect(await balanceOf(rig.card)).toBe(60_000);

    const restarted = new Terminal(await openBook(w, store), { terminalId: 'T-V5' });
    expect(restarted.book.entry(sale.checkHash)?.status).toBe('held');
    const done = await restarted.cancelLast(rig.card);
    expect(done.amount).toBe(9_000);
    expect(done.balance).toBeUndefined();
    expect(await balanceOf(rig.card)).toBe(60_000); // not credited twice
    expect(restarted.book.entry(sale.checkHash)?.status).toBe('voided');
    expect((await restarted.book.deposit()).batches).toEqual([]);
  });

  it('a held refund whose card since paid elsewhere: the log shows it was credited → void; or not → release', async () => {
    w.now = NOW;
    for (const creditedFirst of [true, false]) {
      const rig = await newCard(w, { loadAmount: 60_000 });
      const store = new MemoryCheckStore();
      const book = await openBook(w, store);
      const sale = await new Terminal(book, { terminalId: 'T-V6' }).sell(rig.card, 4_000);
      const cut: CardPort = {
        ...portOf(rig.card),
        refund: async (r, n) => {
          if (creditedFirst) await rig.card.refund(r, n);
          throw new Crash('lost');
        },
      };
      await expect(new Terminal(book, { terminalId: 'T-V6' }).cancelLast(cut)).rejects.toMatchObject({
        kind: 'card_interrupted',
      });
      await new Terminal(await openBook(w), { terminalId: 'T-ELSE' }).sell(rig.card, 1_000);
      const restarted = new Terminal(await openBook(w, store), { terminalId: 'T-V6' });
      if (creditedFirst) {
        expect(await restarted.cancelLast(rig.card)).toMatchObject({ amount: 4_000 });
        expect(restarted.book.entry(sale.checkHash)?.status).toBe('voided');
        expect(await balanceOf(rig.card)).toBe(59_000);
      } else {
        await expect(restarted.cancelLast(rig.card)).rejects.toMatchObject({
          kind: 'card_refused',
          code: ErrorCode.UnknownCheck,
        });
        expect(restarted.book.entry(sale.checkHash)?.status).toBe('pending');
        expect(await balanceOf(rig.card)).toBe(55_000);
      }
    }
  });
});
