// The bank on each database driver: ledger invariants after every test, loading and capture happy
// paths, every rejection reason, idempotency, and the fraud case (evidence, revocation in the next list).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureBatch } from '../../src/bank/capture/index.ts';
import { personalisePurse, registerCardholder, revocationList, revoke } from '../../src/bank/issuing.ts';
import { balance } from '../../src/bank/ledger.ts';
import { loadValue } from '../../src/bank/load.ts';
import { verifyReceipt } from '../../src/protocol/capture.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { verifyFraudProof } from '../../src/protocol/fraud.ts';
import { newPurseState } from '../../src/protocol/load.ts';
import { certifyBank, certifyParty, createRoot } from '../../src/protocol/pki.ts';
import { Role } from '../../src/protocol/registry.ts';
import { verifyRevocationList } from '../../src/protocol/revocation.ts';
import { createInThreadVerifier, createVerifierPool, type VerifierPool } from '../../src/protocol/verifier/index.ts';
import {
  applyToken,
  check,
  deposit,
  invariants,
  LIMITS,
  loadRequest,
  makeWorld,
  NOW,
  WITH_CITUS,
  type World,
} from './support.ts';

let pool: VerifierPool;
beforeAll(async () => {
  pool = await createVerifierPool({ workers: 1 });
});
afterAll(async () => {
  await pool?.close();
});

const codeOf = async (p: Promise<unknown>): Promise<number | string> => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
};

for (const { driver, skip, reason } of WITH_CITUS) {
  describe.skipIf(skip)(`bank on ${driver}${skip ? ` (skipped: ${reason})` : ''}`, () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld(driver, 6);
    });
    afterEach(async () => {
      expect(await invariants(w.db)).toEqual([]);
    });
    afterAll(async () => {
      await w?.db.close();
    });
    const capture = (envelope: Uint8Array, now = NOW) => captureBatch(w.db, w.bank, envelope, { now, verifier: pool });

    describe('loading', () => {
      it('loads value: cardholder debited, liability credited, token applies on the purse', async () => {
        const before = await balance(w.db, 'cardholder', 'alice', 'EUR');
        const r = await loadValue(w.db, w.bank, loadRequest(w, 0, 50_000), { now: NOW });
        expect(r.replayed).toBe(false);
        expect(applyToken(w, 0, r.token)).toBe(50_000);
        expect(await balance(w.db, 'cardholder', 'alice', 'EUR')).toBe(before - 50_000);
        expect(await balance(w.db, 'emoney', 'bank-1', 'EUR')).toBe(50_000);
      });
      it('the same request twice returns the same token and moves money once', async () => {
        const envelope = loadRequest(w, 1, 40_000);
        const before = await balance(w.db, 'cardholder', 'alice', 'EUR');
        const [a, b] = await Promise.all([
          loadValue(w.db, w.bank, envelope, { now: NOW }),
          loadValue(w.db, w.bank, envelope, { now: NOW }),
        ]);
        expect(Buffer.from(a.token).equals(Buffer.from(b.token))).toBe(true);
        expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
        expect(await balance(w.db, 'cardholder', 'alice', 'EUR')).toBe(before - 40_000);
        applyToken(w, 1, a.token);
        expect(await codeOf(Promise.resolve().then(() => applyToken(w, 1, b.token)))).toBe(
          ErrorCode.TokenAlreadyApplied,
        );
      });
      it('a request served earlier and retried after the skew window gets its stored token; a new late one is refused', async () => {
        const envelope = loadRequest(w, 1, 1_500);
        const first = await loadValue(w.db, w.bank, envelope, { now: NOW });
        const before = await balance(w.db, 'cardholder', 'alice', 'EUR');
        const late = await loadValue(w.db, w.bank, envelope, { now: NOW + 3_600 });
        expect(late.replayed).toBe(true);
        expect(Buffer.from(late.token).equals(Buffer.from(first.token))).toBe(true);
        expect(await balance(w.db, 'cardholder', 'alice', 'EUR')).toBe(before);
        expect(await codeOf(loadValue(w.db, w.bank, loadRequest(w, 1, 1_500), { now: NOW + 3_600 }))).toBe(
          ErrorCode.MessageExpired,
        );
        expect(await balance(w.db, 'cardholder', 'alice', 'EUR')).toBe(before);
        applyToken(w, 1, first.token);
      });
      it('refuses insufficient funds, stale requests, unknown purses and revoked purses', async () => {
        const poor = await personalisePurse(w.db, w.bank, 'purse-poor', {
          cardholderId: 'bob',
          limits: LIMITS,
          now: NOW,
        }).catch(async () => {
          await registerCardholder(w.db, w.bank, 'bob', { now: NOW });
          return personalisePurse(w.db, w.bank, 'purse-poor', { cardholderId: 'bob', limits: LIMITS, now: NOW });
        });
        w.purses.push(poor);
        w.states.push((await import('../../src/protocol/load.ts')).newPurseState('EUR'));
        w.serials.push(0);
        const p = w.purses.length - 1;
        expect(await codeOf(loadValue(w.db, w.bank, loadRequest(w, p, 100), { now: NOW }))).toBe(
          ErrorCode.InsufficientFunds,
        );
        expect(await codeOf(loadValue(w.db, w.bank, loadRequest(w, 2, 100, NOW - 3_600), { now: NOW }))).toBe(
          ErrorCode.MessageExpired,
        );
        const root = createRoot('root-x');
        const bankX = certifyBank(root, 'bank-1', { notBefore: NOW - 10, notAfter: NOW + 1e6 });
        const stranger = certifyParty(bankX, 'purse-x', Role.Purse, {
          notBefore: NOW - 10,
          notAfter: NOW + 1e6,
          limits: LIMITS,
        });
        const { requestValue, newPurseState } = await import('../../src/protocol/load.ts');
        const foreign = requestValue(
          newPurseState('EUR'),
          { ...stranger, certificate: stranger.certificate },
          { amount: 10, currency: 'EUR', now: NOW, nonce: new Uint8Array(16).fill(9) },
        );
        expect(await codeOf(loadValue(w.db, w.bank, foreign.envelope, { now: NOW }))).toBe(
          ErrorCode.EnvelopeOpenFailed,
        );
        await revoke(w.db, 'purse-5', 'lost', NOW);
        expect(await codeOf(loadValue(w.db, w.bank, loadRequest(w, 5, 100), { now: NOW }))).toBe(ErrorCode.Revoked);
      });
    });

    describe('capture', () => {
      it('credits the merchant and returns a receipt the merchant verifies', async () => {
        const checks = [check(w, 0, 1_000), check(w, 0, 2_000), check(w, 1, 3_000)];
        const { envelope, id } = deposit(w, checks);
        const r = await capture(envelope);
        expect(r.outcomes).toEqual([
          { code: 0, credited: 1_000 },
          { code: 0, credited: 2_000 },
          { code: 0, credited: 3_000 },
        ]);
        const receipt = verifyReceipt(
          w.merchant,
          r.receipt,
          { batchId: id, checks },
          { anchors: w.bank.anchors, now: NOW },
        );
        expect(receipt.body.totalCredited).toBe(6_000);
        expect(await balance(w.db, 'merchant', 'shop-1', 'EUR')).toBe(6_000);
      });
      it('re-submitting a batch returns the same receipt; parts of it are duplicates; nothing is credited twice', async () => {
        const checks = [check(w, 0, 500), check(w, 1, 700)];
        const first = deposit(w, checks);
        const a = await capture(first.envelope);
        const b = await capture(first.envelope);
        expect(b.replayed).toBe(true);
        expect(Buffer.from(b.receipt).equals(Buffer.from(a.receipt))).toBe(true);
        const part = await capture(deposit(w, [checks[1]!, check(w, 1, 100), checks[1]!]).envelope);
        expect(part.outcomes).toEqual([
          { code: ErrorCode.DuplicateCheck, credited: 0 },
          { code: 0, credited: 100 },
          { code: ErrorCode.DuplicateCheck, credited: 0 },
        ]);
        // Deposited by another merchant: a foreign check, not a credit.
        const stolen = await capture(deposit(w, [checks[0]!], { merchant: w.other }).envelope);
        expect(stolen.outcomes).toEqual([{ code: ErrorCode.WrongMerchant, credited: 0 }]);
        expect(await balance(w.db, 'merchant', 'shop-1', 'EUR')).toBe(6_000 + 1_300);
      });
      it('refuses foreign-merchant, malformed, tampered, expired, revoked and over-loaded checks with their codes', async () => {
        // over-loaded: purse-2 was never loaded; its check within the certified limits (50,000 per
        // check; above it would be 334) is paid under the guarantee and revokes the purse
        const foreign = check(w, 0, 100, { merchant: w.other });
        const malformed = new Uint8Array([1, 2, 3]);
        const tampered = check(w, 0, 100);
        tampered[tampered.length - 5]! ^= 1;
        const later = NOW + 4 * 365 * 86_400;
        const unknownBank = certifyParty(
          certifyBank(createRoot('root-y'), 'bank-y', { notBefore: NOW - 10, notAfter: NOW + 1e6 }),
          'purse-y',
          Role.Purse,
          { notBefore: NOW - 10, notAfter: NOW + 1e6, limits: LIMITS },
        );
        const r = await capture(
          deposit(w, [
            foreign,
            malformed,
            tampered,
            check(w, 2, 100, { purse: unknownBank, serial: 1 }),
            check(w, 2, 40_000),
          ]).envelope,
        );
        expect(r.outcomes.map((o) => o.code)).toEqual([
          ErrorCode.WrongMerchant,
          ErrorCode.MalformedCbor,
          ErrorCode.BadSignature,
          ErrorCode.UnknownIssuer,
          // Past the loaded value, within the certified limits: paid under the guarantee.
          0,
        ]);
        expect(r.credited).toBe(40_000);
        expect(await balance(w.db, 'fraud_loss', 'bank-1', 'EUR')).toBe(-40_000);
        // purse-2 overspent (never loaded): revoked; its next check dated after the revocation
        // reached the terminals (one day) is refused.
        const dayLater = NOW + 86_400 + 1;
        const again = await capture(
          deposit(w, [check(w, 2, 10, { time: dayLater })], { time: dayLater }).envelope,
          dayLater,
        );
        expect(again.outcomes[0]!.code).toBe(ErrorCode.GuaranteeAfterRevocation);
        // Expired: the purse certificate is past its validity at capture time (bank clock moved on).
        const late = await capture(deposit(w, [check(w, 0, 10)]).envelope, later).catch((e: ProtocolError) => e.code);
        expect(late).toBe(ErrorCode.CertificateExpired); // the merchant's own certificate has expired too: the batch is refused
      });
      it('a clone (two checks, one purse and serial) is kept as a fraud proof and revokes the purse in the next list', async () => {
        const lossBefore = await balance(w.db, 'fraud_loss', 'bank-1', 'EUR');
        const loaded = await loadValue(w.db, w.bank, loadRequest(w, 3, 10_000), { now: NOW });
        applyToken(w, 3, loaded.token);
        const listBefore = verifyRevocationList(await revocationList(w.db, w.bank, NOW), {
          anchors: w.bank.anchors,
          now: NOW,
        });
        expect(listBefore.body.revoked).not.toContain('purse-3');
        const a = check(w, 3, 1_000, { serial: 7 });
        const b = check(w, 3, 2_000, { serial: 7 });
        const r1 = await capture(deposit(w, [a]).envelope);
        const r2 = await capture(deposit(w, [b, a]).envelope);
        expect(r1.outcomes).toEqual([{ code: 0, credited: 1_000 }]);
        // The clone's check is paid under the guarantee, from the issuer's fraud loss.
        expect(r2.outcomes).toEqual([
          { code: 0, credited: 2_000 },
          { code: ErrorCode.DuplicateCheck, credited: 0 },
        ]);
        expect(await balance(w.db, 'fraud_loss', 'bank-1', 'EUR')).toBe(lossBefore - 2_000);
        const [evidence] = await w.db.query<{ proof: Uint8Array }>(
          "select proof from fraud_evidence where purse_id = 'purse-3'",
        );
        const proof = verifyFraudProof(new Uint8Array(evidence!.proof), { anchors: w.bank.anchors });
        expect(proof).toMatchObject({ purseId: 'purse-3', serial: 7, bankId: 'bank-1' });
        const list = verifyRevocationList(await revocationList(w.db, w.bank, NOW + 1), {
          anchors: w.bank.anchors,
          now: NOW + 1,
        });
        expect(list.body.revoked).toContain('purse-3');
        expect(list.body.listNumber).toBeGreaterThan(listBefore.body.listNumber);
        // Revoked: a check dated before the revocation reached the terminals is still paid (here
        // within the loaded value), one dated after is refused.
        const r3 = await capture(deposit(w, [check(w, 3, 10)]).envelope);
        expect(r3.outcomes[0]).toEqual({ code: 0, credited: 10 });
        const dayLater = NOW + 86_400 + 1;
        const r4 = await capture(
          deposit(w, [check(w, 3, 10, { time: dayLater })], { time: dayLater }).envelope,
          dayLater,
        );
        expect(r4.outcomes[0]!.code).toBe(ErrorCode.GuaranteeAfterRevocation);
      });
      it('refuses a check whose purse certificate has expired (203), and captures Internet checks', async () => {
        const cardholder = await registerCardholder(w.db, w.bank, 'carol', { now: NOW, certify: true });
        const shortLived = await personalisePurse(w.db, w.bank, 'purse-short', {
          cardholderId: 'carol',
          limits: LIMITS,
          now: NOW,
          validityS: 100,
        });
        w.purses.push(shortLived);
        w.states.push((await import('../../src/protocol/load.ts')).newPurseState('EUR'));
        w.serials.push(0);
        const expired = await capture(deposit(w, [check(w, w.purses.length - 1, 10)]).envelope, NOW + 200);
        expect(expired.outcomes).toEqual([{ code: ErrorCode.CertificateExpired, credited: 0 }]);
        const { makeInternetSlip, makeCheckRequest, signInternetCheck, approveInternetCheck } = await import(
          '../../src/protocol/internet.ts'
        );
        const slip = makeInternetSlip(w.merchant, {
          merchantId: 'shop-1',
          amount: 250,
          currency: 'EUR',
          time: NOW,
          terminalId: 'web',
          terminalTxId: 1,
          terminalNonce: new Uint8Array(16).fill(3),
        });
        const draft = signInternetCheck(w.purses[4]!, makeCheckRequest(slip, 'carol'), {
          anchors: w.bank.anchors,
          now: NOW,
          serial: 900,
          time: NOW,
        });
        const internet = approveInternetCheck(cardholder!, draft, { anchors: w.bank.anchors, now: NOW }).check.bytes;
        await loadValue(w.db, w.bank, loadRequest(w, 4, 1_000), { now: NOW }).then((r) => applyToken(w, 4, r.token));
        const r = await capture(deposit(w, [internet, internet]).envelope);
        expect(r.outcomes).toEqual([
          { code: 0, credited: 250 },
          { code: ErrorCode.DuplicateCheck, credited: 0 },
        ]);
      });
      it('finds duplicates and clones inside one new batch too', async () => {
        await loadValue(w.db, w.bank, loadRequest(w, 4, 5_000), { now: NOW }).then((r) => applyToken(w, 4, r.token));
        const a = check(w, 4, 100, { serial: 500 });
        const b = check(w, 4, 200, { serial: 500 });
        const c = check(w, 4, 300, { serial: 501 });
        const r = await capture(deposit(w, [a, c, a, b, c]).envelope);
        expect(r.outcomes.map((o) => [o.code, o.credited])).toEqual([
          [0, 100],
          [0, 300],
          [ErrorCode.DuplicateCheck, 0],
          [0, 200], // the clone's check, paid under the guarantee
          [ErrorCode.DuplicateCheck, 0],
        ]);
        const [evidence] = await w.db.query<{ proof: Uint8Array }>(
          "select proof from fraud_evidence where purse_id = 'purse-4'",
        );
        expect(verifyFraudProof(new Uint8Array(evidence!.proof), { anchors: w.bank.anchors }).serial).toBe(500);
      });
      it('verifies in the pool and in-thread alike', async () => {
        const inThread = createInThreadVerifier();
        const checks = [check(w, 1, 10), new Uint8Array([0xa0]), check(w, 1, 20, { merchant: w.other })];
        expect(await inThread.verifyChecks(checks, { anchors: w.bank.anchors, now: NOW })).toEqual(
          await pool.verifyChecks(checks, { anchors: w.bank.anchors, now: NOW }),
        );
        await inThread.close();
      });
      it('refuses a check above what its purse certified per check (334), signed by a tampered card: nothing of it is booked', async () => {
        const purse = await personalisePurse(w.db, w.bank, 'purse-tampered', {
          cardholderId: 'alice',
          limits: LIMITS,
          now: NOW,
        });
        const p = w.purses.push(purse) - 1;
        w.states.push(newPurseState('EUR'));
        w.serials.push(0);
        applyToken(w, p, (await loadValue(w.db, w.bank, loadRequest(w, p, 200_000), { now: NOW })).token);
        // A card that keeps its certificate's limits never signs the first; a tampered or emulated one does.
        const over = check(w, p, LIMITS.maxPerCheck + 1);
        const within = check(w, p, LIMITS.maxPerCheck);
        const merchantBefore = await balance(w.db, 'merchant', 'shop-1', 'EUR');
        const { envelope, id } = deposit(w, [over, within]);
        const r = await capture(envelope);
        expect(r.outcomes).toEqual([
          { code: ErrorCode.AboveCertifiedLimit, credited: 0 },
          { code: 0, credited: LIMITS.maxPerCheck },
        ]);
        const receipt = verifyReceipt(
          w.merchant,
          r.receipt,
          { batchId: id, checks: [over, within] },
          {
            anchors: w.bank.anchors,
            now: NOW,
          },
        );
        expect(receipt.body.outcomes.map(([, code]) => code)).toEqual([ErrorCode.AboveCertifiedLimit, 0]);
        expect(await balance(w.db, 'merchant', 'shop-1', 'EUR')).toBe(merchantBefore + LIMITS.maxPerCheck);
        const rows = await w.db.query<{ serial: number }>('select serial from checks where purse_id = $1', [purse.id]);
        expect(rows.map((row) => row.serial)).toEqual([2]);
        const [row] = await w.db.query<{ captured: number; status: string }>(
          'select captured, status from purses where purse_id = $1',
          [purse.id],
        );
        expect(row).toEqual({ captured: LIMITS.maxPerCheck, status: 'active' });
        // The same check again: refused the same way, still nothing booked (no row to be a duplicate of).
        const again = await capture(deposit(w, [over]).envelope);
        expect(again.outcomes).toEqual([{ code: ErrorCode.AboveCertifiedLimit, credited: 0 }]);
      });
    });
  });
}
