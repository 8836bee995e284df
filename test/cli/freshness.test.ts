// Offline freshness on by default: `pos init` writes the revocation list's maximum age into the
// terminal (24 h unless --revocation-max-age says otherwise); past it, `pos sell` refuses before the
// card is charged (exit 4, saying how to refresh), and after `pos refresh` the same sale goes
// through. The card, the journal and the ledger are unchanged by the refusal. To have the bank sign
// a new list at once (it hands out the same list for an hour), its clock then jumps an hour ahead.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardState, issueLoadedCard, journal, ledgerClean, makeWorld, PIN, type World } from './support.ts';

let w: World;
let fay: string;
let bankAheadS = 0;
beforeAll(async () => {
  w = await makeWorld({ clock: () => Math.floor(Date.now() / 1000) + bankAheadS });
  fay = await issueLoadedCard(w, {
    cardholderId: 'fay',
    purseId: 'P-fay',
    funds: 10_000,
    load: 5_000,
    file: 'fay.card',
  });
});
afterAll(async () => {
  if (w) expect(await ledgerClean(w)).toEqual([]);
  await w?.close();
});

const config = (dir: string) =>
  JSON.parse(readFileSync(join(w.path(dir), 'merchant.json'), 'utf8')) as { revocationMaxAgeS?: number };

describe('the revocation list age bound', () => {
  it('is 24 hours by default, and set by --revocation-max-age', async () => {
    expect((await w.run('pos', 'init', 'till-default', '--merchant', 'cafe-default')).code).toBe(0);
    expect(config('till-default').revocationMaxAgeS).toBe(86_400);
    const bad = await w.run('pos', 'init', 'till-bad', '--merchant', 'cafe-bad', '--revocation-max-age', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('revocation-max-age: a duration such as 90s, 30m, 24h or 7d');
  });

  it('refuses an offline sale past it, changing nothing, until the terminal refreshes its list', async () => {
    expect((await w.run('pos', 'init', 'till', '--merchant', 'cafe', '--revocation-max-age', '2s')).code).toBe(0);
    expect(config('till').revocationMaxAgeS).toBe(2);
    // The list's issuedAt is in whole seconds: 3.2 s later it is more than 2 s old.
    await new Promise((resolve) => setTimeout(resolve, 3_200));
    const [card, book] = [await cardState(fay), journal(w.path('till'))];
    const refused = await w.run('pos', 'sell', 'till', '450', '--card', 'fay.card', '--pin', PIN);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/revocation list \d+ s old, policy 2 s: refresh it online/);
    expect(refused.stderr).toContain('`smartcheck pos refresh <dir>`');
    expect(await cardState(fay)).toEqual(card);
    expect(journal(w.path('till'))).toEqual(book);

    bankAheadS = 3600;
    expect((await w.run('pos', 'refresh', 'till')).code).toBe(0);
    const sold = await w.run('pos', 'sell', 'till', '450', '--card', 'fay.card', '--pin', PIN);
    expect(sold.stderr).toBe('');
    expect(sold.stdout).toMatch(/^sold EUR 4\.50 to P-fay: check #1 stored/);
  });
});
