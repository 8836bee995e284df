// The load run as Markdown (tables) and JSON (every number, the latency samples summarised).
import { type ErrorCode, errorDescriptions } from '../../src/protocol/errors.ts';
import type { LoadRun } from './index.ts';
import { percentiles } from './stats.ts';

const n = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const short = (v: number | string) =>
  typeof v === 'string' ? (v.length > 40 ? `${v.split(',').length} ids` : v || '(none)') : n(v);

/** The run reduced to plain data: counts, rates, percentiles, samples, checks. */
export function summary(run: LoadRun) {
  const { traffic: t } = run;
  const s = t.stats;
  const routes = [...s.latency]
    .map(([route, samples]) => ({ route, ...percentiles(samples), perS: samples.length / t.trafficS }))
    .sort((a, b) => a.route.localeCompare(b.route));
  const rss = s.memory.map((m) => m.rssMiB);
  return {
    options: run.options,
    machine: run.machine,
    setupS: run.setupS,
    serverStartS: run.serverStartS,
    initialLoadS: t.initialLoadS,
    trafficS: t.trafficS,
    requests: s.requests,
    requestsPerS: s.requests / t.trafficS,
    checksSubmitted: s.checksSubmitted,
    checksSubmittedPerS: s.checksSubmitted / t.trafficS,
    checksAccepted: s.checksAccepted,
    checksAcceptedPerS: s.checksAccepted / t.trafficS,
    amountAccepted: s.amountAccepted,
    loads: t.tally.loads,
    batches: t.tally.batches.size,
    clones: t.tally.clonedPurses.size,
    generatorCpuS: t.generatorCpuS,
    serverCpuS: t.serverCpuS,
    routes,
    answers: s.answerRows(),
    outcomes: [...s.outcomes]
      .sort((a, b) => a[0] - b[0])
      .map(([code, count]) => ({
        code,
        count,
        meaning: code === 0 ? 'accepted' : (errorDescriptions[code as ErrorCode] ?? '?'),
      })),
    memory: {
      samples: s.memory,
      rssMiBFirst: rss[0] ?? 0,
      rssMiBMax: rss.length ? Math.max(...rss) : 0,
      rssMiBLast: rss[rss.length - 1] ?? 0,
    },
    serverErrors: s.serverErrors(),
    violations: s.violations,
    serverExit: run.serverExit,
    verification: run.verification,
    ok: run.ok,
  };
}

export type Summary = ReturnType<typeof summary>;

export function markdownSection(x: Summary, command: string): string {
  const L: string[] = [];
  const o = x.options;
  L.push(
    `## ${x.options.driver === 'pg' ? 'PostgreSQL' : 'PGlite (on disk)'}: ${n(x.trafficS, 0)} s, ${o.merchants} merchants, ${o.inFlight} depositing loops — ${x.ok ? 'all checks passed' : '**FAILED**'}`,
  );
  L.push('');
  L.push('```sh', command, '```', '');
  L.push(
    `${x.machine.date}; ${x.machine.cpus} × ${x.machine.cpuModel}, Node ${x.machine.node}; load average before \`${x.machine.loadavgBefore}\`, after \`${x.machine.loadavgAfter}\` (the machine is shared: other jobs ran at the same time).`,
  );
  L.push(
    `Setup in the database ${n(x.setupS, 1)} s (${o.merchants} merchants, ${o.purses} purses, ${o.clonePurses} clone purses), server start ${n(x.serverStartS, 1)} s, initial loads over HTTP ${n(x.initialLoadS, 1)} s, mixed traffic ${n(x.trafficS, 1)} s. Server: ${o.workers} verifier workers. CPU used: server ${n(x.serverCpuS, 1)} s, generator ${n(x.generatorCpuS, 1)} s (signing checks, verifying receipts).`,
  );
  L.push('');
  L.push('| throughput | total | per second |', '|---|--:|--:|');
  L.push(`| requests (all routes) | ${n(x.requests)} | ${n(x.requestsPerS, 1)} |`);
  L.push(`| checks deposited in answered batches | ${n(x.checksSubmitted)} | ${n(x.checksSubmittedPerS, 1)} |`);
  L.push(`| checks accepted and credited | ${n(x.checksAccepted)} | ${n(x.checksAcceptedPerS, 1)} |`);
  L.push(`| batches stored | ${n(x.batches)} | ${n(x.batches / x.trafficS, 1)} |`);
  L.push(`| loads (tokens applied) | ${n(x.loads.count)} | — |`);
  L.push(`| clone events | ${n(x.clones)} | — |`);
  L.push('');
  // The machine is shared: per second of the server's own CPU is the figure other jobs disturb least.
  if (x.serverCpuS > 0)
    L.push(
      `Per second of server CPU (main thread and verifier workers together): ${n(x.checksAccepted / x.serverCpuS)} checks accepted, ${n(x.requests / x.serverCpuS, 1)} requests. The server used ${n((100 * x.serverCpuS) / x.trafficS)} % of one core on average over the traffic.`,
    );
  L.push('');
  L.push('| route | requests | per s | p50 ms | p90 ms | p99 ms | max ms |', '|---|--:|--:|--:|--:|--:|--:|');
  for (const r of x.routes)
    L.push(
      `| ${r.route} | ${n(r.count)} | ${n(r.perS, 1)} | ${n(r.p50, 1)} | ${n(r.p90, 1)} | ${n(r.p99, 1)} | ${n(r.max, 1)} |`,
    );
  L.push('');
  L.push(
    `Server memory (VmRSS, sampled each second): first ${n(x.memory.rssMiBFirst, 1)} MiB, max ${n(x.memory.rssMiBMax, 1)} MiB, last ${n(x.memory.rssMiBLast, 1)} MiB.`,
  );
  const samples = x.memory.samples;
  if (samples.length) {
    const step = Math.max(1, Math.ceil(samples.length / 12));
    L.push(
      '',
      '| t (s) | RSS MiB | server CPU % | checks/s (server /metrics, 10 s window) | captures in progress |',
      '|--:|--:|--:|--:|--:|',
    );
    for (let i = 0; i < samples.length; i += step) {
      const m = samples[i]!;
      L.push(`| ${n(m.t, 0)} | ${n(m.rssMiB, 1)} | ${n(m.cpuPct)} | ${m.checksPerS ?? '—'} | ${m.queue ?? '—'} |`);
    }
  }
  L.push('');
  L.push(
    'Answers by route and kind (status 0 would be a failed connection; every malformed request must get a 4xx):',
    '',
  );
  L.push('| route | kind | status | error | count |', '|---|---|--:|---|--:|');
  for (const a of x.answers) L.push(`| ${a.route} | ${a.kind} | ${a.status} | ${a.code} | ${n(a.count)} |`);
  L.push('');
  L.push('Check outcomes in first-time receipts:', '');
  L.push('| code | meaning | checks |', '|--:|---|--:|');
  for (const c of x.outcomes) L.push(`| ${c.code} | ${c.meaning} | ${n(c.count)} |`);
  L.push('');
  L.push(
    `Afterwards (server stopped, exit ${x.serverExit}): \`smartcheck bank audit\` exit ${x.verification.auditExit} (${x.verification.auditOutput.split('\n').join('; ')}); ledger invariants: ${x.verification.invariantViolations.length ? x.verification.invariantViolations.join('; ') : 'none violated'}.`,
    '',
  );
  L.push("| books vs the generator's tally | books | tally | |", '|---|--:|--:|---|');
  for (const c of x.verification.comparisons)
    L.push(`| ${c.what} | ${short(c.books)} | ${short(c.tally)} | ${c.ok ? 'ok' : '**differs**'} |`);
  L.push('');
  L.push(
    `5xx answers or failed connections: ${x.serverErrors}. Broken expectations during the traffic: ${x.violations.length ? '' : 'none.'}`,
  );
  for (const v of x.violations.slice(0, 20)) L.push(`- ${v}`);
  return L.join('\n');
}
