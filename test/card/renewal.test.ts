// RENEW CERTIFICATE: the card replaces its purse certificate by the bank's renewal of it (same keys,
// same purse, later expiry, the limits the bank sets now, possibly a rotated bank key) and keeps
// its balance, serial and log; it refuses another card's certificate (331), a tampered one (332),
// one no newer than its own (333), another currency (304), and changes nothing when it refuses.
// P1 01 signs the bank's renewal nonce, the card's proof at the bank's counter.
import { describe, expect, it } from 'vitest';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { PurseCard } from '../../src/card/purse.ts';
import { parseCertificate } from '../../src/protocol/certificate.ts';
import { parseSign1 } from '../../src/protocol/cose.ts';
import { certifyBank } from '../../src/protocol/pki.ts';
import { SW } from '../../src/protocol/purse-apdu.ts';
import { renewalMessage, verifyRenewalRequest } from '../../src/protocol/renewal.ts';
import { bankAnswer, getWorld, LIMITS, load, NOW, newCard, renewal, slip, VALIDITY, verify } from './support.ts';

const DAY = 86_400;

const code = (p: Promise<unknown>) =>
  p.then(
    () => 0,
    (e: { code?: number; sw?: number }) => e.code || e.sw,
  );

describe('RENEW CERTIFICATE', () => {
  it('installs the renewal: same balance, serial and log, the new limits, checks carry the new certificate', async () => {
    const rig = await newCard();
    await load(rig, 500_000);
    await rig.card.purchase(slip(rig.w, 1_000), NOW);
    await expect(rig.card.purchase(slip(rig.w, 250_000), NOW)).rejects.toMatchObject({ sw: SW.limitExceeded });
    const before = await rig.card.status();
    const fresh = renewal(rig);
    await rig.card.renewCertificate(fresh);
    expect(await rig.card.certificate()).toEqual(fresh);
    expect(await rig.card.status()).toEqual(before);
    expect((await rig.card.readLog(0)).kind).toBe('purchase');
    // the new per-check limit (300,000) holds, and the check verifies under the new certificate
    const check = await rig.card.purchase(slip(rig.w, 250_000), NOW);
    const verified = verify(rig.w, check);
    expect(verified.body).toMatchObject({ serial: 2, amount: 250_000 });
    expect(parseCertificate(verified.signer.bytes).serial).toEqual(parseCertificate(fresh).serial);
    expect((await rig.card.status()).balance).toBe(500_000 - 1_000 - 250_000);
  });

  it('takes a renewal under a rotated bank key (the same bank, a new key certified by the root)', async () => {
    const w = getWorld();
    const rig = await newCard();
    await load(rig, 10_000);
    const rotated = certifyBank(w.root, w.bank.id, {
      ...VALIDITY,
      seed: new Uint8Array(32).fill(52),
      kxSeed: new Uint8Array(32).fill(53),
    });
    const fresh = renewal(rig, {}, rotated);
    await rig.card.renewCertificate(fresh);
    expect(await rig.card.certificate()).toEqual(fresh);
    expect(verify(w, await rig.card.purchase(slip(w, 100), NOW)).body.amount).toBe(100);
    expect((await rig.card.status()).balance).toBe(9_900);
  });

  it('keeps an outstanding load across the renewal: the request is sent again byte for byte in its body, its token applies', async () => {
    const rig = await newCard();
    const request = await rig.card.loadRequest(3_000, NOW);
    const fresh = renewal(rig);
    await rig.card.renewCertificate(fresh);
    const again = await rig.card.resendLoadRequest(1);
    const body = (b: Uint8Array) => parseSign1(b).payload;
    expect(body(again)).toEqual(body(request));
    expect(parseSign1(again).certificate).toEqual(fresh);
    expect(await rig.card.applyToken(bankAnswer(rig.w, request), NOW)).toBe(3_000);
  });

  it('needs an active card and takes no PIN', async () => {
    const rig = await newCard({ verify: false });
    await rig.card.renewCertificate(renewal(rig));
    const blank = new PurseCard(await EmulatedCard.create());
    await blank.select();
    expect(await code(blank.renewCertificate(rig.certificate))).toBe(SW.conditionsNotSatisfied);
  });

  it('refuses, changing nothing: another key or purse (331), tampered (332), not newer (333), another currency (304)', async () => {
    const rig = await newCard();
    await load(rig, 10_000);
    const before = await rig.card.status();
    const other = await newCard();
    const key = parseCertificate(other.certificate);
    const tampered = renewal(rig);
    tampered[tampered.length - 1]! ^= 1; // the purse certificate's signature
    const cases: [string, Uint8Array, number][] = [
      ['another purse key', renewal(rig, { signingKey: key.signingKey }), 331],
      ['another key-exchange key', renewal(rig, { kxKey: key.signingKey }), 331],
      ['another purse id', renewal(rig, { subject: 'P-OTHER' }), 331],
      ['tampered', tampered, 332],
      ['the same certificate again', rig.certificate, 333],
      ['an older one', renewal(rig, { notAfter: VALIDITY.notAfter - DAY }), 333],
      ['another currency', renewal(rig, { limits: { ...LIMITS, currency: 'USD' } }), 304],
    ];
    for (const [name, certificate, expected] of cases) {
      expect(await code(rig.card.renewCertificate(certificate)), name).toBe(expected);
      expect(await rig.card.certificate(), name).toEqual(rig.certificate);
      expect(await rig.card.status(), name).toEqual(before);
    }
    // a renewal installed once is refused the second time (333)
    const fresh = renewal(rig);
    await rig.card.renewCertificate(fresh);
    expect(await code(rig.card.renewCertificate(fresh))).toBe(333);
  });

  it('signs the renewal nonce with the purse key, under the PIN', async () => {
    const rig = await newCard({ verify: false });
    const nonce = new Uint8Array(16).fill(7);
    expect(await code(rig.card.renewalSignature(nonce))).toBe(SW.securityNotSatisfied);
    await rig.card.verifyPin('1234');
    const signature = await rig.card.renewalSignature(nonce);
    const purse = parseCertificate(rig.certificate);
    expect(() => verifyRenewalRequest(purse, nonce, signature)).not.toThrow();
    expect(() => verifyRenewalRequest(purse, new Uint8Array(16), signature)).toThrow(
      expect.objectContaining({ code: 332 }),
    );
    expect(renewalMessage(purse.subject, nonce).length).toBe('smartcheck/1/renewal'.length + purse.subject.length + 16);
    expect(await code(rig.card.renewalSignature(new Uint8Array(15)))).toBe(SW.wrongLength);
  });
});
