// `npm run demo`: the whole system in one process, over real loopback HTTP. A scheme of two banks,
// BANK-A and BANK-B, each its own BankService over its own PGlite ledger (in memory) with its API on
// 127.0.0.1, certified by one scheme root and peers of each other; a card of BANK-A (emulated,
// EEPROM in a temp file) and its cardholder; a POS terminal and a web shop at each bank (journals in
// a temp dir). The card loads value at A, pays offline and on the Internet at A's merchants and at
// B's (whose terminal holds A's revocation list relayed by B); B captures and presents A's checks
// to A, A answers, B credits its merchants; balances and ledger totals must add up, with the time
// each step took. Then the clone attack across two acquirers (clone-attack.ts), the interbank
// settlement (settlement.ts) and the checks over both banks (scheme-totals.ts). Exit 0 only when
// every total adds up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '../../bindings/index.ts';
import { balance, checkInvariants } from '../bank/ledger.ts';
import type { PeerBank } from '../bank/relay.ts';
import { createScheme } from '../bank/scheme.ts';
import { FileEeprom } from '../card/file-store.ts';
import { EmulatedCard, loadApplet, PurseCard } from '../card/index.ts';
import { type DepositReport, Terminal } from '../merchant/index.ts';
import { formatMoney } from '../money.ts';
import { BankClient } from '../net/bank-client.ts';
import type { OfflineLimits, TrustAnchors } from '../protocol/certificate.ts';
import { ErrorCode } from '../protocol/errors.ts';
import type { Party } from '../protocol/pki.ts';
import { issueCard } from '../wallet/issue.ts';
import { Wallet } from '../wallet/wallet.ts';
import { type Closers, ledgerSum, presentmentsAnswered, startBank } from './banks.ts';
import { type CloneOutcome, cloneAttack } from './clone-attack.ts';
import { openMerchant, openShop, type WebShop } from './merchants.ts';
import { type Check, narrator, type Timing } from './narrator.ts';
import { checkScheme, type SchemeTotals } from './scheme-totals.ts';
import { type SettlementOutcome, settleInterbank } from './settlement.ts';

export interface DemoOptions {
  /** Print nothing (tests). */
  quiet?: boolean;
  /** POS sales at BANK-A's cafe (default 20). */
  posSales?: number;
  /** Internet payments at BANK-A's web shop (default 3). */
  webPayments?: number;
  /** POS sales at BANK-B's taxi (default 5). */
  foreignPosSales?: number;
  /** Internet payments at BANK-B's web shop (default 2). */
  foreignWebPayments?: number;
}

export interface Totals {
  funded: number;
  loaded: number;
  /** Spent at BANK-A's merchants: the cafe (POS) and the books shop (web). */
  posSpent: number;
  webSpent: number;
  /** Spent at BANK-B's merchants: the taxi (POS) and the tickets shop (web). */
  foreignPosSpent: number;
  foreignWebSpent: number;
  cardBalance: number;
  cardholderAccount: number;
  posMerchant: number;
  shopMerchant: number;
  taxiMerchant: number;
  ticketsMerchant: number;
  emoney: number;
  /** Before the settlement: what BANK-A owes BANK-B (its interbank account) and B's mirror of it. */
  interbankA: number;
  interbankB: number;
  /** Per bank, the sum of every ledger balance (each 0). */
  ledgerSums: Record<string, number>;
}

export interface DemoResult {
  ok: boolean;
  /** Each check that must hold, with its outcome. */
  checks: Check[];
  totals: Totals;
  /** The receipts of BANK-B's merchants for A's checks: before A answered, and after. */
  presented: { before: Receipt; after: Receipt };
  clone: CloneOutcome;
  settlement: SettlementOutcome;
  scheme: SchemeTotals;
  timings: Timing[];
  totalMs: number;
}

const CURRENCY = 'EUR';
const PIN = '1234';
const PURSE = 'P-alice';
const FUNDS = 100_000;
const LOAD = 60_000;
const LIMITS: OfflineLimits = {
  currency: CURRENCY,
  maxBalance: 500_000,
  maxPerCheck: 50_000,
  maxOfflineChecks: 1_000,
  maxOfflineAmount: 500_000,
};

/** What a merchant's deposit said: the codes of its checks' outcomes (each once) and what it credited. */
interface Receipt {
  codes: number[];
  credited: number;
}
const receipt = (r: Pick<DepositReport, 'credited' | 'outcomes'>): Receipt => ({
  codes: [...new Set(r.outcomes.map((x) => x.code))],
  credited: r.credited,
});
/** Every check of the deposit had this code. */
const allCoded = (r: Receipt, code: number) => r.codes.length === 1 && r.codes[0] === code;

export async function runDemo(o: DemoOptions = {}): Promise<DemoResult> {
  const n = narrator({ currency: CURRENCY, ...(o.quiet ? { quiet: true } : {}) });
  const money = (v: number) => formatMoney(v, CURRENCY);
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'smartcheck-demo-'));
  const closers: Closers = [];

  try {
    n.say('smartcheck demo: two banks of one scheme, POS terminals, web shops and a card, over loopback HTTP');
    n.heading('Setting up');
    const scheme = createScheme('DEMO-SCHEME');
    // Each bank presents the other's cards' checks to it and relays its list: its peer, whose
    // address is known once it listens.
    const peerOfA: PeerBank = { bankId: 'BANK-B', url: '' };
    const peerOfB: PeerBank = { bankId: 'BANK-A', url: '' };
    const a = await n.timed('BANK-A: PGlite, keys, migrations, HTTP API', () =>
      startBank({ bankId: 'BANK-A', scheme, peers: [peerOfA], dir, closers }),
    );
    const b = await n.timed('BANK-B: PGlite, keys, migrations, HTTP API', () =>
      startBank({ bankId: 'BANK-B', scheme, peers: [peerOfB], dir, closers }),
    );
    peerOfA.url = b.url;
    peerOfB.url = a.url;
    n.say(`  root ${scheme.root.id} certifies both; BANK-A on ${a.url}, BANK-B on ${b.url}, peers of each other`);
    // Cards, terminals and shops trust the scheme root, and only it.
    const anchors: TrustAnchors = new Map(a.info.roots.map((r) => [r.id, r.publicKey]));

    // The cardholder banks at A: an account, funded, and a signing key for Internet approvals certified by A.
    const holderKeys = ed25519.keygen();
    const registered = await n.timed('cardholder alice at BANK-A: account + key', () =>
      a.client.registerCardholder('alice', { signingKey: holderKeys.publicKey }),
    );
    await a.client.fund('alice', FUNDS, CURRENCY, 'demo-cash');
    const cardholder: Party = {
      id: 'alice',
      secretKey: holderKeys.secretKey,
      publicKey: holderKeys.publicKey,
      certificate: registered.certificate as Uint8Array,
    };

    // The card: EEPROM in a file; it makes its own keys, the bank certifies the public halves.
    const { buildHash } = await loadApplet();
    const cardPath = join(dir, 'alice.card');
    // A sends alice a one-time activation code; her device enrols the card with it alone.
    const { code: activationCode } = await a.client.issueActivationCode('alice', { limits: LIMITS });
    const card = await n.timed('card of BANK-A, enrolled by activation code', async () => {
      const c = new PurseCard(await EmulatedCard.create({ store: new FileEeprom(cardPath, buildHash) }));
      await issueCard(c, new BankClient(a.url, { timeoutMs: 15_000 }), { purseId: PURSE, activationCode, pin: PIN });
      return c;
    });

    const setting = { anchors, currency: CURRENCY, dir, closers };
    const cafe = await n.timed('POS terminal: cafe at BANK-A', () => openMerchant(a, 'cafe', setting));
    const till = new Terminal(cafe, { terminalId: 'T-1' });
    const books = await n.timed('web shop: books at BANK-A', () => openMerchant(a, 'books', setting));
    const booksShop = await openShop(books, setting);
    const taxi = await n.timed('POS terminal: taxi at BANK-B', () => openMerchant(b, 'taxi', setting));
    const taxiTill = new Terminal(taxi, { terminalId: 'TAXI-1' });
    const tickets = await n.timed('web shop: tickets at BANK-B', () => openMerchant(b, 'tickets', setting));
    const ticketsShop = await openShop(tickets, setting);
    n.say(`  web shops on ${booksShop.url} (books) and ${ticketsShop.url} (tickets)`);
    const taxiLists = taxi.revocationLists.map((l) => l.body.bankId).sort();
    n.say(`  the taxi's terminal holds the revocation lists of ${taxiLists.join(' and ')}, A's relayed by B as signed`);

    n.heading('Paying');
    const wallet = new Wallet({ card, bank: a.client, bankCertificate: a.info.bankCertificate, anchors, cardholder });
    await wallet.unlock(PIN);
    await n.timed(`load ${money(LOAD)} onto the card (protocol 1)`, () => wallet.load(LOAD));
    const sell = (terminal: Terminal, amounts: number[]) => async () => {
      for (const amount of amounts) await terminal.sell(card, amount);
    };
    const payOnline = (shop: WebShop, amounts: number[]) => async () => {
      for (const amount of amounts)
        await wallet.payInternet(shop.client, { item: `item-${amount}`, amount, currency: CURRENCY });
    };
    const posAmounts = Array.from({ length: o.posSales ?? 20 }, (_, i) => 250 + 50 * (i % 7));
    await n.timed('POS sales at the cafe, offline (protocol 2)', sell(till, posAmounts), posAmounts.length);
    const webAmounts = Array.from({ length: o.webPayments ?? 3 }, (_, i) => 1_200 + 300 * i);
    await n.timed('Internet payments, books (protocol 3)', payOnline(booksShop, webAmounts), webAmounts.length);
    const taxiAmounts = Array.from({ length: o.foreignPosSales ?? 5 }, (_, i) => 1_800 + 400 * (i % 3));
    await n.timed("POS sales at BANK-B's taxi, offline", sell(taxiTill, taxiAmounts), taxiAmounts.length);
    const ticketAmounts = Array.from({ length: o.foreignWebPayments ?? 2 }, (_, i) => 2_500 + 500 * i);
    await n.timed("Internet payments, BANK-B's tickets", payOnline(ticketsShop, ticketAmounts), ticketAmounts.length);

    n.heading('Capture and presentment');
    const posReport = await n.timed('cafe deposit at BANK-A (protocol 5)', () => cafe.deposit(), posAmounts.length);
    const shopReport = await n.timed(
      'books deposit at BANK-A (POST /v1/deposit)',
      () => booksShop.deposit(),
      webAmounts.length,
    );
    // B verifies A's cards' checks (their chain to the scheme root) and presents them to A: the
    // merchant's receipt says so (337) and credits nothing until A answers (interbank/README.md).
    const taxiPresented = await n.timed('taxi deposit at BANK-B', () => taxi.deposit(), taxiAmounts.length);
    const ticketsPresented = await n.timed(
      'tickets deposit at BANK-B',
      () => ticketsShop.deposit(),
      ticketAmounts.length,
    );
    const before = receipt(taxiPresented);
    n.say(
      `  taxi's receipt: ${taxiPresented.outcomes.length} checks ${before.codes.join(', ')} (presented to BANK-A), ${money(before.credited)} credited; tickets: ${money(ticketsPresented.credited)}`,
    );
    const presentments = await presentmentsAnswered(b);
    n.say(
      `  BANK-B sent ${presentments.made} presentments to BANK-A as the deposits committed; A answered ${presentments.answered}`,
    );
    // The merchants ask again with the same batches: the receipts now carry A's answers.
    const taxiReport = await taxi.deposit();
    const ticketsReport = await ticketsShop.deposit();
    const after = receipt(taxiReport);
    n.say(
      `  asked again: taxi ${allCoded(after, 0) ? 'accepted by BANK-A' : `codes ${after.codes.join(', ')}`}, ${money(taxiReport.credited)} credited; tickets ${money(ticketsReport.credited)} credited`,
    );

    n.heading('Balances');
    const posSpent = posAmounts.reduce((s, x) => s + x, 0);
    const webSpent = webAmounts.reduce((s, x) => s + x, 0);
    const foreignPosSpent = taxiAmounts.reduce((s, x) => s + x, 0);
    const foreignWebSpent = ticketAmounts.reduce((s, x) => s + x, 0);
    const foreignSpent = foreignPosSpent + foreignWebSpent;
    const totals: Totals = {
      funded: FUNDS,
      loaded: LOAD,
      posSpent,
      webSpent,
      foreignPosSpent,
      foreignWebSpent,
      cardBalance: (await card.status()).balance,
      cardholderAccount: await balance(a.db, 'cardholder', 'alice', CURRENCY),
      posMerchant: await balance(a.db, 'merchant', 'cafe', CURRENCY),
      shopMerchant: await balance(a.db, 'merchant', 'books', CURRENCY),
      taxiMerchant: await balance(b.db, 'merchant', 'taxi', CURRENCY),
      ticketsMerchant: await balance(b.db, 'merchant', 'tickets', CURRENCY),
      emoney: await balance(a.db, 'emoney', a.service.bank.id, CURRENCY),
      interbankA: await balance(a.db, 'interbank', b.id, CURRENCY),
      interbankB: await balance(b.db, 'interbank', a.id, CURRENCY),
      ledgerSums: { [a.id]: await ledgerSum(a.db), [b.id]: await ledgerSum(b.db) },
    };
    const rows: [string, number][] = [
      ['cardholder account (alice, BANK-A)', totals.cardholderAccount],
      [`card balance (${PURSE})`, totals.cardBalance],
      ['merchant cafe (BANK-A, POS)', totals.posMerchant],
      ['merchant books (BANK-A, web shop)', totals.shopMerchant],
      ['merchant taxi (BANK-B, POS)', totals.taxiMerchant],
      ['merchant tickets (BANK-B, web shop)', totals.ticketsMerchant],
    ];
    const held = rows.reduce((s, [, v]) => s + v, 0);
    for (const [k, v] of rows) n.say(`  ${k.padEnd(38)} ${n.money(v)}`);
    n.say(`  ${'─'.repeat(38)} ${'─'.repeat(14)}`);
    n.say(`  ${'total (funded)'.padEnd(38)} ${n.money(held)}`);
    n.say(`  ${'e-money outstanding (BANK-A liability)'.padEnd(38)} ${n.money(totals.emoney)}`);
    n.say(`  ${'BANK-A owes BANK-B (interbank)'.padEnd(38)} ${n.money(totals.interbankA)}`);
    n.say();
    n.expect(`cardholder + card + merchants of both banks = funded (${FUNDS})`, held === FUNDS);
    n.expect(`account = funded − loaded (${FUNDS} − ${LOAD})`, totals.cardholderAccount === FUNDS - LOAD);
    n.expect(
      `card = loaded − POS − Internet (${LOAD} − ${posSpent + foreignPosSpent} − ${webSpent + foreignWebSpent})`,
      totals.cardBalance === LOAD - posSpent - webSpent - foreignSpent,
    );
    n.expect(
      `cafe credited every POS check (${money(posSpent)})`,
      totals.posMerchant === posSpent && posReport.credited === posSpent && posReport.refused.length === 0,
    );
    n.expect(
      `books credited every Internet check (${money(webSpent)})`,
      totals.shopMerchant === webSpent && shopReport.credited === webSpent && shopReport.refused.length === 0,
    );
    n.expect(
      "BANK-B's receipts: A's checks presented (337), nothing credited before A's answer",
      allCoded(before, ErrorCode.PresentedToIssuer) &&
        before.credited === 0 &&
        allCoded(receipt(ticketsPresented), ErrorCode.PresentedToIssuer) &&
        ticketsPresented.credited === 0,
    );
    n.expect('BANK-A answered every presentment', presentments.made > 0 && presentments.answered === presentments.made);
    n.expect(
      `taxi credited every POS check on A's answer (${money(foreignPosSpent)})`,
      totals.taxiMerchant === foreignPosSpent && allCoded(after, 0) && taxiReport.credited === foreignPosSpent,
    );
    n.expect(
      `tickets credited every Internet check on A's answer (${money(foreignWebSpent)})`,
      totals.ticketsMerchant === foreignWebSpent && ticketsReport.credited === foreignWebSpent,
    );
    n.expect('e-money liability = card balance', totals.emoney === totals.cardBalance);
    n.expect(
      `BANK-A owes BANK-B what B paid its merchants for A's card (${money(foreignSpent)}), B's books mirror it`,
      totals.interbankA === foreignSpent && totals.interbankB === -foreignSpent,
    );
    for (const bank of [a, b]) {
      n.expect(`${bank.id}: all ledger balances sum to 0`, totals.ledgerSums[bank.id] === 0);
      n.expect(`${bank.id}: ledger invariants hold`, (await checkInvariants(bank.db)).ok);
    }

    n.heading('Clone attack across two acquirers');
    const clone = await cloneAttack(n, {
      issuer: a,
      acquirer: b,
      card,
      purseId: PURSE,
      cardPath,
      buildHash,
      pin: PIN,
      home: { book: cafe, till },
      away: { book: taxi, till: taxiTill },
      anchors,
      currency: CURRENCY,
      dir,
    });

    n.heading('Interbank settlement');
    const settlement = await settleInterbank(n, { closing: b, other: a, anchors, currency: CURRENCY });

    n.heading('Both banks');
    const schemeTotals = await checkScheme(n, [a, b], { funded: FUNDS, netSum: settlement.netSum });

    const totalMs = performance.now() - started;
    const ok = n.checks.every((c) => c.ok);
    n.heading(ok ? 'Every total adds up' : 'SOMETHING DOES NOT ADD UP');
    n.say(
      `  ${n.checks.filter((c) => c.ok).length}/${n.checks.length} checks hold; demo ran in ${(totalMs / 1000).toFixed(1)} s`,
    );
    return {
      ok,
      checks: n.checks,
      totals,
      presented: { before, after },
      clone,
      settlement,
      scheme: schemeTotals,
      timings: n.timings,
      totalMs,
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runDemo();
  process.exit(result.ok ? 0 : 1);
}
