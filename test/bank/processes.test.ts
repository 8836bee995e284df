// Bank processes as child processes: two of them against one PostgreSQL taking overlapping batches
// with duplicates and clones at the same time (zero double credits), and a process killed in the
// middle of a capture (re-submission completes it, nothing lost or doubled) on both drivers.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureBatch } from '../../src/bank/capture/index.ts';
import { openDatabase } from '../../src/bank/db.ts';
import { loadBank } from '../../src/bank/issuing.ts';
import { balance } from '../../src/bank/ledger.ts';
import { loadValue } from '../../src/bank/load.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import {
  applyToken,
  check,
  deposit,
  fileKeys,
  invariants,
  loadRequest,
  makeWorld,
  NOW,
  WITH_CITUS,
  type World,
} from './support.ts';

const CHILD = new URL('./child.ts', import.meta.url).pathname;
type Outcome = { code: number; credited: number };

/** Runs one bank process; resolves with its results, or with the signal that killed it. */
function runChild(
  input: object,
): Promise<{ results?: { outcomes: Outcome[]; replayed: boolean }[]; signal?: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal) return resolve({ signal, stderr: err });
      if (code !== 0) return reject(new Error(`child exited ${code}: ${err}`));
      resolve({ results: JSON.parse(out), stderr: err });
    });
    child.stdin.end(JSON.stringify(input));
  });
}

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** A file key store in a fresh directory: the test and its bank processes share the bank's keys. */
function sharedKeys(): ReturnType<typeof fileKeys> {
  const dir = mkdtempSync(join(tmpdir(), 'smartcheck-keys-'));
  tmpDirs.push(dir);
  return fileKeys(dir);
}

async function loadAll(w: World, amount: number) {
  for (let p = 0; p < w.purses.length; p++)
    applyToken(w, p, (await loadValue(w.db, w.bank, loadRequest(w, p, amount), { now: NOW })).token);
}

for (const { driver, skip, reason } of WITH_CITUS.filter((d) => d.driver !== 'pglite'))
  describe.skipIf(skip)(
    `two bank processes on one ${driver === 'pg' ? 'PostgreSQL' : 'Citus coordinator'}${skip ? ` (skipped: ${reason})` : ''}`,
    () => {
      it('overlapping batches with duplicates and clones, several rounds: zero double credits, invariants hold', async () => {
        const { keys, spec } = sharedKeys();
        const w = await makeWorld(driver, 12, 10_000_000, undefined, keys);
        await loadAll(w, 100_000);
        const credited = new Map<string, number>(); // check hash → times credited
        let receiptsTotal = 0;
        for (let round = 0; round < 3; round++) {
          // Per purse 4 new checks; purse (round) also gets a clone of its first new serial.
          const fresh: Uint8Array[] = [];
          for (let p = 0; p < w.purses.length; p++) for (let k = 0; k < 4; k++) fresh.push(check(w, p, 100 + k));
          const cloneOf = w.serials[round] as number;
          const clone = check(w, round, 999, { serial: cloneOf });
          const half = fresh.length / 2;
          // A takes the first two thirds, B the last two thirds: the middle third in both, in another order.
          const aChecks = [...fresh.slice(0, half + 8), fresh[0] as Uint8Array];
          const bChecks = [clone, ...fresh.slice(half - 8).reverse(), fresh[half] as Uint8Array];
          const toBatches = (checks: Uint8Array[]) =>
            [checks.slice(0, 20), checks.slice(20)].filter((c) => c.length).map((c) => hex(deposit(w, c).envelope));
          const [a, b] = await Promise.all([
            runChild({ url: w.url, keyStore: spec, now: NOW, envelopes: toBatches(aChecks) }),
            runChild({ url: w.url, keyStore: spec, now: NOW, envelopes: toBatches(bChecks) }),
          ]);
          const all: [Uint8Array[], { outcomes: Outcome[] }[]][] = [
            [aChecks, a.results!],
            [bChecks, b.results!],
          ];
          for (const [checks, results] of all) {
            const outcomes = results.flatMap((r) => r.outcomes);
            expect(outcomes).toHaveLength(checks.length);
            outcomes.forEach((o, i) => {
              if (o.credited > 0) {
                const key = hex(checks[i] as Uint8Array);
                credited.set(key, (credited.get(key) ?? 0) + 1);
                receiptsTotal += o.credited;
              }
            });
          }
          expect(await invariants(w.db)).toEqual([]);
        }
        expect([...credited.values()].every((n) => n === 1)).toBe(true);
        expect(await balance(w.db, 'merchant', 'shop-1', 'EUR')).toBe(receiptsTotal);
        // Credited: the check rows, and the clones' checks paid under the guarantee (no check row).
        const [{ n }] = (await w.db.query<{ n: number }>(
          "select ((select count(*) from checks where status = 'credited') + (select count(*) from guarantees where clone))::int as n",
        )) as [{ n: number }];
        expect(n).toBe(credited.size);
        const frauds = await w.db.query<{ purse_id: string }>(
          'select distinct purse_id from fraud_evidence order by purse_id',
        );
        expect(frauds.map((f) => f.purse_id)).toEqual(['purse-0', 'purse-1', 'purse-2']);
        await w.db.close();
      });
    },
  );

for (const { driver, skip, reason } of WITH_CITUS) {
  describe.skipIf(skip)(`crash in the middle of a capture on ${driver}${skip ? ` (skipped: ${reason})` : ''}`, () => {
    // A file-backed PGlite takes seconds per world: one step by default, all with SMARTCHECK_SLOW=1.
    const steps =
      driver !== 'pglite' || process.env.SMARTCHECK_SLOW === '1'
        ? (['verified', 'inserted', 'booked'] as const)
        : (['inserted'] as const);
    for (const step of steps) {
      it(`killed at "${step}": re-submission completes, nothing lost or doubled`, async () => {
        const dataDir = driver === 'pglite' ? mkdtempSync(join(tmpdir(), 'smartcheck-bank-')) : undefined;
        if (dataDir) tmpDirs.push(dataDir);
        const { keys, spec } = sharedKeys();
        let w = await makeWorld(driver, 3, 10_000_000, dataDir, keys);
        await loadAll(w, 50_000);
        const checks = [check(w, 0, 1_000), check(w, 1, 2_000), check(w, 2, 3_000), check(w, 0, 4_000)];
        const { envelope } = deposit(w, checks);
        if (dataDir) await w.db.close();
        const crashed = await runChild({
          url: w.url,
          dataDir,
          keyStore: spec,
          now: NOW,
          crashAt: step,
          envelopes: [hex(envelope)],
        });
        expect(crashed.signal).toBe('SIGKILL');
        const db = dataDir ? await openDatabase('', { dataDir }) : w.db;
        w = { ...w, db, bank: (await loadBank(db, keys))! };
        expect(await balance(db, 'merchant', 'shop-1', 'EUR')).toBe(0);
        expect(await invariants(db)).toEqual([]);
        const verifier = createInThreadVerifier();
        const r = await captureBatch(db, w.bank, envelope, { now: NOW, verifier });
        expect(r.outcomes).toEqual([
          { code: 0, credited: 1_000 },
          { code: 0, credited: 2_000 },
          { code: 0, credited: 3_000 },
          { code: 0, credited: 4_000 },
        ]);
        const again = await captureBatch(db, w.bank, deposit(w, checks).envelope, { now: NOW, verifier });
        expect(again.outcomes.every((o) => o.code === ErrorCode.DuplicateCheck)).toBe(true);
        expect(await balance(db, 'merchant', 'shop-1', 'EUR')).toBe(10_000);
        expect(await invariants(db)).toEqual([]);
        await db.close();
      });
    }
  });
}
