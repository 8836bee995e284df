// `smartcheck pos …` and `smartcheck shop …` as child processes against a bank on loopback: init,
// sell (one and --count with a progress bar), deposit, cancel, recover, status, pending, refresh
// after a revocation; the web shop served, paid by `wallet pay`, deposited. Every bad input:
// exit code, one-line message, and the card, the journal and the ledger unchanged.
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  books,
  cardState,
  DEAD,
  flipped,
  issueLoadedCard,
  journal,
  ledgerClean,
  makeWorld,
  PIN,
  start,
  stop,
  type World,
} from './support.ts';

let w: World;
let card: string;
beforeAll(async () => {
  w = await makeWorld();
  card = await issueLoadedCard(w, {
    cardholderId: 'carol',
    purseId: 'P-carol',
    funds: 50_000,
    load: 20_000,
    file: 'carol.card',
  });
});
afterAll(async () => {
  if (w) expect(await ledgerClean(w)).toEqual([]);
  await w?.close();
});

const message = (r: { stderr: string }) =>
  r.stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('smartcheck:'))[0];

describe('pos', () => {
  it("init certifies the merchant's own keys; a second init of the directory is refused (2)", async () => {
    const init = await w.run('pos', 'init', 'till', '--merchant', 'cafe', '--terminal', 'T-9');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('terminal T-9 of merchant cafe');
    const config = JSON.parse(readFileSync(w.path('till/merchant.json'), 'utf8'));
    expect(config).toMatchObject({ merchantId: 'cafe', terminalId: 'T-9', currency: 'EUR', bankUrl: w.bankUrl });
    const [again, kiosk] = await Promise.all([
      w.run('pos', 'init', 'till', '--merchant', 'other'),
      w.run('pos', 'init', 'kiosk', '--merchant', 'kiosk'),
    ]);
    expect(again.code).toBe(2);
    expect(message(again)).toMatch(/merchant\.json exists: this directory already holds merchant cafe/);
    expect(kiosk.code).toBe(0);
    expect(JSON.parse(readFileSync(w.path('till/merchant.json'), 'utf8'))).toEqual(config);
  });

  it('sell one, then --count 20 with a progress bar on stderr; the journal and the card agree', async () => {
    const one = await w.run('pos', 'sell', 'till', '450', '--card', 'carol.card', '--pin', PIN);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/sold EUR 4\.50 to P-carol: check #1 stored/);
    const many = await w.run(
      'pos',
      'sell',
      'till',
      '10',
      '--count',
      '20',
      '--card',
      'carol.card',
      '--pin',
      PIN,
      '--progress',
    );
    expect(many.code).toBe(0);
    expect(many.stdout).toMatch(/sold 20 × EUR 0\.10 to P-carol \(checks up to #21\) in \d+ ms: \d+ µs\/sale/);
    expect(many.stderr).toMatch(/sell\s+\[=+\] 100% 20\/20/);
    expect(journal(w.path('till'))).toMatchObject({ checks: 21, amount: 650 });
    expect(await cardState(card)).toMatchObject({ balance: 19_350, serial: 21 });
  });

  it('wrong PIN and insufficient funds (3), a tampered card file (4): the card and the journal unchanged', async () => {
    flipped(card, w.path('tampered.card'), 500);
    const before = {
      card: await cardState(card),
      journal: journal(w.path('till')).bytes,
      tampered: readFileSync(w.path('tampered.card')),
    };
    const wrong = await w.run('pos', 'sell', 'till', '100', '--card', 'carol.card', '--pin', '4321');
    const short = await w.run('pos', 'sell', 'till', '19351', '--card', 'carol.card', '--pin', PIN);
    const tampered = await w.run('pos', 'sell', 'till', '100', '--card', 'tampered.card', '--pin', PIN);
    expect([wrong.code, short.code, tampered.code]).toEqual([3, 3, 4]);
    expect(message(wrong)).toBe('smartcheck: wrong PIN (2 tries left)');
    expect(message(short)).toBe('smartcheck: insufficient funds on the card');
    expect(message(tampered)).toMatch(/^smartcheck: card file refused \(tampered or not a card\)/);
    expect(await cardState(card)).toMatchObject({ balance: before.card.balance, serial: before.card.serial });
    expect(readFileSync(w.path('tampered.card'))).toEqual(before.tampered);
    // The refused sale leaves its intent closed in the journal, but no check.
    expect(journal(w.path('till'))).toMatchObject({ checks: 21, amount: 650 });
  });

  it('deposit: bank unreachable (5) and a tampered journal (4) change nothing; then every check is credited', async () => {
    const b = await books(w);
    cpSync(w.path('till'), w.path('till-tampered'), { recursive: true });
    rmSync(w.path('till-tampered/lock'), { force: true });
    flipped(w.path('till/journal.scj'), w.path('till-tampered/journal.scj'), 40);
    const tamperedBytes = readFileSync(w.path('till-tampered/journal.scj'));
    const before = journal(w.path('till')).bytes;
    const [dead, tampered] = await Promise.all([
      w.run('pos', 'deposit', 'till', '--bank', DEAD),
      w.run('pos', 'deposit', 'till-tampered'),
    ]);
    expect(dead.code).toBe(5);
    expect(message(dead)).toMatch(/^smartcheck: deposit: bank unreachable at http:\/\/127\.0\.0\.1:1/);
    expect(tampered.code).toBe(4);
    expect(message(tampered)).toMatch(
      /^smartcheck: terminal journal refused \(tampered or damaged\): merchant journal corrupt at byte \d+/,
    );
    expect(readFileSync(w.path('till-tampered/journal.scj'))).toEqual(tamperedBytes);
    expect(await b.merchant('cafe')).toBe(0);
    // The unreachable attempt journalled its batch (so a retry resends the same one) and nothing else.
    expect(journal(w.path('till'))).toMatchObject({ checks: 21, amount: 650 });
    expect(before.length).toBeGreaterThan(0);

    const pending = await w.run('pos', 'pending', 'till');
    expect(pending.code).toBe(0);
    expect(pending.stdout.trim().split('\n')).toHaveLength(22);
    const deposit = await w.run('pos', 'deposit', 'till', '--progress');
    expect(deposit.code).toBe(0);
    expect(deposit.stdout).toMatch(/^deposited 21 of 21 checks in 1 batch: EUR 6\.50 credited to cafe/);
    expect(deposit.stderr).toMatch(/deposit\s+\[=+\] 100% 21\/21/);
    expect(await b.merchant('cafe')).toBe(650);
  });

  it('cancel refunds the last sale to the card and voids its check; cancelling again is refused (4); status and recover report it', async () => {
    const sell = await w.run('pos', 'sell', 'till', '300', '--card', 'carol.card', '--pin', PIN);
    expect(sell.code).toBe(0);
    expect((await cardState(card)).balance).toBe(19_050);
    const cancel = await w.run('pos', 'cancel', 'till', '--card', 'carol.card');
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/cancelled the last sale: EUR 3\.00 back on the card \(balance EUR 193\.50\)/);
    expect((await cardState(card)).balance).toBe(19_350);
    const again = await w.run('pos', 'cancel', 'till', '--card', 'carol.card');
    expect(again.code).toBe(4);
    expect(message(again)).toBe('smartcheck: the last sale is voided');
    expect((await cardState(card)).balance).toBe(19_350);
    const [status, recover] = await Promise.all([w.run('pos', 'status', 'till'), w.run('pos', 'recover', 'till')]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/pending\s+0 checks, EUR 0\.00/);
    expect(status.stdout).toMatch(/deposited\s+21 checks, EUR 6\.50/);
    expect(status.stdout).toMatch(/voided\s+1 checks, EUR 3\.00/);
    expect(status.stdout).toMatch(/refunds to send\s+1: sent with the next pos deposit/);
    expect(recover.code).toBe(0);
    expect(recover.stdout).toMatch(/^last transaction 23: completed/);
    // the next deposit sends the refund: the bank records it (the check never credited), once
    const deposit = await w.run('pos', 'deposit', 'till', '--json');
    expect(deposit.code).toBe(0);
    const report = JSON.parse(deposit.stdout) as { refunds: { amount: number; outcome: string }[] };
    expect(report.refunds).toMatchObject([{ amount: 300, outcome: 'recorded', code: 0, debited: 0 }]);
    const [after, text] = [await w.run('pos', 'status', 'till', '--json'), await w.run('pos', 'deposit', 'till')];
    expect(JSON.parse(after.stdout)).toMatchObject({ refundsToSend: 0, voided: { checks: 1, amount: 300 } });
    expect(text.stdout).not.toMatch(/refunds sent/);
  });

  it("a copied card spends the same value twice: the clone is caught and the honest kiosk paid under the bank's guarantee (0)", async () => {
    const b = await books(w);
    cpSync(card, w.path('clone.card'));
    const [genuine, clone] = await Promise.all([
      w.run('pos', 'sell', 'till', '1000', '--card', 'carol.card', '--pin', PIN),
      w.run('pos', 'sell', 'kiosk', '1000', '--card', 'clone.card', '--pin', PIN),
    ]);
    expect([genuine.code, clone.code]).toEqual([0, 0]);
    expect(genuine.stdout).toContain('check #23 stored');
    expect(clone.stdout).toContain('check #23 stored');
    const first = await w.run('pos', 'deposit', 'till');
    expect(first.code).toBe(0);
    // The kiosk took a bank-certified card offline by the rules: paid, the issuer's fraud loss.
    const second = await w.run('pos', 'deposit', 'kiosk');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/deposited 1 of 1 checks/);
    expect(await b.merchant('cafe')).toBe(1_650);
    expect(await b.merchant('kiosk')).toBe(1_000);
  });

  it('after refresh the terminal refuses the revoked purse offline (4), nothing charged', async () => {
    const refresh = await w.run('pos', 'refresh', 'till');
    expect(refresh.code).toBe(0);
    expect(refresh.stdout).toMatch(/revocation list \d+ of cli-bank: 1 revoked/);
    const before = await cardState(card);
    const sell = await w.run('pos', 'sell', 'till', '100', '--card', 'carol.card', '--pin', PIN);
    expect(sell.code).toBe(4);
    expect(message(sell)).toMatch(
      /^smartcheck: card refused before payment: a certificate in the chain is revoked.*P-carol/,
    );
    expect(await cardState(card)).toMatchObject({ balance: before.balance, serial: before.serial });
    expect(journal(w.path('till')).checks).toBe(23);
  });
});

describe('shop', () => {
  it('init, serve on loopback, wallet pay (bad PIN 3, short card 3, shop unreachable 5 change nothing), deposit through the running shop', async () => {
    const dave = await issueLoadedCard(w, {
      cardholderId: 'dave',
      purseId: 'P-dave',
      funds: 10_000,
      load: 5_000,
      file: 'dave.card',
    });
    const init = await w.run('shop', 'init', 'web', '--merchant', 'books');
    expect(init.code).toBe(0);
    const { child, line } = await start(['shop', 'serve', 'web', '--port', '0', '--no-static'], w.dir, {
      SMARTCHECK_BANK: w.bankUrl,
    });
    try {
      const url = /on (http:\/\/[^ ]+)/.exec(line)?.[1] as string;
      expect(line).toMatch(/^shop books on http:\/\/127\.0\.0\.1:\d+$/);
      const pay = (amount: string, pin = PIN, shop = url) =>
        w.run(
          'wallet',
          'pay',
          amount,
          '--item',
          'book',
          '--card',
          'dave.card',
          '--pin',
          pin,
          '--key',
          'dave.key',
          '--shop',
          shop,
        );
      const paid = await pay('1500');
      expect(paid.code).toBe(0);
      expect(paid.stdout).toMatch(
        /^paid EUR 15\.00 to books for order [0-9a-f]+ \(check P-dave#1\): card balance EUR 35\.00/,
      );
      const wrong = await pay('100', '0000');
      const short = await pay('3501');
      const dead = await pay('100', PIN, DEAD);
      expect([wrong.code, short.code, dead.code]).toEqual([3, 3, 5]);
      expect(message(wrong)).toBe('smartcheck: wrong PIN (2 tries left)');
      expect(message(short)).toBe('smartcheck: insufficient funds on the card');
      expect(message(dead)).toMatch(/^smartcheck: shop unreachable at http:\/\/127\.0\.0\.1:1\/v1\/orders/);
      expect(await cardState(dave)).toMatchObject({ balance: 3_500, serial: 1 });
      expect(journal(w.path('web'))).toMatchObject({ checks: 1, amount: 1_500 });

      const busy = await w.run('shop', 'deposit', 'web');
      expect(busy.code).toBe(1);
      expect(message(busy)).toMatch(/web is in use by process \d+/);
      const deposit = await w.run('shop', 'deposit', '--shop', url);
      expect(deposit.code).toBe(0);
      expect(deposit.stdout).toContain('deposited 1 of 1 checks: 1500 credited');
      expect(await (await books(w)).merchant('books')).toBe(1_500);
      // --json passes the running shop's report through: nothing left to deposit.
      const again = await w.run('shop', 'deposit', '--shop', url, '--json');
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toEqual({ batches: [], outcomes: [], credited: 0, refused: [], refunds: [] });
    } finally {
      await stop(child);
    }
  });

  it('a torn sale (the card signed, the terminal never stored the check): status shows it, recover needs the card (2), then stores the check', async () => {
    const { openMerchantDir } = await import('../../src/cli/merchant-dir.ts');
    const { Terminal, TerminalError } = await import('../../src/merchant/index.ts');
    const { EmulatedCard, PurseCard, loadApplet } = await import('../../src/card/index.ts');
    const { FileEeprom } = await import('../../src/card/file-store.ts');
    const purse = new PurseCard(
      await EmulatedCard.create({ store: new FileEeprom(w.path('dave.card'), (await loadApplet()).buildHash) }),
    );
    await purse.select();
    await purse.verifyPin(PIN);
    // The card is pulled out after it signed: the answer never reaches the terminal.
    const torn = {
      certificate: () => purse.certificate(),
      readLog: (i: number) => purse.readLog(i),
      reissueCheck: (n: number) => purse.reissueCheck(n),
      refund: purse.refund.bind(purse),
      purchase: async (slip: Uint8Array, now: number) => {
        await purse.purchase(slip, now);
        throw new Error('card removed');
      },
    };
    const opened = await openMerchantDir(w.path('kiosk'));
    try {
      const error = await new Terminal(opened.book, { terminalId: opened.config.terminalId })
        .sell(torn, 700)
        .catch((e) => e);
      expect(error).toBeInstanceOf(TerminalError);
      expect(error.kind).toBe('card_interrupted');
    } finally {
      await opened.close();
    }
    const checks = journal(w.path('kiosk')).checks;
    const [status, blind] = await Promise.all([w.run('pos', 'status', 'kiosk'), w.run('pos', 'recover', 'kiosk')]);
    expect(status.stdout).toMatch(/interrupted\s+1 sale\(s\): run pos recover with the card/);
    expect(blind.code).toBe(2);
    expect(message(blind)).toBe(
      'smartcheck: 1 interrupted sale(s) with purse P-dave: present the card with --card and --pin',
    );
    expect(journal(w.path('kiosk')).checks).toBe(checks);
    const recover = await w.run('pos', 'recover', 'kiosk', '--card', 'dave.card', '--pin', PIN);
    expect(recover.code).toBe(0);
    expect(recover.stdout).toMatch(/^last transaction \d+: recovered \(check #2 of P-dave, EUR 7\.00 stored\)/);
    expect(journal(w.path('kiosk')).checks).toBe(checks + 1);
    expect(await cardState(w.path('dave.card'))).toMatchObject({ balance: 2_800, serial: 2 });
  });

  it('the card paid and the shop did not confirm: the check is kept beside the card (exit 4), wallet resume sends it again, paid once', async () => {
    const { child, line } = await start(['shop', 'serve', 'web', '--port', '0', '--no-static'], w.dir, {
      SMARTCHECK_BANK: w.bankUrl,
    });
    // A shop front that takes orders but fails every payment (a crash between slip and payment).
    const shopUrl = /on (http:\/\/[^ ]+)/.exec(line)?.[1] as string;
    const front = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      if (req.url?.endsWith('/pay')) {
        res
          .writeHead(503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { kind: 'shop', code: 'overloaded', message: 'down for a moment' } }));
        return;
      }
      const r = await fetch(shopUrl + req.url, {
        method: req.method ?? 'GET',
        headers: { 'content-type': 'application/json' },
        body,
      });
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    try {
      const before = journal(w.path('web'));
      const pay = await w.run(
        'wallet',
        'pay',
        '600',
        '--card',
        'dave.card',
        '--pin',
        PIN,
        '--key',
        'dave.key',
        '--shop',
        frontUrl,
      );
      expect(pay.code).toBe(4);
      expect(message(pay)).toMatch(
        /the card signed check [0-9a-f]+ for order [0-9a-f]+; the shop did not confirm: .*down for a moment; kept in dave\.card\.pending\.json/,
      );
      expect(await cardState(w.path('dave.card'))).toMatchObject({ balance: 2_200, serial: 3 });
      expect(journal(w.path('web')).checks).toBe(before.checks);
      const again = await w.run(
        'wallet',
        'pay',
        '100',
        '--card',
        'dave.card',
        '--pin',
        PIN,
        '--key',
        'dave.key',
        '--shop',
        shopUrl,
      );
      expect(again.code).toBe(2);
      expect(message(again)).toMatch(
        /a payment the shop has not confirmed yet; run `smartcheck wallet resume --card dave.card` first/,
      );
      const resume = await w.run('wallet', 'resume', '--card', 'dave.card', '--shop', shopUrl);
      expect(resume.code).toBe(0);
      expect(resume.stdout).toMatch(/^paid EUR 6\.00 for order [0-9a-f]+ \(check P-dave#3\): confirmed by the shop/);
      expect(existsSync(w.path('dave.card.pending.json'))).toBe(false);
      expect(journal(w.path('web'))).toMatchObject({ checks: before.checks + 1, amount: before.amount + 600 });
      expect(await cardState(w.path('dave.card'))).toMatchObject({ balance: 2_200, serial: 3 });
    } finally {
      front.close();
      await stop(child);
    }
  });
});
