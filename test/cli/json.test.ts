// `--json` on the status, report and deposit commands: stdout is one JSON document (bytes as hex)
// and nothing else, carrying the same figures as the text output; exit codes and stderr as without.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/bank/db.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { BankService } from '../../src/bank/service.ts';
import { toHex } from '../../src/bytes.ts';
import { formatMoney, toDecimal } from '../../src/money.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import { books, issueLoadedCard, ledgerClean, makeWorld, PIN, type Run, run, type World } from './support.ts';

let w: World;
beforeAll(async () => {
  w = await makeWorld();
  await issueLoadedCard(w, { cardholderId: 'jo', purseId: 'P-jo', funds: 50_000, load: 20_000, file: 'jo.card' });
  for (const r of [
    await w.run('pos', 'init', 'till', '--merchant', 'json-cafe'),
    await w.run('pos', 'sell', 'till', '450', '--card', 'jo.card', '--pin', PIN),
    await w.run('pos', 'sell', 'till', '300', '--card', 'jo.card', '--pin', PIN),
    await w.run('shop', 'init', 'web', '--merchant', 'json-books'),
  ])
    expect(r.code).toBe(0);
});
afterAll(async () => {
  if (w) expect(await ledgerClean(w)).toEqual([]);
  await w?.close();
});

/** The one JSON document on stdout (a second line or any text around it fails the parse). */
const json = (r: Run) => {
  expect(r.stdout.endsWith('\n') && !r.stdout.trimEnd().includes('\n')).toBe(true);
  return JSON.parse(r.stdout);
};
/** "label  value" lines of the text output, by label. */
const field = (r: Run, label: string) => r.stdout.match(new RegExp(`^${label}\\s{2,}(.*)$`, 'm'))?.[1];

describe('--json', () => {
  it('card status and wallet status: the text figures', async () => {
    const [text, js, wText, wJs] = await Promise.all([
      w.run('card', 'status', '--card', 'jo.card'),
      w.run('card', 'status', '--card', 'jo.card', '--json'),
      w.run('wallet', 'status', '--card', 'jo.card'),
      w.run('wallet', 'status', '--card', 'jo.card', '--json'),
    ]);
    const card = json(js);
    expect(card).toMatchObject({ purseId: 'P-jo', bankId: 'cli-bank', balance: 19_250, serial: 2, pinTries: 3 });
    expect(card.loadedTotal).toBe(20_000);
    expect(field(text, 'balance')).toBe('EUR 192.50');
    expect(field(text, 'last serial')).toBe(String(card.serial));
    expect(field(text, 'spent \\(net\\)')).toBe('EUR 7.50');
    expect(field(text, 'limits')).toContain(`max balance ${formatMoney(card.limits.maxBalance, 'EUR')}`);
    const wallet = json(wJs);
    expect(wallet).toEqual({
      purseId: 'P-jo',
      balance: 19_250,
      currency: 'EUR',
      checksSigned: 2,
      paymentPending: null,
      loadsPending: [],
    });
    expect(field(wText, 'balance')).toBe('EUR 192.50');
    expect(field(wText, 'checks signed')).toBe(String(wallet.checksSigned));
  });

  it('card log: the same records as the table, hashes as hex', async () => {
    const [text, js] = await Promise.all([
      w.run('card', 'log', '--card', 'jo.card', '--pin', PIN),
      w.run('card', 'log', '--card', 'jo.card', '--pin', PIN, '--json'),
    ]);
    const log = json(js);
    expect(log.purseId).toBe('P-jo');
    expect(log.records.map((r: { kind: string; amount: number }) => [r.kind, r.amount])).toEqual([
      ['purchase', 300],
      ['purchase', 450],
      ['load', 20_000],
    ]);
    expect(log.records[0].hash).toMatch(/^[0-9a-f]{64}$/);
    const rows = text.stdout.trim().split('\n').slice(1);
    expect(rows.map((l) => l.split(/\s+/).slice(0, 3))).toEqual(
      log.records.map((r: { kind: string; serial: number; amount: number }) => [
        r.kind,
        String(r.serial),
        toDecimal(r.amount, 'EUR'),
      ]),
    );
  });

  it('pos status and pending: the text figures', async () => {
    const [text, js, pText, pJs] = await Promise.all([
      w.run('pos', 'status', 'till'),
      w.run('pos', 'status', 'till', '--json'),
      w.run('pos', 'pending', 'till'),
      w.run('pos', 'pending', 'till', '--json'),
    ]);
    const status = json(js);
    expect(status).toMatchObject({
      merchantId: 'json-cafe',
      bankId: 'cli-bank',
      currency: 'EUR',
      pending: { checks: 2, amount: 750 },
      deposited: { checks: 0, amount: 0 },
      interrupted: 0,
    });
    expect(field(text, 'pending')).toBe(
      `${status.pending.checks} checks, ${formatMoney(status.pending.amount, 'EUR')}`,
    );
    expect(field(text, 'last transaction')).toBe(String(status.lastTransaction));
    const pending = json(pJs);
    expect(pending.map((c: { serial: number; amount: number }) => [c.serial, c.amount])).toEqual([
      [1, 450],
      [2, 300],
    ]);
    const rows = pText.stdout.trim().split('\n').slice(1);
    expect(rows.map((l, i) => l.endsWith(pending[i].checkHash.slice(0, 16)))).toEqual([true, true]);
  });

  it('pos deposit and shop deposit: the report, credited as the ledger says; a failure prints nothing on stdout', async () => {
    const b = await books(w);
    const dead = await w.run('pos', 'deposit', 'till', '--json', '--bank', 'http://127.0.0.1:1');
    expect(dead.code).toBe(5);
    expect(dead.stdout).toBe('');
    expect(dead.stderr).toMatch(/^smartcheck: /);

    const js = await w.run('pos', 'deposit', 'till', '--json');
    expect(js.code).toBe(0);
    const report = json(js);
    expect(report).toMatchObject({ merchantId: 'json-cafe', currency: 'EUR', credited: 750, refused: [] });
    expect(report.outcomes.map((o: { serial: number; status: string }) => [o.serial, o.status])).toEqual([
      [1, 'deposited'],
      [2, 'deposited'],
    ]);
    expect(report.batches[0].batchId).toMatch(/^[0-9a-f]+$/);
    expect(await b.merchant('json-cafe')).toBe(report.credited);

    // The text output of the next deposit says the same of the next sale.
    expect((await w.run('pos', 'sell', 'till', '125', '--card', 'jo.card', '--pin', PIN)).code).toBe(0);
    const text = await w.run('pos', 'deposit', 'till');
    expect(text.stdout).toMatch(/^deposited 1 of 1 checks in 1 batch: EUR 1\.25 credited to json-cafe/);
    expect(await b.merchant('json-cafe')).toBe(875);

    const shop = await w.run('shop', 'deposit', 'web', '--json');
    expect(shop.code).toBe(0);
    expect(json(shop)).toEqual({
      merchantId: 'json-books',
      currency: 'EUR',
      batches: [],
      outcomes: [],
      credited: 0,
      refused: [],
      refunds: [],
    });
  });

  it('bank info: the text figures, keys as hex', async () => {
    const [text, js] = await Promise.all([w.run('bank', 'info'), w.run('bank', 'info', '--json')]);
    const info = json(js);
    expect(info.bankId).toBe('cli-bank');
    expect(field(text, 'bank')).toBe(info.bankId);
    expect(field(text, 'certificate')).toBe(`${info.bankCertificate.length / 2} bytes`);
    const expected = await w.bank.bankInfo();
    expect(info.roots).toEqual(expected.roots.map((r) => ({ id: r.id, publicKey: toHex(r.publicKey) })));
    for (const r of info.roots) expect(field(text, `root ${r.id}`)).toBe(r.publicKey);
  });

  it('bank audit: the counts of the text line, ok and exit 0 on a clean ledger', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'smartcheck-audit-json-'));
    try {
      const db = await openDatabase('', { dataDir });
      await BankService.open(db, createInThreadVerifier(), { bankId: 'audit-bank', keys: memoryKeyStore() });
      await db.close();
      // One after the other: a PGlite data directory has one user at a time.
      const text = await run(['bank', 'audit', '--data-dir', dataDir], w.dir);
      const js = await run(['bank', 'audit', '--data-dir', dataDir, '--json'], w.dir);
      expect([text.code, js.code]).toEqual([0, 0]);
      const audit = json(js);
      expect(audit).toMatchObject({ bankId: 'audit-bank', ok: true, findings: [], invariantViolations: [] });
      const c = audit.counts;
      expect(text.stdout).toContain(
        `audited ${c.loads} loads, ${c.batches} deposit batches, ${c.checks} checks, ${c.transactions} transactions, ${c.purses} purses of audit-bank`,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
