// Certificate renewal at the bank's counter, end to end: for a card whose certificate expired,
// `card renew` (back-office token, the PIN) has the card sign the bank's
// nonce, installs the renewed certificate and keeps the balance (same purse, keys and limits). A
// wrong PIN is refused by the card (exit 3) and a lost purse by the bank (exit 4, 330), nothing
// changed. The ledger stays clean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileEeprom } from '../../src/card/file-store.ts';
import { EmulatedCard, loadApplet, PurseCard } from '../../src/card/index.ts';
import { parseCertificate } from '../../src/protocol/certificate.ts';
import { cardState, issueLoadedCard, ledgerClean, makeWorld, PIN, type World } from './support.ts';

const YEAR = 365 * 86_400;
let now = Math.floor(Date.now() / 1000);
let w: World;
let gus: string;
beforeAll(async () => {
  w = await makeWorld({ clock: () => now });
  gus = await issueLoadedCard(w, {
    cardholderId: 'gus',
    purseId: 'P-gus',
    funds: 10_000,
    load: 4_000,
    file: 'gus.card',
  });
  await issueLoadedCard(w, { cardholderId: 'hal', purseId: 'P-hal', funds: 1_000, load: 500, file: 'hal.card' });
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

async function heldCertificate(path: string) {
  const { buildHash } = await loadApplet();
  const card = new PurseCard(await EmulatedCard.create({ store: new FileEeprom(path, buildHash) }));
  await card.select();
  return parseCertificate(await card.certificate());
}

describe('card renew', () => {
  it('renews an expired card at the counter: same purse and keys, a later expiry, the balance kept', async () => {
    const before = await heldCertificate(gus);
    now = before.notAfter + 86_400; // the bank's clock: the certificate has expired
    const renew = await w.run('card', 'renew', '--card', 'gus.card', '--pin', PIN);
    expect(renew.code, renew.stderr).toBe(0);
    expect(renew.stdout).toMatch(/purse P-gus renewed by the bank, valid until \S+, balance 4000 kept/);
    const after = await heldCertificate(gus);
    expect(after.subject).toBe('P-gus');
    expect(Buffer.from(after.signingKey).equals(Buffer.from(before.signingKey))).toBe(true);
    expect(after.notAfter).toBeGreaterThan(now + 2 * YEAR);
    expect(after.limits).toEqual(before.limits);
    expect(await cardState(gus)).toEqual({ balance: 4_000, serial: 0, pinTries: 3 });
    expect(Buffer.from(await w.service.purseCertificate('P-gus')).equals(Buffer.from(after.bytes))).toBe(true);
  });

  it('refuses a wrong PIN on the card (exit 3) and a lost purse at the bank (exit 4, 330): nothing changes', async () => {
    const held = await heldCertificate(gus);
    const wrong = await w.run('card', 'renew', '--card', 'gus.card', '--pin', '9999');
    expect(wrong.code).toBe(3);
    expect(message(wrong)).toBe('smartcheck: wrong PIN (2 tries left)');
    expect((await heldCertificate(gus)).notAfter).toBe(held.notAfter);
    await w.service.reportLost('P-hal');
    const lost = await w.run('card', 'renew', '--card', 'hal.card', '--pin', PIN);
    expect(lost.code).toBe(4);
    expect(message(lost)).toMatch(/330/);
    expect(await cardState(w.path('hal.card'))).toEqual({ balance: 500, serial: 0, pinTries: 3 });
  });
});
