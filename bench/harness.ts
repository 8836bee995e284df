// The shared measuring code of the suites: tinybench for everything, sync calls batched so one
// sample lasts ≥ 20 µs. Why tinybench and not benchmark.js: HARNESS.md (evidence: harness-check.ts).
import { Bench } from 'tinybench';

export type HarnessName = 'benchmark.js' | 'tinybench' | 'hrtime';

export interface Measurement {
  /** Mean time of one operation, microseconds. */
  usPerOp: number;
  /** Relative margin of error of that mean, percent (95 %). */
  rmePct: number;
  /** Samples behind the mean (a sample is one timed loop, or one call for tinybench). */
  samples: number;
  harness: HarnessName;
}

/** Keeps results reachable so the engine cannot drop a call whose result is unused. */
export let sink: unknown;
export function keep(value: unknown): void {
  sink = value;
}

export async function tinybench(
  fn: () => unknown,
  timeMs: number,
  inner: number,
  minSamples = 5,
): Promise<Measurement> {
  // Warm-up by time, not by count: one warm-up call of a 1024-signature tweetnacl loop takes ~9 s.
  const bench = new Bench({
    time: timeMs,
    iterations: minSamples,
    warmupTime: Math.min(200, timeMs / 4),
    warmupIterations: 1,
    throws: true,
    timestampProvider: 'hrtimeNow',
  });
  bench.add('op', fn);
  await bench.run();
  const result = bench.tasks[0]?.result;
  if (!result || !('latency' in result)) throw new Error(`tinybench: no result (${result?.state})`);
  const { latency } = result;
  return {
    usPerOp: (latency.mean * 1000) / inner,
    rmePct: latency.rme,
    samples: latency.samplesCount,
    harness: 'tinybench',
  };
}

/** Throws unless `ok`: every implementation proves one correct result before it is timed. */
export function mustBe(ok: boolean, what: string): void {
  if (!ok) throw new Error(`correctness check failed before timing: ${what}`);
}

export interface RunOptions {
  quick: boolean;
}

/** Time budget of one mark: a short smoke run or the full run. */
export function budgetMs(opts: RunOptions): number {
  return opts.quick ? 100 : 1000;
}

/** Calls per tinybench sample so one sample lasts ≥ ~20 µs, well above the clock's cost. */
function callsPerSample(fn: () => unknown): number {
  const time = (n: number) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) keep(fn());
    return Number(process.hrtime.bigint() - t0) / 1e3 / n;
  };
  // A cold first call of even a 1 µs operation can take 50 µs, so probe again, unless the first
  // call alone took 10 ms (a long batch loop: calling it again only costs time).
  const first = time(1);
  if (first >= 10_000) return 1;
  const once = time(1);
  const us = once >= 20 ? once : time(20);
  return Math.max(1, Math.min(1024, Math.ceil(20 / us)));
}

/** Fewest samples per mark: slow operations get 2 in a quick run unless a suite asks for more. */
const minSamplesOf = (opts: RunOptions, minSamples?: number) => minSamples ?? (opts.quick ? 2 : 5);

/** One synchronous operation. */
export function measure(fn: () => unknown, opts: RunOptions, minSamples?: number): Promise<Measurement> {
  const inner = callsPerSample(fn);
  return tinybench(
    inner === 1
      ? fn
      : () => {
          for (let i = 0; i < inner; i++) keep(fn());
        },
    budgetMs(opts),
    inner,
    minSamplesOf(opts, minSamples),
  );
}

/** One asynchronous operation (awaited before the next starts). */
export function measureAsync(fn: () => Promise<unknown>, opts: RunOptions, minSamples?: number): Promise<Measurement> {
  return tinybench(fn, budgetMs(opts), 1, minSamplesOf(opts, minSamples));
}

/** One cell of a results table: `impl` doing `op`, in µs per operation (or per signature). */
export interface Row {
  table: string;
  op: string;
  impl: string;
  usPerOp: number;
  /** What the harness timed per call; `usPerOp = raw.usPerOp / perCall` (e.g. n signatures). */
  raw: Measurement;
  perCall: number;
}

export interface SuiteResult {
  name: string;
  rows: Row[];
  /** Things a reader must know (a peer missing a function, a section skipped). */
  notes: string[];
}

/** Collects rows for one table and prints each as it is measured, so a long run shows progress. */
export function table(name: string, rows: Row[]) {
  return (op: string, impl: string, raw: Measurement, perCall = 1): void => {
    const usPerOp = raw.usPerOp / perCall;
    rows.push({ table: name, op, impl, usPerOp, raw, perCall });
    console.log(`  ${name} | ${op} | ${impl}: ${usPerOp.toFixed(3)} µs ±${raw.rmePct.toFixed(1)}%`);
  };
}
