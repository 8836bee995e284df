// The service's revocation snapshot (src/bank/revocations.ts): kept between requests while the
// stored version is unchanged, and never stale beyond one request when a purse is revoked, whether
// by this service, by another bank process on the same database, or by a purse's status changing
// (a lost purse stays capturable until it is settled).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { revoke } from '../../src/bank/issuing.ts';
import { BankService } from '../../src/bank/service.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { createVerifierPool, type VerifierPool } from '../../src/protocol/verifier/index.ts';
import { applyToken, check, DRIVERS, deposit, invariants, loadRequest, makeWorld, NOW, type World } from './support.ts';

let pool: VerifierPool;
beforeAll(async () => {
  pool = await createVerifierPool({ workers: 2, chunkMin: 1 });
});
afterAll(async () => {
  await pool?.close();
});

for (const { driver, skip, reason } of DRIVERS) {
  describe.skipIf(skip)(`revocation snapshot on ${driver}${skip ? ` (skipped: ${reason})` : ''}`, () => {
    let w: World;
    // Two services on one database: two bank processes, as far as the snapshot can tell.
    let a: BankService;
    let b: BankService;
    beforeAll(async () => {
      w = await makeWorld(driver, 3);
      a = new BankService(w.db, w.bank, pool, { clock: () => NOW, keys: w.keys });
      b = new BankService(w.db, w.bank, pool, { clock: () => NOW, keys: w.keys });
      for (const p of [0, 1, 2]) applyToken(w, p, (await a.load(loadRequest(w, p, 10_000))).token);
    });
    afterEach(async () => {
      expect(await invariants(w.db)).toEqual([]);
    });
    afterAll(async () => {
      await w?.db.close();
    });
    const codes = async (s: BankService, checks: Uint8Array[]) =>
      (await s.deposit(deposit(w, checks).envelope)).outcomes.map((o) => o.code);
    const loadCode = (s: BankService, p: number) =>
      s.load(loadRequest(w, p, 100)).then(
        () => 0,
        (e: unknown) => (e instanceof ProtocolError ? e.code : Promise.reject(e)),
      );

    it('is kept while nothing changes: the same snapshot, read once', async () => {
      const first = await b.revocations.current();
      expect(await b.revocations.current()).toBe(first);
      expect(await codes(b, [check(w, 0, 10), check(w, 1, 10)])).toEqual([0, 0]);
      expect(await b.revocations.current()).toBe(first);
    });

    it('a revocation by another process is refused at the next deposit and load', async () => {
      const before = await b.revocations.current();
      await revoke(w.db, 'purse-0', 'test', NOW); // not through b
      const after = await b.revocations.current();
      expect(after.version).not.toBe(before.version);
      expect(after.capture.has('bank-1/purse-0')).toBe(true);
      // The workers held the old version's set: the new version reaches them with the next batch.
      expect(await codes(b, [check(w, 0, 10), check(w, 2, 10)])).toEqual([ErrorCode.Revoked, 0]);
      expect(await loadCode(a, 0)).toBe(ErrorCode.Revoked);
    });

    it('a lost purse is refused for loading and stays capturable; both services see it', async () => {
      await a.reportLost('purse-1');
      expect(await loadCode(b, 1)).toBe(ErrorCode.Revoked);
      expect(await codes(b, [check(w, 1, 10)])).toEqual([0]);
      const now = await a.revocations.current();
      expect(now.all.has('bank-1/purse-1')).toBe(true);
      expect(now.capture.has('bank-1/purse-1')).toBe(false);
      // Settled (status no longer 'lost'): its checks are refused from then on.
      await w.db.query("update purses set status = 'settled' where purse_id = 'purse-1'");
      expect(await codes(a, [check(w, 1, 10)])).toEqual([ErrorCode.Revoked]);
    });
  });
}
