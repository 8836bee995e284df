// Crashes and lost messages: the terminal dies after accepting a check (file journal reopened),
// between sending the slip and storing the check (recover from the card's log), the card loses
// power in the middle of the purchase, a deposit reply is lost, the bank cannot be reached.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PowerCutError } from '../../src/card/reader.ts';
import { FileCheckStore } from '../../src/merchant/file-store.ts';
import {
  type CardPort,
  type CheckStore,
  type JournalRecord,
  MemoryCheckStore,
  Terminal,
  TerminalError,
} from '../../src/merchant/index.ts';
import { type BankLink, BankRejectedError, BankUnreachableError } from '../../src/net/bank-link.ts';
import { balanceOf, makeWorld, NOW, newCard, openBook, portOf, tempDir, type World } from './support.ts';

let w: World;
const dirs: string[] = [];
beforeAll(async () => {
  w = await makeWorld();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

class Crash extends Error {}

/** A store that "loses power" at the first append of `kind` (the record never reaches the disk). */
function crashingAt(inner: CheckStore, kind: JournalRecord['kind']): CheckStore {
  let armed = true;
  return {
    load: () => inner.load(),
    append: async (record) => {
      if (armed && record.kind === kind) {
        armed = false;
        throw new Crash(`power lost before the ${kind} record`);
      }
      return inner.append(record);
    },
  };
}

describe('terminal crashes', () => {
  it('after acceptance and before deposit: the reopened file journal deposits the check, credited exactly once', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 80_000 });
    const dir = tempDir('crash');
    dirs.push(dir);
    const book = await openBook(w, new FileCheckStore(dir));
    const sale = await new Terminal(book, { terminalId: 'T-C' }).sell(rig.card, 30_000);
    // the process dies here: no close, nothing flushed beyond what append made durable
    const reopened = await openBook(w, new FileCheckStore(dir));
    expect(reopened.pending().map((e) => [e.record.purseId, e.record.serial, e.record.amount])).toEqual([
      [sale.purseId, sale.serial, 30_000],
    ]);
    expect(reopened.lastTerminalTxId('T-C')).toBe(1);
    const before = await w.merchantBalance();
    const report = await reopened.deposit();
    expect(report.credited).toBe(30_000);
    expect(await w.merchantBalance()).toBe(before + 30_000);
    // and again after another restart: nothing more
    const third = await openBook(w, new FileCheckStore(dir));
    expect(third.pending()).toEqual([]);
    expect((await third.deposit()).credited).toBe(0);
    expect(await w.merchantBalance()).toBe(before + 30_000);
    expect(await w.invariants()).toEqual([]);
    for (const b of [book, reopened, third]) await b.store.close?.();
  });

  it('after the slip was sent and before the check was stored: recover() gets the check from the card', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 80_000 });
    const disk = new MemoryCheckStore();
    const book = await openBook(w, crashingAt(disk, 'check'));
    await expect(new Terminal(book, { terminalId: 'T-K' }).sell(rig.card, 25_000)).rejects.toBeInstanceOf(Crash);
    expect(await balanceOf(rig.card)).toBe(55_000); // the card paid

    const restarted = new Terminal(await openBook(w, disk), { terminalId: 'T-K' });
    expect(restarted.book.checks()).toEqual([]);
    expect(restarted.interrupted().map((s) => s.record.terminalTxId)).toEqual([1]);
    const recovery = await restarted.recover(rig.card);
    expect(recovery).toMatchObject({
      status: 'recovered',
      terminalTxId: 1,
      sale: { purseId: rig.purseId, serial: 1, amount: 25_000 },
    });
    expect(restarted.interrupted()).toEqual([]);
    expect(restarted.book.pending().map((e) => e.record.amount)).toEqual([25_000]);
    expect(await balanceOf(rig.card)).toBe(55_000); // charged once
    // asking again: the last transaction is completed
    expect((await restarted.recover(rig.card)).status).toBe('completed');
    // and it is deposited once
    const before = await w.merchantBalance();
    expect((await restarted.book.deposit()).credited).toBe(25_000);
    expect(await w.merchantBalance()).toBe(before + 25_000);
    // the next sale continues the transaction ids
    expect((await restarted.sell(rig.card, 1_000)).terminalTxId).toBe(2);
  });

  it('after the slip was written and before the card saw it: recover() says not charged', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 80_000 });
    const disk = new MemoryCheckStore();
    const book = await openBook(w, disk);
    const dead: CardPort = {
      ...portOf(rig.card),
      purchase: async () => {
        throw new Crash('terminal died before sending the slip');
      },
    };
    const error = await new Terminal(book, { terminalId: 'T-N' }).sell(dead, 5_000).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'card_interrupted' });

    const restarted = new Terminal(await openBook(w, disk), { terminalId: 'T-N' });
    expect(restarted.interrupted()).toHaveLength(1);
    expect(await restarted.recover(rig.card)).toMatchObject({ status: 'not charged', terminalTxId: 1 });
    expect(restarted.interrupted()).toEqual([]);
    expect(restarted.book.checks()).toEqual([]);
    expect(await balanceOf(rig.card)).toBe(80_000);
    expect((await restarted.recover(rig.card)).status).toBe('not charged');
  });

  it('recover() with another card refuses and keeps the transaction open', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 80_000 });
    const stranger = await newCard(w, { loadAmount: 10_000 });
    const disk = new MemoryCheckStore();
    const book = await openBook(w, crashingAt(disk, 'check'));
    await expect(new Terminal(book, { terminalId: 'T-O' }).sell(rig.card, 2_000)).rejects.toBeInstanceOf(Crash);
    const restarted = new Terminal(await openBook(w, disk), { terminalId: 'T-O' });
    await expect(restarted.recover(stranger.card)).rejects.toMatchObject({ kind: 'wrong_card' });
    expect(restarted.interrupted()).toHaveLength(1);
    expect((await restarted.recover(rig.card)).status).toBe('recovered');
  });

  it('the card loses power at every point of the purchase: recover() always ends charged-and-stored or not charged', async () => {
    w.now = NOW;
    const probe = await newCard(w, { loadAmount: 80_000 });
    const book0 = await openBook(w);
    await new Terminal(book0, { terminalId: 'T-PROBE' }).sell(probe.card, 1_000);
    const writes = probe.emulator.lastCommandWrites;
    expect(writes).toBeGreaterThan(2);
    const seen = new Set<string>();
    for (let k = 1; k <= writes; k++) {
      const rig = await newCard(w, { loadAmount: 80_000 });
      const disk = new MemoryCheckStore();
      const terminal = new Terminal(await openBook(w, disk), { terminalId: `T-PC-${k}` });
      // the tearing counter counts writes since power on: power cycle, then cut the k-th write of the purchase
      rig.emulator.powerOff();
      await rig.emulator.powerOn();
      await rig.card.select();
      await rig.card.verifyPin('1234');
      const cert = await rig.card.certificate(); // warm the terminal-side certificate reads
      expect(cert.length).toBeGreaterThan(0);
      rig.emulator.cutAtWrite = rig.emulator.writes + k;
      const error = await terminal.sell(rig.card, 3_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TerminalError);
      expect((error as TerminalError).kind).toBe('card_interrupted');
      expect((error as TerminalError).cause).toBeInstanceOf(PowerCutError);
      rig.emulator.cutAtWrite = undefined;
      await rig.emulator.powerOn();
      await rig.card.select();
      const restarted = new Terminal(await openBook(w, disk), { terminalId: `T-PC-${k}` });
      // the card's log is behind the PIN: without it recovery fails and decides nothing
      await expect(restarted.recover(rig.card)).rejects.toMatchObject({ kind: 'card_refused', sw: 0x6982 });
      expect(restarted.interrupted()).toHaveLength(1);
      await rig.card.verifyPin('1234');
      const recovery = await restarted.recover(rig.card);
      const balance = await balanceOf(rig.card);
      seen.add(recovery.status);
      if (recovery.status === 'recovered') {
        expect(balance).toBe(77_000);
        expect(restarted.book.pending().map((e) => e.record.amount)).toEqual([3_000]);
      } else {
        expect(recovery.status).toBe('not charged');
        expect(balance).toBe(80_000);
        expect(restarted.book.checks()).toEqual([]);
      }
    }
    // both outcomes occur across the cut points (the commit is somewhere in the middle)
    expect([...seen].sort()).toEqual(['not charged', 'recovered']);
  });
});

describe('deposit failures', () => {
  it('a lost deposit reply: retried with the same batch id, credited once', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 80_000 });
    let dropReplies = 1;
    let calls = 0;
    const lossy: BankLink = {
      ...w.link,
      deposit: async (batch) => {
        calls += 1;
        const receipt = await w.link.deposit(batch);
        if (dropReplies-- > 0)
          throw new BankUnreachableError('in-process', new Error('connection reset after the request was sent'));
        return receipt;
      },
    };
    const disk = new MemoryCheckStore();
    const book = await openBook(w, disk, { currency: 'EUR' }, lossy);
    const terminal = new Terminal(book, { terminalId: 'T-D' });
    await terminal.sell(rig.card, 4_000);
    await terminal.sell(rig.card, 6_000);
    const before = await w.merchantBalance();
    await expect(book.deposit()).rejects.toMatchObject({ kind: 'bank_unreachable' });
    expect(await w.merchantBalance()).toBe(before + 10_000); // the bank did credit
    expect(book.pending().map((e) => e.status)).toEqual(['sending', 'sending']);
    // retried after a restart too: the batch record is in the journal
    const reopened = await openBook(w, disk, { currency: 'EUR' }, lossy);
    const report = await reopened.deposit();
    expect(calls).toBe(2);
    expect(report.batches).toHaveLength(1);
    expect(report.credited).toBe(10_000); // the same receipt again
    expect(await w.merchantBalance()).toBe(before + 10_000); // credited once
    expect(reopened.pending()).toEqual([]);
    expect(reopened.checks().map((e) => e.status)).toEqual(['deposited', 'deposited']);
    expect(await w.invariants()).toEqual([]);
  });

  it('bank unreachable: the error is typed and pending is unchanged', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 80_000 });
    let up = false;
    const flaky: BankLink = {
      load: (r) => w.link.load(r),
      refund: (r) => w.link.refund(r),
      revocationList: () =>
        up
          ? w.link.revocationList()
          : Promise.reject(new BankUnreachableError('in-process', new Error('ECONNREFUSED'))),
      deposit: (b) =>
        up ? w.link.deposit(b) : Promise.reject(new BankUnreachableError('in-process', new Error('ECONNREFUSED'))),
    };
    const book = await openBook(w, new MemoryCheckStore(), { currency: 'EUR' }, flaky);
    await new Terminal(book, { terminalId: 'T-U' }).sell(rig.card, 9_000);
    const pendingBefore = book.pending().map((e) => e.record.checkHash);
    const before = await w.merchantBalance();
    await expect(book.deposit()).rejects.toMatchObject({ kind: 'bank_unreachable' });
    await expect(book.refreshRevocationList()).rejects.toMatchObject({ kind: 'bank_unreachable' });
    expect(book.pending().map((e) => e.record.checkHash)).toEqual(pendingBefore);
    expect(book.pendingAmount()).toBe(9_000);
    expect(await w.merchantBalance()).toBe(before);
    up = true;
    expect((await book.deposit()).credited).toBe(9_000);
    expect(await w.merchantBalance()).toBe(before + 9_000);
  });

  it('a receipt that does not match the batch is not reconciled; the retry gets the real one', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 80_000 });
    let forge = true;
    const forging: BankLink = {
      ...w.link,
      deposit: async (batch) => {
        const receipt = await w.link.deposit(batch);
        if (!forge) return receipt;
        forge = false;
        const bad = receipt.slice();
        bad[bad.length - 1]! ^= 1;
        return bad;
      },
    };
    const book = await openBook(w, new MemoryCheckStore(), { currency: 'EUR' }, forging);
    await new Terminal(book, { terminalId: 'T-Q' }).sell(rig.card, 3_000);
    const before = await w.merchantBalance();
    await expect(book.deposit()).rejects.toMatchObject({ kind: 'bad_receipt' });
    expect(book.pending()).toHaveLength(1);
    expect((await book.deposit()).credited).toBe(3_000);
    expect(await w.merchantBalance()).toBe(before + 3_000);
  });

  it('the bank refuses the whole batch: its checks are pending again and go in a new batch', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 80_000 });
    let refuse = true;
    const busy: BankLink = {
      ...w.link,
      deposit: (b) =>
        refuse ? Promise.reject(new BankRejectedError(503, 'bank', 'overloaded', 'try later')) : w.link.deposit(b),
    };
    const book = await openBook(w, new MemoryCheckStore(), { currency: 'EUR' }, busy);
    await new Terminal(book, { terminalId: 'T-J' }).sell(rig.card, 2_500);
    await expect(book.deposit()).rejects.toMatchObject({ kind: 'bank_rejected' });
    expect(book.pending().map((e) => [e.status, e.batches.length])).toEqual([['pending', 1]]);
    refuse = false;
    const report = await book.deposit();
    expect(report.credited).toBe(2_500);
    expect(book.checks()[0]?.batches).toHaveLength(2);
  });

  it('a reply lost, then the resend refused (damaged on the way): the batch stays open, is never cancelled, and its receipt closes it; credited once', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 80_000 });
    const script: ('lose' | 'refuse' | 'pass')[] = ['lose', 'refuse', 'pass'];
    const link: BankLink = {
      ...w.link,
      deposit: async (b) => {
        const step = script.shift() ?? 'pass';
        if (step === 'refuse')
          throw new BankRejectedError(422, 'protocol', 200, 'bad signature (a byte damaged in transit)');
        const receipt = await w.link.deposit(b);
        if (step === 'lose') throw new BankUnreachableError('in-process', new Error('timeout'));
        return receipt;
      },
    };
    const book = await openBook(w, new MemoryCheckStore(), { currency: 'EUR' }, link);
    const terminal = new Terminal(book, { terminalId: 'T-Z' });
    const first = await terminal.sell(rig.card, 1_500);
    const before = await w.merchantBalance();
    await expect(book.deposit()).rejects.toMatchObject({ kind: 'bank_unreachable' });
    expect(await w.merchantBalance()).toBe(before + 1_500); // the bank credited the first delivery
    await expect(book.deposit()).rejects.toMatchObject({ kind: 'bank_rejected' });
    // Not abandoned: the check is still in its batch, so it can neither be re-batched nor refunded.
    expect(book.entry(first.checkHash)?.status).toBe('sending');
    await expect(terminal.cancelLast(rig.card)).rejects.toMatchObject({ kind: 'not_cancellable' });
    const newer = await terminal.sell(rig.card, 500);
    const report = await book.deposit();
    expect(report.outcomes.map((o) => [o.amount, o.status, o.code])).toEqual([
      [1_500, 'deposited', 0],
      [500, 'deposited', 0],
    ]);
    expect(report.batches).toHaveLength(2);
    expect(report.refused).toEqual([]);
    expect(book.entry(newer.checkHash)?.status).toBe('deposited');
    expect(await w.merchantBalance()).toBe(before + 2_000);
    expect(book.pending()).toEqual([]);
  });
});

describe('one transaction at a time', () => {
  it('two sales started together on one terminal run one after the other, with ids 1 and 2', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 80_000 });
    const book = await openBook(w);
    const terminal = new Terminal(book, { terminalId: 'T-2X' });
    const [a, b] = await Promise.all([terminal.sell(rig.card, 1_000), terminal.sell(rig.card, 2_000)]);
    expect([a.terminalTxId, b.terminalTxId]).toEqual([1, 2]);
    expect([a.serial, b.serial]).toEqual([1, 2]);
    expect(await balanceOf(rig.card)).toBe(77_000);
  });
});
