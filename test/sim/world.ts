// The simulated world: a scheme of two or three banks (the seed picks), each with its own database
// and two processes over it, each issuing cards and acquiring merchants; cardholders, cards,
// merchants with POS terminals and web shops spread over the banks, each merchant a MerchantBook
// over its own journal and a faulty link to its bank (the acquirer), each cardholder's wallet a
// faulty link to its card's bank (the issuer: loading stays between a card and its own bank).
// Built from the seed: how many banks, which cardholder holds which card.
import { fund, registerCardholder, registerMerchant } from '../../src/bank/issuing.ts';
import { createScheme, type Scheme } from '../../src/bank/scheme.ts';
import { MerchantBook, Terminal } from '../../src/merchant/index.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { Wallet } from '../../src/wallet/index.ts';
import { BANK_IDS, FaultyLink, REVOCATION_MAX_AGE_S, SimBank } from './bank.ts';
import { CURRENCY, issueCard, type SimCard } from './cards.ts';
import { SimClock } from './clock.ts';
import { type FaultRates, Faults } from './faults.ts';
import { Interbank } from './interbank.ts';
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
  /** Its bank: the acquirer it deposits at. */
  bank: SimBank;
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
  /** The scheme root every card, terminal and bank trusts. */
  scheme: Scheme;
  banks: SimBank[];
  interbank: Interbank;
  cardholders: Map<string, Party>;
  cards: SimCard[];
  clones: SimCard[];
  /** Each genuine card's cardholder wallet (loads and Internet payments), over its bank's wallet link. */
  wallets: Map<SimCard, Wallet>;
  /** Per bank, the one faulty link its cardholders' wallets share. */
  walletLinks: Map<string, FaultyLink>;
  merchants: Merchant[];
  /** The operation being run (faults and trace lines carry it). */
  op: number;
}

export const BATCH_MAX = 40;

/** The bank of `bankId`. */
export function bankOf(w: World, bankId: string): SimBank {
  const bank = w.banks.find((b) => b.id === bankId);
  if (!bank) throw new Error(`no bank ${bankId}`);
  return bank;
}

/** A world for `seed`; `rates` other than the defaults for tests that must see no fault strike. */
export async function buildWorld(seed: number, size: WorldSize = DEFAULT_SIZE, rates?: FaultRates): Promise<World> {
  const prng = new Prng(seed);
  const clock = new SimClock();
  const faults = new Faults(prng, rates);
  const trace = new Trace();
  const w = {
    seed,
    prng,
    clock,
    faults,
    trace,
    scheme: createScheme('SIM-SCHEME'),
    banks: [],
    cardholders: new Map(),
    cards: [],
    clones: [],
    wallets: new Map(),
    walletLinks: new Map(),
    merchants: [],
    op: 0,
  } as unknown as World;
  w.interbank = new Interbank(prng, faults, trace, () => w.op);
  const ids = BANK_IDS.slice(0, prng.range(2, 3));
  for (const [index, id] of ids.entries()) {
    const bank = await SimBank.create(index, {
      clock,
      scheme: w.scheme,
      peers: ids.filter((x) => x !== id),
      net: w.interbank,
    });
    w.banks.push(bank);
    w.interbank.banks.set(id, bank);
    w.walletLinks.set(id, new FaultyLink(bank, prng, faults, trace, () => w.op, `wallet@${id}`, w.interbank));
  }
  trace.add(0, `scheme of ${ids.length} banks: ${ids.join(', ')}`);
  // Cardholders, cards and merchants spread over the banks in turn, so each bank issues and acquires.
  const holdersOf = new Map<string, string[]>();
  for (let i = 0; i < size.cardholders; i++) {
    const bank = w.banks[i % w.banks.length] as SimBank;
    const id = `ch-${i}`;
    w.cardholders.set(
      id,
      (await registerCardholder(bank.db, bank.service.bank, id, { now: clock.now, certify: true })) as Party,
    );
    await fund(bank.db, id, 1_000_000_000_000, CURRENCY);
    holdersOf.set(bank.id, [...(holdersOf.get(bank.id) ?? []), id]);
  }
  for (let i = 0; i < size.cards; i++) {
    const bank = w.banks[i % w.banks.length] as SimBank;
    const b = bank.service.bank;
    const card = await issueCard(bank.db, b, {
      name: `card-${i}`,
      purseId: `purse-${i}`,
      cardholderId: prng.pick(holdersOf.get(bank.id) ?? []),
      now: clock.now,
    });
    w.cards.push(card);
    w.wallets.set(
      card,
      new Wallet({
        card: card.card,
        bank: w.walletLinks.get(bank.id) as FaultyLink,
        bankCertificate: b.party.certificate,
        anchors: b.anchors,
        cardholder: w.cardholders.get(card.cardholderId) as Party,
        clock: clock.read,
      }),
    );
  }
  for (let i = 0; i < size.merchants; i++) {
    const bank = w.banks[i % w.banks.length] as SimBank;
    const party = await registerMerchant(bank.db, bank.service.bank, `m-${i}`, { now: clock.now });
    const store = new CrashingStore();
    const link = new FaultyLink(bank, prng, faults, trace, () => w.op, party.id, w.interbank);
    const book = await openBook(w, bank, party, store, link);
    const terminals = Array.from({ length: size.terminals }, (_, t) => newTerminal(w, book, `T${i}-${t}`));
    w.merchants.push({
      party,
      bank,
      store,
      link,
      book,
      terminals,
      ...(i < size.shops ? { shop: new SimShop(book, prng, faults) } : {}),
      restarts: 0,
    });
  }
  // Every bank relays its peers' lists, then every merchant takes its bank's own and the relayed ones.
  for (const bank of w.banks) await bank.service.refreshPeerLists();
  for (const m of w.merchants) await m.book.refreshRevocationList();
  return w;
}

function openBook(
  w: World,
  bank: SimBank,
  party: Party,
  store: CrashingStore,
  link: FaultyLink,
): Promise<MerchantBook> {
  const b = bank.service.bank;
  return MerchantBook.open({
    merchant: party,
    bankCertificate: b.party.certificate,
    anchors: w.scheme.anchors,
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
  m.book = await openBook(w, m.bank, m.party, m.store, m.link);
  m.terminals = m.terminals.map((t) => newTerminal(w, m.book, t.terminalId));
  if (m.shop) m.shop.book = m.book;
  m.restarts++;
}
