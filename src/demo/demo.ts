// `npm run demo`: the whole system in one process, over real loopback HTTP. A bank (PGlite in
// memory, its HTTP API on 127.0.0.1), a POS terminal and a web shop (journals in a temp dir), a
// card (emulated, EEPROM in a temp file) and its cardholder. It loads value, pays offline at the
// POS, pays on the Internet, captures, and prints balances and ledger totals that must add up,
// with the time each step took. Then a clone attack: the card's EEPROM copied, the same value
// spent twice offline, the second deposit caught as a clone and still paid to the honest kiosk
// under the bank's guarantee (the issuer books the fraud loss), the purse revoked, and a terminal
// refusing it after refreshing its revocation list. Exit 0 only when every total adds up.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519, x25519 } from '../../bindings/index.ts';
import { audit } from '../bank/audit/index.ts';
import { createCredential } from '../bank/back-office/credentials.ts';
import { openDatabase } from '../bank/db.ts';
import { fileKeyStore } from '../bank/keys/file.ts';
import { balance, checkInvariants } from '../bank/ledger.ts';
import { buildServer } from '../bank/server.ts';
import { BankService } from '../bank/service.ts';
import { FileEeprom } from '../card/file-store.ts';
import { EmulatedCard, loadApplet, PurseCard } from '../card/index.ts';
import { FileCheckStore } from '../merchant/file-store.ts';
import { DEFAULT_REVOCATION_MAX_AGE_S, MerchantBook, Terminal, TerminalError } from '../merchant/index.ts';
import { formatMoney } from '../money.ts';
import { BankClient } from '../net/bank-client.ts';
import { ShopClient } from '../net/shop-client.ts';
import type { OfflineLimits, TrustAnchors } from '../protocol/certificate.ts';
import { ErrorCode, errorDescriptions } from '../protocol/errors.ts';
import { verifyFraudProof } from '../protocol/fraud.ts';
import type { Party } from '../protocol/pki.ts';
import { createInThreadVerifier } from '../protocol/verifier/index.ts';
import { createShopServer } from '../shop/server.ts';
import { issueCard } from '../wallet/issue.ts';
import { Wallet } from '../wallet/wallet.ts';

export interface DemoOptions {
  /** Print nothing (tests). */
  quiet?: boolean;
  /** POS sales in the first part (default 20). */
  posSales?: number;
  /** Internet payments (default 3). */
  webPayments?: number;
}

export interface Totals {
  funded: number;
  loaded: number;
  posSpent: number;
  webSpent: number;
  cardBalance: number;
  cardholderAccount: number;
  posMerchant: number;
  shopMerchant: number;
  emoney: number;
  /** Sum of every ledger balance (must be 0). */
  ledgerSum: number;
}

export interface DemoResult {
  ok: boolean;
  /** Each check that must hold, with its outcome. */
  checks: { what: string; ok: boolean }[];
  totals: Totals;
  clone: {
    firstDepositCredited: number;
    secondDepositCode: number;
    /** What the kiosk's deposit of the clone's check was credited, under the guarantee. */
    secondDepositCredited: number;
    /** The issuer's fraud-loss balance afterwards (minus what the guarantee paid). */
    fraudLoss: number;
    evidenceVerified: boolean;
    purseStatus: string;
    refusedAfterRefresh: number | undefined;
    kioskMerchant: number;
  };
  timings: { step: string; ms: number; ops?: number }[];
  totalMs: number;
}

const CURRENCY = 'EUR';
const PIN = '1234';
const FUNDS = 100_000;
const LOAD = 60_000;
const LIMITS: OfflineLimits = {
  currency: CURRENCY,
  maxBalance: 500_000,
  maxPerCheck: 50_000,
  maxOfflineChecks: 1_000,
  maxOfflineAmount: 500_000,
};

export async function runDemo(o: DemoOptions = {}): Promise<DemoResult> {
  const say = o.quiet ? () => {} : (line = '') => console.log(line);
  const started = performance.now();
  const timings: DemoResult['timings'] = [];
  const checks: DemoResult['checks'] = [];
  const expect = (what: string, ok: boolean) => {
    checks.push({ what, ok });
    say(`  ${ok ? 'ok  ' : 'FAIL'}  ${what}`);
  };
  const timed = async <T>(step: string, fn: () => Promise<T>, ops?: number): Promise<T> => {
    const t = performance.now();
    const r = await fn();
    const ms = performance.now() - t;
    timings.push({ step, ms, ...(ops ? { ops } : {}) });
    say(
      `  ${step.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms${ops ? `  ${((ms * 1000) / ops).toFixed(0).padStart(7)} µs/op × ${ops}` : ''}`,
    );
    return r;
  };
  const heading = (text: string) => say(`\n${text}\n${'─'.repeat(text.length)}`);
  const dir = mkdtempSync(join(tmpdir(), 'smartcheck-demo-'));
  const closers: (() => Promise<unknown>)[] = [];

  try {
    say('smartcheck demo: a bank, a POS terminal, a web shop and a card, over loopback HTTP');
    heading('Setting up');
    const { db, service } = await timed('bank: PGlite ledger, keys, migrations', async () => {
      const db = await openDatabase('');
      closers.push(() => db.close());
      // The bank's secret keys in an encrypted file outside the ledger, under a random key file.
      const keyFile = join(dir, 'bank.key');
      writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
      const keys = fileKeyStore(join(dir, 'bank.keys'), { keyFile });
      closers.push(() => keys.close());
      return { db, service: await BankService.open(db, createInThreadVerifier(), { bankId: 'demo-bank', keys }) };
    });
    const bankApp = await buildServer(service);
    closers.push(() => bankApp.close());
    const bankUrl = await listen(bankApp);
    // The back office's credential (`smartcheck bank credential create`), both roles: the demo is the bank's staff too.
    const { token } = await createCredential(db, { name: 'demo staff', roles: ['operator', 'issuer'] });
    const bank = new BankClient(bankUrl, { timeoutMs: 15_000, token });
    const info = await timed(`bank: HTTP API on ${bankUrl}`, () => bank.bankInfo());
    const anchors: TrustAnchors = new Map(info.roots.map((r) => [r.id, r.publicKey]));

    // The cardholder: an account, funded, and a signing key for Internet approvals certified by the bank.
    const holderKeys = ed25519.keygen();
    const registered = await timed('cardholder alice: account + certified key', () =>
      bank.registerCardholder('alice', { signingKey: holderKeys.publicKey }),
    );
    await bank.fund('alice', FUNDS, CURRENCY, 'demo-cash');
    const cardholder: Party = {
      id: 'alice',
      secretKey: holderKeys.secretKey,
      publicKey: holderKeys.publicKey,
      certificate: registered.certificate as Uint8Array,
    };

    // The card: EEPROM in a file; it makes its own keys, the bank certifies the public halves.
    const { buildHash } = await loadApplet();
    const cardPath = join(dir, 'alice.card');
    // The bank sends alice a one-time activation code; her device enrols the card with it alone.
    const { code: activationCode } = await bank.issueActivationCode('alice', { limits: LIMITS });
    const card = await timed('card: enrolled with an activation code', async () => {
      const c = new PurseCard(await EmulatedCard.create({ store: new FileEeprom(cardPath, buildHash) }));
      await issueCard(c, new BankClient(bankUrl, { timeoutMs: 15_000 }), {
        purseId: 'P-alice',
        activationCode,
        pin: PIN,
      });
      return c;
    });

    const merchant = async (id: string, sub: string) => {
      const sign = ed25519.keygen();
      const kx = x25519.keygen();
      const r = await bank.registerMerchant(id, { signingKey: sign.publicKey, kxKey: kx.publicKey });
      const party: Party = { id, secretKey: sign.secretKey, publicKey: sign.publicKey, certificate: r.certificate, kx };
      const store = new FileCheckStore(join(dir, sub));
      closers.push(() => store.close());
      const book = await MerchantBook.open({
        merchant: party,
        bankCertificate: r.bankCertificate,
        anchors,
        store,
        bank,
        policy: { currency: CURRENCY, revocationMaxAgeS: DEFAULT_REVOCATION_MAX_AGE_S },
      });
      await book.refreshRevocationList();
      return book;
    };
    const cafe = await timed('POS terminal: merchant cafe, journal on disk', () => merchant('cafe', 'cafe'));
    const till = new Terminal(cafe, { terminalId: 'T-1' });
    const books = await timed('web shop: merchant books, journal on disk', () => merchant('books', 'books'));
    const shopApp = await createShopServer({ book: books, currencies: [CURRENCY] });
    closers.push(() => shopApp.close());
    const shopUrl = await listen(shopApp);
    const shop = new ShopClient(shopUrl);
    say(`  web shop on ${shopUrl}`);

    heading('Paying');
    const wallet = new Wallet({ card, bank, bankCertificate: info.bankCertificate, anchors, cardholder });
    await wallet.unlock(PIN);
    await timed(`load ${formatMoney(LOAD, CURRENCY)} onto the card (protocol 1)`, () => wallet.load(LOAD));
    const posAmounts = Array.from({ length: o.posSales ?? 20 }, (_, i) => 250 + 50 * (i % 7));
    await timed(
      'POS sales, offline (protocol 2)',
      async () => {
        for (const a of posAmounts) await till.sell(card, a);
      },
      posAmounts.length,
    );
    const webAmounts = Array.from({ length: o.webPayments ?? 3 }, (_, i) => 1_200 + 300 * i);
    await timed(
      'Internet payments via the shop (protocol 3)',
      async () => {
        for (const a of webAmounts)
          await wallet.payInternet(shop, { item: `book-${a}`, amount: a, currency: CURRENCY });
      },
      webAmounts.length,
    );
    const posReport = await timed('POS deposit (protocol 5)', () => cafe.deposit(), posAmounts.length);
    const shopReport = await timed(
      'web shop deposit (POST /v1/deposit)',
      async () =>
        (await fetch(`${shopUrl}/v1/deposit`, { method: 'POST' })).json() as Promise<{
          credited: number;
          refused: unknown[];
        }>,
      webAmounts.length,
    );

    heading('Balances');
    const posSpent = posAmounts.reduce((s, a) => s + a, 0);
    const webSpent = webAmounts.reduce((s, a) => s + a, 0);
    const ledgerSum = async () =>
      ((await db.query<{ s: number }>('select coalesce(sum(balance), 0)::numeric as s from accounts'))[0]?.s ??
        NaN) as number;
    const totals: Totals = {
      funded: FUNDS,
      loaded: LOAD,
      posSpent,
      webSpent,
      cardBalance: (await card.status()).balance,
      cardholderAccount: await balance(db, 'cardholder', 'alice', CURRENCY),
      posMerchant: await balance(db, 'merchant', 'cafe', CURRENCY),
      shopMerchant: await balance(db, 'merchant', 'books', CURRENCY),
      emoney: await balance(db, 'emoney', service.bank.id, CURRENCY),
      ledgerSum: Number(await ledgerSum()),
    };
    const rows: [string, number][] = [
      ['cardholder account (alice)', totals.cardholderAccount],
      ['card balance (P-alice)', totals.cardBalance],
      ['merchant cafe (POS)', totals.posMerchant],
      ['merchant books (web shop)', totals.shopMerchant],
    ];
    const money = (v: number | bigint) => formatMoney(v, CURRENCY).padStart(14);
    for (const [k, v] of rows) say(`  ${k.padEnd(38)} ${money(v)}`);
    say(`  ${'─'.repeat(38)} ${'─'.repeat(14)}`);
    say(`  ${'total (funded)'.padEnd(38)} ${money(rows.reduce((s, [, v]) => s + v, 0))}`);
    say(`  ${'e-money outstanding (bank liability)'.padEnd(38)} ${money(totals.emoney)}`);
    say();
    expect(`cardholder + card + merchants = funded (${FUNDS})`, rows.reduce((s, [, v]) => s + v, 0) === FUNDS);
    expect(`account = funded − loaded (${FUNDS} − ${LOAD})`, totals.cardholderAccount === FUNDS - LOAD);
    expect(
      `card = loaded − POS − Internet (${LOAD} − ${posSpent} − ${webSpent})`,
      totals.cardBalance === LOAD - posSpent - webSpent,
    );
    expect(
      `cafe credited every POS check (${formatMoney(posSpent, CURRENCY)})`,
      totals.posMerchant === posSpent && posReport.credited === posSpent && posReport.refused.length === 0,
    );
    expect(
      `books credited every Internet check (${formatMoney(webSpent, CURRENCY)})`,
      totals.shopMerchant === webSpent && shopReport.credited === webSpent && shopReport.refused.length === 0,
    );
    expect('e-money liability = card balance', totals.emoney === totals.cardBalance);
    expect('all ledger balances sum to 0', totals.ledgerSum === 0);
    expect('ledger invariants hold', (await checkInvariants(db)).ok);
    const audited = await timed('audit: every balance from the signed evidence', () => audit(db, service.bank));
    expect(`audit clean (${audited.counts.loads} loads, ${audited.counts.checks} checks)`, audited.ok);

    heading('Clone attack');
    // The attacker copies the card's EEPROM file: the copy holds the same keys, balance and serial.
    const clonePath = join(dir, 'clone.card');
    copyFileSync(cardPath, clonePath);
    const clone = new PurseCard(await EmulatedCard.create({ store: new FileEeprom(clonePath, buildHash) }));
    await clone.select();
    await clone.verifyPin(PIN);
    say(
      `  EEPROM copied: both cards hold balance ${formatMoney((await clone.status()).balance, CURRENCY)}, last serial ${(await clone.status()).serial}`,
    );
    const kiosk = await merchant('kiosk', 'kiosk');
    const kioskTill = new Terminal(kiosk, { terminalId: 'K-1' });
    const spend = 5_000;
    const genuine = await till.sell(card, spend);
    const copied = await kioskTill.sell(clone, spend);
    say(
      `  offline: cafe took check #${genuine.serial} from the card, kiosk took check #${copied.serial} from the clone (${formatMoney(spend, CURRENCY)} each)`,
    );
    const first = await cafe.deposit();
    const second = await timed('kiosk deposit: caught at capture, paid under the guarantee', () => kiosk.deposit());
    const code = second.refused[0]?.code ?? 0;
    const fraudLoss = await balance(db, 'fraud_loss', service.bank.id, CURRENCY);
    say(
      `  cafe deposit: ${formatMoney(first.credited, CURRENCY)} credited; kiosk deposit: ${code === 0 ? `${formatMoney(second.credited, CURRENCY)} credited under the bank's guarantee (the kiosk took a bank-certified card offline by the rules)` : `refused ${code} (${errorDescriptions[code as ErrorCode]})`}`,
    );
    say(`  the issuer books the clone's check as fraud loss: ${formatMoney(-fraudLoss, CURRENCY)}`);
    const [evidence] = await db.query<{ proof: Uint8Array }>('select proof from fraud_evidence where purse_id = $1', [
      'P-alice',
    ]);
    let evidenceVerified = false;
    if (evidence) {
      const proof = verifyFraudProof(new Uint8Array(evidence.proof), { anchors });
      evidenceVerified = proof.purseId === 'P-alice' && proof.serial === genuine.serial;
      say(
        `  fraud evidence: two checks of ${proof.purseId} with serial ${proof.serial}, both purse-signed (verified offline against the root)`,
      );
    }
    const [purse] = await db.query<{ status: string }>('select status from purses where purse_id = $1', ['P-alice']);
    say(`  purse P-alice: ${purse?.status}`);
    await till.book.refreshRevocationList();
    let refusedCode: number | undefined;
    try {
      await till.sell(card, 100);
    } catch (error) {
      if (!(error instanceof TerminalError)) throw error;
      refusedCode = error.code;
      say(`  cafe after refreshing its list: ${error.message.split(':')[0]} (${error.code}: revoked)`);
    }
    const kioskMerchant = await balance(db, 'merchant', 'kiosk', CURRENCY);
    expect('the first deposit of the value is credited', first.credited === spend);
    expect(
      "the honest kiosk is paid the clone's check under the guarantee",
      code === 0 && second.credited === spend && kioskMerchant === spend,
    );
    expect("the issuer's fraud loss is the clone's check", fraudLoss === -spend);
    expect('the fraud evidence verifies', evidenceVerified);
    expect('the purse is revoked for fraud', purse?.status === 'fraud');
    expect('a terminal refuses the revoked purse after refreshing (206)', refusedCode === ErrorCode.Revoked);
    expect('all ledger balances still sum to 0', Number(await ledgerSum()) === 0);
    expect('ledger invariants still hold', (await checkInvariants(db)).ok);
    const reaudit = await audit(db, service.bank);
    expect('audit still clean (the fraud loss recomputed from the fraud proof and the receipts)', reaudit.ok);
    if (!reaudit.ok) for (const d of reaudit.differences) say(`    ${d}`);

    const totalMs = performance.now() - started;
    const ok = checks.every((c) => c.ok);
    heading(ok ? 'Every total adds up' : 'SOMETHING DOES NOT ADD UP');
    say(
      `  ${checks.filter((c) => c.ok).length}/${checks.length} checks hold; demo ran in ${(totalMs / 1000).toFixed(1)} s`,
    );
    return {
      ok,
      checks,
      totals,
      clone: {
        firstDepositCredited: first.credited,
        secondDepositCode: code,
        secondDepositCredited: second.credited,
        fraudLoss,
        evidenceVerified,
        purseStatus: purse?.status ?? '',
        refusedAfterRefresh: refusedCode,
        kioskMerchant,
      },
      timings,
      totalMs,
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listen(app: {
  listen(o: { host: string; port: number }): Promise<string>;
  server: { address(): unknown };
}): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runDemo();
  process.exit(result.ok ? 0 : 1);
}
