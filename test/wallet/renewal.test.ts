// Online renewal through the wallet over loopback HTTP: a load within the renewal window, or after
// the bank rotated its keys, makes the bank renew the purse certificate; the wallet fetches it
// (GET /v1/purses/:id/certificate) and the card installs it (RENEW CERTIFICATE), balance kept; the
// card then pays a web shop under the new certificate. A load outside the window renews nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/protocol/certificate.ts';
import { RENEWAL_WINDOW_S } from '../../src/protocol/renewal.ts';
import { CURRENCY, invariants, makeWorld, newHolder, PIN, type World } from './support.ts';

let w: World;
beforeAll(async () => {
  w = await makeWorld();
});
afterAll(async () => {
  if (w) expect(await invariants(w)).toEqual([]);
  await w?.close();
});

const history = async (purseId: string) =>
  (
    await w.db.query<{ reason: string }>('select reason from purse_certificates where purse_id = $1 order by id', [
      purseId,
    ])
  ).map((r) => r.reason);

describe('wallet: the certificate renewed online at a load', () => {
  it('renews within the window and after a key rotation; the card keeps its balance and pays', async () => {
    const h = await newHolder(w);
    await h.wallet.unlock(PIN);
    expect(await h.wallet.load(10_000)).toEqual({ amount: 10_000, balance: 10_000, resumed: false });
    const issued = await h.card.certificate();

    w.clock.now = parseCertificate(issued).notAfter - RENEWAL_WINDOW_S + 3_600;
    expect(await h.wallet.load(1_000)).toEqual({ amount: 1_000, balance: 11_000, resumed: false, renewed: true });
    const renewed = await h.card.certificate();
    expect(Buffer.from(renewed).equals(Buffer.from(issued))).toBe(false);
    expect(parseCertificate(renewed).notAfter).toBeGreaterThan(parseCertificate(issued).notAfter);
    expect(await h.wallet.load(1_000)).toEqual({ amount: 1_000, balance: 12_000, resumed: false });

    await w.service.rotateKeys();
    expect(await h.wallet.load(1_000)).toMatchObject({ balance: 13_000, renewed: true });
    expect(await history(h.purseId)).toEqual(['issued', 'window', 'rotation']);

    const paid = await h.wallet.payInternet(w.shop, { item: 'book', amount: 2_500, currency: CURRENCY });
    expect(paid).toMatchObject({ status: 'paid', serial: 1, balance: 10_500 });
  });
});
