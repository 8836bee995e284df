// The simulated world: the bank (two processes over one database), cardholders, cards, merchants
// with POS terminals and web shops, each merchant a MerchantBook over its own journal and a faulty
// link to the bank. Built from the seed: which cardholder holds which card comes from the PRNG.
import { fund, registerCardholder, registerMerchant } from '../../src/bank/issuing.ts';
import { MerchantBook, Terminal } from '../../src/merchant/index.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { Wallet } from '../../src/wallet/index.ts';
import { FaultyLink, REVOCATION_MAX_AGE_S, SimBank } from './bank.ts';
import { CURRENCY, issueCard, type SimCard } from './cards.ts';
import { SimClock } from './clock.ts';
import { Faults } from './faults.ts';
import { CrashingStore, SimShop } from './merchant.ts';
import { Prng } from './prng.ts';
import { Trace } from './trace.ts';

export interface WorldSize {
  cardholders: number;
  cards: number;
  merchants: number;
  /** Terminals per merchant. */
  terminals: number;
  /** Merchants that also run a web shop (the first ones). */
  shops: number;
}

export const DEFAULT_SIZE: WorldSize = { cardholders: 4, cards: 8, merchants: 4, terminals: 2, shops: 2 };

export interface Merchant {
  party: Party;
  store: CrashingStore;
  link: FaultyLink;
  book: MerchantBook;
  terminals: Terminal[];
  shop?: SimShop;
  /** Process restarts after a crash. */
  restarts: number;
}

export interface World {
  seed: number;
  prng: Prng;
  clock: SimClock;
  faults: Faults;
  trace: Trace;
  bank: SimBank;
  cardholders: Map<string, Party>;
  cards: SimCard[];
  clones: SimCard[];
  /** Each genuine card's cardholder wallet (loads and Internet payments), over one faulty bank link. */
  wallets: Map<SimCard, Wallet>;
  walletLink: FaultyLink;
  merchants: Merchant[];
  /** The operation being run (faults and trace lines carry it). */
  op: number;
}

export const BATCH_MAX = 40;

export async function buildWorld(seed: number, size: WorldSize = DEFAULT_SIZE): Promise<World> {
  const prng = new Prng(seed);
  const clock = new SimClock();
  const faults = new Faults(prng);
  const trace = new Trace();
  const bank = await SimBank.create(clock);
  const db = bank.db;
  const b = bank.service.bank;
  const w = {
    seed,
    prng,
    clock,
    faults,
    trace,
    bank,
    cardholders: new Map(),
    cards: [],
    clones: [],
    wallets: new Map(),
    merchants: [],
    op: 0,
  } as unknown as World;
  w.walletLink = new FaultyLink(bank, prng, faults, trace, () => w.op, 'wallet');
  for (let i = 0; i < size.cardholders; i++) {
    const id = `ch-${i}`;
    w.cardholders.set(id, (await registerCardholder(db, b, id, { now: clock.now, certify: true })) as Party);
    await fund(db, id, 1_000_000_000_000, CURRENCY);
  }
  const holders = [...w.cardholders.keys()];
  for (let i = 0; i < size.cards; i++) {
    const card = await issueCard(db, b, {
      name: `card-${i}`,
      purseId: `purse-${i}`,
      cardholderId: prng.pick(holders),
      now: clock.now,
    });
    w.cards.push(card);
    w.wallets.set(
      card,
      new Wallet({
        card: card.card,
        bank: w.walletLink,
        bankCertificate: b.party.certificate,
        anchors: b.anchors,
        cardholder: w.cardholders.get(card.cardholderId) as Party,
        clock: clock.read,
      }),
    );
  }
  for (let i = 0; i < size.merchants; i++) {
    const party = await registerMerchant(db, b, `m-${i}`, { now: clock.now });
    const store = new CrashingStore();
    const link = new FaultyLink(bank, prng, faults, trace, () => w.op, party.id);
    const book = await openBook(w, party, store, link);
    const terminals = Array.from({ length: size.terminals }, (_, t) => newTerminal(w, book, `T${i}-${t}`));
    w.merchants.push({
      party,
      store,
      link,
      book,
      terminals,
      ...(i < size.shops ? { shop: new SimShop(book, prng, faults) } : {}),
      restarts: 0,
    });
  }
  for (const m of w.merchants) await m.book.refreshRevocationList();
  return w;
}

function openBook(w: World, party: Party, store: CrashingStore, link: FaultyLink): Promise<MerchantBook> {
  const b = w.bank.service.bank;
  return MerchantBook.open({
    merchant: party,
    bankCertificate: b.party.certificate,
    anchors: b.anchors,
    store,
    bank: link,
    clock: w.clock.read,
    policy: { revocationMaxAgeS: REVOCATION_MAX_AGE_S, currency: CURRENCY, depositBatchMax: BATCH_MAX },
  });
}

/** A terminal whose slip nonces come from the seeded PRNG. */
function newTerminal(w: World, book: MerchantBook, terminalId: string): Terminal {
  return new Terminal(book, { terminalId, nonce: () => w.prng.bytes(16) });
}

/** The merchant's process died: the book reopened from its journal, its terminals and shop on it. */
export async function restartMerchant(w: World, m: Merchant): Promise<void> {
  m.book = await openBook(w, m.party, m.store, m.link);
  m.terminals = m.terminals.map((t) => newTerminal(w, m.book, t.terminalId));
  if (m.shop) m.shop.book = m.book;
  m.restarts++;
}
