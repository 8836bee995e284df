// Writes results/crypto.json (every raw number, with the machine and date), results/crypto.md
// (tables, ratio peer/ours, targets reached or missed) and results/crypto.svg (Ed25519 chart).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { BATCH_SIZES } from './ed25519.bench.ts';
import type { Row, SuiteResult } from './harness.ts';
import { POOL_SIZES } from './pool.bench.ts';
import { ACCEPT_OP, BATCH_PURSES, batchOp, CHECK_BATCH_SIZES, COL, T } from './protocol.bench.ts';
import { ed25519Chart } from './svg.ts';

export interface RunMeta {
  quick: boolean;
  only: string[] | null;
  harness: { sync: string; async: string };
  loadavgStart: number[];
  durationS?: number;
}

export interface Target {
  name: string;
  status: 'reached' | 'missed' | 'not measured';
  figure: string;
}

export function machine() {
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavgEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

const find = (rows: Row[], table: string, op: string, impl: string) =>
  rows.find((r) => r.table === table && r.op === op && r.impl === impl);

/** A figure a target is judged on, with the relative margin of error behind it. */
interface Figure {
  value: number;
  rmePct: number;
}

/** Above this margin a figure is flagged: a target decided on it may flip on the next run. */
const NOISY_RME_PCT = 25;

/** One target: the worst of the figures it covers must be within `limit` (or above, for speedup). */
function target(
  name: string,
  figures: Array<Figure | undefined>,
  limit: number,
  unit: string,
  atLeast = false,
): Target {
  const known = figures.filter((f): f is Figure => f !== undefined);
  if (known.length === 0) return { name, status: 'not measured', figure: '—' };
  const worst = known.reduce((a, b) => ((atLeast ? b.value < a.value : b.value > a.value) ? b : a));
  const ok = atLeast ? worst.value >= limit : worst.value <= limit;
  const shown = unit === '×' ? `${worst.value.toFixed(2)}×` : `${fmt(worst.value)} ${unit}`;
  const noisy = worst.rmePct > NOISY_RME_PCT ? ` (noisy: ±${worst.rmePct.toFixed(0)}%, rerun before trusting)` : '';
  return { name, status: ok ? 'reached' : 'missed', figure: shown + noisy };
}

/** t(1 worker) / t(2 workers) for one batch size: how much the second worker buys. */
function poolSpeedup(rows: Row[], n: number): Figure | undefined {
  const one = find(rows, 'Pool', `batch ${n} (per signature)`, '1 worker');
  const two = find(rows, 'Pool', `batch ${n} (per signature)`, '2 workers');
  if (!one || !two) return undefined;
  return { value: one.usPerOp / two.usPerOp, rmePct: Math.max(one.raw.rmePct, two.raw.rmePct) };
}

export function targets(rows: Row[]): Target[] {
  const ours = (table: string, op: string): Figure | undefined => {
    const r = find(rows, table, op, 'ours');
    return r && { value: r.usPerOp, rmePct: r.raw.rmePct };
  };
  const speedup = (n: number) => poolSpeedup(rows, n);
  // Issue 13's targets are ratios to a peer measured in the same run: peer time ÷ ours.
  const vsPeer = (table: string, op: string, peer: string): Figure | undefined =>
    ratio(find(rows, table, op, peer), find(rows, table, op, 'ours'));
  const batch = (n: number) => vsPeer('Ed25519', `batch verify n=${n} (per signature)`, 'node:crypto');
  return [
    target(
      'Ed25519 batch verify ≤ 25 µs/sig at n ≥ 256 (worst of n = 256, 1024)',
      BATCH_SIZES.filter((n) => n >= 256).map((n) => ours('Ed25519', `batch verify n=${n} (per signature)`)),
      25,
      'µs/sig',
    ),
    target('Ed25519 verify ≤ 70 µs', [ours('Ed25519', 'verify')], 70, 'µs'),
    target('Ed25519 sign ≤ 26 µs', [ours('Ed25519', 'sign')], 26, 'µs'),
    target('SHA-256 200 B ≤ 1 µs', [ours('Hash', 'SHA-256 200 B')], 1, 'µs'),
    target('Pool 2 workers ≥ 1.8× 1 worker (worst of 1024, 4096)', POOL_SIZES.map(speedup), 1.8, '×', true),
    target(
      'issue 13: Ed25519 sign (key held by the core) ≥ 1.0× node:crypto',
      [vsPeer('Ed25519', 'sign with a key held by the core', 'node:crypto')],
      1,
      '×',
      true,
    ),
    target('issue 13: Ed25519 verify ≥ 1.3× node:crypto', [vsPeer('Ed25519', 'verify', 'node:crypto')], 1.3, '×', true),
    target("issue 13: batch verify per signature ≥ 4.0× node:crypto's verify at n = 1024", [batch(1024)], 4, '×', true),
    target("issue 13: batch verify per signature ≥ 2.5× node:crypto's verify at n = 64", [batch(64)], 2.5, '×', true),
    target('issue 13: SHA-256 1 MiB ≥ 1.0× hash-wasm', [vsPeer('Hash', 'SHA-256 1 MiB', 'hash-wasm')], 1, '×', true),
    target(
      'issue 13: SHA-256 200 B ≥ 1.0× node:crypto',
      [vsPeer('Hash', 'SHA-256 200 B', 'node:crypto')],
      1,
      '×',
      true,
    ),
  ];
}

export function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

/** A Markdown table per results table: the first implementation (ours / in-thread) is the base. */
export function markdownTable(rows: Row[]): string {
  const ops = [...new Set(rows.map((r) => r.op))];
  const impls = [...new Set(rows.map((r) => r.impl))];
  const [base, ...peers] = impls;
  const head = `| operation | ${base} µs/op | ${peers.map((p) => `${p} µs/op | ${p}/${base}`).join(' | ')} |`;
  const rule = `|---|---:|${peers.map(() => '---:|---:').join('|')}|`;
  const lines = ops.map((op) => {
    const b = find(rows, rows[0]!.table, op, base!);
    const cells = peers.map((p) => {
      const r = find(rows, rows[0]!.table, op, p);
      if (!r) return 'n/a | —';
      return `${fmt(r.usPerOp)} ±${r.raw.rmePct.toFixed(0)}% | ${b ? `${(r.usPerOp / b.usPerOp).toFixed(2)}×` : '—'}`;
    });
    return `| ${op} | ${b ? `${fmt(b.usPerOp)} ±${b.raw.rmePct.toFixed(0)}%` : 'n/a'} | ${cells.join(' | ')} |`;
  });
  return [head, rule, ...lines].join('\n');
}

export function markdown(meta: RunMeta & ReturnType<typeof machine>, suites: SuiteResult[], goals: Target[]): string {
  const rows = suites.flatMap((s) => s.rows);
  const out = [
    '# smartcheck crypto benchmarks',
    '',
    meta.quick ? '> **Quick run** (`--quick`): ~0.1 s per mark. Indicative only; use the full run for decisions.' : '',
    `${meta.date} · ${meta.cpu} · ${meta.cores} cores · ${meta.memoryGiB} GiB · Node ${meta.node} (V8 ${meta.v8}) · ${meta.os}`,
    `Load average at start ${meta.loadavgStart.join(' ')}, at end ${meta.loadavgEnd.join(' ')} (on ${meta.cores} cores).` +
      ` Harness: ${meta.harness.sync} (sync), ${meta.harness.async} (async); see bench/HARNESS.md.`,
    meta.only ? `Only: ${meta.only.join(', ')}.` : '',
    '',
    'Times are means in µs per operation (per signature for batches) ± relative margin of error (95 %).',
    'A ratio above 1× means the peer is slower than ours.',
  ];
  for (const name of [...new Set(rows.map((r) => r.table))]) {
    out.push('', `## ${name}`, '', markdownTable(rows.filter((r) => r.table === name)));
    if (name === 'Pool') {
      const ups = POOL_SIZES.map((n) => [n, poolSpeedup(rows, n)] as const).filter(([, x]) => x !== undefined);
      out.push(
        '',
        `Speedup 2 workers vs 1 worker (t1w/t2w): ${ups.map(([n, x]) => `${x!.value.toFixed(2)}× at ${n}`).join(', ')}.`,
      );
    }
  }
  out.push('', '## Targets', '');
  for (const g of goals)
    out.push(
      `- ${g.status === 'reached' ? '✅ reached' : g.status === 'missed' ? '❌ missed' : '➖ not measured'}: ${g.name}: ${g.figure}`,
    );
  const notes = suites.flatMap((s) => s.notes);
  if (notes.length) out.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
  if (rows.some((r) => r.table === 'Ed25519')) out.push('', '![Ed25519 µs/op, ours vs peers](crypto.svg)');
  return `${out.filter((line, i, all) => line !== '' || all[i - 1] !== '').join('\n')}\n`;
}

export function write(dir: URL, meta: RunMeta, suites: SuiteResult[]): { md: string; goals: Target[] } {
  mkdirSync(dir, { recursive: true });
  const full = { ...meta, ...machine() };
  const goals = targets(suites.flatMap((s) => s.rows));
  writeFileSync(new URL('crypto.json', dir), `${JSON.stringify({ meta: full, targets: goals, suites }, null, 2)}\n`);
  const md = markdown(full, suites, goals);
  writeFileSync(new URL('crypto.md', dir), md);
  const ed = suites.flatMap((s) => s.rows).filter((r) => r.table === 'Ed25519');
  if (ed.length) writeFileSync(new URL('crypto.svg', dir), ed25519Chart(ed));
  return { md, goals };
}

// ---------------------------------------------------------------------------------------------
// The protocol suite: results/protocol.json and results/protocol.md, apart from crypto.* (which a
// protocol-only run must not overwrite).

/** Suites whose results go to protocol.{json,md} rather than crypto.{json,md,svg}. */
export const PROTOCOL_SUITES = ['protocol'];

const POS_ACCEPT_US = 200;
const BATCH_OVER_RAW = 1.2;

const figureOf = (r: Row | undefined): Figure | undefined => r && { value: r.usPerOp, rmePct: r.raw.rmePct };

/** a / b with the larger margin of the two (a ratio is as noisy as its noisier side). */
function ratio(a: Row | undefined, b: Row | undefined): Figure | undefined {
  return a && b ? { value: a.usPerOp / b.usPerOp, rmePct: Math.max(a.raw.rmePct, b.raw.rmePct) } : undefined;
}

const noisy = (f: Figure) => (f.rmePct > NOISY_RME_PCT ? ` (noisy: ±${f.rmePct.toFixed(0)}%)` : '');

export function protocolTargets(rows: Row[]): Target[] {
  const accept = (col: string) => figureOf(find(rows, T.acceptance, ACCEPT_OP, col));
  const pos = target(
    `POS acceptance of one check ≤ ${POS_ACCEPT_US} µs (${ACCEPT_OP}; worst of cold, warm)`,
    [accept(COL.cold), accept(COL.warm)],
    POS_ACCEPT_US,
    'µs',
  );
  const shown = (
    [
      ['cold', accept(COL.cold)],
      ['warm', accept(COL.warm)],
    ] as const
  )
    .filter(([, f]) => f)
    .map(([name, f]) => `${name} ${fmt(f!.value)} µs${noisy(f!)}`);
  if (shown.length) pos.figure = shown.join(', ');

  const batchRatio = (col: string, n: number) =>
    ratio(find(rows, T.batch, batchOp(n), col), find(rows, T.batch, batchOp(n), COL.raw));
  const judged = CHECK_BATCH_SIZES.map((n) => batchRatio(COL.spread, n));
  const batch = target(
    `Batch check verification (core verifyChecks, ${BATCH_PURSES} purses) per check within ${Math.round((BATCH_OVER_RAW - 1) * 100)} % of raw ed25519.verifyBatch per signature (worst of n = ${CHECK_BATCH_SIZES.join(', ')})`,
    judged,
    BATCH_OVER_RAW,
    '×',
  );
  const per = (col: string) =>
    CHECK_BATCH_SIZES.map((n) => [n, batchRatio(col, n)] as const)
      .filter(([, f]) => f)
      .map(([n, f]) => `${f!.value.toFixed(2)}× at ${n}${noisy(f!)}`)
      .join(', ');
  if (judged.some((f) => f))
    batch.figure = `${per(COL.spread)}; not judged, 1 purse per check (2n + 1 signatures): ${per(COL.single) || '—'}`;
  return [pos, batch];
}

/** A table of one implementation: operation and time. */
function singleTable(rows: Row[]): string {
  return [
    '| operation | µs/op |',
    '|---|---:|',
    ...rows.map((r) => `| ${r.op} | ${fmt(r.usPerOp)} ±${r.raw.rmePct.toFixed(0)}% |`),
  ].join('\n');
}

/** The batch table transposed (one line per way of verifying, one column pair per n): too wide otherwise. */
function batchTable(rows: Row[]): string {
  const ways = [...new Set(rows.map((r) => r.impl))];
  const head = `| per check (per signature for the raw n-key batch) | ${CHECK_BATCH_SIZES.map((n) => `n = ${n} µs | /raw`).join(' | ')} |`;
  const rule = `|---|${CHECK_BATCH_SIZES.map(() => '---:|---:').join('|')}|`;
  const lines = ways.map((way) => {
    const cells = CHECK_BATCH_SIZES.map((n) => {
      const r = find(rows, T.batch, batchOp(n), way);
      const base = find(rows, T.batch, batchOp(n), COL.raw);
      if (!r) return 'n/a | —';
      return `${fmt(r.usPerOp)} ±${r.raw.rmePct.toFixed(0)}% | ${base ? `${(r.usPerOp / base.usPerOp).toFixed(2)}×` : '—'}`;
    });
    return `| ${way} | ${cells.join(' | ')} |`;
  });
  return [head, rule, ...lines].join('\n');
}

/** The ratios a reader of the batch table wants, per batch size. */
function batchSummary(rows: Row[]): string[] {
  const out: string[] = [];
  for (const n of CHECK_BATCH_SIZES) {
    const at = (col: string) => find(rows, T.batch, batchOp(n), col);
    const parts = [
      [`verifyChecks ${BATCH_PURSES} purses / raw per signature`, ratio(at(COL.spread), at(COL.raw))],
      ['verifyChecks 1 purse per check / raw per signature', ratio(at(COL.single), at(COL.raw))],
      [
        `verifyChecks ${BATCH_PURSES} purses / raw batch of its own n + ${BATCH_PURSES + 1} signatures`,
        ratio(at(COL.spread), at(COL.rawSameSpread)),
      ],
      [
        'verifyChecks 1 purse per check / raw batch of its own 2n + 1 signatures',
        ratio(at(COL.single), at(COL.rawSameSingle)),
      ],
      ['with / without the revocation list', ratio(at(COL.spread), at(COL.spreadNoList))],
      [`TS verifyCheck loop / verifyChecks ${BATCH_PURSES} purses`, ratio(at(COL.tsLoop), at(COL.spread))],
    ] as const;
    const known = parts.filter(([, f]) => f).map(([name, f]) => `${name} ${f!.value.toFixed(2)}×`);
    const withList = at(COL.spread);
    const without = at(COL.spreadNoList);
    if (withList && without)
      known.push(`the revocation list costs ${fmt(((withList.usPerOp - without.usPerOp) * n) / 1000)} ms per call`);
    if (known.length) out.push(`- n = ${n}: ${known.join('; ')}.`);
  }
  return out;
}

export function protocolMarkdown(
  meta: RunMeta & ReturnType<typeof machine>,
  suites: SuiteResult[],
  goals: Target[],
): string {
  const rows = suites.flatMap((s) => s.rows);
  const out = [
    '# smartcheck protocol benchmarks',
    '',
    meta.quick ? '> **Quick run** (`--quick`): ~0.1 s per mark. Indicative only; use the full run for decisions.' : '',
    `${meta.date} · ${meta.cpu} · ${meta.cores} cores · ${meta.memoryGiB} GiB · Node ${meta.node} (V8 ${meta.v8}) · ${meta.os}`,
    `Load average at start ${meta.loadavgStart.join(' ')}, at end ${meta.loadavgEnd.join(' ')} (on ${meta.cores} cores).` +
      ` Harness: ${meta.harness.sync} (sync); see bench/HARNESS.md.`,
    meta.only ? `Only: ${meta.only.join(', ')}.` : '',
    '',
    'Times are means in µs per operation ± relative margin of error (95 %). In each table the last',
    'column of a pair is that column over the first column of the table (e.g. decode/encode, warm/cold).',
  ];
  const explain: Record<string, string> = {
    [T.messages]:
      'Message bodies (messages.ts): encode of the value, and decode of its encoded bytes. Sizes are of the encoded body.',
    [T.signed]:
      'Signed messages with their certificate chain (purse or merchant → bank → root): sign, and verify (structure, 2 certificate signatures, role, signature, body).',
    [T.acceptance]:
      "acceptance.acceptCheck of one check against its verified slip, with the revocation list, the terminal floor limit and a replay lookup. Cold: no certificate cache (3 signatures per check); warm: the returning purse's chain already cached (1 signature).",
    [T.parts]: 'Pieces of one acceptance, timed alone, to read the figures above.',
    [T.batch]:
      "The bank's batch check verification in the core (src/protocol/verifier/checks.ts verifyChecks), per check (total / n), beside raw ed25519.verifyBatch: per signature on n distinct-key signatures (the first line, the base of every ratio), and per check on exactly the distinct signatures each batch carries. The TS verifyCheck loop is run at n = 256 only.",
  };
  for (const name of [...new Set(rows.map((r) => r.table))]) {
    out.push('', `## ${name}`, '');
    if (explain[name]) out.push(explain[name]!, '');
    const these = rows.filter((r) => r.table === name);
    out.push(
      name === T.batch
        ? batchTable(these)
        : new Set(these.map((r) => r.impl)).size === 1
          ? singleTable(these)
          : markdownTable(these),
    );
    if (name === T.batch) out.push('', ...batchSummary(rows));
  }
  out.push('', '## Targets (reported, not enforced)', '');
  for (const g of goals)
    out.push(
      `- ${g.status === 'reached' ? '✅ reached' : g.status === 'missed' ? '❌ missed' : '➖ not measured'}: ${g.name}: ${g.figure}`,
    );
  const notes = suites.flatMap((s) => s.notes);
  if (notes.length) out.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
  return `${out.filter((line, i, all) => line !== '' || all[i - 1] !== '').join('\n')}\n`;
}

export function writeProtocol(dir: URL, meta: RunMeta, suites: SuiteResult[]): { md: string; goals: Target[] } {
  mkdirSync(dir, { recursive: true });
  const full = { ...meta, ...machine() };
  const goals = protocolTargets(suites.flatMap((s) => s.rows));
  writeFileSync(new URL('protocol.json', dir), `${JSON.stringify({ meta: full, targets: goals, suites }, null, 2)}\n`);
  const md = protocolMarkdown(full, suites, goals);
  writeFileSync(new URL('protocol.md', dir), md);
  return { md, goals };
}
