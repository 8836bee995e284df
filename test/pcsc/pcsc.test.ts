// The real PC/SC stack: pcscd with vsmartcard's virtual reader (vpcd), the emulated card put into it
// by `smartcheck card serve`, and `smartcheck pos sell`, `wallet load` and `wallet pay` talking to
// it with --reader through pcsc-lite; opensc-tool, an independent PC/SC client, lists the reader,
// reads the ATR and selects the applet; a card pulled at each command of a sale (answer lost, or a
// power cut inside the command) is recovered by `pos recover`. Skipped, with the reason, where
// pcscd cannot run (test/pcsc/pcscd.ts); scripts/setup.mjs installs what CI needs.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AID, ATR } from '../../src/protocol/purse-apdu.ts';
import {
  CLI,
  cardState,
  issueLoadedCard,
  journal,
  ledgerClean,
  makeWorld,
  PIN,
  start,
  stop,
  type World,
} from '../cli/support.ts';
import { READER, startPcscd, unavailable } from './pcscd.ts';

const why = unavailable();
/** opensc-tool, bounded: a hung PC/SC call fails the test instead of stalling it. */
const OPENSC = { encoding: 'utf8', timeout: 30_000 } as const;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

let w: World;
let card: string;
let stopPcscd: (() => Promise<void>) | undefined;

interface Served {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `smartcheck card serve` until it says the card is in the reader. */
async function serve(...extra: string[]): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'card', 'serve', '--card', card, ...extra], {
    cwd: w.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (d) => (err += d));
    child.stdout?.on('data', (d) => {
      out += d;
      if (out.includes('inserted')) resolve();
    });
    void exited.then((code) => reject(new Error(`card serve exited ${code}: ${err}`)));
  });
  return { child, output: () => out, exited };
}

const sell = (amount: string) => w.run('pos', 'sell', 'till', amount, '--reader', READER, '--pin', PIN);

describe.skipIf(why)(`PC/SC through pcscd and vpcd${why ? ` (skipped: ${why})` : ''}`, () => {
  beforeAll(async () => {
    stopPcscd = await startPcscd();
    w = await makeWorld();
    card = await issueLoadedCard(w, {
      cardholderId: 'erin',
      purseId: 'P-erin',
      funds: 50_000,
      load: 10_000,
      file: 'erin.card',
    });
    expect((await w.run('pos', 'init', 'till', '--merchant', 'cafe')).code).toBe(0);
    expect((await w.run('shop', 'init', 'web', '--merchant', 'books')).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    if (w) expect(await ledgerClean(w)).toEqual([]);
    await w?.close();
    await stopPcscd?.();
  });

  it('opensc-tool lists the reader, reads the ATR and selects the applet by its AID', async () => {
    const served = await serve();
    try {
      // pcscd polls vpcd for the card: it shows in the list a moment after `card serve` connected.
      let list = '';
      let line: string | undefined;
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
        list = spawnSync('opensc-tool', ['--list-readers'], OPENSC).stdout;
        line = list.split('\n').find((l) => l.endsWith(READER));
        if (line && /^\d+\s+Yes\s/.test(line)) break;
      }
      expect(line, list).toMatch(/^\d+\s+Yes\s/);
      const index = line?.split(/\s+/)[0] as string;
      const atr = spawnSync('opensc-tool', ['--reader', index, '--atr'], OPENSC).stdout.trim();
      expect(atr.replace(/:/g, '').toLowerCase()).toBe(hex(ATR));
      const apdu = `00:A4:04:00:${AID.length.toString(16).padStart(2, '0')}:${hex(AID).match(/../g)?.join(':')}:00`;
      const sent = spawnSync('opensc-tool', ['--reader', index, '--send-apdu', apdu], OPENSC);
      expect(sent.stdout).toMatch(/SW1=0x90, SW2=0x00/);
      expect(sent.stdout.replace(/\s/g, '').toLowerCase()).toContain(`6f098407${hex(AID)}`);
    } finally {
      await stop(served.child);
    }
    expect(served.output()).toMatch(/removed after \d+ command/);
  }, 60_000);

  it('wallet load, pos sell and wallet pay through the reader', async () => {
    const served = await serve();
    const shop = await start(['shop', 'serve', 'web', '--port', '0', '--no-static'], w.dir, {
      SMARTCHECK_BANK: w.bankUrl,
    });
    try {
      const load = await w.run('wallet', 'load', '5000', '--reader', READER, '--pin', PIN);
      expect(load.code, load.stderr).toBe(0);
      expect(load.stdout).toMatch(/^loaded EUR 50\.00 onto P-erin: card balance EUR 150\.00/);
      const sale = await sell('450');
      expect(sale.code, sale.stderr).toBe(0);
      expect(sale.stdout).toMatch(/sold EUR 4\.50 to P-erin: check #1 stored/);
      const url = /on (http:\/\/[^ ]+)/.exec(shop.line)?.[1] as string;
      const pay = await w.run(
        'wallet',
        'pay',
        '1500',
        '--item',
        'book',
        '--reader',
        READER,
        '--pin',
        PIN,
        '--key',
        'erin.key',
        '--shop',
        url,
      );
      expect(pay.code, pay.stderr).toBe(0);
      expect(pay.stdout).toMatch(
        /^paid EUR 15\.00 to books for order [0-9a-f]+ \(check P-erin#2\): card balance EUR 130\.50/,
      );
      const wrongPin = await w.run('pos', 'sell', 'till', '1', '--reader', READER, '--pin', '0000');
      expect(wrongPin.code).toBe(3);
    } finally {
      await stop(shop.child);
      await stop(served.child);
    }
    expect((await cardState(card)).balance).toBe(13_050);
    expect((await w.run('pos', 'sell', 'till', '1', '--reader', 'No Such Reader', '--pin', PIN)).code).toBe(2);
  }, 120_000);

  it('a card pulled at each command of a sale (answer lost, or a power cut inside it) is recovered: card and journal agree', async () => {
    // How many commands a sale takes through the reader.
    const counted = await serve();
    expect((await sell('100')).code).toBe(0);
    await stop(counted.child);
    const commands = Number(/after (\d+) command/.exec(counted.output())?.[1]);
    expect(commands).toBeGreaterThan(3);
    const outcomes = new Set<string>();
    for (let k = 1; k <= commands; k++) {
      for (const spec of [`${k}`, `${k}:2`]) {
        const before = { card: (await cardState(card)).balance, journal: journal(w.path('till')).amount };
        const pulled = await serve('--pull-at', spec);
        const sale = await sell('100');
        expect(sale.code, `pulled at ${spec}: ${sale.stdout}`).not.toBe(0);
        expect(await pulled.exited).toBe(0);
        const again = await serve();
        const recovered = await w.run('pos', 'recover', 'till', '--reader', READER, '--pin', PIN);
        await stop(again.child);
        expect(recovered.code, `pulled at ${spec}: ${recovered.stderr}`).toBe(0);
        outcomes.add(/: (recovered|not charged|completed|none)\b/.exec(recovered.stdout)?.[1] ?? recovered.stdout);
        const after = { card: (await cardState(card)).balance, journal: journal(w.path('till')).amount };
        // What left the card is exactly what the terminal stored: 100 or nothing.
        expect(before.card - after.card, `pulled at ${spec}`).toBe(after.journal - before.journal);
        expect([0, 100]).toContain(before.card - after.card);
      }
    }
    // Pulled before PURCHASE: the sale never started (the last one completed) or was not charged;
    // pulled in or after PURCHASE: the card paid, and recover stores the check it reissues.
    expect(outcomes).toEqual(new Set(['recovered', 'not charged', 'completed']));
  }, 600_000);
});
