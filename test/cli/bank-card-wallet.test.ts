// `smartcheck` as a script runs it: help, usage errors, the bank's back-office commands, card
// issue/status/log and the wallet's load and status. Every bad input: its exit code, its one-line
// message, and nothing changed (ledger, card file).
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { books, CURRENCY, cardState, DEAD, flipped, ledgerClean, makeWorld, PIN, type World } from './support.ts';

let w: World;
beforeAll(async () => {
  w = await makeWorld();
});
afterAll(async () => {
  if (w) expect(await ledgerClean(w)).toEqual([]);
  await w?.close();
});

/** The one line a failing command prints. */
const message = (r: { stderr: string }) => r.stderr.trim().split('\n')[0];

describe('help and usage', () => {
  it('--help at every level explains the command, its files and an example; exit 0', async () => {
    const [top, pos, sell, bank] = await Promise.all([
      w.run('--help'),
      w.run('pos', '--help'),
      w.run('pos', 'sell', '--help'),
      w.run('bank', 'fund', '--help'),
    ]);
    for (const r of [top, pos, sell, bank]) expect(r.code).toBe(0);
    expect(top.stdout).toMatch(/Exit codes:[\s\S]*3 {2}refused by the card[\s\S]*5 {2}bank or shop unreachable/);
    for (const role of ['bank', 'card', 'wallet', 'pos', 'shop']) expect(top.stdout).toContain(`  ${role} `);
    expect(pos.stdout).toMatch(/sell[\s\S]*deposit[\s\S]*recover[\s\S]*Example:/);
    expect(sell.stdout).toMatch(
      /--count <n>[\s\S]*Reads\/writes: --card <file>[\s\S]*Example:\n {2}smartcheck pos sell/,
    );
    expect(bank.stdout).toMatch(/<cardholder>[\s\S]*<amount>[\s\S]*--currency[\s\S]*Example:/);
  });

  it('bad arguments, unknown commands and missing files: exit 2 with one line', async () => {
    const [amount, unknown, missing, pin] = await Promise.all([
      w.run('bank', 'fund', 'alice', '12.50'),
      w.run('bank', 'launder'),
      w.run('card', 'status', '--card', 'nowhere.card'),
      w.run('wallet', 'load', '100', '--card', 'x.card', '--pin', '12'),
    ]);
    expect([amount.code, unknown.code, missing.code, pin.code]).toEqual([2, 2, 2, 2]);
    expect(message(amount)).toMatch(/amount: an integer/);
    expect(message(unknown)).toMatch(/unknown command 'launder'/);
    expect(message(missing)).toBe('smartcheck: no card file at nowhere.card (make one with: smartcheck card issue)');
    expect(message(pin)).toMatch(/PIN: 4 to 12 digits/);
  });
});

describe('bank, card and wallet', () => {
  it('bank register (with a certified key), fund, info; a duplicate cardholder and an unknown one are refused (exit 4), nothing changed', async () => {
    const b = await books(w);
    const reg = await w.run('bank', 'register', 'alice', '--key', 'alice.key');
    expect(reg.code).toBe(0);
    const key = JSON.parse(readFileSync(w.path('alice.key'), 'utf8'));
    expect(key).toMatchObject({ format: 'smartcheck-cardholder/1', cardholderId: 'alice' });
    expect(key.certificate.length).toBeGreaterThan(100);
    const [fund, info] = await Promise.all([w.run('bank', 'fund', 'alice', '50000'), w.run('bank', 'info')]);
    expect(fund).toMatchObject({ code: 0 });
    expect(fund.stdout).toContain('account balance EUR 500.00');
    expect(info.stdout).toContain('cli-bank');
    expect(await b.cardholder('alice')).toBe(50_000);

    const keyBefore = readFileSync(w.path('alice.key'));
    const [again, unknown] = await Promise.all([
      w.run('bank', 'register', 'alice'),
      w.run('bank', 'fund', 'bob', '10'),
    ]);
    expect(again.code).toBe(4);
    expect(message(again)).toMatch(/^smartcheck: bank refused: .*cardholder alice already exists/);
    expect(unknown.code).toBe(4);
    expect(message(unknown)).toMatch(/^smartcheck: bank refused: .*cardholder bob/);
    expect(await b.cardholder('alice')).toBe(50_000);
    expect(await b.cardholder('bob')).toBe(0);
    expect(readFileSync(w.path('alice.key'))).toEqual(keyBefore);
  });

  it('card issue and status; an existing card file and an unknown cardholder are refused with no file changed', async () => {
    const issue = await w.run(
      'card',
      'issue',
      '--card',
      'alice.card',
      '--cardholder',
      'alice',
      '--purse',
      'P-alice',
      '--pin',
      PIN,
      '--max-per-check',
      '20000',
    );
    expect(issue.code).toBe(0);
    expect(issue.stdout).toContain('purse P-alice of alice');
    const card = readFileSync(w.path('alice.card'));
    const [again, stranger, status] = await Promise.all([
      w.run('card', 'issue', '--card', 'alice.card', '--cardholder', 'alice', '--purse', 'P-other', '--pin', PIN),
      w.run('card', 'issue', '--card', 'eve.card', '--cardholder', 'eve', '--purse', 'P-eve', '--pin', PIN),
      w.run('card', 'status', '--card', 'alice.card', '--json'),
    ]);
    expect(again.code).toBe(2);
    expect(message(again)).toBe('smartcheck: alice.card exists: refusing to overwrite a card');
    expect(stranger.code).toBe(4);
    expect(message(stranger)).toMatch(/cardholder eve/);
    expect(existsSync(w.path('eve.card'))).toBe(false);
    expect(readFileSync(w.path('alice.card'))).toEqual(card);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      purseId: 'P-alice',
      bankId: 'cli-bank',
      balance: 0,
      serial: 0,
      pinTries: 3,
      limits: { currency: CURRENCY, maxPerCheck: 20_000 },
    });
  });

  it('wallet load moves money from the account to the card; wrong PIN (3), short account (4), bank unreachable (5) change nothing', async () => {
    const b = await books(w);
    const load = await w.run('wallet', 'load', '20000', '--card', 'alice.card', '--pin', PIN);
    expect(load.code).toBe(0);
    expect(load.stdout).toContain('card balance EUR 200.00');
    expect(await b.cardholder('alice')).toBe(30_000);
    expect(await b.emoney()).toBe(20_000);

    const wrong = await w.run('wallet', 'load', '1000', '--card', 'alice.card', '--pin', '9999');
    expect(wrong.code).toBe(3);
    expect(message(wrong)).toBe('smartcheck: wrong PIN (2 tries left)');
    const short = await w.run('wallet', 'load', '30001', '--card', 'alice.card', '--pin', PIN);
    expect(short.code).toBe(4);
    expect(message(short)).toBe(
      'smartcheck: insufficient funds in the bank account: account of alice holds 30000, asked 30001',
    );
    const dead = await w.run('wallet', 'load', '1000', '--card', 'alice.card', '--pin', PIN, '--bank', DEAD);
    expect(dead.code).toBe(5);
    expect(message(dead)).toMatch(/^smartcheck: bank unreachable at http:\/\/127\.0\.0\.1:1\//);
    expect(await b.cardholder('alice')).toBe(30_000);
    expect(await b.emoney()).toBe(20_000);
    // The right PIN reset the try counter; the balance never moved.
    expect(await cardState(w.path('alice.card'))).toMatchObject({ balance: 20_000, serial: 0, pinTries: 3 });
  });

  it('a tampered card file is refused (4) and left as it was; wallet status and card log read the good one', async () => {
    flipped(w.path('alice.card'), w.path('tampered.card'), 300);
    const before = readFileSync(w.path('tampered.card'));
    const [tampered, status, log] = await Promise.all([
      w.run('wallet', 'load', '1000', '--card', 'tampered.card', '--pin', PIN),
      w.run('wallet', 'status', '--card', 'alice.card'),
      w.run('card', 'log', '--card', 'alice.card', '--pin', PIN),
    ]);
    expect(tampered.code).toBe(4);
    expect(message(tampered)).toBe(
      'smartcheck: card file refused (tampered or not a card): EEPROM image refused: image checksum does not match',
    );
    expect(readFileSync(w.path('tampered.card'))).toEqual(before);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/balance\s+EUR 200\.00/);
    expect(log.code).toBe(0);
    expect(log.stdout).toMatch(/^kind\s+serial\s+amount[\s\S]*\nload\s+1\s+200\.00\s+EUR\s+cli-bank/);
    expect(await (await books(w)).cardholder('alice')).toBe(30_000);
  });

  it('bank revoke reports the card lost: on the revocation list at once; an unknown purse is refused', async () => {
    const [revoke, unknown] = await Promise.all([
      w.run('bank', 'revoke', 'P-alice'),
      w.run('bank', 'revoke', 'P-nobody'),
    ]);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toContain('purse P-alice: lost');
    expect(unknown.code).toBe(4);
    expect(message(unknown)).toMatch(/purse P-nobody/);
    const list = await (
      await fetch(`${w.bankUrl}/v1/revocation-list`, { headers: { accept: 'application/json' } })
    ).json();
    expect(list.revoked).toContain('P-alice');
    // The bank loads no more value onto a revoked purse.
    const b = await books(w);
    const load = await w.run('wallet', 'load', '1000', '--card', 'alice.card', '--pin', PIN);
    expect(load.code).toBe(4);
    expect(message(load)).toMatch(/^smartcheck: bank refused: \(protocol\/206\) a certificate in the chain is revoked/);
    expect(await b.cardholder('alice')).toBe(30_000);
    expect(await cardState(w.path('alice.card'))).toMatchObject({ balance: 20_000 });
  });
});
