// The browser wallet end to end: a bank server (PGlite) and the web shop serving the built page,
// both on 127.0.0.1, and headless Chromium driving the page as a cardholder would: set up the card
// (personalised through the bank's admin API), load value, buy an item and approve it, reload the
// page (the card's EEPROM and the wallet's keys come back from IndexedDB), a wrong PIN. Any console
// error in the page or its workers fails the test.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { shopCatalogue } from '../../src/web/catalogue.ts';
import { CURRENCY, ledger, invariants, makeWorld, MERCHANT_ID, type World } from '../wallet/support.ts';
import { launchChromium } from './chromium.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(root, 'src', 'web', 'dist');
const shots = join(root, '.cache', 'screenshots');
const PIN = '2468';

let w: World;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

/** Waits until the page's current action finished (buttons enabled again). */
async function idle(p: Page) {
  await p.waitForFunction(() => document.body.getAttribute('aria-busy') === 'false');
}

async function balanceText(p: Page) {
  return (await p.locator('#balance').textContent())?.trim();
}

async function logRows(p: Page): Promise<string[]> {
  return p.locator('#log tbody tr').evaluateAll((rows) => rows.map((r) => Array.from(r.children, (c) => c.textContent).join(' | ')));
}

async function shot(locator: Locator, name: string): Promise<Buffer> {
  const png = await locator.screenshot({ animations: 'disabled', caret: 'hide' });
  writeFileSync(join(shots, `${name}.png`), png);
  return png;
}

beforeAll(async () => {
  // Builds the page when its inputs changed since the last build (a no-op otherwise).
  execFileSync(process.execPath, [join(root, 'scripts', 'build-web.mjs')], { cwd: root, stdio: 'inherit' });
  mkdirSync(shots, { recursive: true });
  w = await makeWorld({ shop: { staticDir: dist, catalogue: shopCatalogue(CURRENCY) } });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 900, height: 1200 }, deviceScaleFactor: 1 });
  const record = (where: string) => (m: { type(): string; text(): string }) => {
    if (m.type() === 'error') consoleErrors.push(`${where}: ${m.text()}`);
  };
  context.on('console', record('page'));
  context.on('weberror', (e) => consoleErrors.push(`uncaught: ${e.error().message}`));
  context.on('page', (p) => p.on('worker', (worker) => worker.on('console', record(`worker ${worker.url()}`))));
  page = await context.newPage();
  page.on('worker', (worker) => worker.on('console', record(`worker ${worker.url()}`)));
});

afterAll(async () => {
  await browser?.close();
  await w?.close();
});

describe('browser wallet (headless Chromium)', () => {
  it('sets up, loads, pays the shop with approval, survives a reload, refuses a wrong PIN', async () => {
    // The page is served by the shop; the bank is another origin (CORS).
    await page.goto(`${w.shopUrl}/?bank=${encodeURIComponent(w.bankUrl)}`);
    await page.waitForSelector('body[data-state="setup"]');
    await idle(page);
    expect(await balanceText(page)).toBe('0.00');

    // First start: the bank personalises the card and certifies the approval key.
    await page.fill('#new-pin', PIN);
    await page.click('#setup-button');
    await page.waitForSelector('body[data-state="unlocked"]');
    await idle(page);
    expect(await page.locator('#error').isHidden()).toBe(true);
    const cardholderId = (await page.locator('#identity').getAttribute('data-cardholder')) as string;
    const purseId = (await page.locator('#identity').getAttribute('data-purse')) as string;
    expect(cardholderId).toMatch(/^web-[0-9a-f]{12}$/);
    expect(await balanceText(page)).toBe('0.00 EUR');

    // The cardholder pays money in at the bank's counter, then loads 200.00 onto the card.
    await w.bank.fund(cardholderId, 50_000, CURRENCY);
    w.clock.now = Math.floor(Date.now() / 1000);
    await page.fill('#load-amount', '200.00');
    await page.click('#load-button');
    await idle(page);
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(await balanceText(page)).toBe('200.00 EUR');
    expect(await logRows(page)).toEqual([expect.stringMatching(/^load 1 \| load \| bank-web \| \+200\.00 EUR \| /)]);
    const afterLoad = await shot(page.locator('#balance'), 'balance-after-load');

    // Buying asks for approval, showing the amount and the merchant the shop's slip names.
    w.clock.now = Math.floor(Date.now() / 1000);
    await page.click('button.buy[data-item="mug"]');
    await page.waitForSelector('#approve-dialog[open]');
    expect(await page.locator('#approve-amount').textContent()).toBe('22.00 EUR');
    expect(await page.locator('#approve-merchant').textContent()).toBe(MERCHANT_ID);
    expect(await page.locator('#approve-bank').textContent()).toBe('bank-web');
    await page.click('#approve-yes');
    await idle(page);
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(await balanceText(page)).toBe('178.00 EUR');
    const rows = await logRows(page);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(new RegExp(`^check 1 \\| purchase · mug \\| ${MERCHANT_ID} \\| −22\\.00 EUR \\| .* \\| ✓ verified$`));
    const afterPay = await shot(page.locator('#balance'), 'balance-after-payment');
    await page.screenshot({ path: join(shots, 'page-after-payment.png'), fullPage: true });

    // Cancelling at the approval charges nothing.
    await page.click('button.buy[data-item="tea-green"]');
    await page.waitForSelector('#approve-dialog[open]');
    await page.click('#approve-no');
    await idle(page);
    expect(await page.locator('#error').textContent()).toContain('cancelled');
    expect(await balanceText(page)).toBe('178.00 EUR');
    expect(await logRows(page)).toEqual(rows);

    // The shop has the order paid; after its deposit the bank's ledger moved the money.
    const orderId = (await page.locator('#log tbody tr[data-kind="purchase"]').first().getAttribute('data-order')) as string;
    const order = (await (await fetch(`${w.shopUrl}/v1/orders/${orderId}`)).json()) as { status: string; amount: number; item: string };
    expect(order).toMatchObject({ status: 'paid', amount: 2_200, item: 'mug' });
    const deposit = await fetch(`${w.shopUrl}/v1/deposit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(deposit.status).toBe(200);
    expect(await ledger(w, cardholderId)).toEqual({ cardholder: 30_000, merchant: 2_200, emoney: 17_800 });
    expect(await invariants(w)).toEqual([]);

    // Reload: the balance comes back from the card's EEPROM in IndexedDB before any PIN.
    await page.reload();
    await page.waitForSelector('body[data-state="locked"]');
    await idle(page);
    expect(await balanceText(page)).toBe('178.00 EUR');
    expect(await page.locator('#identity').getAttribute('data-purse')).toBe(purseId);

    // A wrong PIN: a clear error, still locked, the balance as it was.
    await page.fill('#pin', '0000');
    await page.click('#unlock-button');
    await idle(page);
    expect(await page.locator('#error').textContent()).toBe('Wrong PIN: 2 tries left.');
    expect(await page.locator('body').getAttribute('data-state')).toBe('locked');
    expect(await balanceText(page)).toBe('178.00 EUR');

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
    expect((await rendered('200.00 EUR')).equals(afterLoad)).toBe(true);
    expect((await rendered('178.00 EUR')).equals(afterPay)).toBe(true);
    expect((await rendered('178.00 EUR')).equals(afterLoad)).toBe(false);

    expect(consoleErrors).toEqual([]);
  });
});
