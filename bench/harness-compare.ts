// The other ways to time an operation, kept only to compare harnesses (bench/harness-check.ts,
// HARNESS.md): benchmark.js (sync and deferred), tinybench without batching, a plain hrtime loop.
import Benchmark from 'benchmark';
import { keep, type Measurement, tinybench } from './harness.ts';

/** benchmark.js, synchronous. No setup/teardown on purpose: given one, benchmark.js rebuilds `fn`
 *  from its source text, so an arrow with an expression body becomes an "empty" test (hz 0) and a
 *  braced body loses its closure and runs only through a silent fallback (see HARNESS.md). */
export function withBenchmarkJs(fn: () => unknown, timeMs: number, minTimeMs?: number): Measurement {
  const minTime = minTimeMs === undefined ? {} : { minTime: minTimeMs / 1000 };
  const bench = new Benchmark({ fn, maxTime: timeMs / 1000, minSamples: 5, ...minTime });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  return {
    usPerOp: bench.stats.mean * 1e6,
    rmePct: bench.stats.rme,
    samples: bench.stats.sample.length,
    harness: 'benchmark.js',
  };
}

/** benchmark.js deferred mode for an async function . */
export function withBenchmarkJsDeferred(fn: () => Promise<unknown>, timeMs: number): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const bench = new Benchmark({
      defer: true,
      maxTime: timeMs / 1000,
      minSamples: 5,
      fn: (deferred: Benchmark.Deferred) => void fn().then(() => deferred.resolve(), reject),
      onComplete: () =>
        bench.error
          ? reject(bench.error)
          : resolve({
              usPerOp: bench.stats.mean * 1e6,
              rmePct: bench.stats.rme,
              samples: bench.stats.sample.length,
              harness: 'benchmark.js',
            }),
    });
    bench.run({ async: true });
  });
}

/** tinybench times each call separately; `inner` calls per sample amortise the clock read for
 *  sub-microsecond operations (the figure is divided back to one call). The inner loop is
 *  synchronous: an async wrapper would add a microtask per call (measured: +7 % on sha256 200 B). */
export function withTinybench(fn: () => unknown, timeMs: number, inner = 1): Promise<Measurement> {
  const body =
    inner === 1
      ? fn
      : () => {
          for (let i = 0; i < inner; i++) keep(fn());
        };
  return tinybench(body, timeMs, inner);
}

/** tinybench for an async function: it awaits each call and times it alone. */
export function withTinybenchAsync(fn: () => Promise<unknown>, timeMs: number): Promise<Measurement> {
  return tinybench(fn, timeMs, 1);
}

/** A plain process.hrtime.bigint() loop: calls per round sized to ~5 ms, mean and rme of rounds. */
export function withHrtime(fn: () => unknown, timeMs: number): Measurement {
  const loop = (n: number): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) keep(fn());
    return Number(process.hrtime.bigint() - t0) / 1e3;
  };
  let n = 1;
  while (loop(n) < 5000 && n < 1 << 24) n *= 2; // doubles as warm-up
  const perOp: number[] = [];
  const end = Date.now() + timeMs;
  while (Date.now() < end || perOp.length < 5) perOp.push(loop(n) / n);
  return { ...summarise(perOp), harness: 'hrtime' };
}

/** Same as {@link withHrtime} for async functions: awaited one after another. */
export async function withHrtimeAsync(fn: () => Promise<unknown>, timeMs: number): Promise<Measurement> {
  const loop = async (n: number): Promise<number> => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) keep(await fn());
    return Number(process.hrtime.bigint() - t0) / 1e3;
  };
  let n = 1;
  while ((await loop(n)) < 5000 && n < 1 << 20) n *= 2;
  const perOp: number[] = [];
  const end = Date.now() + timeMs;
  while (Date.now() < end || perOp.length < 5) perOp.push((await loop(n)) / n);
  return { ...summarise(perOp), harness: 'hrtime' };
}

/** Mean and 95 % relative margin of error (normal approximation; rounds are ≥ 5). */
function summarise(values: number[]): { usPerOp: number; rmePct: number; samples: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1);
  const rmePct = ((1.96 * Math.sqrt(variance / values.length)) / mean) * 100;
  return { usPerOp: mean, rmePct, samples: values.length };
}
