// A sale at the offline terminal end to end, its deposit and the receipt reconciled; and every
// offline refusal with nothing stored as accepted.
import { beforeAll, describe, expect, it } from 'vitest';
import { revoke } from '../../src/bank/issuing.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { CardError, PurseCard } from '../../src/card/purse.ts';
import { MemoryEeprom } from '../../src/card/store.ts';
import {
  type CardPort,
  MemoryCheckStore,
  type MerchantBook,
  Terminal,
  TerminalError,
} from '../../src/merchant/index.ts';
import { acceptCheck, ErrorCode, makeSlip, verifyCheck, verifySlip } from '../../src/protocol/index.ts';
import { balanceOf, DAY, makeWorld, NOW, newCard, openBook, portOf, type World } from './support.ts';

let w: World;
beforeAll(async () => {
  w = await makeWorld();
});

async function refusal(p: Promise<unknown>): Promise<TerminalError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TerminalError);
  return error as TerminalError;
}

/** Nothing accepted: no check in the book, none pending. */
const nothingStored = (book: MerchantBook) => {
  expect(book.checks()).toEqual([]);
  expect(book.pending()).toEqual([]);
};

describe('a sale', () => {
  it('pays offline, stores the check durably, deposits it and reconciles the receipt', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 100_000 });
    const store = new MemoryCheckStore();
    const book = await openBook(w, store);
    await book.refreshRevocationList();
    const terminal = new Terminal(book, { terminalId: 'T-1' });

    const sale = await terminal.sell(rig.card, 12_500);
    expect(sale).toMatchObject({ purseId: rig.purseId, serial: 1, amount: 12_500, currency: 'EUR', terminalTxId: 1 });
    expect(sale.verdict.decision).toBe('accept');
    expect(verifyCheck(sale.check, { anchors: w.bank.anchors, now: w.now }).body.merchantId).toBe(w.merchant.id);
    expect(await balanceOf(rig.card)).toBe(87_500);
    // durable: a book reopened from the same journal has it
    const reopened = await openBook(w, store);
    expect(reopened.pending().map((e) => e.record.serial)).toEqual([1]);

    const second = await terminal.sell(rig.card, 7_500);
    expect(second).toMatchObject({ serial: 2, terminalTxId: 2 });
    expect(book.pendingAmount()).toBe(20_000);

    const before = await w.merchantBalance();
    const report = await book.deposit();
    expect(report.credited).toBe(20_000);
    expect(report.outcomes.map((o) => [o.serial, o.status, o.code, o.credited])).toEqual([
      [1, 'deposited', 0, 12_500],
      [2, 'deposited', 0, 7_500],
    ]);
    expect(report.refused).toEqual([]);
    expect(await w.merchantBalance()).toBe(before + 20_000);
    expect(book.pending()).toEqual([]);
    expect(book.checks().map((e) => e.status)).toEqual(['deposited', 'deposited']);
    // nothing left to deposit: a second call sends nothing and credits nothing
    expect((await book.deposit()).batches).toEqual([]);
    expect(await w.merchantBalance()).toBe(before + 20_000);
    // the journal replays to the same state
    expect((await openBook(w, store)).checks().map((e) => e.status)).toEqual(['deposited', 'deposited']);
    expect(await w.invariants()).toEqual([]);
  });

  it('a check the bank refuses is kept with the reason and reported, never dropped', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 50_000 });
    const book = await openBook(w);
    const terminal = new Terminal(book, { terminalId: 'T-2' });
    const sale = await terminal.sell(rig.card, 10_000);
    await revoke(w.service.db, rig.purseId, 'reported stolen', w.now);
    const before = await w.merchantBalance();
    const report = await book.deposit();
    expect(report.refused).toHaveLength(1);
    expect(report.refused[0]).toMatchObject({
      serial: sale.serial,
      status: 'refused',
      code: ErrorCode.Revoked,
      credited: 0,
    });
    expect(await w.merchantBalance()).toBe(before);
    expect(book.refused().map((e) => [e.record.serial, e.refusalCode])).toEqual([[sale.serial, ErrorCode.Revoked]]);
    expect(book.pending()).toEqual([]);
    // refused checks are not sent again
    expect((await book.deposit()).batches).toEqual([]);
  });

  it('terminal transaction ids keep increasing across a restart, and slips carry fresh nonces', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 50_000 });
    const store = new MemoryCheckStore();
    const nonces: Uint8Array[] = [];
    const book = await openBook(w, store);
    const spy: CardPort = {
      certificate: () => rig.card.certificate(),
      purchase: (slip, now) => {
        nonces.push(verifySlip(slip, { anchors: w.bank.anchors, now }).body.terminalNonce);
        return rig.card.purchase(slip, now);
      },
      readLog: (i) => rig.card.readLog(i),
      reissueCheck: (s) => rig.card.reissueCheck(s),
      refund: (r, n) => rig.card.refund(r, n),
    };
    await new Terminal(book, { terminalId: 'T-3' }).sell(spy, 100);
    const restarted = new Terminal(await openBook(w, store), { terminalId: 'T-3' });
    expect((await restarted.sell(spy, 100)).terminalTxId).toBe(2);
    expect(nonces).toHaveLength(2);
    expect(Buffer.from(nonces[0]!).equals(Buffer.from(nonces[1]!))).toBe(false);
  });
});

describe('refused offline, nothing stored', () => {
  it('a revoked purse (the revocation list names it): refused before the card is charged', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 50_000 });
    await revoke(w.service.db, rig.purseId, 'fraud', w.now);
    const book = await openBook(w, new MemoryCheckStore(), { currency: 'EUR', revocationMaxAgeS: 3_600 });
    await book.refreshRevocationList();
    expect(book.revocationList?.body.revoked).toContain(rig.purseId);
    const error = await refusal(new Terminal(book, { terminalId: 'T-R' }).sell(rig.card, 1_000));
    expect(error.kind).toBe('check_refused');
    expect(error.code).toBe(ErrorCode.Revoked);
    expect(await balanceOf(rig.card)).toBe(50_000);
    nothingStored(book);
  });

  it('an expired purse certificate', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 50_000, validity: { notBefore: NOW - DAY, notAfter: NOW + 60 } });
    const book = await openBook(w);
    w.now = NOW + 120;
    const error = await refusal(new Terminal(book, { terminalId: 'T-E' }).sell(rig.card, 1_000));
    expect(error).toMatchObject({ kind: 'check_refused', code: ErrorCode.CertificateExpired });
    expect(await balanceOf(rig.card)).toBe(50_000);
    nothingStored(book);
    w.now = NOW;
  });

  it("a check damaged on the way back is read again from the card's log and accepted", async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 50_000 });
    const book = await openBook(w);
    const damaging: CardPort = {
      ...portOf(rig.card),
      purchase: async (slip, now) => {
        const check = await rig.card.purchase(slip, now);
        check[check.length - 1]! ^= 1;
        return check;
      },
    };
    const sale = await new Terminal(book, { terminalId: 'T-D' }).sell(damaging, 1_000);
    expect(sale).toMatchObject({ amount: 1_000, serial: 1 });
    expect(Buffer.from(sale.check).equals(Buffer.from(await rig.card.reissueCheck(1)))).toBe(true);
    expect(book.pending().length).toBe(1);
    expect(book.slip('T-D', 1)?.state).toBe('completed');
  });

  it('a tampered check (the card answers a flipped signature, also when read again)', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 50_000 });
    const book = await openBook(w);
    const flip = (check: Uint8Array) => {
      check[check.length - 1]! ^= 1;
      return check;
    };
    const tampering: CardPort = {
      ...portOf(rig.card),
      purchase: async (slip, now) => flip(await rig.card.purchase(slip, now)),
      reissueCheck: async (serial) => flip(await rig.card.reissueCheck(serial)),
    };
    const error = await refusal(new Terminal(book, { terminalId: 'T-X' }).sell(tampering, 1_000));
    expect(error).toMatchObject({ kind: 'check_refused', code: ErrorCode.BadSignature });
    nothingStored(book);
    // the slip is closed as refused, with the bad check kept as evidence
    expect(book.slip('T-X', 1)).toMatchObject({ state: 'refused', code: ErrorCode.BadSignature });
    expect(book.openSlips('T-X')).toEqual([]);
  });

  it("a check for another merchant (the card answered another merchant's slip)", async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 50_000 });
    const book = await openBook(w);
    const swapping: CardPort = {
      ...portOf(rig.card),
      purchase: (slip, now) => {
        const mine = verifySlip(slip, { anchors: w.bank.anchors, now }).body;
        return rig.card.purchase(makeSlip(w.other, { ...mine, merchantId: w.other.id }), now);
      },
    };
    const error = await refusal(new Terminal(book, { terminalId: 'T-W' }).sell(swapping, 1_000));
    expect(error).toMatchObject({ kind: 'check_refused', code: ErrorCode.WrongMerchant });
    nothingStored(book);
  });

  it('a replayed check: the same check presented again, and a cloned card signing the same serial', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 50_000 });
    const book = await openBook(w);
    const terminal = new Terminal(book, { terminalId: 'T-P' });
    // the clone: the card's EEPROM copied before its first sale
    const clone = new PurseCard(await EmulatedCard.create({ store: new MemoryEeprom(rig.eeprom.image) }));
    await clone.select();
    await clone.verifyPin('1234');
    const sale = await terminal.sell(rig.card, 1_000);

    const replaying: CardPort = { ...portOf(rig.card), purchase: async () => sale.check.slice() };
    const replayed = await refusal(terminal.sell(replaying, 1_000));
    expect(replayed).toMatchObject({ kind: 'check_refused', code: ErrorCode.SlipMismatch });

    const cloned = await refusal(terminal.sell(clone, 1_000));
    expect(cloned).toMatchObject({ kind: 'check_refused', code: ErrorCode.DuplicateCheck });

    // the same check with its own slip, as a web shop would see a resubmission
    const slip = verifySlip(sale.slip, { anchors: w.bank.anchors, now: w.now });
    expect(acceptCheck(sale.check, slip, book.acceptancePolicy())).toMatchObject({
      decision: 'refuse',
      code: ErrorCode.DuplicateCheck,
    });
    await expect(book.record(verifyCheck(sale.check, { anchors: w.bank.anchors, now: w.now }))).rejects.toMatchObject({
      kind: 'bad_record',
      code: ErrorCode.DuplicateCheck,
    });
    expect(book.checks().map((e) => e.record.serial)).toEqual([sale.serial]);
  });

  it('over the terminal limit: refused before the card is charged', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 50_000 });
    const book = await openBook(w, new MemoryCheckStore(), { currency: 'EUR', terminalMaxPerCheck: 10_000 });
    const error = await refusal(new Terminal(book, { terminalId: 'T-L' }).sell(rig.card, 10_001));
    expect(error).toMatchObject({ kind: 'check_refused', code: ErrorCode.LimitExceeded });
    expect(await balanceOf(rig.card)).toBe(50_000);
    nothingStored(book);
    expect(book.lastTerminalTxId('T-L')).toBe(0);
    // at the limit it is fine
    expect((await new Terminal(book, { terminalId: 'T-L' }).sell(rig.card, 10_000)).amount).toBe(10_000);
  });

  it('a stale revocation list: refused until refreshed online', async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 50_000 });
    const book = await openBook(w, new MemoryCheckStore(), { currency: 'EUR', revocationMaxAgeS: 3_600 });
    const terminal = new Terminal(book, { terminalId: 'T-S' });
    // none held at all
    expect(await refusal(terminal.sell(rig.card, 1_000))).toMatchObject({
      kind: 'stale_revocation_list',
      code: ErrorCode.StaleRevocationList,
    });
    await book.refreshRevocationList();
    w.now = NOW + 3_601;
    const error = await refusal(terminal.sell(rig.card, 1_000));
    expect(error).toMatchObject({ kind: 'stale_revocation_list', code: ErrorCode.StaleRevocationList });
    expect(await balanceOf(rig.card)).toBe(50_000);
    nothingStored(book);
    await book.refreshRevocationList();
    expect(book.revocationListAgeS()).toBe(0);
    expect((await terminal.sell(rig.card, 1_000)).amount).toBe(1_000);
    w.now = NOW;
  });

  it("a card refusal (insufficient funds) is a typed error with the card's status word and code", async () => {
    w.now = NOW;
    const rig = await newCard(w, { loadAmount: 500 });
    const book = await openBook(w);
    const error = await refusal(new Terminal(book, { terminalId: 'T-F' }).sell(rig.card, 1_000));
    expect(error).toMatchObject({ kind: 'card_refused', code: ErrorCode.InsufficientFunds });
    expect(error.cause).toBeInstanceOf(CardError);
    expect(error.sw).toBe((error.cause as CardError).sw);
    nothingStored(book);
    expect(book.slip('T-F', 1)?.state).toBe('not-charged');
  });

  it("a revocation list from a bank that is not the merchant's, or tampered, is refused and changes nothing", async () => {
    const book = await openBook(w);
    await book.refreshRevocationList();
    const held = book.revocationList;
    const bytes = await w.link.revocationList();
    bytes[bytes.length - 1]! ^= 1;
    await expect(book.setRevocationList(bytes)).rejects.toMatchObject({ code: ErrorCode.BadSignature });
    expect(book.revocationList).toBe(held);
  });
});
