// Certificate renewal with a real card (the applet) against the bank service, on each driver: a
// load within the renewal window, or after a key rotation, brings back a renewed certificate that
// the card installs (same purse, keys and balance); checks signed under the old and the new one
// are both captured; an expired card is renewed at the counter (the card signs the bank's nonce)
// without losing its balance; refusals are typed (330 unknown or lost purse, 331 another card's
// certificate, 332 a bad signature, 333 a nonce used again); the audit stays clean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/bank/audit/index.ts';
import { BankService } from '../../src/bank/service.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { PurseCard } from '../../src/card/purse.ts';
import { makeDeposit } from '../../src/protocol/capture.ts';
import { parseCertificate } from '../../src/protocol/certificate.ts';
import { seal } from '../../src/protocol/envelope.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { makeSlip } from '../../src/protocol/pos.ts';
import { Channel, MessageType } from '../../src/protocol/registry.ts';
import { RENEWAL_WINDOW_S } from '../../src/protocol/renewal.ts';
import { createVerifierPool, type VerifierPool } from '../../src/protocol/verifier/index.ts';
import { batchId, DRIVERS, invariants, LIMITS, makeWorld, NOW, nonce, type World } from './support.ts';

const PIN = '2468';
const DAY = 86_400;

let pool: VerifierPool;
beforeAll(async () => {
  pool = await createVerifierPool({ workers: 1 });
});
afterAll(async () => {
  await pool?.close();
});

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 0,
    (e: { code?: number }) => (e instanceof ProtocolError || typeof e?.code === 'number' ? e.code : Promise.reject(e)),
  );

for (const { driver, skip, reason } of DRIVERS) {
  describe.skipIf(skip)(`certificate renewal on ${driver}${skip ? ` (skipped: ${reason})` : ''}`, () => {
    let w: World;
    let service: BankService;
    let now = NOW;
    let card: PurseCard;
    let issued: Uint8Array;
    const checks: Uint8Array[] = [];

    /** A personalised, active card for purse `id`, PIN verified. */
    async function newCard(id: string): Promise<{ card: PurseCard; certificate: Uint8Array }> {
      const c = new PurseCard(await EmulatedCard.create());
      await c.select();
      const keys = await c.generateKeys();
      const [root] = [...w.bank.anchors];
      await c.installRoot(root![0], root![1]);
      const certificate = await service.personalisePurse(id, { cardholderId: 'alice', limits: LIMITS, ...keys });
      await c.installCertificate(certificate);
      await c.setPin(PIN);
      await c.verifyPin(PIN);
      return { card: c, certificate };
    }
    /** A load through the bank: the card's request sealed to the bank's current key. */
    async function load(c: PurseCard, amount: number) {
      const bankKx = parseCertificate(service.bank.party.certificate).kxKey as Uint8Array;
      const r = await service.load(seal(MessageType.ValueTokenRequest, bankKx, await c.loadRequest(amount, now)));
      await c.applyToken(r.token, now);
      return r;
    }
    const pay = (c: PurseCard, amount: number) =>
      c.purchase(
        makeSlip(w.merchant, {
          merchantId: w.merchant.id,
          amount,
          currency: 'EUR',
          time: now,
          terminalId: 't-1',
          terminalTxId: checks.length + 1,
          terminalNonce: nonce(),
          channel: Channel.Pos,
        }),
        now,
      );
    const history = async (id: string) =>
      (
        await w.db.query<{ reason: string }>('select reason from purse_certificates where purse_id = $1 order by id', [
          id,
        ])
      ).map((r) => r.reason);

    beforeAll(async () => {
      w = await makeWorld(driver, 0);
      service = new BankService(w.db, w.bank, pool, { clock: () => now, keys: w.keys });
      ({ card, certificate: issued } = await newCard('card-1'));
    });
    afterAll(async () => {
      if (w) {
        expect(await invariants(w.db)).toEqual([]);
        expect((await audit(w.db, service.bank)).findings).toEqual([]);
      }
      await w?.db.close();
    });

    it('renews nothing outside the window: the load answers no certificate', async () => {
      const r = await load(card, 50_000);
      expect(r.certificate).toBeUndefined();
      expect(await history('card-1')).toEqual(['issued']);
      checks.push(await pay(card, 1_000));
    });

    it('renews at a load within the window; the card installs it and keeps its balance', async () => {
      now = parseCertificate(issued).notAfter - RENEWAL_WINDOW_S + DAY;
      const r = await load(card, 5_000);
      const renewed = r.certificate as Uint8Array;
      const cert = parseCertificate(renewed);
      const old = parseCertificate(issued);
      expect([cert.subject, cert.limits, Buffer.from(cert.signingKey).equals(Buffer.from(old.signingKey))]).toEqual([
        'card-1',
        LIMITS,
        true,
      ]);
      expect(cert.notAfter).toBeGreaterThan(old.notAfter);
      expect(await history('card-1')).toEqual(['issued', 'window']);
      // not installed yet: the next load hands out the same renewal, issuing none
      expect((await load(card, 1_000)).certificate).toEqual(renewed);
      expect(await service.purseCertificate('card-1')).toEqual(renewed);
      const before = await card.status();
      await card.renewCertificate(renewed);
      expect(await card.certificate()).toEqual(renewed);
      expect(await card.status()).toEqual(before);
      expect(before.balance).toBe(55_000);
      expect((await load(card, 1_000)).certificate).toBeUndefined();
      expect(await history('card-1')).toEqual(['issued', 'window']);
      checks.push(await pay(card, 2_000));
    });

    it('captures checks signed under the old and the new certificate', async () => {
      const r = await service.deposit(makeDeposit(w.merchant, service.bank.party.certificate, checks, batchId(), now));
      expect(r.outcomes).toEqual([
        { code: 0, credited: 1_000 },
        { code: 0, credited: 2_000 },
      ]);
    });

    it('renews at the next load after a key rotation; the bank unblocks under the new key', async () => {
      await service.rotateKeys();
      const r = await load(card, 1_000);
      const renewed = r.certificate as Uint8Array;
      const bankCert = parseCertificate(parseCertificate(renewed).issuerCertificate as Uint8Array);
      expect(Buffer.from(bankCert.signingKey).equals(Buffer.from(service.bank.party.publicKey))).toBe(true);
      expect(await history('card-1')).toEqual(['issued', 'window', 'rotation']);
      await card.renewCertificate(renewed);
      // the card now pins the new bank key: an unblock signed by the new generation works
      const counter = now * 1000;
      await card.unblock(counter, await service.unblock('card-1', counter));
      await card.verifyPin(PIN);
      expect((await card.status()).balance).toBe(55_000 - 2_000 + 1_000 + 1_000);
    });

    it('renews an expired card at the counter: the card signs the bank nonce; no balance lost', async () => {
      const expiry = parseCertificate(await card.certificate()).notAfter;
      now = expiry + 10 * DAY;
      const balance = (await card.status()).balance;
      expect(await codeOf(load(card, 1_000))).toBe(ErrorCode.CertificateExpired);
      const n = await service.renewalNonce('card-1');
      const signature = await card.renewalSignature(n);
      const renewed = await service.renewAtCounter({ purseId: 'card-1', nonce: n, signature });
      expect(parseCertificate(renewed).notAfter).toBeGreaterThan(now + 365 * DAY);
      await card.renewCertificate(renewed);
      expect(await history('card-1')).toEqual(['issued', 'window', 'rotation', 'counter']);
      // the refused load left an outstanding request; its reservation still counts, not the balance
      expect((await card.status()).balance).toBe(balance);
      expect((await load(card, 500)).certificate).toBeUndefined();
      expect((await card.status()).balance).toBe(balance + 500);
      // the same request again: a replay (333)
      expect(await codeOf(service.renewAtCounter({ purseId: 'card-1', nonce: n, signature }))).toBe(
        ErrorCode.RenewalReplayed,
      );
    });

    it('refuses at the counter: a bad signature (332), an unknown or lost purse (330), a nonce of another purse', async () => {
      const n = await service.renewalNonce('card-1');
      const other = await card.renewalSignature(new Uint8Array(16));
      expect(await codeOf(service.renewAtCounter({ purseId: 'card-1', nonce: n, signature: other }))).toBe(
        ErrorCode.RenewalTampered,
      );
      expect(await codeOf(service.renewalNonce('nobody'))).toBe(ErrorCode.RenewalPurseUnknown);
      const second = await newCard('card-2');
      expect(await codeOf(service.renewAtCounter({ purseId: 'card-2', nonce: n, signature: other }))).toBe(
        ErrorCode.NonceMismatch,
      );
      // card-1 refuses card-2's renewal: another purse key (331)
      const m = await service.renewalNonce('card-2');
      const theirs = await service.renewAtCounter({
        purseId: 'card-2',
        nonce: m,
        signature: await second.card.renewalSignature(m),
      });
      expect(await codeOf(card.renewCertificate(theirs))).toBe(ErrorCode.RenewalWrongKey);
      await second.card.renewCertificate(theirs);
      await service.reportLost('card-2');
      expect(await codeOf(service.renewalNonce('card-2'))).toBe(ErrorCode.RenewalPurseUnknown);
      // an expired nonce
      const late = await service.renewalNonce('card-1');
      const signature = await card.renewalSignature(late);
      now += 301;
      expect(await codeOf(service.renewAtCounter({ purseId: 'card-1', nonce: late, signature }))).toBe(
        ErrorCode.MessageExpired,
      );
    });
  });
}
