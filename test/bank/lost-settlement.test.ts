// Lost cards settled on the bank server's schedule and on demand: with the clock (the service's
// `now` and the schedule's timer injected, no sleeps), once whoever runs (a rerun, two runs at
// once, two database connections as two bank processes), each settlement recorded as a back-office
// action of the scheduler or the operator's credential, counted in the metrics, the route refused
// without an operator credential. On PGlite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/bank/audit/index.ts';
import { SCHEDULER } from '../../src/bank/back-office/actions.ts';
import { createCredential } from '../../src/bank/back-office/credentials.ts';
import { captureBatch } from '../../src/bank/capture/index.ts';
import { openDatabase } from '../../src/bank/db.ts';
import { createBank, personalisePurse, registerCardholder } from '../../src/bank/issuing.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { balance } from '../../src/bank/ledger.ts';
import { loadValue } from '../../src/bank/load.ts';
import { migrate } from '../../src/bank/migrate.ts';
import { buildServer } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { scheduleSettlement, type Timer } from '../../src/bank/settle-schedule.ts';
import { reportLost, settleLost } from '../../src/bank/settlement.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import {
  applyToken,
  check,
  DRIVERS,
  deposit,
  freshDatabase,
  invariants,
  LIMITS,
  loadRequest,
  makeWorld,
  NOW,
  type World,
} from './support.ts';

const WINDOW_S = 3_600;
const verifier = createInThreadVerifier();

describe.each(DRIVERS)('settlement of lost cards on $driver', ({ driver, skip, reason }) => {
  let w: World;
  let service: BankService;
  let clock = NOW;

  beforeAll(async () => {
    if (skip) return;
    w = await makeWorld(driver, 6);
    service = new BankService(w.db, w.bank, verifier, {
      clock: () => clock,
      keys: w.keys,
      lostSettleWindowS: WINDOW_S,
    });
    for (let p = 0; p < 6; p++)
      applyToken(w, p, (await loadValue(w.db, w.bank, loadRequest(w, p, 10_000), { now: NOW })).token);
  });
  afterAll(async () => {
    if (skip) return;
    expect(await invariants(w.db)).toEqual([]);
    expect((await audit(w.db, w.bank)).findings).toEqual([]);
    await w.db.close();
  });

  const records = (purseId: string) =>
    w.db.query<{ credential_id: string | null; actor: string; detail: Record<string, unknown> }>(
      "select credential_id, actor, detail from back_office_actions where action = 'settle' and subject = $1",
      [purseId],
    );
  const status = async (purseId: string) =>
    (await w.db.query<{ status: string }>('select status from purses where purse_id = $1', [purseId]))[0]?.status;

  it.skipIf(skip)(
    `the schedule settles a lost card once its window has passed, as the scheduler ${reason}`,
    async () => {
      clock = NOW;
      await captureBatch(w.db, w.bank, deposit(w, [check(w, 0, 1_500)]).envelope, { now: NOW, verifier });
      await service.reportLost('purse-0');
      const before = await balance(w.db, 'cardholder', 'alice', 'EUR');
      // The timer is the test's: it fires when the test says, nothing sleeps.
      let fire: (() => void) | undefined;
      let everyMs = 0;
      const timer: Timer = (run, ms) => {
        fire = run;
        everyMs = ms;
        return () => {
          fire = undefined;
        };
      };
      const logged: string[] = [];
      const log = {
        info: (_o: object, msg: string) => logged.push(msg),
        error: (_o: object, msg: string) => logged.push(msg),
      };
      const schedule = scheduleSettlement(service, { everyS: 600, log, timer });
      expect(everyMs).toBe(600_000);
      await schedule.tick(); // the run at start, and one more: the window is not over
      expect(await status('purse-0')).toBe('lost');

      clock = NOW + WINDOW_S - 1;
      fire?.();
      await schedule.tick();
      expect(await status('purse-0')).toBe('lost');

      clock = NOW + WINDOW_S;
      await schedule.tick();
      expect(await status('purse-0')).toBe('settled');
      expect(await balance(w.db, 'cardholder', 'alice', 'EUR')).toBe(before + 8_500);
      expect(await records('purse-0')).toEqual([
        {
          credential_id: null,
          actor: 'scheduler',
          detail: {
            cardholderId: 'alice',
            currency: 'EUR',
            refunded: 8_500,
            settleAfter: NOW + WINDOW_S,
            settledAt: NOW + WINDOW_S,
          },
        },
      ]);
      expect(logged).toEqual(['lost cards settled']);

      // Runs again: nothing more is paid, nothing more recorded.
      clock += 86_400;
      await schedule.tick();
      expect(await balance(w.db, 'cardholder', 'alice', 'EUR')).toBe(before + 8_500);
      expect(await records('purse-0')).toHaveLength(1);
      expect(service.metrics().lostSettled).toEqual({ purses: 1, value: 8_500 });

      await schedule.stop();
      expect(fire).toBeUndefined();
    },
  );

  it.skipIf(skip)(
    `two runs at once, and two connections as two bank processes, settle each card once ${reason}`,
    async () => {
      clock = NOW;
      for (const p of ['purse-1', 'purse-2', 'purse-3']) await service.reportLost(p);
      const before = await balance(w.db, 'cardholder', 'alice', 'EUR');
      const now = NOW + WINDOW_S;
      // A second process: its own connection pool on the same database (PGlite has one connection).
      const other = w.url ? await openDatabase(w.url, { poolMax: 4 }) : w.db;
      try {
        const runs = await Promise.all([
          settleLost(w.db, w.bank, now, SCHEDULER),
          settleLost(other, w.bank, now, SCHEDULER),
          settleLost(w.db, w.bank, now, SCHEDULER),
          settleLost(other, w.bank, now, SCHEDULER),
        ]);
        const settled = runs.flat().map((s) => s.purseId);
        expect(settled.sort()).toEqual(['purse-1', 'purse-2', 'purse-3']);
        expect(runs.flat().every((s) => s.refunded === 10_000)).toBe(true);
      } finally {
        if (other !== w.db) await other.close();
      }
      expect(await balance(w.db, 'cardholder', 'alice', 'EUR')).toBe(before + 30_000);
      for (const p of ['purse-1', 'purse-2', 'purse-3']) expect(await records(p)).toHaveLength(1);
      expect(await settleLost(w.db, w.bank, now + 60)).toEqual([]);
      expect(await balance(w.db, 'cardholder', 'alice', 'EUR')).toBe(before + 30_000);
    },
  );

  it.skipIf(skip)(`the route settles for an operator only, recorded with its credential ${reason}`, async () => {
    const app = await buildServer(service);
    try {
      clock = NOW;
      await service.reportLost('purse-4');
      clock = NOW + WINDOW_S;
      const operator = await createCredential(w.db, { name: 'counter', roles: ['operator'] });
      const issuer = await createCredential(w.db, { name: 'issuing', roles: ['issuer'] });
      const settle = (token?: string) =>
        app.inject({
          method: 'POST',
          url: '/v1/admin/lost-cards/settle',
          payload: {},
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
      expect((await settle()).statusCode).toBe(401);
      expect((await settle(`${operator.token.slice(0, -4)}AAAA`)).statusCode).toBe(401);
      const forbidden = await settle(issuer.token);
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json().error.message).toContain('settle needs the operator role');
      expect(await status('purse-4')).toBe('lost');

      const ok = await settle(operator.token);
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toEqual({
        settled: [{ purseId: 'purse-4', cardholderId: 'alice', currency: 'EUR', refunded: 10_000 }],
      });
      expect(await records('purse-4')).toMatchObject([
        { credential_id: operator.credential.id, actor: 'counter', detail: { refunded: 10_000 } },
      ]);
      expect((await settle(operator.token)).json()).toEqual({ settled: [] });
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/^smartcheck_bank_lost_cards_settled_total [1-9]/m);
      expect(metrics).toMatch(/^smartcheck_bank_lost_settled_minor_units_total [1-9]\d*/m);
    } finally {
      await app.close();
    }
  });

  it.skipIf(skip)(`the server runs the schedule from its start to its close ${reason}`, async () => {
    clock = NOW;
    await service.reportLost('purse-5');
    clock = NOW + WINDOW_S;
    const app = await buildServer(service, { settleLostEveryS: 3_600 });
    await app.ready(); // the run at start
    await app.close(); // waits for the run in progress
    expect(await status('purse-5')).toBe('settled');
    expect(await records('purse-5')).toMatchObject([{ credential_id: null, actor: 'scheduler' }]);
  });
});

describe('migration 007 on a ledger from before it', () => {
  it('records each purse settled before it once, so the audit is clean', async () => {
    const { db } = await freshDatabase('pglite', 1, undefined, { before: '007_settlements_reports.sql' });
    try {
      const bank = await createBank(db, memoryKeyStore(), { bankId: 'bank-old', now: NOW });
      await registerCardholder(db, bank, 'olga', { now: NOW });
      await personalisePurse(db, bank, 'purse-old', { cardholderId: 'olga', limits: LIMITS, now: NOW });
      await reportLost(db, 'purse-old', NOW, 60);
      // Settled as the library did before 007 (nothing loaded, so nothing to pay back): no record.
      await db.query("update purses set status = 'settled' where purse_id = 'purse-old'");
      expect(await migrate(db, { before: '008' })).toEqual(['007_settlements_reports.sql']);
      await migrate(db); // the later ones leave what 007 did alone
      expect(
        await db.query("select credential_id, actor, subject from back_office_actions where action = 'settle'"),
      ).toEqual([{ credential_id: null, actor: 'before migration 007', subject: 'purse-old' }]);
      expect((await audit(db, bank)).findings).toEqual([]);
      // From now on a settlement without its record is a finding.
      await personalisePurse(db, bank, 'purse-new', { cardholderId: 'olga', limits: LIMITS, now: NOW });
      await reportLost(db, 'purse-new', NOW, 60);
      await db.query("update purses set status = 'settled' where purse_id = 'purse-new'");
      expect((await audit(db, bank)).findings.map((f) => `${f.kind} ${f.key}`)).toContain('action_missing purse-new');
    } finally {
      await db.close();
    }
  });
});
