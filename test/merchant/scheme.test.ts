// A terminal in a scheme of two banks: the merchant banks at B, the cards come from A and from B.
// It holds one revocation list per issuer, refreshed through its own bank B, which relays A's list
// as A signed it; the freshness bound applies to each issuer's list on its own.
import { beforeEach, describe, expect, it } from 'vitest';
import { revoke } from '../../src/bank/issuing.ts';
import { relayRevocationList } from '../../src/bank/relay.ts';
import { createScheme } from '../../src/bank/scheme.ts';
import { MemoryCheckStore, type MerchantBook, Terminal, TerminalError } from '../../src/merchant/index.ts';
import type { BankLink } from '../../src/net/bank-link.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { makeRevocationList } from '../../src/protocol/revocation.ts';
import { balanceOf, linkTo, makeWorld, NOW, newCard, openBook, type World } from './support.ts';

let a: World;
let b: World;
/** Bank B's link as its HTTP API offers it: its own list and the issuers' it relays. */
let linkB: BankLink;

beforeEach(async () => {
  const scheme = createScheme('SCHEME-M');
  a = await makeWorld({ bankId: 'BANK-A', scheme: scheme.member(), merchantId: 'shop-a' });
  b = await makeWorld({ bankId: 'BANK-B', scheme: scheme.member(), merchantId: 'shop-b' });
  // One clock for the scheme.
  a.clock = () => b.now;
  Object.defineProperty(a, 'now', { get: () => b.now, set: (t: number) => (b.now = t) });
  linkB = {
    ...linkTo(b.service),
    revocationLists: async () => (await b.service.revocationLists()).map((l) => l.bytes),
  };
});

/** B fetches A's current list (over HTTP in the service: test/e2e) and stores it to relay. */
const relayA = async () => relayRevocationList(b.service.db, b.bank, await a.service.revocationList(), { now: b.now });

async function refusal(p: Promise<unknown>): Promise<TerminalError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TerminalError);
  return error as TerminalError;
}

const openShopB = (policy = { currency: 'EUR', revocationMaxAgeS: 3_600 }, store = new MemoryCheckStore()) =>
  openBook(b, store, policy, linkB);

describe('a terminal of bank B and the cards of bank A', () => {
  it("accepts a card of A offline once B relayed A's list", async () => {
    const rig = await newCard(a, { loadAmount: 50_000 });
    const book = await openShopB();
    await book.refreshRevocationList();
    // B has not relayed A's list yet: A's card is refused before it is charged.
    expect(book.revocationLists.map((l) => l.body.bankId)).toEqual(['BANK-B']);
    expect(await refusal(new Terminal(book, { terminalId: 'T-B' }).sell(rig.card, 1_000))).toMatchObject({
      kind: 'stale_revocation_list',
      code: ErrorCode.StaleRevocationList,
    });
    expect(await balanceOf(rig.card)).toBe(50_000);

    expect(await relayA()).toBe(true);
    expect(await relayA()).toBe(false); // the same list again: nothing newer
    expect(await book.refreshRevocationList()).toBe(true);
    expect(book.revocationLists.map((l) => l.body.bankId).sort()).toEqual(['BANK-A', 'BANK-B']);
    const sale = await new Terminal(book, { terminalId: 'T-B' }).sell(rig.card, 1_000);
    expect(sale).toMatchObject({ purseId: rig.purseId, amount: 1_000 });
    expect(sale.verdict).toMatchObject({ decision: 'accept', revocationListAgeS: 0 });
    expect(await balanceOf(rig.card)).toBe(49_000);
  });

  it("refuses a purse of A that A revoked, after B relayed A's new list", async () => {
    const rig = await newCard(a, { loadAmount: 50_000 });
    const book = await openShopB();
    await relayA();
    await book.refreshRevocationList();
    const terminal = new Terminal(book, { terminalId: 'T-B' });
    await terminal.sell(rig.card, 1_000);

    b.now = NOW + 60;
    await revoke(a.service.db, rig.purseId, 'lost', b.now);
    // B's own list revoking the same name would revoke B's purse of that name, not A's.
    await revoke(b.service.db, 'someone-else', 'lost', b.now);
    expect(await relayA()).toBe(true);
    await book.refreshRevocationList();
    expect(book.revocationLists.find((l) => l.body.bankId === 'BANK-A')?.body.revoked).toEqual([rig.purseId]);
    expect(await refusal(terminal.sell(rig.card, 1_000))).toMatchObject({
      kind: 'check_refused',
      code: ErrorCode.Revoked,
    });
    expect(await balanceOf(rig.card)).toBe(49_000);
  });

  it("applies the freshness bound per issuer: A's stale list refuses A's cards, B's cards still pass", async () => {
    const cardA = await newCard(a, { loadAmount: 50_000 });
    const cardB = await newCard(b, { loadAmount: 50_000 });
    const book = await openShopB({ currency: 'EUR', revocationMaxAgeS: 1_000 });
    await relayA();
    await book.refreshRevocationList();
    const terminal = new Terminal(book, { terminalId: 'T-B' });
    expect((await terminal.sell(cardA.card, 100)).amount).toBe(100);

    // 1,500 s later B has signed a new list of its own; A's relayed list is the old one.
    b.now = NOW + 1_500;
    await revoke(b.service.db, 'someone-else', 'lost', b.now);
    await book.refreshRevocationList();
    expect(book.revocationListAgeS(b.now, 'BANK-B')).toBe(0);
    expect(book.revocationListAgeS(b.now, 'BANK-A')).toBe(1_500);
    expect(book.revocationListStale(b.now)).toBe(false);
    expect(book.revocationListStale(b.now, 'BANK-A')).toBe(true);
    const stale = await refusal(terminal.sell(cardA.card, 100));
    expect(stale).toMatchObject({ kind: 'stale_revocation_list', code: ErrorCode.StaleRevocationList });
    expect(stale.message).toContain('BANK-A');
    expect((await terminal.sell(cardB.card, 100)).amount).toBe(100);
    expect(await balanceOf(cardA.card)).toBe(49_900);
  });

  it('keeps every issuer list across a restart (journal replay), and refuses a forged one', async () => {
    const store = new MemoryCheckStore();
    const book: MerchantBook = await openShopB(undefined, store);
    await relayA();
    await book.refreshRevocationList();
    const reopened = await openShopB(undefined, store);
    expect(reopened.revocationLists.map((l) => l.body.bankId).sort()).toEqual(['BANK-A', 'BANK-B']);
    expect(reopened.revocationList?.body.bankId).toBe('BANK-B');

    // A list signed by B's key but naming A is not A's list.
    const forged = makeRevocationList(
      { ...b.bank.party, id: 'BANK-A' },
      { revoked: [], issuedAt: b.now, nextUpdate: b.now + 60, listNumber: 99 },
    );
    await expect(reopened.setRevocationList(forged)).rejects.toMatchObject({ code: ErrorCode.SubjectMismatch });
    await expect(relayRevocationList(b.service.db, b.bank, forged, { now: b.now })).rejects.toBeInstanceOf(
      ProtocolError,
    );
    // A bank does not relay its own list, nor one from another bank than the peer it asked.
    const own = await b.service.revocationList();
    await expect(relayRevocationList(b.service.db, b.bank, own, { now: b.now })).rejects.toMatchObject({
      code: ErrorCode.WrongBank,
    });
    await expect(
      relayRevocationList(b.service.db, b.bank, await a.service.revocationList(), { now: b.now, expected: 'BANK-C' }),
    ).rejects.toMatchObject({ code: ErrorCode.WrongBank });
  });
});
