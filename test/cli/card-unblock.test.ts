// PIN unblock end to end: a PIN blocked after three wrong tries (exit 3), the bank's signature over
// unblockMessage(purseId, counter) fetched through the loopback admin API, `card unblock` resets
// the tries (and the PIN), and the card pays again. A signature for another purse, another counter
// or one already used is refused by the card with nothing changed; the bank refuses unknown and
// revoked purses and a counter ahead of its clock.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SW } from '../../src/card/apdu.ts';
import { FileEeprom } from '../../src/card/file-store.ts';
import { EmulatedCard, loadApplet, PurseCard } from '../../src/card/index.ts';
import type { BankRejectedError } from '../../src/net/bank-link.ts';
import { cardState, issueLoadedCard, journal, ledgerClean, makeWorld, PIN, type World } from './support.ts';

let w: World;
let dan: string;
beforeAll(async () => {
  w = await makeWorld();
  dan = await issueLoadedCard(w, {
    cardholderId: 'dan',
    purseId: 'P-dan',
    funds: 10_000,
    load: 5_000,
    file: 'dan.card',
  });
  await issueLoadedCard(w, { cardholderId: 'erin', purseId: 'P-erin', funds: 1_000, load: 500, file: 'erin.card' });
  expect((await w.run('pos', 'init', 'till', '--merchant', 'cafe')).code).toBe(0);
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

async function openFileCard(path: string): Promise<PurseCard> {
  const { buildHash } = await loadApplet();
  const card = new PurseCard(await EmulatedCard.create({ store: new FileEeprom(path, buildHash) }));
  await card.select();
  return card;
}

describe('card unblock', () => {
  it('three wrong PINs block the card (exit 3); the bank unblocks it with a new PIN; it pays again', async () => {
    const sells = [];
    for (const pin of ['0000', '1111', '2222', PIN])
      sells.push(await w.run('pos', 'sell', 'till', '300', '--card', 'dan.card', '--pin', pin));
    expect(sells.map((r) => r.code)).toEqual([3, 3, 3, 3]);
    expect(sells.map(message)).toEqual([
      'smartcheck: wrong PIN (2 tries left)',
      'smartcheck: wrong PIN (1 try left)',
      'smartcheck: the card is blocked (PIN tries used up)',
      'smartcheck: the card is blocked (PIN tries used up)',
    ]);
    expect(await cardState(dan)).toEqual({ balance: 5_000, serial: 0, pinTries: 0 });
    expect(journal(w.path('till')).checks).toBe(0);

    const unblock = await w.run('card', 'unblock', '--card', 'dan.card', '--new-pin', '5678');
    expect(unblock.code).toBe(0);
    expect(unblock.stdout).toContain('purse P-dan unblocked by the bank, 3 PIN tries, new PIN set');
    expect(await cardState(dan)).toEqual({ balance: 5_000, serial: 0, pinTries: 3 });

    const old = await w.run('pos', 'sell', 'till', '300', '--card', 'dan.card', '--pin', PIN);
    expect(old.code).toBe(3);
    expect(message(old)).toBe('smartcheck: wrong PIN (2 tries left)');
    const sold = await w.run('pos', 'sell', 'till', '300', '--card', 'dan.card', '--pin', '5678');
    expect(sold.code).toBe(0);
    expect(sold.stdout).toMatch(/sold EUR 3\.00 to P-dan: check #1 stored/);
    expect(await cardState(dan)).toEqual({ balance: 4_700, serial: 1, pinTries: 3 });

    // Without --new-pin the PIN stays: blocked again, unblocked, the same PIN works.
    for (const pin of ['0000', '1111', '2222'])
      expect((await w.run('pos', 'sell', 'till', '1', '--card', 'dan.card', '--pin', pin)).code).toBe(3);
    expect((await cardState(dan)).pinTries).toBe(0);
    const again = await w.run('card', 'unblock', '--card', 'dan.card');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('purse P-dan unblocked by the bank, 3 PIN tries');
    expect((await w.run('pos', 'sell', 'till', '200', '--card', 'dan.card', '--pin', '5678')).code).toBe(0);
    expect(await cardState(dan)).toEqual({ balance: 4_500, serial: 2, pinTries: 3 });
  });

  it('the card refuses a signature for another purse, another counter or a used one: nothing changed', async () => {
    for (const pin of ['0000', '1111', '2222'])
      expect((await w.run('pos', 'sell', 'till', '1', '--card', 'dan.card', '--pin', pin)).code).toBe(3);
    const before = readFileSync(dan);
    const counter = Date.now();
    const forErin = await w.bank.unblockSignature('P-erin', counter);
    const forDan = await w.bank.unblockSignature('P-dan', counter);
    expect(forDan).toMatchObject({ purseId: 'P-dan', counter });
    expect(forDan.signature).toHaveLength(64);
    const card = await openFileCard(dan);
    await expect(card.unblock(counter, forErin.signature)).rejects.toMatchObject({
      name: 'CardError',
      sw: SW.wrongData,
      code: 200,
    });
    await expect(card.unblock(counter + 1, forDan.signature)).rejects.toMatchObject({
      name: 'CardError',
      sw: SW.wrongData,
      code: 200,
    });
    await expect(card.unblock(counter, forDan.signature, '999')).rejects.toMatchObject({
      name: 'CardError',
      sw: SW.wrongLength,
    });
    expect(readFileSync(dan)).toEqual(before);
    expect((await card.status()).pinTries).toBe(0);

    await card.unblock(counter, forDan.signature);
    expect((await card.status()).pinTries).toBe(3);
    // Used once: the same counter and signature again are refused (a replay), tries unchanged.
    await card.verifyPin('0000').catch(() => undefined);
    const afterTry = readFileSync(dan);
    await expect(card.unblock(counter, forDan.signature)).rejects.toMatchObject({ sw: SW.wrongData });
    expect(readFileSync(dan)).toEqual(afterTry);
    expect((await card.status()).pinTries).toBe(2);
    await card.verifyPin('5678');
  });

  it('the bank refuses an unknown purse (404), a counter ahead of its clock (400) and a revoked purse (exit 4, card unchanged)', async () => {
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as BankRejectedError,
      );
    expect(await refusal(w.bank.unblockSignature('P-nobody'))).toMatchObject({
      status: 404,
      kind: 'bank',
      code: 'not_found',
    });
    expect(await refusal(w.bank.unblockSignature('P-dan', Date.now() + 3_600_000))).toMatchObject({
      status: 400,
      kind: 'bank',
      code: 'bad_request',
    });
    expect(await refusal(w.bank.unblockSignature('P-dan', 0))).toMatchObject({ status: 400, code: 'bad_request' });

    expect((await w.run('bank', 'revoke', 'P-erin')).code).toBe(0);
    const erin = w.path('erin.card');
    const before = readFileSync(erin);
    const unblock = await w.run('card', 'unblock', '--card', 'erin.card');
    expect(unblock.code).toBe(4);
    expect(message(unblock)).toMatch(
      /^smartcheck: bank refused: \(protocol\/206\) .*purse P-erin is lost: not unblocked/,
    );
    expect(readFileSync(erin)).toEqual(before);

    const badPin = await w.run('card', 'unblock', '--card', 'dan.card', '--new-pin', '123456789');
    expect(badPin.code).toBe(2);
    expect(badPin.stderr).toMatch(/--new-pin <pin>' argument '123456789' is invalid\. PIN: 4 to 8 digits/);
  });
});
