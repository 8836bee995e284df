// The audit at bank scale (issue 19): `smartcheck bank audit`'s throughput (checks/s) and the
// audit process's peak resident size, on a ledger of N genuine checks. The ledger is made by the
// bank's own service (loads, then deposits of 1,000 checks signed by 1,000 purses, captured
// in-process with a 2-worker verifier pool) and kept: on PostgreSQL in the schema
// bench_audit_<N>, on PGlite in $TMPDIR/smartcheck-audit-bench-<N>; a second run audits it again.
// The audit runs in a child process of its own, so that its peak RSS is the audit's alone.
//   npx tsx bench/audit.bench.ts --checks 200000 [--driver pg|pglite] [--workers 2]   (pg needs DATABASE_URL)
// Appends one row to bench/results/audit.md and writes the raw figures to bench/results/audit.json.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runAudit } from '../src/bank/audit/command.ts';
import { type Database, openDatabase } from '../src/bank/db.ts';
import { createVerifierPool } from '../src/protocol/verifier/index.ts';
import { benchLedger } from './audit-ledger.ts';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const CHECKS = Number(arg('checks') ?? 200_000);
const DRIVER = (arg('driver') ?? (process.env.DATABASE_URL ? 'pg' : 'pglite')) as 'pg' | 'pglite';
const PURSES = 1_000;
const NOW = Math.floor(Date.now() / 1000) - 3_600;
const SCHEMA = `bench_audit_${CHECKS}`;
const DATA_DIR = join(os.tmpdir(), `smartcheck-audit-bench-${CHECKS}`);

async function open(): Promise<Database> {
  if (DRIVER === 'pglite') return openDatabase('', { dataDir: DATA_DIR });
  const url = process.env.DATABASE_URL ?? process.env.SMARTCHECK_PG_URL;
  if (!url) throw new Error('--driver pg needs DATABASE_URL');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema if not exists ${SCHEMA}`);
  await admin.end();
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${SCHEMA}`);
  return openDatabase(u.toString(), { poolMax: 4 });
}

async function stored(db: Database): Promise<number> {
  const [t] = await db.query<{ t: string | null }>("select to_regclass('checks')::text as t");
  if (!t?.t) return 0;
  const [n] = await db.query<{ n: number }>('select count(*)::int as n from checks');
  return n?.n ?? 0;
}

/** The ledger: PURSES purses loaded once each, then CHECKS checks in deposits of 1,000 (audit-ledger.ts). */
async function generate(db: Database): Promise<void> {
  const ledger = await benchLedger(db, { purses: PURSES, now: NOW });
  try {
    await ledger.more(CHECKS);
  } finally {
    await ledger.close();
  }
}

/** The child: the audit as `bank audit` runs it, its figures on stdout as JSON. */
async function auditChild(): Promise<void> {
  const db = await open();
  // As `bank audit` runs it: a pool of 2 verifier workers (--workers 0 verifies in this thread).
  const workers = Number(arg('workers') ?? 2);
  const verifier = workers > 0 ? await createVerifierPool({ workers }) : undefined;
  // What the process holds before the audit reads anything: Node, tsx, both WebAssembly modules, the pool.
  const baseMiB = process.resourceUsage().maxRSS / 1024;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const run = await runAudit(db, verifier ? { verifier } : {});
  const ms = performance.now() - t0;
  // This process's CPU (main thread and pool workers), not PostgreSQL's: what the load average does not skew.
  const cpu = process.cpuUsage(cpu0);
  await verifier?.close();
  await db.close();
  console.log(
    JSON.stringify({
      ok: run.ok,
      findings: run.report.findingsTotal,
      counts: run.report.counts,
      auditMs: run.report.elapsedMs,
      totalMs: ms,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      baseMiB,
      cpuMs: (cpu.user + cpu.system) / 1000,
    }),
  );
}

async function main(): Promise<void> {
  if (args.includes('--child')) return auditChild();
  const db = await open();
  const have = await stored(db);
  if (have !== CHECKS) {
    if (have) throw new Error(`${DRIVER} holds ${have} checks, not ${CHECKS}: drop ${SCHEMA} / ${DATA_DIR}`);
    const t0 = performance.now();
    await generate(db);
    console.log(`[audit bench] ledger of ${CHECKS} checks made in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  await db.close();
  const load = os.loadavg().map((l) => l.toFixed(2));
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', new URL(import.meta.url).pathname, ...args, '--child'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (child.status !== 0) throw new Error(`the audit child failed (${child.status})`);
  const r = JSON.parse(child.stdout.trim().split('\n').pop() as string);
  const perS = Math.round(r.counts.checks / (r.auditMs / 1000));
  const loadAfter = os.loadavg().map((l) => l.toFixed(2));
  const row = {
    date: new Date().toISOString(),
    driver: DRIVER,
    workers: Number(arg('workers') ?? 2),
    checks: r.counts.checks,
    ok: r.ok,
    auditS: +(r.auditMs / 1000).toFixed(1),
    totalS: +(r.totalMs / 1000).toFixed(1),
    checksPerS: perS,
    maxRssMiB: Math.round(r.maxRssMiB),
    baseRssMiB: Math.round(r.baseMiB),
    cpuUsPerCheck: +((r.cpuMs * 1000) / r.counts.checks).toFixed(1),
    nodeOptions: process.env.NODE_OPTIONS ?? '',
    loadBefore: load.join(' '),
    loadAfter: loadAfter.join(' '),
    node: process.version,
    cpus: os.cpus().length,
  };
  console.log(row);
  const results = new URL('./results/', import.meta.url);
  const json = new URL('audit.json', results);
  const all = existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')) : [];
  writeFileSync(json, `${JSON.stringify([...all, row], null, 2)}\n`);
  const md = new URL('audit.md', results);
  if (!existsSync(md))
    writeFileSync(
      md,
      '# The audit at bank scale (bench/audit.bench.ts)\n\n| date | driver | workers | checks | clean | audit s | with invariants s | checks/s | CPU µs per check (this process) | peak RSS MiB | RSS before the audit MiB | NODE_OPTIONS | load avg before → after |\n|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---|\n',
    );
  appendFileSync(
    md,
    `| ${row.date.slice(0, 16)} | ${row.driver} | ${row.workers} | ${row.checks.toLocaleString('en')} | ${row.ok ? 'yes' : 'NO'} | ${row.auditS} | ${row.totalS} | ${perS.toLocaleString('en')} | ${row.cpuUsPerCheck ?? ''} | ${row.maxRssMiB} | ${row.baseRssMiB} | ${row.nodeOptions} | ${row.loadBefore} → ${row.loadAfter} |\n`,
  );
}

await main();
