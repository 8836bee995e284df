#!/usr/bin/env -S npx tsx
// The load generator's command: runs the bank server under sustained mixed load from this process,
// then verifies the books, and writes bench/results/load.{json,md} (one section per driver: a run
// on PGlite replaces the PGlite section and keeps the PostgreSQL one, and the other way round).
// Exit 0 when every check passed, 1 when one failed, 2 on bad usage.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { runLoad } from './index.ts';
import { markdownSection, type Summary, summary } from './report.ts';

const int = (name: string, min: number, max: number) => (value: string) => {
  const v = Number(value);
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw new InvalidArgumentError(`${name}: an integer in [${min}, ${max}]`);
  return v;
};
const share = (value: string) => {
  const v = Number(value);
  if (!(v >= 0 && v <= 1)) throw new InvalidArgumentError('a number in [0, 1]');
  return v;
};

const program = new Command('bench/load/run.ts')
  .description('sustained load on `smartcheck bank serve` over loopback from this process, then the books verified')
  .option('--seconds <n>', 'time budget of the mixed traffic', int('seconds', 1, 3_600), 120)
  .option('--merchants <n>', 'merchants depositing', int('merchants', 1, 10_000), 20)
  .option('--purses <n>', 'honest purses paying', int('purses', 1, 100_000), 400)
  .option(
    '--clone-purses <n>',
    'purses set aside for clone events (default: one per 2 s)',
    int('clone-purses', 1, 100_000),
  )
  .option(
    '--in-flight <n>',
    'depositing loops (batches in flight at once; clone and race rounds send two)',
    int('in-flight', 1, 64),
    8,
  )
  .option('--loaders <n>', 'top-up loading loops', int('loaders', 0, 64), 2)
  .option('--batch-max <n>', 'honest checks per batch, uniform in [1, n]', int('batch-max', 1, 10_000), 100)
  .option('--malformed <share>', 'share of deposit rounds that first send a malformed variant', share, 0.1)
  .option(
    '--misc-interval <ms>',
    'pause between hostile/housekeeping requests (malformed loads, garbage, replays, list)',
    int('misc-interval', 0, 60_000),
    50,
  )
  .option('--load-amount <n>', 'minor units loaded per load', int('load-amount', 1_000, 1e9), 200_000)
  .option('--workers <n>', 'verifier worker threads in the server', int('workers', 1, 64), 2)
  .option(
    '--database-url <url>',
    'run on this PostgreSQL server (a fresh schema; default $DATABASE_URL, else PGlite on disk)',
  )
  .option('--pglite', 'PGlite even when DATABASE_URL is set')
  .option('--seed <n>', 'seed of the request mix', int('seed', 0, 2 ** 31), 1)
  .option('--out <path>', 'results file stem (.json and .md are written)', 'bench/results/load')
  .option('--no-write', 'print the section only, write no results')
  .option('--keep', 'keep the PGlite directory or PostgreSQL schema afterwards')
  .option('--render', 'only rewrite <out>.md from <out>.json (no run)')
  .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2));

program.parse(process.argv);
const o = program.opts<{
  seconds: number;
  merchants: number;
  purses: number;
  clonePurses?: number;
  inFlight: number;
  loaders: number;
  batchMax: number;
  malformed: number;
  miscInterval: number;
  loadAmount: number;
  workers: number;
  databaseUrl?: string;
  pglite?: boolean;
  seed: number;
  out: string;
  write: boolean;
  keep?: boolean;
  render?: boolean;
}>();

type Results = Record<string, { command: string; summary: Summary }>;

function writeMarkdown(all: Results): void {
  const sections = ['pglite', 'pg'].filter((d) => all[d]).map((d) => markdownSection(all[d]!.summary, all[d]!.command));
  const head = [
    '# Load on loopback: `smartcheck bank serve` under sustained mixed traffic',
    '',
    'Written by `bench/load/run.ts` (see `bench/load/README.md` for what the generator sends and what it checks).',
    'The generator is a separate process on the same 2-core machine: its CPU (signing the checks, verifying the',
    "receipts) competes with the server's, and so did other jobs on the machine (see the load averages), so these",
    'figures are a floor for the server, not a capacity.',
    '',
  ];
  writeFileSync(resolve(`${o.out}.md`), `${head.join('\n')}\n${sections.join('\n\n')}\n`);
  console.error(`[load] wrote ${o.out}.md`);
}

const json = resolve(`${o.out}.json`);
if (o.render) {
  writeMarkdown(JSON.parse(readFileSync(json, 'utf8')) as Results);
  process.exit(0);
}

const databaseUrl = o.pglite ? undefined : (o.databaseUrl ?? (process.env.DATABASE_URL || undefined));
const command = `${databaseUrl ? 'DATABASE_URL=postgres://… ' : ''}npx tsx bench/load/run.ts ${process.argv
  .slice(2)
  .filter((a) => !a.startsWith('postgres'))
  .join(' ')}`.trim();
const run = await runLoad({
  seconds: o.seconds,
  merchants: o.merchants,
  purses: o.purses,
  ...(o.clonePurses ? { clonePurses: o.clonePurses } : {}),
  inFlight: o.inFlight,
  loaders: o.loaders,
  batchMax: o.batchMax,
  malformedShare: o.malformed,
  miscIntervalMs: o.miscInterval,
  loadAmount: o.loadAmount,
  workers: o.workers,
  seed: o.seed,
  ...(databaseUrl ? { databaseUrl } : {}),
  ...(o.keep ? { keep: true } : {}),
  log: (line) => console.error(`[load] ${line}`),
});
const s = summary(run);
console.log(markdownSection(s, command));

if (o.write) {
  mkdirSync(dirname(json), { recursive: true });
  const all: Results = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as Results) : {};
  all[s.options.driver] = { command, summary: s };
  writeFileSync(json, `${JSON.stringify(all, null, 1)}\n`);
  writeMarkdown(all);
}
process.exit(run.ok ? 0 : 1);
