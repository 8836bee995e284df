// The PIN from every source a command accepts (--pin-file, $SMARTCHECK_PIN, --pin-stdin, --pin),
// which wins when several are given, and the refusals: no PIN and no terminal (exit 2, nothing
// read from the card), a malformed one (exit 2), a wrong one from a file (exit 3 as a wrong PIN:
// one try used, nothing else changed on the card, the journal or the ledger).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { books, CLI, cardState, issueLoadedCard, journal, ledgerClean, makeWorld, PIN, type World } from './support.ts';

let w: World;
let card: string;
beforeAll(async () => {
  w = await makeWorld();
  card = await issueLoadedCard(w, {
    cardholderId: 'pat',
    purseId: 'P-pat',
    funds: 50_000,
    load: 10_000,
    file: 'pat.card',
  });
  writeFileSync(w.path('pin.txt'), `${PIN}\n`, { mode: 0o600 });
  writeFileSync(w.path('wrong.txt'), '4321\n', { mode: 0o600 });
  writeFileSync(w.path('short.txt'), '12\n', { mode: 0o600 });
  expect((await w.run('pos', 'init', 'till', '--merchant', 'pin-shop')).code).toBe(0);
});
afterAll(async () => {
  if (w) expect(await ledgerClean(w)).toEqual([]);
  await w?.close();
});

const message = (r: { stderr: string }) => r.stderr.trim().split('\n')[0];

describe('the PIN', () => {
  it('from --pin-file, $SMARTCHECK_PIN and --pin-stdin: each pays or loads', async () => {
    const file = await w.run('pos', 'sell', 'till', '100', '--card', 'pat.card', '--pin-file', 'pin.txt');
    expect(file.code).toBe(0);
    expect(file.stdout).toMatch(/^sold EUR 1\.00 to P-pat/);
    const env = await w.runWith({ env: { SMARTCHECK_PIN: PIN } }, 'wallet', 'load', '500', '--card', 'pat.card');
    expect(env.code).toBe(0);
    expect(env.stdout).toMatch(/^loaded EUR 5\.00 onto P-pat/);
    const stdin = await w.runWith({ input: `${PIN}\n` }, 'card', 'log', '--card', 'pat.card', '--pin-stdin');
    expect(stdin.code).toBe(0);
    expect(stdin.stdout).toMatch(/^purchase\s+1\s+1\.00\s+EUR/m);
    expect(await cardState(card)).toEqual({ balance: 10_400, serial: 1, pinTries: 3 });
  });

  it('an explicit option wins over $SMARTCHECK_PIN', async () => {
    const r = await w.runWith(
      { env: { SMARTCHECK_PIN: '4321' } },
      'card',
      'log',
      '--card',
      'pat.card',
      '--pin-file',
      'pin.txt',
      '--json',
    );
    expect(r.code).toBe(0);
    expect((await cardState(card)).pinTries).toBe(3);
  });

  it('none given and stdin not a terminal: exit 2 with a message, the card not asked', async () => {
    const before = readFileSync(card);
    const [log, sell, load, emptyStdin] = await Promise.all([
      w.run('card', 'log', '--card', 'pat.card'),
      w.run('pos', 'sell', 'till', '100', '--card', 'pat.card'),
      w.run('wallet', 'load', '100', '--card', 'pat.card'),
      w.runWith({ input: '' }, 'card', 'log', '--card', 'pat.card', '--pin-stdin'),
    ]);
    for (const r of [log, sell, load]) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(message(r)).toMatch(/^smartcheck: no PIN given: use --pin-file <path>, \$SMARTCHECK_PIN, --pin-stdin/);
    }
    expect(emptyStdin.code).toBe(2);
    expect(message(emptyStdin)).toBe('smartcheck: PIN from --pin-stdin: 4 to 12 digits expected');
    expect(readFileSync(card)).toEqual(before);
  });

  it('a malformed PIN from a file or the environment, a missing file: exit 2, the card not asked', async () => {
    const before = readFileSync(card);
    const [short, env, missing] = await Promise.all([
      w.run('card', 'log', '--card', 'pat.card', '--pin-file', 'short.txt'),
      w.runWith({ env: { SMARTCHECK_PIN: 'abcd' } }, 'card', 'log', '--card', 'pat.card'),
      w.run('card', 'log', '--card', 'pat.card', '--pin-file', 'nope.txt'),
    ]);
    expect([short.code, env.code, missing.code]).toEqual([2, 2, 2]);
    expect(message(short)).toBe('smartcheck: PIN from --pin-file short.txt: 4 to 12 digits expected');
    expect(message(env)).toBe('smartcheck: PIN from $SMARTCHECK_PIN: 4 to 12 digits expected');
    expect(message(missing)).toBe('smartcheck: --pin-file: cannot read nope.txt (ENOENT)');
    expect(readFileSync(card)).toEqual(before);
  });

  it('a wrong PIN from a file is refused as a wrong PIN (3): one try used, nothing else changed', async () => {
    const b = await books(w);
    const [cardBefore, journalBefore, merchantBefore] = [
      await cardState(card),
      journal(w.path('till')),
      await b.merchant('pin-shop'),
    ];
    const wrong = await w.run('pos', 'sell', 'till', '100', '--card', 'pat.card', '--pin-file', 'wrong.txt');
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toBe('');
    expect(message(wrong)).toBe('smartcheck: wrong PIN (2 tries left)');
    expect(await cardState(card)).toEqual({ ...cardBefore, pinTries: 2 });
    expect(journal(w.path('till')).bytes).toEqual(journalBefore.bytes);
    expect(await b.merchant('pin-shop')).toBe(merchantBefore);
    // The right PIN restores the tries.
    expect((await w.run('card', 'log', '--card', 'pat.card', '--pin-file', 'pin.txt')).code).toBe(0);
    expect((await cardState(card)).pinTries).toBe(3);
  });

  // script(1) gives the command a pseudo-terminal: stdin is a TTY, as for a person at a shell.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('on a terminal: a prompt on stderr with echo off, then the command runs', async () => {
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('script', ['-qec', `'${process.execPath}' '${CLI}' card log --card pat.card`, '/dev/null'], {
        cwd: w.dir,
        env: { ...process.env, SMARTCHECK_PIN: '' },
      });
      let out = '';
      let typed = false;
      child.stdout.on('data', (d) => {
        out += d;
        if (!typed && out.includes('PIN: ')) {
          typed = true;
          child.stdin.write(`${PIN}\r`);
        }
      });
      child.on('exit', (code) => resolve({ code, out }));
    });
    expect(code).toBe(0);
    expect(out).toMatch(/^PIN: \r?\n/);
    expect(out).not.toContain(PIN);
    expect(out).toMatch(/^purchase\s+1\s+1\.00\s+EUR/m);
  });

  it('--help names every source and warns that --pin shows in ps and the history', async () => {
    const help = await w.run('pos', 'sell', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--pin <pin>\s+the card's PIN \(shows in `ps` and the shell's\s+history/);
    expect(help.stdout).toContain('--pin-file <path>');
    expect(help.stdout).toContain('--pin-stdin');
    expect(help.stdout).toContain('$SMARTCHECK_PIN');
  });
});
