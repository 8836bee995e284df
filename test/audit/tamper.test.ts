// The auditor's tamper tests, in the spirit of GNU Taler's auditor tests: one clean ledger built
// by the bank's own services, then ONE change at a time (tampers.ts), each inside a transaction
// that is rolled back afterwards (the ledger is built once per driver), and the audit must give
// exactly the findings the tamper names — kind, table and key — and nothing else. The clean
// ledger gives none, before and after all the tampers.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckpointOptions, newAuditorKey } from '../../src/bank/audit/checkpoint/index.ts';
import { type AuditOptions, type AuditReport, audit, FINDING_KINDS } from '../../src/bank/audit/index.ts';
import type { Database } from '../../src/bank/db.ts';
import { createBank } from '../../src/bank/issuing.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import { freshDatabase, NOW, WITH_CITUS } from '../bank/support.ts';
import { buildCleanLedger, type CleanLedger } from './clean-ledger.ts';
import { type Expected, TAMPERS } from './tampers.ts';

const ROLLBACK = new Error('roll the tamper back');
const line = (f: Expected) => `${f.kind} ${f.table} ${f.key}`;

for (const { driver, skip, reason } of WITH_CITUS) {
  describe.skipIf(skip)(`audit tamper tests on ${driver}${skip ? ` (skipped: ${reason})` : ''}`, () => {
    let db: Database;
    let ledger: CleanLedger;
    let checkpoint: CheckpointOptions;
    // The checks' signatures verified in batches, as capture does (the in-thread twin of its pool);
    // the run with one row per page below verifies each check on its own, as without a pool.
    const verifier = createInThreadVerifier();
    beforeAll(async () => {
      ({ db } = await freshDatabase(driver));
      const keys = memoryKeyStore();
      const bank = await createBank(db, keys, { bankId: 'bank-1', now: NOW });
      ledger = await buildCleanLedger(db, bank, { verifier: createInThreadVerifier(), keys });
      // Two audit checkpoints of the clean ledger, for the tampers of evidence they cover.
      checkpoint = {
        key: newAuditorKey(join(mkdtempSync(join(tmpdir(), 'auditor-')), 'auditor.pem')),
        incremental: true,
      };
      for (let i = 0; i < 2; i++)
        expect((await audit(db, ledger.bank, { checkpoint })).checkpoint?.written).toBeDefined();
    }, 120_000);
    afterAll(async () => {
      await db?.close();
    });

    /** The tamper's expected findings and the audit's report, the tamper rolled back. */
    const underTamper = async (
      apply: (tx: Parameters<Parameters<Database['transaction']>[0]>[0]) => Promise<Expected[]>,
      options: AuditOptions = { verifier },
    ) => {
      let out: { expected: Expected[]; report: AuditReport } | undefined;
      await db
        .transaction(async (tx) => {
          // A tamper is one person's hand-written SQL: on Citus some of it joins purse-keyed to
          // merchant-keyed rows, which Citus runs only as a repartition join.
          if (driver === 'citus') await tx.query('set local citus.enable_repartition_joins to on');
          const expected = await apply(tx);
          out = { expected, report: await audit(tx, ledger.bank, options) };
          throw ROLLBACK;
        })
        .catch((error: unknown) => {
          if (error !== ROLLBACK) throw error;
        });
      return out as { expected: Expected[]; report: AuditReport };
    };

    it('the clean ledger gives no finding', async () => {
      const report = await audit(db, ledger.bank, { verifier });
      expect(report.findings).toEqual([]);
      expect(report.ok).toBe(true);
      // 5 deposits of its merchants, 1 presenting a foreign check, 1 presented to it by bank-2.
      expect(report.counts).toMatchObject({ loads: 7, purses: 7, batches: 7 });
      process.stderr.write(
        `[audit] clean ledger on ${driver}: ${report.counts.loads} loads, ${report.counts.checks} checks, ${report.counts.batches} batches, ${report.counts.transactions} transactions audited in ${report.elapsedMs.toFixed(1)} ms\n`,
      );
    });

    it('the audit writes nothing', async () => {
      const tables = [
        'accounts',
        'transactions',
        'entries',
        'purses',
        'loads',
        'checks',
        'fraud_evidence',
        'batches',
        'revocations',
        'revocation_lists',
        'bank_keys',
        'bank_key_generations',
        'merchants',
        'cardholders',
      ];
      const snapshot = async () => {
        const out: Record<string, unknown[]> = {};
        // Ordered by the first two columns: checks' first (purse_id) is not unique, and Citus gathers
        // a purse's rows from its shard in no fixed order.
        for (const t of tables) out[t] = await db.query(`select * from ${t} order by 1, 2`);
        const [seq] = await db.query<{ n: number }>('select last_value as n from transactions_id_seq');
        return { ...out, seq: seq?.n };
      };
      const before = await snapshot();
      await audit(db, ledger.bank);
      expect(await snapshot()).toEqual(before);
    });

    it(`there are at least 30 tampers, each with a distinct name`, () => {
      expect(TAMPERS.length).toBeGreaterThanOrEqual(30);
      expect(new Set(TAMPERS.map((t) => t.name)).size).toBe(TAMPERS.length);
    });

    const found = new Set<string>();
    for (const tamper of TAMPERS) {
      it(`finds exactly: ${tamper.name}`, async () => {
        const { expected, report } = await underTamper(
          (tx) => tamper.apply(tx),
          tamper.checkpoint ? { verifier, checkpoint } : { verifier },
        );
        expect(expected.length).toBeGreaterThan(0);
        expect(report.ok).toBe(false);
        expect(report.findings.map(line).sort()).toEqual(expected.map(line).sort());
        for (const f of report.findings) expect(f.detail).not.toBe('');
        for (const f of expected) found.add(f.kind);
      });
    }

    // The audit reads in pages (src/bank/audit/stream.ts): with one row per page every row and
    // every check's batch sits on a page boundary, and every tamper is found all the same.
    it('finds exactly the same with one row per page', async () => {
      expect((await audit(db, ledger.bank, { pageRows: 1 })).findings).toEqual([]);
      for (const tamper of TAMPERS) {
        const { expected, report } = await underTamper(
          (tx) => tamper.apply(tx),
          tamper.checkpoint ? { pageRows: 1, checkpoint } : { pageRows: 1 },
        );
        expect(report.findings.map(line).sort(), tamper.name).toEqual(expected.map(line).sort());
      }
    });

    it('lists at most maxFindings findings and counts them all', async () => {
      const tamper = TAMPERS.find((t) => t.name.length > 0) as (typeof TAMPERS)[number];
      const { expected, report } = await underTamper((tx) => tamper.apply(tx), { maxFindings: 0 });
      expect(report.findings).toEqual([]);
      expect(report.findingsTotal).toBe(expected.length);
      expect(report.ok).toBe(false);
    });

    it('passes every row of signed evidence to the sink once, in key order per table', async () => {
      const seen: { table: string; key: string }[] = [];
      await audit(db, ledger.bank, { sink: (r) => seen.push({ table: r.table, key: r.key }), pageRows: 2 });
      const tables = [...new Set(seen.map((r) => r.table))];
      expect(tables).toEqual(expect.arrayContaining(['loads', 'batches', 'purses', 'merchants', 'refunds']));
      for (const t of tables) {
        const keys = seen.filter((r) => r.table === t).map((r) => r.key);
        expect(new Set(keys).size, t).toBe(keys.length);
      }
      expect(seen.filter((r) => r.table === 'batches')).toHaveLength(7);
      expect(seen.filter((r) => r.table === 'loads')).toHaveLength(7);
    });

    it('the ledger is clean again after every tamper was rolled back', async () => {
      expect((await audit(db, ledger.bank)).findings).toEqual([]);
    });

    it('every finding kind was given by some tamper', () => {
      expect([...found].sort()).toEqual(Object.keys(FINDING_KINDS).sort());
    });
  });
}
