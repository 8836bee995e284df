// `smartcheck bank settle-lost` and `bank report purse|merchant` against a bank on loopback with
// a back-office credential: amounts as money, --json as the bank's answer, the operator role
// required, a lost card settled once its window has passed (the bank's clock moved, no sleep),
// and `bank serve --settle-interval` like the other serve options.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredential } from '../../src/bank/back-office/credentials.ts';
import { books, issueLoadedCard, ledgerClean, makeWorld, PIN, type World } from './support.ts';

const DAY = 86_400;
let w: World;
let clock = Math.floor(Date.now() / 1000);
const message = (r: { stderr: string }) => r.stderr.trim().split('\n').at(-1);

beforeAll(async () => {
  w = await makeWorld({ clock: () => clock });
  await issueLoadedCard(w, { cardholderId: 'dora', purseId: 'P-dora', funds: 50_000, load: 20_000, file: 'dora.card' });
  expect((await w.run('pos', 'init', 'till', '--merchant', 'cafe', '--terminal', 'T-1')).code).toBe(0);
  for (const amount of ['450', '1000'])
    expect((await w.run('pos', 'sell', 'till', amount, '--card', 'dora.card', '--pin', PIN)).code).toBe(0);
  expect((await w.run('pos', 'deposit', 'till')).code).toBe(0);
});
afterAll(async () => {
  if (w) expect(await ledgerClean(w)).toEqual([]);
  await w?.close();
});

describe('bank report and settle-lost', () => {
  it('report purse: the shadow account as money, the gaps; --json is the bank answer', async () => {
    const text = await w.run('bank', 'report', 'purse', 'P-dora');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^purse +P-dora \(cardholder dora, EUR\), active$/m);
    expect(text.stdout).toMatch(/^loaded +EUR 200\.00$/m);
    expect(text.stdout).toMatch(/^captured +EUR 14\.50$/m);
    expect(text.stdout).toMatch(/^outstanding +EUR 185\.50$/m);
    expect(text.stdout).toMatch(/^gaps +none$/m);
    expect(text.stdout).toMatch(/^after 7 days +nothing signed before .* is missing$/m);
    const json = await w.run('bank', 'report', 'purse', 'P-dora', '--days', '1', '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      purseId: 'P-dora',
      loaded: 20_000,
      captured: 1_450,
      gaps: { highestSerial: 2, deposited: 2, count: 0, ranges: [] },
      undeposited: { days: 1, count: 0, atMost: 0 },
    });
    const unknown = await w.run('bank', 'report', 'purse', 'P-nobody');
    expect(unknown.code).toBe(4);
    expect(message(unknown)).toContain('purse P-nobody');
  });

  it('report merchant: totals per currency and each batch with its receipt hash over the period', async () => {
    clock = Math.floor(Date.now() / 1000);
    const yesterday = new Date((clock - DAY) * 1000).toISOString().slice(0, 10);
    const json = await w.run('bank', 'report', 'merchant', 'cafe', '--from', yesterday, '--json');
    expect(json.code, json.stderr).toBe(0);
    const s = JSON.parse(json.stdout);
    expect(s).toMatchObject({
      merchantId: 'cafe',
      from: Date.parse(yesterday) / 1000,
      to: clock + 1,
      totals: [{ currency: 'EUR', checks: 2, credited: 1_450, refundedChecks: 0, refunded: 0, net: 1_450 }],
      batches: { total: 1, offset: 0, limit: 100 },
    });
    const [batch] = s.batches.items;
    expect(batch).toMatchObject({ checks: 2, credited: [{ currency: 'EUR', checks: 2, amount: 1_450 }] });
    expect(batch.receiptHash).toMatch(/^[0-9a-f]{64}$/);
    const text = await w.run('bank', 'report', 'merchant', 'cafe', '--from', yesterday);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^EUR +2 +EUR 14\.50 +EUR 0\.00 \(0\) +EUR 14\.50$/m);
    expect(text.stdout).toContain(batch.receiptHash);
    expect(text.stdout).toContain('batches 1–1 of 1:');
    const empty = await w.run('bank', 'report', 'merchant', 'cafe', '--to', String(clock - 40 * DAY));
    expect(empty.stdout).toContain('no check credited in this period');
    const bad = await w.run('bank', 'report', 'merchant', 'cafe', '--from', 'last tuesday');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('from: a date (2026-12-01)');
  });

  it('the reports and the settlement need the operator role', async () => {
    const issuer = await createCredential(w.db, { name: 'issuing', roles: ['issuer'] });
    const env = { env: { SMARTCHECK_BANK_TOKEN: issuer.token } };
    const [purse, settle] = await Promise.all([
      w.runWith(env, 'bank', 'report', 'purse', 'P-dora'),
      w.runWith(env, 'bank', 'settle-lost'),
    ]);
    expect(purse.code).toBe(4);
    expect(message(purse)).toContain('report needs the operator role');
    expect(settle.code).toBe(4);
    expect(message(settle)).toContain('settle needs the operator role');
  });

  it('settle-lost pays a lost card back once its window has passed, once', async () => {
    const b = await books(w);
    const before = await b.cardholder('dora');
    expect((await w.run('bank', 'revoke', 'P-dora')).code).toBe(0);
    const early = await w.run('bank', 'settle-lost');
    expect(early.code, early.stderr).toBe(0);
    expect(early.stdout.trim()).toBe('no lost card past its settlement window');
    clock += 30 * DAY; // the default window
    const json = await w.run('bank', 'settle-lost', '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      settled: [{ purseId: 'P-dora', cardholderId: 'dora', currency: 'EUR', refunded: 18_550 }],
    });
    expect(await b.cardholder('dora')).toBe(before + 18_550);
    const again = await w.run('bank', 'settle-lost');
    expect(again.stdout.trim()).toBe('no lost card past its settlement window');
    expect(await b.cardholder('dora')).toBe(before + 18_550);
    const report = await w.run('bank', 'report', 'purse', 'P-dora');
    expect(report.stdout).toMatch(/^purse +P-dora \(cardholder dora, EUR\), settled$/m);
    expect(report.stdout).toMatch(/^outstanding +EUR 0\.00$/m);
  });

  it('bank serve --settle-interval: documented, from the environment too, checked', async () => {
    const help = await w.run('bank', 'serve', '--help');
    expect(help.stdout).toMatch(/--settle-interval <seconds>[\s\S]*default: 3600[\s\S]*SMARTCHECK_SETTLE_INTERVAL/);
    const bad = await w.runWith({ env: { SMARTCHECK_SETTLE_INTERVAL: 'hourly' } }, 'bank', 'serve');
    expect(bad.code).toBe(2);
    expect(message(bad)).toContain('$SMARTCHECK_SETTLE_INTERVAL: settle-interval: an integer');
  });
});
