// Merchant refunds deposited at the bank (src/bank/refunds.ts): through the service and through
// POST /v1/refunds. A refund before the check is deposited keeps it from being credited (322, also
// when deposited again), a refund after reverses it once, the same refund twice answers the same,
// and every refusal (another merchant's, a tampered or mismatching refund) changes nothing. The
// ledger invariants and the audit hold after every test.
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/bank/audit/index.ts';
import { balance } from '../../src/bank/ledger.ts';
import { buildServer } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { purseShadow } from '../../src/bank/settlement.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { type DigitalCheck, refund as refundCodec } from '../../src/protocol/messages.ts';
import { verifyCheck } from '../../src/protocol/pos.ts';
import { makeRefund, sealRefund } from '../../src/protocol/refund.ts';
import { signMessage } from '../../src/protocol/signed.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import {
  applyToken,
  check,
  DRIVERS,
  deposit,
  invariants,
  loadRequest,
  makeWorld,
  NOW,
  refundOf,
  sealedRefund,
  type World,
} from './support.ts';

const verifier = createInThreadVerifier();
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof ProtocolError ? e.code : Promise.reject(e)),
  );

for (const { driver, skip, reason } of DRIVERS) {
  describe.skipIf(skip)(`merchant refunds on ${driver}${skip ? ` (skipped: ${reason})` : ''}`, () => {
    let w: World;
    let service: BankService;
    beforeAll(async () => {
      w = await makeWorld(driver, 3);
      service = new BankService(w.db, w.bank, verifier, { clock: () => NOW, keys: w.keys });
      for (let p = 0; p < 3; p++) applyToken(w, p, (await service.load(loadRequest(w, p, 10_000))).token);
    });
    afterEach(async () => {
      expect(await invariants(w.db)).toEqual([]);
      expect((await audit(w.db, w.bank)).findings).toEqual([]);
    });
    afterAll(async () => {
      await w?.db.close();
    });
    const codes = async (checks: Uint8Array[], merchant = w.merchant) =>
      (await service.deposit(deposit(w, checks, { merchant }).envelope)).outcomes.map((o) => o.code);
    const refund = (bytes: Uint8Array) => service.refund(sealedRefund(w, bytes));
    const hashOf = (c: Uint8Array) => verifyCheck(c, { anchors: w.bank.anchors, now: NOW }).hash;
    /** What a refusal must leave untouched. */
    const books = async () => ({
      merchant: await balance(w.db, 'merchant', 'shop-1', 'EUR'),
      other: await balance(w.db, 'merchant', 'shop-2', 'EUR'),
      emoney: await balance(w.db, 'emoney', 'bank-1', 'EUR'),
      refunds: (await w.db.query('select refund_hash from refunds order by 1')).length,
      shadow: await purseShadow(w.db, 'purse-0'),
    });

    it('a refund before the deposit: recorded, and the check never credited (322), also when deposited again', async () => {
      const c = check(w, 0, 400);
      const before = await books();
      expect(await refund(refundOf(w, c))).toEqual({
        checkHash: hashOf(c),
        outcome: 'recorded',
        amount: 0,
        replayed: false,
      });
      expect(await books()).toEqual({ ...before, refunds: before.refunds + 1 });
      const credited = check(w, 0, 100);
      expect(await codes([c, credited])).toEqual([ErrorCode.CheckRefunded, 0]);
      expect(await codes([c])).toEqual([ErrorCode.CheckRefunded]);
      expect(await balance(w.db, 'merchant', 'shop-1', 'EUR')).toBe(before.merchant + 100);
      // The value stays the purse's outstanding e-money: the card holds it again.
      expect((await purseShadow(w.db, 'purse-0'))?.outstanding).toBe((before.shadow?.outstanding as number) - 100);
    });

    it('a refund after the deposit: reversed once; the refunded check deposited again is 322, not a duplicate', async () => {
      const c = check(w, 1, 700);
      expect(await codes([c])).toEqual([0]);
      const merchant = await balance(w.db, 'merchant', 'shop-1', 'EUR');
      const emoney = await balance(w.db, 'emoney', 'bank-1', 'EUR');
      const outstanding = (await purseShadow(w.db, 'purse-1'))?.outstanding as number;
      const bytes = refundOf(w, c);
      const reversed = { checkHash: hashOf(c), outcome: 'reversed', amount: 700 };
      expect(await refund(bytes)).toEqual({ ...reversed, replayed: false });
      expect(await refund(bytes)).toEqual({ ...reversed, replayed: true });
      expect(await balance(w.db, 'merchant', 'shop-1', 'EUR')).toBe(merchant - 700);
      expect(await balance(w.db, 'emoney', 'bank-1', 'EUR')).toBe(emoney + 700);
      const shadow = await purseShadow(w.db, 'purse-1');
      expect(shadow).toMatchObject({ outstanding: outstanding + 700, refunded: 0 });
      const [reversals] = await w.db.query<{ n: number }>(
        "select count(*)::int as n from transactions where reference like 'reversal:%'",
      );
      expect(reversals?.n).toBe(1);
      expect(await codes([c])).toEqual([ErrorCode.CheckRefunded]);
      expect(await balance(w.db, 'merchant', 'shop-1', 'EUR')).toBe(merchant - 700);
      // Another refund of the same check (signed again later): refused, nothing reversed twice.
      expect(await codeOf(refund(refundOf(w, c, { now: NOW + 5 })))).toBe(ErrorCode.RefundAlreadyApplied);
      expect(await balance(w.db, 'merchant', 'shop-1', 'EUR')).toBe(merchant - 700);
    });

    it("another merchant's refund: refused when the check is credited, harmless when it is not yet", async () => {
      const c = check(w, 2, 250);
      expect(await codes([c])).toEqual([0]);
      const before = await books();
      expect(await codeOf(refund(refundOf(w, c, { merchant: w.other })))).toBe(ErrorCode.WrongMerchant);
      expect(await books()).toEqual(before);
      // Before the deposit: shop-2 can record a refund of shop-1's check, which shop-1 still gets paid.
      const later = check(w, 2, 150);
      expect((await refund(refundOf(w, later, { merchant: w.other }))).outcome).toBe('recorded');
      expect(await codes([later])).toEqual([0]);
    });

    it('a tampered, mismatching or foreign refund is refused with its code and changes nothing', async () => {
      const c = check(w, 0, 300);
      expect(await codes([c])).toEqual([0]);
      const before = await books();
      const bytes = refundOf(w, c);
      const flipped = bytes.slice();
      flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
      expect(await codeOf(refund(flipped))).toBe(ErrorCode.BadSignature);
      const sealed = sealedRefund(w, bytes);
      // The envelope ends with its step (key 5, value 10): the byte before is the AEAD tag's last.
      sealed[sealed.length - 3] = (sealed[sealed.length - 3] as number) ^ 1;
      expect(await codeOf(service.refund(sealed))).toBe(ErrorCode.EnvelopeOpenFailed);
      const body = verifyCheck(c, { anchors: w.bank.anchors, now: NOW }).body;
      const forged = (change: Partial<DigitalCheck> & { checkHash?: Uint8Array }) =>
        signMessage(
          refundCodec,
          {
            checkHash: change.checkHash ?? hashOf(c),
            purseId: change.purseId ?? body.purseId,
            amount: change.amount ?? body.amount,
            currency: change.currency ?? body.currency,
            merchantId: w.merchant.id,
            serial: change.serial ?? body.serial,
            time: NOW,
          },
          w.merchant,
        );
      expect(await codeOf(refund(forged({ amount: 301 })))).toBe(ErrorCode.RefundMismatch);
      expect(await codeOf(refund(forged({ serial: body.serial + 1 })))).toBe(ErrorCode.RefundMismatch);
      expect(await codeOf(refund(forged({ currency: 'USD' })))).toBe(ErrorCode.RefundMismatch);
      expect(await codeOf(refund(forged({ purseId: 'nobody' })))).toBe(ErrorCode.WrongBank);
      expect(await books()).toEqual(before);
    });

    it('a mismatching refund recorded before its check does not keep the check from being credited', async () => {
      const c = check(w, 1, 120);
      const v = verifyCheck(c, { anchors: w.bank.anchors, now: NOW });
      const wrong = makeRefund(w.merchant, { ...v, body: { ...v.body, amount: 119 } }, NOW);
      expect((await refund(wrong)).outcome).toBe('recorded');
      expect(await codes([c])).toEqual([0]);
    });
  });
}

describe('POST /v1/refunds', () => {
  let w: World;
  let app: FastifyInstance;
  beforeAll(async () => {
    w = await makeWorld('pglite', 1);
    const service = new BankService(w.db, w.bank, verifier, { clock: () => NOW, keys: w.keys });
    applyToken(w, 0, (await service.load(loadRequest(w, 0, 10_000))).token);
    app = await buildServer(service);
  });
  afterAll(async () => {
    expect(await invariants(w.db)).toEqual([]);
    await app?.close();
    await w?.db.close();
  });
  const post = (body: Uint8Array) =>
    app.inject({
      method: 'POST',
      url: '/v1/refunds',
      headers: { 'content-type': 'application/cbor' },
      payload: Buffer.from(body),
    });

  it('answers reversed, then the same again (replayed); a deposit of the refunded check then gets 322', async () => {
    const c = check(w, 0, 500);
    await app.inject({
      method: 'POST',
      url: '/v1/deposit',
      headers: { 'content-type': 'application/cbor' },
      payload: Buffer.from(deposit(w, [c]).envelope),
    });
    const sealed = sealRefund(w.bank.party.certificate, refundOf(w, c));
    const checkHash = Buffer.from(verifyCheck(c, { anchors: w.bank.anchors, now: NOW }).hash).toString('base64');
    const first = await post(sealed);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ checkHash, outcome: 'reversed', amount: 500, replayed: false });
    const json = await app.inject({
      method: 'POST',
      url: '/v1/refunds',
      payload: { envelope: Buffer.from(sealed).toString('base64') },
    });
    expect(json.json()).toEqual({ checkHash, outcome: 'reversed', amount: 500, replayed: true });
    const again = await app.inject({
      method: 'POST',
      url: '/v1/deposit',
      payload: { envelope: Buffer.from(deposit(w, [c]).envelope).toString('base64') },
    });
    expect(again.json()).toMatchObject({ credited: 0, outcomes: [{ code: ErrorCode.CheckRefunded, credited: 0 }] });
  });

  it('a tampered refund: 422 with its protocol code; a refund not sealed: 422 (an envelope expected)', async () => {
    const c = check(w, 0, 200);
    const bytes = refundOf(w, c);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    const bad = await post(sealRefund(w.bank.party.certificate, bytes));
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ error: { kind: 'protocol', code: ErrorCode.BadSignature } });
    const unsealed = await post(refundOf(w, c));
    expect(unsealed.statusCode).toBe(422);
    expect(await w.db.query('select 1 from refunds where amount = 200')).toEqual([]);
  });
});
