// The browser wallet end to end: a bank server (PGlite) and the web shop serving the built page,
// both on 127.0.0.1, and headless Chromium driving the page as a cardholder would: set up the card
// (enrolled with the one-time activation code the bank issued; a used code refused), load value, buy an item and approve it, reload the
// page (the card's EEPROM and the wallet's keys come back from IndexedDB), a wrong PIN. Any console
// error in the page or its workers fails the test.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, ConsoleMessage, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BankClient } from '../../src/net/bank-client.ts';
import { shopCatalogue } from '../../src/web/catalogue.ts';
import { CURRENCY, invariants, ledger, MERCHANT_ID, makeWorld, type World } from '../wallet/support.ts';
import { launchChromium } from './chromium.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(root, 'src', 'web', 'dist');
const shots = join(root, '.cache', 'screenshots');
const PIN = '2468';

let w: World;
let browser: Browser;
let context: BrowserContext;
let page: Page;

interface ConsoleError {
  text: string;
  url: string;
}

/** Every console error of a context's pages and their workers, and every uncaught exception. */
function collectErrors(ctx: BrowserContext): ConsoleError[] {
  const errors: ConsoleError[] = [];
  const record = (where: string) => (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push({ text: `${where}: ${m.text()}`, url: m.location().url });
  };
  ctx.on('console', record('page'));
  ctx.on('weberror', (e) => errors.push({ text: `uncaught: ${e.error().message}`, url: '' }));
  ctx.on('page', (p) => p.on('worker', (worker) => worker.on('console', record(`worker ${worker.url()}`))));
  return errors;
}

/** Waits until the page's current action finished (buttons enabled again). */
async function idle(p: Page) {
  await p.waitForFunction(() => document.body.getAttribute('aria-busy') === 'false');
}

async function balanceText(p: Page) {
  return (await p.locator('#balance').textContent())?.trim();
}

async function logRows(p: Page): Promise<string[]> {
  return p
    .locator('#log tbody tr')
    .evaluateAll((rows) => rows.map((r) => Array.from(r.children, (c) => c.textContent).join(' | ')));
}

async function shot(locator: Locator, name: string): Promise<Buffer> {
  const png = await locator.screenshot({ animations: 'disabled', caret: 'hide' });
  writeFileSync(join(shots, `${name}.png`), png);
  return png;
}

/** The card profile the bank grants a browser wallet (minor units). */
const WEB_LIMITS = {
  currency: CURRENCY,
  maxBalance: 1_000_000,
  maxPerCheck: 200_000,
  maxOfflineChecks: 100,
  maxOfflineAmount: 500_000,
};

/** The bank opens a cardholder account and issues the one-time activation code it sends them. */
async function activationCode(): Promise<{ cardholderId: string; code: string }> {
  const cardholderId = `web-${randomBytes(6).toString('hex')}`;
  await w.bank.registerCardholder(cardholderId);
  return { cardholderId, code: (await w.bank.issueActivationCode(cardholderId, { limits: WEB_LIMITS })).code };
}

/** A fresh browser profile (its own IndexedDB: a new card) on the wallet page, set up with PIN. */
async function setUpWallet(ctx: BrowserContext): Promise<{ page: Page; cardholderId: string; purseId: string }> {
  const p = await ctx.newPage();
  await p.goto(`${w.shopUrl}/?bank=${encodeURIComponent(w.bankUrl)}`);
  await p.waitForSelector('body[data-state="setup"]');
  await idle(p);
  expect(await balanceText(p)).toBe('—');
  const issued = await activationCode();
  await p.fill('#activation-code', issued.code);
  await p.fill('#new-pin', PIN);
  await p.click('#setup-button');
  await p.waitForSelector('body[data-state="unlocked"]');
  await idle(p);
  expect(await p.locator('#error').isHidden()).toBe(true);
  const cardholderId = (await p.locator('#identity').getAttribute('data-cardholder')) as string;
  const purseId = (await p.locator('#identity').getAttribute('data-purse')) as string;
  expect(cardholderId).toBe(issued.cardholderId);
  expect(purseId).toMatch(/^purse-web-[0-9a-f]{12}$/);
  expect(await balanceText(p)).toBe('€0.00');
  return { page: p, cardholderId, purseId };
}

async function reloadAndUnlock(p: Page) {
  await p.reload();
  await p.waitForSelector('body[data-state="locked"]');
  await idle(p);
  await p.fill('#pin', PIN);
  await p.click('#unlock-button');
  await p.waitForSelector('body[data-state="unlocked"]');
  await idle(p);
}

const syncClocks = () => {
  w.clock.now = Math.floor(Date.now() / 1000);
};

beforeAll(async () => {
  // Builds the page when its inputs changed since the last build (a no-op otherwise).
  execFileSync(process.execPath, [join(root, 'scripts', 'build-web.mjs')], { cwd: root, stdio: 'inherit' });
  mkdirSync(shots, { recursive: true });
  w = await makeWorld({ shop: { staticDir: dist, catalogue: shopCatalogue(CURRENCY) } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await w?.close();
});

describe('browser wallet (headless Chromium)', () => {
  it('sets up, loads, pays the shop with approval, survives a reload, refuses a wrong PIN', async () => {
    // The page is served by the shop; the bank is another origin (CORS).
    context = await browser.newContext({
      viewport: { width: 900, height: 1200 },
      deviceScaleFactor: 1,
      locale: 'en-US',
    });
    const consoleErrors = collectErrors(context);
    const { page: opened, cardholderId, purseId } = await setUpWallet(context);
    page = opened;

    // The cardholder pays money in at the bank's counter, then loads 200.00 onto the card.
    await w.bank.fund(cardholderId, 50_000, CURRENCY);
    syncClocks();
    await page.fill('#load-amount', '200.00');
    await page.click('#load-button');
    await idle(page);
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(await balanceText(page)).toBe('€200.00');
    expect(await logRows(page)).toEqual([expect.stringMatching(/^load 1 \| load \| bank-web \| \+€200\.00 \| /)]);
    const afterLoad = await shot(page.locator('#balance'), 'balance-after-load');

    // Buying asks for approval, showing the amount and the merchant the shop's slip names.
    syncClocks();
    await page.click('button.buy[data-item="mug"]');
    await page.waitForSelector('#approve-dialog[open]');
    expect(await page.locator('#approve-amount').textContent()).toBe('€22.00');
    expect(await page.locator('#approve-merchant').textContent()).toBe(MERCHANT_ID);
    expect(await page.locator('#approve-bank').textContent()).toBe('bank-web');
    await page.click('#approve-yes');
    await idle(page);
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(await balanceText(page)).toBe('€178.00');
    const rows = await logRows(page);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(
      new RegExp(`^check 1 \\| purchase · mug \\| ${MERCHANT_ID} \\| −€22\\.00 \\| .* \\| ✓ verified$`),
    );
    // The payment was re-verified in the verifier worker, which alone fetched the check verifier's
    // module; the page's main thread fetched only the primitives.
    const wasmFetched = () =>
      performance
        .getEntriesByType('resource')
        .map((entry) => entry.name)
        .filter((name) => name.endsWith('.wasm'));
    const pageWasm = await page.evaluate(wasmFetched);
    expect(pageWasm.some((name) => name.includes('smartcheck_core_bg'))).toBe(true);
    expect(pageWasm.filter((name) => name.includes('smartcheck_checks_bg'))).toEqual([]);
    const verifierWorker = page.workers().find((worker) => worker.url().includes('verifier-worker'));
    expect(verifierWorker, 'the verifier worker runs').toBeDefined();
    expect((await verifierWorker!.evaluate(wasmFetched)).some((name) => name.includes('smartcheck_checks_bg'))).toBe(
      true,
    );
    const afterPay = await shot(page.locator('#balance'), 'balance-after-payment');
    await page.screenshot({ path: join(shots, 'page-after-payment.png'), fullPage: true });

    // Cancelling at the approval charges nothing.
    await page.click('button.buy[data-item="tea-green"]');
    await page.waitForSelector('#approve-dialog[open]');
    await page.click('#approve-no');
    await idle(page);
    expect(await page.locator('#error').textContent()).toContain('cancelled');
    expect(await balanceText(page)).toBe('€178.00');
    expect(await logRows(page)).toEqual(rows);

    // A slip whose merchant signature does not verify is refused in the worker, before any
    // approval is asked and before the card is touched.
    const ordersUrl = `${w.shopUrl}/v1/orders`;
    await page.route(ordersUrl, async (route) => {
      const response = await route.fetch();
      const offer = (await response.json()) as { slip: string };
      const slip = Buffer.from(offer.slip, 'base64');
      slip[slip.length - 1] = (slip[slip.length - 1] as number) ^ 0x01; // the last byte of the signature
      await route.fulfill({ response, json: { ...offer, slip: slip.toString('base64') } });
    });
    await page.click('button.buy[data-item="coffee-250g"]');
    await idle(page);
    expect(await page.locator('#approve-dialog').getAttribute('open')).toBeNull();
    expect(await page.locator('#error').textContent()).toBe(
      "the shop's signed request does not check out (the signature does not verify: purchase slip): nothing was charged",
    );
    expect(await balanceText(page)).toBe('€178.00');
    expect(await logRows(page)).toEqual(rows);
    await page.unroute(ordersUrl);

    // The shop has the order paid; after its deposit the bank's ledger moved the money.
    const orderId = (await page
      .locator('#log tbody tr[data-kind="purchase"]')
      .first()
      .getAttribute('data-order')) as string;
    const order = (await (await fetch(`${w.shopUrl}/v1/orders/${orderId}`)).json()) as {
      status: string;
      amount: number;
      item: string;
    };
    expect(order).toMatchObject({ status: 'paid', amount: 2_200, item: 'mug' });
    const deposit = await fetch(`${w.shopUrl}/v1/deposit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(deposit.status).toBe(200);
    expect(await ledger(w, cardholderId)).toEqual({ cardholder: 30_000, merchant: 2_200, emoney: 17_800 });
    expect(await invariants(w)).toEqual([]);

    // Reload: the balance comes back from the card's EEPROM in IndexedDB before any PIN.
    await page.reload();
    await page.waitForSelector('body[data-state="locked"]');
    await idle(page);
    expect(await balanceText(page)).toBe('€178.00');
    expect(await page.locator('#identity').getAttribute('data-purse')).toBe(purseId);

    // A wrong PIN: a clear error, still locked, the balance as it was.
    await page.fill('#pin', '0000');
    await page.click('#unlock-button');
    await idle(page);
    expect(await page.locator('#error').textContent()).toBe('Wrong PIN: 2 tries left.');
    expect(await page.locator('body').getAttribute('data-state')).toBe('locked');
    expect(await balanceText(page)).toBe('€178.00');
    expect(await page.locator('#unblock-button').isHidden()).toBe(true);

    // Two more: blocked, the right PIN refused too; the bank unblocks it (its signature over this
    // purse and a fresh counter, checked by the card) and the same PIN works again.
    for (const [pin, error] of [
      ['0001', 'Wrong PIN: 1 try left.'],
      ['0002', 'The card is blocked after too many wrong PINs: “Unblock with the bank” resets the tries.'],
      [PIN, 'The card is blocked after too many wrong PINs: “Unblock with the bank” resets the tries.'],
    ] as const) {
      await page.fill('#pin', pin);
      await page.click('#unlock-button');
      await idle(page);
      expect(await page.locator('#error').textContent()).toBe(error);
    }
    expect(await page.locator('#card-state').textContent()).toBe('locked · 0 PIN tries left');
    await page.click('#unblock-button');
    await idle(page);
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(await page.locator('#message').textContent()).toBe('The bank unblocked the card: enter your PIN.');
    expect(await page.locator('#card-state').textContent()).toBe('locked · 3 PIN tries left');
    expect(await page.locator('#unblock-button').isHidden()).toBe(true);
    expect(await balanceText(page)).toBe('€178.00');

    // The right PIN: the same log as before the reload, the payment still verified.
    await page.fill('#pin', PIN);
    await page.click('#unlock-button');
    await page.waitForSelector('body[data-state="unlocked"]');
    await idle(page);
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(await logRows(page)).toEqual(rows);
    expect(await page.locator('#card-state').textContent()).toBe('unlocked');

    // The screenshots show the balances asserted: each equals the balance element rendering that
    // text, and the two differ.
    expect(afterLoad.equals(afterPay)).toBe(false);
    const rendered = async (text: string) => {
      await page.locator('#balance').evaluate((el, t) => (el.textContent = t), text);
      return shot(page.locator('#balance'), `reference-${text.replace(/\W+/g, '_')}`);
    };
    expect((await rendered('€200.00')).equals(afterLoad)).toBe(true);
    expect((await rendered('€178.00')).equals(afterPay)).toBe(true);
    expect((await rendered('€178.00')).equals(afterLoad)).toBe(false);

    expect(consoleErrors).toEqual([]);
    await context.close();
  });
  it('refuses a used or a wrong activation code in words; the page stays at set-up', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${w.shopUrl}/?bank=${encodeURIComponent(w.bankUrl)}`);
    await p.waitForSelector('body[data-state="setup"]');
    await idle(p);
    const { code } = await activationCode();
    const other = new Uint8Array(32).fill(7);
    await new BankClient(w.bankUrl).enrol({
      activationCode: code,
      purseId: 'purse-elsewhere',
      signingKey: other,
      kxKey: other,
    });
    for (const [typed, says] of [
      [code, 'The activation code was already used to enrol a card: ask the bank for a new one.'],
      [
        'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF',
        'The activation code is not one the bank issued (mistyped, or for another bank).',
      ],
    ] as const) {
      await p.fill('#activation-code', typed);
      await p.fill('#new-pin', PIN);
      await p.click('#setup-button');
      await idle(p);
      expect(await p.locator('#error').textContent()).toBe(says);
      expect(await p.locator('body').getAttribute('data-state')).toBe('setup');
    }
    await ctx.close();
  });

  it('loses no value to a lost reply: the load and the payment finish after a reload', async () => {
    const ctx = await browser.newContext({ locale: 'en-US' });
    const errors = collectErrors(ctx);
    const { page: p, cardholderId } = await setUpWallet(ctx);
    await w.bank.fund(cardholderId, 10_000, CURRENCY);
    syncClocks();
    const before = await ledger(w, cardholderId);

    // The bank answers the load, the answer never reaches the page.
    const loadUrl = `${w.bankUrl}/v1/load`;
    await p.route(loadUrl, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      await route.fetch();
      await route.abort('connectionreset');
    });
    await p.fill('#load-amount', '40.00');
    await p.click('#load-button');
    await idle(p);
    expect(await p.locator('#error').textContent()).toContain('The bank cannot be reached');
    expect(await balanceText(p)).toBe('€0.00');
    expect(await ledger(w, cardholderId)).toMatchObject({
      cardholder: before.cardholder - 4_000,
      emoney: before.emoney + 4_000,
    });
    await p.unroute(loadUrl);

    // After a reload the card sends the same request again; the bank answers it once.
    await reloadAndUnlock(p);
    expect(await p.locator('#message').textContent()).toBe('Finished an interrupted load of €40.00.');
    expect(await balanceText(p)).toBe('€40.00');
    expect(await ledger(w, cardholderId)).toMatchObject({
      cardholder: before.cardholder - 4_000,
      emoney: before.emoney + 4_000,
    });

    // The shop takes the check, its confirmation is lost: the card has paid, the wallet knows it.
    const payUrl = `${w.shopUrl}/v1/orders/*/pay`;
    await p.route(payUrl, async (route) => {
      await route.fetch();
      await route.abort('connectionreset');
    });
    await p.click('button.buy[data-item="coffee-250g"]');
    await p.waitForSelector('#approve-dialog[open]');
    await p.click('#approve-yes');
    await idle(p);
    expect(await p.locator('#error').textContent()).toContain('the shop did not confirm yet');
    expect(await balanceText(p)).toBe('€27.50');
    expect((await logRows(p))[0]).toMatch(/^check 1 \| purchase · coffee-250g .* ✓ verified · not confirmed$/);
    await p.unroute(payUrl);

    // The next unlock sends the same check again; the shop confirms it (once).
    await reloadAndUnlock(p);
    expect(await p.locator('#message').textContent()).toMatch(
      /^Sent again: webshop-1 confirmed the payment of €12\.50 \(order [0-9a-f]+\)\.$/,
    );
    expect(await balanceText(p)).toBe('€27.50');
    expect((await logRows(p))[0]).toMatch(/^check 1 \| purchase · coffee-250g .* ✓ verified$/);
    const orderId = (await p
      .locator('#log tbody tr[data-kind="purchase"]')
      .first()
      .getAttribute('data-order')) as string;
    expect(await (await fetch(`${w.shopUrl}/v1/orders/${orderId}`)).json()).toMatchObject({
      status: 'paid',
      amount: 1_250,
    });
    const merchantBefore = (await ledger(w, cardholderId)).merchant;
    expect(
      (
        await fetch(`${w.shopUrl}/v1/deposit`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(200);
    expect(await ledger(w, cardholderId)).toEqual({
      cardholder: before.cardholder - 4_000,
      merchant: merchantBefore + 1_250,
      emoney: before.emoney + 4_000 - 1_250,
    });
    expect(await invariants(w)).toEqual([]);

    // The history check can fail: a stored receipt whose approval signature was altered is flagged
    // by the verifier pool at the next unlock.
    await p.evaluate(async () => {
      const open = indexedDB.open('smartcheck-wallet');
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const store = db.transaction('payments', 'readwrite').objectStore('payments');
      const get = store.get(1);
      await new Promise((resolve) => (get.onsuccess = resolve));
      const record = get.result as { check: Uint8Array };
      const last = record.check.length - 1; // the last byte: the cardholder's signature
      record.check[last] = (record.check[last] as number) ^ 0x01;
      const put = store.put(record, 1);
      await new Promise((resolve) => (put.onsuccess = resolve));
      db.close();
    });
    await reloadAndUnlock(p);
    expect((await logRows(p))[0]).toMatch(/^check 1 \| purchase · coffee-250g .* ✗ error \d+$/);
    expect(await balanceText(p)).toBe('€27.50');

    // The only console errors are the two connections cut on purpose.
    const reset = expect.stringContaining('net::ERR_CONNECTION_RESET');
    expect(errors).toEqual([
      { text: reset, url: loadUrl },
      { text: reset, url: `${w.shopUrl}/v1/orders/${orderId}/pay` },
    ]);
    await ctx.close();
  });
});
