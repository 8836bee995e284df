// The embeddable browser wallet: one call assembles what a web page needs to be a cardholder's
// wallet. The emulated card runs in the page (the AssemblyScript applet, its EEPROM one IndexedDB
// record), the cardholder's key lives in a Web Worker (cardholder-worker.ts), and the page gets
// the same Wallet as every other wallet, with a payment journal in IndexedDB. The page keeps its
// DOM: the approval dialog is its `approve`. Imported file by file (not src/card/index.ts) so the
// Node-only FileEeprom stays out of a browser bundle.
import { loadApplet } from '../card/applet.ts';
import { EmulatedCard } from '../card/emulator.ts';
import { IndexedDbEeprom } from '../card/idb-store.ts';
import { PurseCard } from '../card/purse.ts';
import { BankClient } from '../net/bank-client.ts';
import { Lifecycle } from '../protocol/purse-apdu.ts';
import * as db from './browser-db.ts';
import { cardholderSigner, type PaymentRecord, paymentJournal, resendUnconfirmed } from './browser-journal.ts';
import { setUpCard, type WalletSettings } from './browser-setup.ts';
import type { CardholderCrypto } from './cardholder-crypto.ts';
import { connectCardholderCrypto } from './cardholder-worker.ts';
import { type PaymentResult, type SlipApproval, Wallet } from './wallet.ts';

export type { PaymentRecord } from './browser-journal.ts';
export type { WalletSettings } from './browser-setup.ts';

/** The IndexedDB key of this browser's card (one card per browser profile and origin). */
const CARD_ID = 'purse';

export interface BrowserWalletOptions {
  /**
   * Starts the crypto worker, written in the page so that its bundler sees the literal:
   * `() => new Worker(new URL('./crypto-worker.ts', import.meta.url), { type: 'module' })`, whose
   * script calls `serveCardholderCrypto()`.
   */
  worker?: () => Worker;
  /** Or the cardholder's crypto itself, in this thread (`cardholderCrypto()`: Node, tests). */
  crypto?: CardholderCrypto;
  /** Asks the cardholder to approve a verified slip (amount, merchant, bank, item); false charges nothing. */
  approve: (slip: SlipApproval) => Promise<boolean>;
  /** Unix seconds; default the browser's clock. */
  clock?: () => number;
}

/** First start: the cardholder enrols the card with the bank's one-time activation code, for this PIN. */
export interface BrowserWalletSetUp {
  bank: BankClient;
  pin: string;
  /** The activation code the bank issued for this cardholder (it decides the card's limits). */
  activationCode: string;
}

export class BrowserWallet {
  #settings: WalletSettings | undefined;
  #wallet: Wallet | undefined;

  constructor(
    /** The card in this page: balance and status need no PIN (`card.status()`). */
    readonly card: PurseCard,
    /** The cardholder's crypto (in its worker): holds the key that approves each check. */
    readonly crypto: CardholderCrypto,
    private readonly options: BrowserWalletOptions & { clock: () => number },
    /** The stored settings, and whether the card they describe is personalised (then the Wallet is made). */
    settings: WalletSettings | undefined,
    active: boolean,
  ) {
    this.#settings = settings;
    if (settings && active) this.#wallet = this.#makeWallet(settings);
  }

  /** What the wallet keeps about its bank and card; undefined before the first set-up. */
  get settings(): WalletSettings | undefined {
    return this.#settings;
  }

  /** The Wallet (unlock, load, payInternet, log, recoverLoads); undefined until the card is set up. */
  get wallet(): Wallet | undefined {
    return this.#wallet;
  }

  /** Personalises the card (safe to run again after a failure), then unlocks it with the PIN. */
  async setUp(o: BrowserWalletSetUp): Promise<Wallet> {
    const clock = this.options.clock;
    this.#settings = await setUpCard({ card: this.card, crypto: this.crypto, clock, ...o });
    this.#wallet = this.#makeWallet(this.#settings);
    await this.#wallet.unlock(o.pin);
    return this.#wallet;
  }

  /** The payments this wallet made (IndexedDB), with their signed checks and whether the shop confirmed. */
  payments(): Promise<PaymentRecord[]> {
    return db.getAll<PaymentRecord>('payments');
  }

  /** Sends again the checks the card signed and no shop confirmed (the page closed mid-payment). */
  async resendUnconfirmed(): Promise<PaymentResult[]> {
    return resendUnconfirmed(this.#required());
  }

  /**
   * A PIN blocked after three wrong tries: the cardholder's key signs the request, the bank signs
   * an unblock for this purse (POST /v1/unblock, no back office) and the card checks that
   * signature (RESET RETRY COUNTER). The PIN stays. The counter is a time (unix milliseconds).
   */
  async unblock(): Promise<void> {
    const s = this.#settingsRequired();
    // Milliseconds of the wallet's clock (the bank's own, in tests), distinct within a second.
    const counter = this.options.clock() * 1000 + (Date.now() % 1000);
    const request = await this.crypto.signUnblockRequest(s.purseId, counter);
    const { signature } = await new BankClient(s.bankUrl).cardholderUnblock(s.purseId, counter, request);
    await this.card.unblock(counter, signature);
  }

  #required(): Wallet {
    if (!this.#wallet) throw new Error('the card is not set up');
    return this.#wallet;
  }

  #settingsRequired(): WalletSettings {
    if (!this.#settings) throw new Error('the card is not set up');
    return this.#settings;
  }

  /** The worker signs for the cardholder, IndexedDB journals the payments. */
  #makeWallet(s: WalletSettings): Wallet {
    return new Wallet({
      card: this.card,
      bank: new BankClient(s.bankUrl),
      bankCertificate: s.bankCertificate,
      anchors: new Map(s.roots.map((r) => [r.id, r.publicKey])),
      clock: this.options.clock,
      cardholderSigner: cardholderSigner(this.crypto, s.cardholderId),
      journal: paymentJournal,
      approve: this.options.approve,
    });
  }
}

/**
 * Opens this browser's wallet: starts the crypto worker, opens the card from IndexedDB and, when
 * the card was set up before, the Wallet over it (locked: `wallet.unlock(pin)` next). Before the
 * first set-up `wallet` is undefined and `setUp` personalises the card.
 */
export async function createBrowserWallet(options: BrowserWalletOptions): Promise<BrowserWallet> {
  const crypto = options.crypto ?? (options.worker && (await connectCardholderCrypto(options.worker())));
  if (!crypto) throw new TypeError('createBrowserWallet: pass `worker` (a browser) or `crypto` (in this thread)');
  const applet = await loadApplet();
  const reader = await EmulatedCard.create({ store: new IndexedDbEeprom(CARD_ID, applet.buildHash) });
  const card = new PurseCard(reader);
  await card.select();
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const settings = await db.get<WalletSettings>('settings', 'wallet');
  const active = (await card.status()).lifecycle === Lifecycle.active;
  if (settings && active) await crypto.trust(settings.roots, settings.bankCertificate, clock());
  return new BrowserWallet(card, crypto, { ...options, clock }, settings, active);
}
