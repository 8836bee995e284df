// Is the incremental audit proportional to the day? For each ledger size N (in-memory PGlite): N
// genuine checks, a full audit that writes a checkpoint, then one more "day" of M checks and R
// merchant refunds of checks older than the checkpoint; then the full audit and the incremental
// one (the day's evidence and transactions only, from the carried totals; the older evidence
// counted per period, the refunded old check rows compared with their deposits, nothing else
// written since so nothing rehashed), each with a 2-worker verifier pool as `bank audit` runs.
// Same day for every N: the incremental run's time should stay flat while the full run's grows.
// Figures to stdout and bench/results/audit-incremental.json.
//   npx tsx bench/audit-incremental.ts [--n 16000,64000] [--m 2000] [--refunds 20]
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { newAuditorKey } from '../src/bank/audit/checkpoint/index.ts';
import { audit } from '../src/bank/audit/index.ts';
import { openDatabase } from '../src/bank/db.ts';
import { createVerifierPool } from '../src/protocol/verifier/index.ts';
import { benchLedger } from './audit-ledger.ts';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const SIZES = (arg('n') ?? '16000,64000').split(',').map(Number);
const DAY = Number(arg('m') ?? 2_000);
const REFUNDS = Number(arg('refunds') ?? 20);
const NOW = Math.floor(Date.now() / 1000) - 3_600;
const key = newAuditorKey(join(mkdtempSync(join(os.tmpdir(), 'auditor-')), 'auditor.pem'));

const seconds = (ms: number) => +(ms / 1000).toFixed(2);
const loadBefore = os.loadavg().map((l) => l.toFixed(2));
const results: Record<string, unknown>[] = [];
for (const n of SIZES) {
  const db = await openDatabase('');
  const ledger = await benchLedger(db, { purses: 100, now: NOW });
  const verifier = await createVerifierPool({ workers: 2 });
  // Counts the purse signatures each run verifies.
  let verified = 0;
  const counting = {
    ...verifier,
    verifyBatch: (items: Parameters<typeof verifier.verifyBatch>[0]) => {
      verified += items.length;
      return verifier.verifyBatch(items);
    },
  };
  const run = async (checkpoint?: { key: typeof key; incremental?: boolean }) => {
    verified = 0;
    const report = await audit(db, ledger.service.bank, { verifier: counting, ...(checkpoint ? { checkpoint } : {}) });
    if (!report.ok) throw new Error(`the audit of ${n} + ${DAY} checks is not clean`);
    return {
      s: seconds(report.elapsedMs),
      verified,
      checks: report.counts.checks,
      rehashed: report.checkpoint?.rehashed ?? 0,
    };
  };
  try {
    await ledger.more(n);
    await run({ key }); // the checkpoint of the N checks
    await ledger.more(DAY);
    await ledger.refundOldest(REFUNDS);
    const full = await run();
    const incremental = await run({ key, incremental: true });
    results.push({
      ledger: n,
      day: DAY,
      refunds: REFUNDS,
      fullS: full.s,
      fullVerified: full.verified,
      incrementalS: incremental.s,
      incrementalVerified: incremental.verified,
      incrementalChecks: incremental.checks,
      rehashed: incremental.rehashed,
    });
  } finally {
    await verifier.close();
    await ledger.close();
    await db.close();
  }
}
console.table(results);
const machine = `load average before ${loadBefore.join(' ')}, after ${os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')}; ${os.cpus().length} CPUs, ${process.version}`;
console.log(machine);
writeFileSync(
  new URL('./results/audit-incremental.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2)}\n`,
);
