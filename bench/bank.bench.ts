// The bank end to end: capture throughput (HTTP in over loopback, open the sealed batch, verify
// every check in the worker pool, dedupe and book in one database transaction, signed receipt
// out) on PGlite, on PostgreSQL (when DATABASE_URL or SMARTCHECK_PG_URL is set) and on a Citus
// coordinator (when CITUS_URL is set: docs/citus.md; its workers' CPU counted too), with 1 and 2
// verifier workers, batches of 100 and 1,000 checks from many purses, 10,000 purses revoked (the
// bank's revocation snapshot: one version read per request); verification alone through the pool
// (1 vs 2 workers); and loading requests/s. The time per phase (open, verify, database) comes from
// the bank's own metrics; HTTP is the rest. CPU per check: this process's main thread, its other
// threads (the verifier workers, V8 and libuv helpers) and, on PostgreSQL, the server's processes,
// read from /proc. `BENCH_LABEL=…` names the run (e.g. the `taskset` core set) in the report.
// Writes bench/results/bank.{json,md}.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { type Database, openDatabase } from '../src/bank/db.ts';
import { fund, personalisePurse, registerCardholder, registerMerchant } from '../src/bank/issuing.ts';
import { memoryKeyStore } from '../src/bank/keys/memory.ts';
import { checkInvariants } from '../src/bank/ledger.ts';
import { migrate } from '../src/bank/migrate.ts';
import { buildServer } from '../src/bank/server.ts';
import { BankService } from '../src/bank/service.ts';
import { makeDeposit } from '../src/protocol/capture.ts';
import { newPurseState, requestValue } from '../src/protocol/load.ts';
import type { Party } from '../src/protocol/pki.ts';
import { signCheck } from '../src/protocol/pos.ts';
import { Channel } from '../src/protocol/registry.ts';
import { createVerifierPool } from '../src/protocol/verifier/index.ts';
import type { Row, RunOptions, SuiteResult } from './harness.ts';

const PG_URL = process.env.DATABASE_URL ?? process.env.SMARTCHECK_PG_URL;
const CITUS_URL = process.env.CITUS_URL;
type Driver = 'pglite' | 'pg' | 'citus';
const NOW = Math.floor(Date.now() / 1000);
const LIMITS = { currency: 'EUR', maxBalance: 1e12, maxPerCheck: 1e6, maxOfflineChecks: 1e6, maxOfflineAmount: 1e12 };
const PURSES = 200;
// Batches in flight at once (BENCH_IN_FLIGHT to try others: bank-speed.md, quiet re-measure).
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 4);
/** Revoked purses in every world: what the issue measured the per-request rebuild with. */
const REVOKED = 10_000;
const CLOCK_TICK_MS = 10; // USER_HZ = 100 on Linux

/** utime + stime of a /proc stat line, in ms. */
function statCpuMs(path: string): number {
  try {
    const stat = readFileSync(path, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * CLOCK_TICK_MS;
  } catch {
    return 0; // the process ended
  }
}

/** CPU ms so far: this process (all threads), its main thread, and PostgreSQL's processes (if any). */
function cpuNow(postmasters: readonly number[]): { process: number; main: number; pg: number } {
  const u = process.cpuUsage();
  let pg = 0;
  if (postmasters.length) {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      const stat = (() => {
        try {
          return readFileSync(`/proc/${pid}/stat`, 'utf8');
        } catch {
          return '';
        }
      })();
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (postmasters.includes(Number(pid)) || postmasters.includes(ppid)) pg += statCpuMs(`/proc/${pid}/stat`);
    }
  }
  return { process: (u.user + u.system) / 1000, main: statCpuMs(`/proc/self/task/${process.pid}/stat`), pg };
}

/** The PostgreSQL servers' main processes: the parents of a backend of ours (and, on a Citus
 * cluster on this machine, of each worker's checkpointer: the backend that answers
 * run_command_on_workers ends with its connection, before its parent can be read). */
async function postmastersOf(db: Database): Promise<number[]> {
  const [row] = await db.query<{ pid: number }>('select pg_backend_pid() as pid');
  const pids = [row?.pid as number];
  if (db.distributed)
    for (const w of await db.query<{ result: string }>(
      "select result from run_command_on_workers($$select pid from pg_stat_activity where backend_type = 'checkpointer'$$)",
    ))
      pids.push(Number(w.result));
  return pids.map((pid) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  });
}

interface World {
  db: Database;
  service: BankService;
  merchant: Party;
  purses: Party[];
  serials: number[];
  close(): Promise<void>;
  url: string;
  /** PostgreSQL's main processes (a Citus cluster's nodes), whose children's CPU is counted. */
  postmasters: number[];
}

async function database(driver: Driver): Promise<Database> {
  if (driver === 'pglite') return openDatabase('');
  const server = (driver === 'citus' ? CITUS_URL : PG_URL) as string;
  const schema = `bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const u = new URL(server);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return openDatabase(u.toString(), { poolMax: 8 });
}

async function world(driver: Driver, workers: number): Promise<World> {
  const db = await database(driver);
  await migrate(db);
  const verifier = await createVerifierPool({ workers, chunkMin: 50 });
  const service = await BankService.open(db, verifier, { clock: () => NOW, capturesMax: 64, keys: memoryKeyStore() });
  await db.query(
    "insert into revocations (subject, reason, revoked_at) select 'gone-' || g, 'bench', $1 from generate_series(1, $2::int) g",
    [NOW - 86_400, REVOKED],
  );
  await registerCardholder(db, service.bank, 'alice', { now: NOW });
  await fund(db, 'alice', 1e14, 'EUR');
  const merchant = await registerMerchant(db, service.bank, 'shop-1', { now: NOW });
  const purses: Party[] = [];
  for (let i = 0; i < PURSES; i++)
    purses.push(
      await personalisePurse(db, service.bank, `purse-${i}`, { cardholderId: 'alice', limits: LIMITS, now: NOW }),
    );
  const app = await buildServer(service, { bodyLimit: 16 << 20 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    db,
    service,
    merchant,
    purses,
    serials: purses.map(() => 0),
    url,
    postmasters: driver === 'pglite' ? [] : await postmastersOf(db),
    async close() {
      await app.close();
      await verifier.close();
      await db.close();
    },
  };
}

/** A signed check (its slip hash is random: the bank does not see slips). */
function checkOf(w: World, p: number): Uint8Array {
  const purse = w.purses[p] as Party;
  const serial = (w.serials[p] as number) + 1;
  w.serials[p] = serial;
  return signCheck(purse, {
    slipHash: crypto.getRandomValues(new Uint8Array(32)),
    amount: 1 + (serial % 7),
    currency: 'EUR',
    merchantId: w.merchant.id,
    purseId: purse.id,
    serial,
    time: NOW,
    channel: Channel.Pos,
  });
}

async function post(url: string, body: Uint8Array): Promise<Uint8Array> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/cbor' },
    body: Buffer.from(body),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${Buffer.from(bytes).toString()}`);
  return bytes;
}

/** Runs `tasks` with at most `inFlight` at once; returns wall seconds. */
async function pipelined(tasks: (() => Promise<unknown>)[], inFlight: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < tasks.length) await (tasks[next++] as () => Promise<unknown>)();
    }),
  );
  return (performance.now() - t0) / 1000;
}

async function loads(w: World, count: number): Promise<number> {
  const states = w.purses.map(() => newPurseState('EUR'));
  const envelopes = Array.from({ length: count }, (_, i) => {
    const p = i % w.purses.length;
    const r = requestValue(states[p]!, w.purses[p]!, {
      amount: 1_000_000,
      currency: 'EUR',
      now: NOW,
      nonce: crypto.getRandomValues(new Uint8Array(16)),
    });
    states[p] = { ...r.state, outstanding: [] };
    return r.envelope;
  });
  const s = await pipelined(
    envelopes.map((e) => () => post(`${w.url}/v1/load`, e)),
    IN_FLIGHT,
  );
  return count / s;
}

export async function run(opts: RunOptions): Promise<SuiteResult> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const drivers: Driver[] = ['pglite', ...(PG_URL ? ['pg' as const] : []), ...(CITUS_URL ? ['citus' as const] : [])];
  if (!PG_URL)
    notes.push('PostgreSQL: skipped (set DATABASE_URL or SMARTCHECK_PG_URL; scripts/ci-postgres.sh starts one).');
  if (!CITUS_URL) notes.push('Citus: skipped (set CITUS_URL to a coordinator; docs/citus.md).');
  const checksPerConfig = opts.quick ? 3_000 : 20_000;
  for (const driver of drivers) {
    for (const workers of [1, 2]) {
      const w = await world(driver, workers);
      // Every purse is loaded first (over HTTP): the loading figure.
      const loadPerS = await loads(w, opts.quick ? PURSES : 2 * PURSES);
      push(
        rows,
        'loading',
        `load (${driver})`,
        `${workers} workers`,
        1e6 / loadPerS,
        1,
        `${Math.round(loadPerS)} req/s`,
      );
      console.log(`  ${driver} ${workers}w: loading ${Math.round(loadPerS)} req/s`);
      {
        // Verification alone, through the pool, as capture calls it (10,000 revoked, by version).
        const checks = Array.from({ length: 1_000 }, (_, i) => checkOf(w, i % PURSES));
        const revoked = await w.service.revocations.current();
        const options = {
          anchors: w.service.bank.anchors,
          now: NOW,
          revoked: revoked.captureList,
          revokedVersion: revoked.version,
        };
        const first = await w.service.verifier.verifyChecks(checks, options);
        if (!first.every((v) => v.ok)) throw new Error('verification alone: a valid check was refused');
        const rounds = opts.quick ? 5 : 20;
        const t0 = performance.now();
        for (let r = 0; r < rounds; r++) await w.service.verifier.verifyChecks(checks, options);
        const perS = (rounds * checks.length) / ((performance.now() - t0) / 1000);
        push(
          rows,
          'verify',
          `verifyChecks alone, batches of 1000, ${REVOKED} revoked (${driver} world)`,
          `${workers} workers`,
          1e6 / perS,
          rounds * checks.length,
          `${Math.round(perS)} checks/s`,
        );
        console.log(`  ${driver} ${workers}w verification alone: ${Math.round(perS)} checks/s`);
      }
      for (const size of [100, 1_000]) {
        const batches = Math.max(3, Math.ceil(checksPerConfig / size));
        const envelopes: Uint8Array[] = [];
        for (let b = 0; b < batches; b++) {
          const checks = Array.from({ length: size }, (_, i) => checkOf(w, (b * size + i) % PURSES));
          envelopes.push(
            makeDeposit(
              w.merchant,
              w.service.bank.party.certificate,
              checks,
              crypto.getRandomValues(new Uint8Array(16)),
              NOW,
            ),
          );
        }
        // One warm-up batch, not counted; then 3 batches one at a time, for a clean phase split.
        await post(`${w.url}/v1/deposit`, envelopes.shift() as Uint8Array);
        const solo = envelopes.splice(0, 3);
        const m0 = w.service.metrics();
        const ts = performance.now();
        for (const e of solo) await post(`${w.url}/v1/deposit`, e);
        const wallMs = (performance.now() - ts) / solo.length;
        const m1 = w.service.metrics();
        const soloPhase = (k: 'open' | 'verify' | 'db') => (m1.timeMs[k] - m0.timeMs[k]) / solo.length;
        const http = wallMs - soloPhase('open') - soloPhase('verify') - soloPhase('db');
        const split = `one batch at a time: ${wallMs.toFixed(1)} ms per batch = open ${soloPhase('open').toFixed(1)} + verify ${soloPhase('verify').toFixed(1)} + db ${soloPhase('db').toFixed(1)} + HTTP/other ${http.toFixed(1)} ms`;
        const before = w.service.metrics();
        const cpu0 = cpuNow(w.postmasters);
        const s = await pipelined(
          envelopes.map((e) => () => post(`${w.url}/v1/deposit`, e)),
          IN_FLIGHT,
        );
        const cpu1 = cpuNow(w.postmasters);
        const after = w.service.metrics();
        const checks = envelopes.length * size;
        const perS = checks / s;
        const phase = (k: 'open' | 'verify' | 'db') => ((after.timeMs[k] - before.timeMs[k]) / checks) * 1000;
        const us = (ms: number) => ((ms / checks) * 1000).toFixed(1);
        const mainMs = cpu1.main - cpu0.main;
        const cpu = `CPU per check, µs: main thread ${us(mainMs)}, other threads (workers) ${us(cpu1.process - cpu0.process - mainMs)}${w.postmasters.length ? `, PostgreSQL ${us(cpu1.pg - cpu0.pg)}` : ''}; wall ${us(s * 1000)}`;
        const detail = `${Math.round(perS)} checks/s with ${IN_FLIGHT} batches in flight (phase latency per check, µs: open ${phase('open').toFixed(1)}, verify ${phase('verify').toFixed(1)}, db ${phase('db').toFixed(1)}); ${cpu}; ${split}`;
        push(
          rows,
          'capture',
          `capture, batches of ${size} (${driver})`,
          `${workers} workers`,
          1e6 / perS,
          checks,
          detail,
        );
        console.log(`  ${driver} ${workers}w batch ${size}: ${detail}`);
      }
      const inv = await checkInvariants(w.db);
      if (!inv.ok) throw new Error(`invariants broken after the run: ${inv.violations.join('; ')}`);
      await w.close();
    }
  }
  return { name: 'bank', rows, notes };
}

function push(
  rows: Row[],
  tableName: string,
  op: string,
  impl: string,
  usPerOp: number,
  perCall: number,
  detail: string,
): void {
  rows.push({
    table: tableName,
    op,
    impl,
    usPerOp,
    perCall,
    raw: { usPerOp: usPerOp * perCall, rmePct: 0, samples: 1, harness: 'hrtime' },
    detail,
  } as Row & { detail: string });
}

/** bank.{json,md}: a table per driver and batch size, the targets, the machine. */
export function writeBank(dir: URL, meta: object, suite: SuiteResult): string {
  const perS = (r: Row) => Math.round(1e6 / r.usPerOp);
  const find = (op: string, impl: string) => suite.rows.find((r) => r.op === op && r.impl === impl);
  const load = (meta as { loadavgStart?: number[] }).loadavgStart;
  const out = [
    '# Bank benchmark',
    '',
    `${new Date().toISOString()}${process.env.BENCH_LABEL ? ` (${process.env.BENCH_LABEL})` : ''}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; load average at start ${load?.join(' ') ?? '?'}, at end ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}.`,
    '',
    `End to end over HTTP on loopback (CBOR bodies), durable commits (PostgreSQL defaults: fsync on), ${REVOKED.toLocaleString('en')} purses revoked.`,
    '',
  ];
  out.push('| operation | 1 worker | 2 workers | 2 / 1 |', '|---|---|---|---|');
  const ops = [...new Set(suite.rows.map((r) => r.op))];
  for (const op of ops) {
    const a = find(op, '1 workers');
    const b = find(op, '2 workers');
    const unit = op.startsWith('load ') ? 'req/s' : 'checks/s';
    out.push(
      `| ${op} | ${a ? `${perS(a)} ${unit}` : '–'} | ${b ? `${perS(b)} ${unit}` : '–'} | ${a && b ? (a.usPerOp / b.usPerOp).toFixed(2) : '–'} |`,
    );
  }
  out.push('', '## Where the time goes', '');
  for (const r of suite.rows) out.push(`- ${r.op}, ${r.impl}: ${(r as Row & { detail: string }).detail}`);
  const pgBest = suite.rows.filter((r) => r.op.startsWith('capture') && r.op.includes('(pg)')).map(perS);
  out.push('', '## Targets (reported, not enforced)', '');
  out.push(
    pgBest.length
      ? `- ${Math.max(...pgBest) >= 20_000 ? '✅ reached' : '❌ missed'}: ≥ 20,000 checks/s on PostgreSQL: best ${Math.max(...pgBest)}`
      : '- ➖ not measured: PostgreSQL',
  );
  const sp = (op: string) => {
    const a = find(op, '1 workers');
    const b = find(op, '2 workers');
    return a && b ? a.usPerOp / b.usPerOp : undefined;
  };
  const pg1000 = sp('capture, batches of 1000 (pg)');
  out.push(
    pg1000 !== undefined
      ? `- ${pg1000 >= 1.8 ? '✅ reached' : '❌ missed'}: 2 workers ≥ 1.8 × 1 worker (PostgreSQL, batches of 1,000): ${pg1000.toFixed(2)}`
      : '- ➖ not measured: 2 workers vs 1 on PostgreSQL',
  );
  const verifyAlone = [...new Set(suite.rows.filter((r) => r.table === 'verify').map((r) => r.op))];
  for (const op of verifyAlone) {
    const v = sp(op);
    if (v !== undefined)
      out.push(
        `- ${v >= 1.8 ? '✅ reached' : '❌ missed'}: verification alone, 2 workers ≥ 1.8 × 1 (${op}): ${v.toFixed(2)}`,
      );
  }
  if (suite.notes.length) out.push('', '## Notes', '', ...suite.notes.map((n) => `- ${n}`));
  const md = `${out.join('\n')}\n`;
  writeFileSync(new URL('bank.md', dir), md);
  writeFileSync(new URL('bank.json', dir), `${JSON.stringify({ meta, suites: [suite] }, null, 2)}\n`);
  return md;
}
