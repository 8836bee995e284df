// What the load generator measures: latency per route, answers per (route, kind, status, error
// code), check outcomes per code, and the server's memory and CPU over the run.

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of milliseconds (rounded to 0.1 ms). */
export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    count: s.length,
    p50: r(at(0.5)),
    p90: r(at(0.9)),
    p99: r(at(0.99)),
    max: r(s[s.length - 1] as number),
    mean: r(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

export interface MemorySample {
  /** Seconds since the traffic started. */
  t: number;
  rssMiB: number;
  /** The server's CPU use since the previous sample, percent of one core. */
  cpuPct: number;
  /** Checks/s and capture queue the server's /metrics reported at that time. */
  checksPerS?: number;
  queue?: number;
}

export class Stats {
  readonly latency = new Map<string, number[]>();
  /** `route kind → status code → error code` → count. */
  readonly answers = new Map<string, number>();
  /** Check outcomes in first-time (not replayed) receipts, by protocol code (0 accepted). */
  readonly outcomes = new Map<number, number>();
  readonly memory: MemorySample[] = [];
  requests = 0;
  checksSubmitted = 0;
  checksAccepted = 0;
  amountAccepted = 0;
  /** Every broken expectation, in words; the run fails when there is one. */
  readonly violations: string[] = [];

  time(route: string, ms: number): void {
    this.requests += 1;
    let list = this.latency.get(route);
    if (!list) {
      list = [];
      this.latency.set(route, list);
    }
    list.push(ms);
  }

  answer(route: string, kind: string, status: number, code: string): void {
    const key = `${route}\t${kind}\t${status}\t${code}`;
    this.answers.set(key, (this.answers.get(key) ?? 0) + 1);
  }

  outcome(code: number): void {
    this.outcomes.set(code, (this.outcomes.get(code) ?? 0) + 1);
  }

  violate(what: string): void {
    if (this.violations.length < 200) this.violations.push(what);
  }

  /** Answers as rows: route, kind, status, error code, count. */
  answerRows(): { route: string; kind: string; status: number; code: string; count: number }[] {
    return [...this.answers]
      .map(([key, count]) => {
        const [route, kind, status, code] = key.split('\t') as [string, string, string, string];
        return { route, kind, status: Number(status), code, count };
      })
      .sort(
        (a, b) =>
          a.route.localeCompare(b.route) ||
          a.kind.localeCompare(b.kind) ||
          a.status - b.status ||
          a.code.localeCompare(b.code),
      );
  }

  /** Server errors (5xx) and failed connections: none is allowed. */
  serverErrors(): number {
    return this.answerRows()
      .filter((r) => r.status >= 500 || r.status === 0)
      .reduce((s, r) => s + r.count, 0);
  }
}
