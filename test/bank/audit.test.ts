// Reconciliation and audit on each driver: purse shadow accounts (gaps), the audit from signed
// evidence (clean, then a tampered book found), a lost card settled after its window with late
// checks still captured, and a merchant refund reversing a check once (test/bank/refunds.test.ts: the rest).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/bank/audit/index.ts';
import { captureBatch } from '../../src/bank/capture/index.ts';
import { revocationList } from '../../src/bank/issuing.ts';
import { balance } from '../../src/bank/ledger.ts';
import { loadValue } from '../../src/bank/load.ts';
import { bookRefund } from '../../src/bank/refunds.ts';
import { purseShadow, reportLost, settleLost } from '../../src/bank/settlement.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { verifyCheck } from '../../src/protocol/pos.ts';
import { makeRefund, verifyDepositedRefund } from '../../src/protocol/refund.ts';
import { verifyRevocationList } from '../../src/protocol/revocation.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import {
  applyToken,
  check,
  deposit,
  invariants,
  loadRequest,
  makeWorld,
  NOW,
  WITH_CITUS,
  type World,
} from './support.ts';

const verifier = createInThreadVerifier();
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof ProtocolError ? e.code : Promise.reject(e)),
  );

for (const { driver, skip, reason } of WITH_CITUS) {
  describe.skipIf(skip)(`reconciliation and audit on ${driver}${skip ? ` (skipped: ${reason})` : ''}`, () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld(driver, 3);
      for (let p = 0; p < 3; p++)
        applyToken(w, p, (await loadValue(w.db, w.bank, loadRequest(w, p, 10_000), { now: NOW })).token);
    });
    afterEach(async () => {
      expect(await invariants(w.db)).toEqual([]);
    });
    afterAll(async () => {
      await w?.db.close();
    });
    const capture = (checks: Uint8Array[], now = NOW) =>
      captureBatch(w.db, w.bank, deposit(w, checks).envelope, { now, verifier });

    it('keeps a shadow account per purse: loaded, captured, outstanding, highest serial, gaps', async () => {
      await capture([
        check(w, 0, 100, { serial: 1 }),
        check(w, 0, 200, { serial: 2 }),
        check(w, 0, 300, { serial: 5 }),
      ]);
      expect(await purseShadow(w.db, 'purse-0')).toEqual({
        purseId: 'purse-0',
        status: 'active',
        loaded: 10_000,
        captured: 600,
        refunded: 0,
        outstanding: 9_400,
        highestSerial: 5,
        gaps: [3, 4],
        gapCount: 2,
      });
      expect(await purseShadow(w.db, 'nobody')).toBeUndefined();
    });
    it('a merchant refund reverses a captured check once', async () => {
      const c = check(w, 1, 700);
      await capture([c]);
      const verified = verifyCheck(c, { anchors: w.bank.anchors, now: NOW });
      const book = (refund: Uint8Array) =>
        bookRefund(w.db, w.bank, verifyDepositedRefund(w.bank.id, refund, { anchors: w.bank.anchors, now: NOW }));
      const refund = makeRefund(w.merchant, verified, NOW);
      const reversed = { checkHash: verified.hash, outcome: 'reversed', amount: 700 };
      expect(await book(refund)).toEqual({ ...reversed, replayed: false });
      // The same refund again: the same answer, nothing booked twice; another refund of it: refused.
      expect(await book(refund)).toEqual({ ...reversed, replayed: true });
      expect(await codeOf(book(makeRefund(w.merchant, verified, NOW + 1)))).toBe(ErrorCode.RefundAlreadyApplied);
      expect(await balance(w.db, 'merchant', 'shop-1', 'EUR')).toBe(600);
      expect((await purseShadow(w.db, 'purse-1'))?.outstanding).toBe(10_000);
    });
    it('a lost card is revoked at once, late checks count during the window, the rest goes back to the cardholder', async () => {
      const before = await balance(w.db, 'cardholder', 'alice', 'EUR');
      const late = check(w, 2, 1_500);
      await reportLost(w.db, 'purse-2', NOW, 3_600);
      const list = verifyRevocationList(await revocationList(w.db, w.bank, NOW), { anchors: w.bank.anchors, now: NOW });
      expect(list.body.revoked).toContain('purse-2');
      expect(await codeOf(loadValue(w.db, w.bank, loadRequest(w, 2, 10), { now: NOW }))).toBe(ErrorCode.Revoked);
      expect((await capture([late])).outcomes).toEqual([{ code: 0, credited: 1_500 }]);
      expect(await settleLost(w.db, w.bank, NOW + 60)).toEqual([]);
      expect(await settleLost(w.db, w.bank, NOW + 3_600)).toEqual([
        { purseId: 'purse-2', cardholderId: 'alice', currency: 'EUR', refunded: 8_500 },
      ]);
      expect(await balance(w.db, 'cardholder', 'alice', 'EUR')).toBe(before + 8_500);
      expect((await capture([check(w, 2, 10)], NOW + 3_700)).outcomes[0]?.code).toBe(ErrorCode.Revoked);
    });
    it('the audit recomputes every balance from the signed evidence and reports a tampered book', async () => {
      const clean = await audit(w.db, w.bank);
      expect(clean.findings).toEqual([]);
      expect(clean.counts).toMatchObject({ loads: 3, purses: 3 });
      await w.db.transaction(async (tx) => {
        await tx.query("update checks set amount = amount + 1 where purse_id = 'purse-0' and serial = 1");
      });
      const tampered = await audit(w.db, w.bank);
      expect(tampered.ok).toBe(false);
      expect(tampered.findings.map(({ kind, table, key }) => ({ kind, table, key }))).toEqual([
        { kind: 'check_row_mismatch', table: 'checks', key: 'purse-0/1' },
      ]);
      expect(tampered.differences).toEqual(['check_row_mismatch checks purse-0/1: amount 101, signed 100']);
      await w.db.transaction(async (tx) => {
        await tx.query("update checks set amount = amount - 1 where purse_id = 'purse-0' and serial = 1");
      });
      expect((await audit(w.db, w.bank)).findings).toEqual([]);
    });
  });
}
