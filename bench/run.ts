// Entry point: `npm run bench` (full run) or `npx tsx bench/run.ts --quick` (smoke run), with
// `--only ed25519,hash` to run some suites. Suites run one after another in this process, peers
// inside each suite side by side, so every ratio compares numbers taken minutes apart at most.
import os from 'node:os';
import * as bank from './bank.bench.ts';
import * as card from './card.bench.ts';
import * as ed25519 from './ed25519.bench.ts';
import type { RunOptions, SuiteResult } from './harness.ts';
import * as hash from './hash.bench.ts';
import * as hpke from './hpke.bench.ts';
import * as pool from './pool.bench.ts';
import * as protocol from './protocol.bench.ts';
import { PROTOCOL_SUITES, type RunMeta, type Target, write, writeProtocol } from './report.ts';

const SUITES: Record<string, (opts: RunOptions) => Promise<SuiteResult>> = {
  ed25519: ed25519.run,
  hash: hash.run,
  hpke: hpke.run,
  pool: pool.run,
  protocol: protocol.run,
  bank: bank.run,
  card: card.run,
  shop: (o) => import('./shop.bench.ts').then((m) => m.runAndWrite(o)),
  pos: (o) => import('./pos.bench.ts').then((m) => m.runAndWrite(o)),
};

function parseArgs(argv: string[]): { quick: boolean; only: string[] | null } {
  const quick = argv.includes('--quick');
  const at = argv.indexOf('--only');
  if (at < 0) return { quick, only: null };
  const only = (argv[at + 1] ?? '').split(',').filter(Boolean);
  const unknown = only.filter((name) => !(name in SUITES));
  if (only.length === 0 || unknown.length) {
    throw new Error(
      `--only expects one or more of ${Object.keys(SUITES).join(', ')} (comma-separated); got ${argv[at + 1] ?? 'nothing'}`,
    );
  }
  return { quick, only };
}

const { quick, only } = parseArgs(process.argv.slice(2));
const started = Date.now();
const meta: RunMeta = {
  quick,
  only,
  harness: { sync: 'tinybench, calls batched to ≥ 20 µs per sample', async: 'tinybench' },
  loadavgStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
};
const results: SuiteResult[] = [];
for (const [name, run] of Object.entries(SUITES)) {
  if (only && !only.includes(name)) continue;
  console.log(`# ${name}${quick ? ' (quick)' : ''}`);
  results.push(await run({ quick }));
}
meta.durationS = Math.round((Date.now() - started) / 1000);
// The crypto suites report to crypto.{json,md,svg}, the protocol suite to protocol.{json,md}; a
// run of one kind leaves the other's files as they are.
const dir = new URL('./results/', import.meta.url);
// Suites that write their own result files (bank, card, pos, shop) stay out of the crypto report.
const OWN_REPORT = ['bank', 'card', 'pos', 'shop'];
const cryptoResults = results.filter((r) => !PROTOCOL_SUITES.includes(r.name) && !OWN_REPORT.includes(r.name));
const protocolResults = results.filter((r) => PROTOCOL_SUITES.includes(r.name));
const goals: Target[] = [];
if (cryptoResults.length) {
  const report = write(dir, meta, cryptoResults);
  console.log(`\n${report.md}`);
  console.log(`wrote bench/results/crypto.{json,md,svg} in ${meta.durationS} s`);
  goals.push(...report.goals);
}
if (protocolResults.length) {
  const report = writeProtocol(dir, meta, protocolResults);
  console.log(`\n${report.md}`);
  console.log(`wrote bench/results/protocol.{json,md} in ${meta.durationS} s`);
  goals.push(...report.goals);
}
// The bank suite reports to bank.{json,md}.
const bankResult = results.find((r) => r.name === 'bank');
if (bankResult) {
  console.log(`\n${bank.writeBank(dir, meta, bankResult)}`);
  console.log(`wrote bench/results/bank.{json,md} in ${meta.durationS} s`);
}
// The card suite reports to card.{json,md}.
const cardResult = results.find((r) => r.name === 'card');
if (cardResult) {
  console.log(`\n${card.writeCard(dir, meta, cardResult)}`);
  console.log(`wrote bench/results/card.{json,md} in ${meta.durationS} s`);
}
// The POS and shop suites write their own files; the apps plot draws both.
if (results.some((r) => r.name === 'pos' || r.name === 'shop')) {
  const { writeAppsChart } = await import('./apps-chart.ts');
  console.log(`wrote ${writeAppsChart(dir)}`);
}
// Targets are reported, not enforced: a missed target is a finding, not a broken benchmark.
if (goals.some((g) => g.status === 'missed')) console.log('some targets missed (see above)');
