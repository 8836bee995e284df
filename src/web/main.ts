// The browser wallet page, one user of createBrowserWallet (src/wallet/browser.ts: the card in
// IndexedDB, the cardholder's key in the crypto worker, the Wallet). This file is the DOM: the
// cardholder's steps, set up (first start), unlock with the PIN, load value, pay the web shop
// with an approval, and the card's log with each payment's check re-verified in the verifier pool.
import { toHex } from '../bytes.ts';
import './style.css';
import { SW } from '../card/apdu.ts';
import { CardError, type LogRecord } from '../card/purse.ts';
import { parseMoney } from '../money.ts';
import { BankClient } from '../net/bank-client.ts';
import { BankRejectedError, BankUnreachableError } from '../net/bank-link.ts';
import { ShopClient } from '../net/shop-client.ts';
import { ShopRejectedError, ShopUnreachableError } from '../net/shop-link.ts';
import { ErrorCode, errorDescriptions } from '../protocol/errors.ts';
import { Lifecycle } from '../protocol/purse-apdu.ts';
import { createVerifierPool } from '../protocol/verifier/pool.ts';
import type { VerifierPool } from '../protocol/verifier/types.ts';
import { type BrowserWallet, createBrowserWallet, type PaymentRecord, type WalletSettings } from '../wallet/browser.ts';
import { WalletError } from '../wallet/errors.ts';
import type { SlipApproval, Wallet } from '../wallet/wallet.ts';
import { CATALOGUE } from './catalogue.ts';
import { money } from './money.ts';

const clock = () => Math.floor(Date.now() / 1000);
/** The set-up's activation code refused: unknown, used, expired; said in the registry's words. */
const ACTIVATION_CODES = new Set<ErrorCode>([
  ErrorCode.ActivationCodeUnknown,
  ErrorCode.ActivationCodeUsed,
  ErrorCode.ActivationCodeExpired,
]);
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const params = new URLSearchParams(location.search);
let browserWallet: BrowserWallet;
let pool: VerifierPool | undefined;
const shop = new ShopClient(params.get('shop') ?? location.origin);

function show(state: 'starting' | 'setup' | 'locked' | 'unlocked') {
  document.body.dataset.state = state;
  $('setup-form').hidden = state !== 'setup';
  $('unlock-form').hidden = state !== 'locked';
  $('unlocked').hidden = state !== 'unlocked';
}

function say(message: string) {
  $('message').textContent = message;
}

/** A refusal in words a cardholder can act on; the technical message stays in brackets. */
function explain(error: unknown): string {
  if (error instanceof CardError) {
    if ((error.sw & 0xfff0) === SW.pinTries)
      return `Wrong PIN: ${error.sw & 0x0f} ${(error.sw & 0x0f) === 1 ? 'try' : 'tries'} left.`;
    if (error.sw === SW.blocked)
      return 'The card is blocked after too many wrong PINs: “Unblock with the bank” resets the tries.';
    if (error.sw === SW.insufficientFunds) return 'Not enough value on the card for this payment.';
    if (error.sw === SW.limitExceeded) return `The card's limit does not allow this (${error.message}).`;
    return `The card refused: ${error.message}`;
  }
  if (
    error instanceof BankRejectedError &&
    error.kind === 'protocol' &&
    ACTIVATION_CODES.has(error.code as ErrorCode)
  ) {
    const words = errorDescriptions[error.code as ErrorCode];
    return `${words.charAt(0).toUpperCase()}${words.slice(1)}.`;
  }
  if (error instanceof BankRejectedError) return `The bank refused: ${error.message}`;
  if (error instanceof BankUnreachableError) return `The bank cannot be reached: ${error.message}`;
  if (error instanceof ShopRejectedError) return `The shop refused: ${error.message}`;
  if (error instanceof ShopUnreachableError) return `The shop cannot be reached: ${error.message}`;
  if (error instanceof WalletError) {
    const cause = (error.cause as Error | undefined)?.message;
    if (error.code === 'declined') return 'You cancelled the payment: nothing was charged.';
    if (error.code === 'offer_invalid')
      return `the shop's signed request does not check out (${cause}): nothing was charged`;
    if (error.code === 'payment_incomplete')
      return `The card paid, the shop did not confirm yet (${cause ?? error.message}); the payment is sent again on the next unlock.`;
    return error.message;
  }
  return (error as Error)?.message ?? String(error);
}

/** Runs one user action: buttons off while it runs, its error shown (not thrown). */
async function act(what: () => Promise<void>): Promise<void> {
  document.body.setAttribute('aria-busy', 'true');
  for (const b of document.querySelectorAll('button')) b.disabled = true;
  $('error').hidden = true;
  try {
    await what();
  } catch (error) {
    $('error').textContent = explain(error);
    $('error').hidden = false;
  } finally {
    for (const b of document.querySelectorAll('button')) b.disabled = false;
    document.body.setAttribute('aria-busy', 'false');
  }
}

/** What the wallet keeps about its bank and card; undefined before the first set-up. */
const settings = (): WalletSettings | undefined => browserWallet?.settings;

async function showBalance(): Promise<void> {
  const status = await browserWallet.card.status();
  const currency = settings()?.currency;
  $('balance').textContent = currency ? money(status.balance, currency) : '—';
  $('card-state').textContent =
    status.lifecycle !== Lifecycle.active
      ? 'not set up'
      : status.pinVerified
        ? 'unlocked'
        : `locked · ${status.pinTries} PIN tries left`;
  $('unblock-button').hidden = status.lifecycle !== Lifecycle.active || status.pinTries > 0;
}

function requireWallet(): Wallet {
  if (!browserWallet.wallet) throw new Error('the card is not set up');
  return browserWallet.wallet;
}

async function renderLog(): Promise<void> {
  const records: LogRecord[] = await requireWallet().log();
  const payments = new Map((await browserWallet.payments()).map((p) => [p.serial, p]));
  const verdicts = await verifyHistory([...payments.values()]);
  const rows = records.map((r) => {
    const paid = r.kind === 'purchase' ? payments.get(r.serial) : undefined;
    const tr = document.createElement('tr');
    tr.dataset.kind = r.kind;
    tr.dataset.serial = String(r.serial);
    if (paid) tr.dataset.order = paid.orderId;
    const cells = [
      `${r.kind === 'load' ? 'load' : 'check'} ${r.serial}`,
      r.kind === 'load' ? 'load' : `purchase${paid ? ` · ${paid.item}` : ''}`,
      r.counterparty,
      `${r.kind === 'load' ? '+' : '−'}${money(r.amount, r.currency)}`,
      new Date(r.time * 1000).toISOString().replace('T', ' ').slice(0, 16),
      paid ? `${verdicts.get(paid.serial) ?? ''}${paid.status === 'sent' ? ' · not confirmed' : ''}` : '',
    ];
    cells.forEach((text, i) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (i === 3) td.className = 'num';
      tr.append(td);
    });
    return tr;
  });
  $('log')
    .querySelector('tbody')!
    .replaceChildren(...rows);
}

/**
 * Re-verifies the stored checks in the verifier pool (one Web Worker): signatures, chains, fields.
 * The worker reads and compiles the check verifier itself; this page only ever loads the primitives.
 */
async function verifyHistory(payments: PaymentRecord[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const s = settings();
  if (!payments.length || !s) return out;
  pool ??= await createVerifierPool({
    workers: 1,
    timeoutMs: 10_000,
    compileInWorkers: true,
    web: () =>
      new Worker(new URL('./verifier-worker.ts', import.meta.url), { type: 'module', name: 'smartcheck-verifier' }),
  });
  const verdicts = await pool.verifyChecks(
    payments.map((p) => p.check),
    { anchors: new Map(s.roots.map((r) => [r.id, r.publicKey])), now: clock() },
  );
  verdicts.forEach((v, i) => {
    const p = payments[i] as PaymentRecord;
    const hex = v.ok ? toHex(v.checkHash) : '';
    const good =
      v.ok && hex === p.checkId && v.amount === p.amount && v.serial === p.serial && v.merchantId === p.merchantId;
    out.set(p.serial, good ? '✓ verified' : `✗ ${v.ok ? 'differs from the receipt' : `error ${v.code}`}`);
  });
  return out;
}

function renderItems(currency: string) {
  const list = CATALOGUE.map((entry) => {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.textContent = `${entry.label} — ${money(entry.amount, currency)}`;
    const buy = document.createElement('button');
    buy.type = 'button';
    buy.className = 'buy';
    buy.dataset.item = entry.item;
    buy.textContent = 'Buy';
    buy.addEventListener('click', () => act(() => buy_(entry.item, entry.amount)));
    li.append(name, buy);
    return li;
  });
  $('items').replaceChildren(...list);
}

function askApproval(offer: SlipApproval): Promise<boolean> {
  const dialog = $<HTMLDialogElement>('approve-dialog');
  $('approve-amount').textContent = `${money(offer.amount, offer.currency)}`;
  $('approve-merchant').textContent = offer.merchantId;
  $('approve-bank').textContent = offer.bankId;
  $('approve-item').textContent = offer.item;
  for (const b of dialog.querySelectorAll('button')) b.disabled = false;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

async function buy_(item: string, amount: number): Promise<void> {
  const s = settings() as WalletSettings;
  try {
    const paid = await requireWallet().payInternet(shop, { item, amount, currency: s.currency });
    say(
      `Paid ${money(paid.amount, paid.currency)} to ${paid.merchantId} (order ${paid.orderId}, check ${paid.serial}).`,
    );
  } finally {
    // Also after a failure: the card may have paid although the shop did not confirm.
    await showBalance();
    await renderLog();
  }
}

/** Sends again the checks the card signed and no shop confirmed (the page closed mid-payment). */
async function sendUnconfirmed(): Promise<void> {
  for (const paid of await browserWallet.resendUnconfirmed()) {
    say(
      `Sent again: ${paid.merchantId} confirmed the payment of ${money(paid.amount, paid.currency)} (order ${paid.orderId}).`,
    );
  }
}

/** Finishes the loads whose reply was lost (the bank answers the same request with the same token). */
async function finishLoads(): Promise<void> {
  for (const r of await requireWallet().recoverLoads()) {
    say(
      r.error
        ? `An unfinished load of ${money(r.amount, (settings() as WalletSettings).currency)} could not be finished yet: ${explain(r.error)}`
        : `Finished an interrupted load of ${money(r.amount, (settings() as WalletSettings).currency)}.`,
    );
  }
}

async function unlocked(): Promise<void> {
  show('unlocked');
  renderItems((settings() as WalletSettings).currency);
  await finishLoads();
  await sendUnconfirmed().catch((error) => say(explain(error)));
  await showBalance();
  await renderLog();
}

$('setup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const pin = $<HTMLInputElement>('new-pin').value;
  const activationCode = $<HTMLInputElement>('activation-code').value;
  void act(async () => {
    const bankUrl = params.get('bank');
    if (!bankUrl) throw new Error('open the page with ?bank=<the bank URL> for the first start');
    await browserWallet.setUp({ bank: new BankClient(bankUrl), pin, activationCode });
    $<HTMLInputElement>('new-pin').value = '';
    $<HTMLInputElement>('activation-code').value = '';
    showIdentity();
    say('The card is set up and unlocked.');
    await unlocked();
  });
});

$('unlock-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>('pin');
  const pin = input.value;
  input.value = '';
  void act(async () => {
    try {
      await requireWallet().unlock(pin);
    } finally {
      await showBalance();
    }
    say('Unlocked.');
    await unlocked();
  });
});

// A PIN blocked after three wrong tries: the cardholder's key asks, the bank signs an unblock (BrowserWallet.unblock).
$('unblock-button').addEventListener('click', () => {
  void act(async () => {
    try {
      await browserWallet.unblock();
    } finally {
      await showBalance();
    }
    say('The bank unblocked the card: enter your PIN.');
  });
});

$('load-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void act(async () => {
    const amount = parseMoney($<HTMLInputElement>('load-amount').value, (settings() as WalletSettings).currency);
    try {
      const r = await requireWallet().load(amount);
      $<HTMLInputElement>('load-amount').value = '';
      say(
        `Loaded ${money(r.amount, (settings() as WalletSettings).currency)}${r.resumed ? ' (an earlier request, answered now)' : ''}.`,
      );
    } finally {
      await showBalance();
      await renderLog();
    }
  });
});

function showIdentity() {
  const s = settings();
  if (!s) return;
  const identity = $('identity');
  identity.textContent = `card ${s.purseId} · cardholder ${s.cardholderId} · bank ${s.bankId}`;
  identity.dataset.purse = s.purseId;
  identity.dataset.cardholder = s.cardholderId;
}

async function boot(): Promise<void> {
  browserWallet = await createBrowserWallet({
    // The literal `new Worker(new URL(…))` is here, in the page, so that Vite bundles the worker.
    worker: () =>
      new Worker(new URL('./crypto-worker.ts', import.meta.url), { type: 'module', name: 'smartcheck-crypto' }),
    approve: askApproval,
    clock,
  });
  if (!browserWallet.wallet) {
    await showBalance();
    show('setup');
    return;
  }
  showIdentity();
  await showBalance();
  show('locked');
}

show('starting');
void act(boot);
