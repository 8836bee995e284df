// The bank's Prometheus metrics (on the server's registry, src/net/server/metrics.ts): time per
// capture phase, checks credited and refused by code, loads, the captures in progress against
// their bound, lost cards settled, and the verifier pool's queue and workers. Read from the
// service and the pool when scraped, or observed by the routes as each load and capture returns.
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';
import { SECONDS_BUCKETS } from '../net/server/index.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { CaptureResult } from './capture/index.ts';
import { BankError } from './errors.ts';
import type { LoadResult } from './load.ts';
import type { BankService } from './service.ts';

export interface BankMetrics {
  loaded(r: LoadResult): void;
  captured(r: CaptureResult): void;
  /** A load or a whole deposit refused: by its protocol error code or BankError code. */
  refused(route: 'load' | 'deposit', error: unknown): void;
}

const codeOf = (error: unknown): string =>
  error instanceof ProtocolError ? String(error.code) : error instanceof BankError ? error.code : 'other';

export function bankMetrics(registry: Registry, service: BankService): BankMetrics {
  const registers = [registry];
  const phases = new Histogram({
    name: 'smartcheck_bank_capture_phase_seconds',
    help: 'Time per deposit capture phase: open (the envelope and batch), verify (the signatures, in the pool), database (booking and the receipt)',
    labelNames: ['phase'],
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const batches = new Counter({
    name: 'smartcheck_bank_deposit_batches_total',
    help: 'Deposit batches captured; replayed: the stored receipt of an identical earlier batch',
    labelNames: ['replayed'],
    registers,
  });
  const checks = new Counter({
    name: 'smartcheck_bank_checks_total',
    help: 'Checks in captured batches by outcome: credited, or refused with its protocol error code (src/protocol/errors.ts)',
    labelNames: ['outcome', 'code'],
    registers,
  });
  const credited = new Counter({
    name: 'smartcheck_bank_credited_minor_units_total',
    help: 'Value credited to merchants, minor units (all currencies)',
    registers,
  });
  const loads = new Counter({
    name: 'smartcheck_bank_loads_total',
    help: 'Value tokens issued; replayed: a retried request answered again, no money moved',
    labelNames: ['replayed'],
    registers,
  });
  const refusals = new Counter({
    name: 'smartcheck_bank_requests_refused_total',
    help: 'Loads and whole deposits refused, by route and code (a protocol error code, or bad_request, overloaded, …)',
    labelNames: ['route', 'code'],
    registers,
  });
  const loadedValue = new Counter({
    name: 'smartcheck_bank_loaded_minor_units_total',
    help: 'Value loaded onto purses, minor units (all currencies; replays not counted)',
    registers,
  });
  new Gauge({
    name: 'smartcheck_bank_captures_in_progress',
    help: 'Captures running or waiting now; at smartcheck_bank_captures_max more are refused (503)',
    registers,
    collect() {
      this.set(service.metrics().queue);
    },
  });
  new Gauge({
    name: 'smartcheck_bank_captures_max',
    help: 'Captures allowed at once',
    registers,
    collect() {
      this.set(service.capturesMax);
    },
  });
  new Gauge({
    name: 'smartcheck_bank_checks_per_second',
    help: 'Checks captured per second over the last 10 s',
    registers,
    collect() {
      this.set(service.metrics().checksPerS);
    },
  });
  new Gauge({
    name: 'smartcheck_verifier_pool_workers',
    help: 'Verifier worker threads (0: verifying in the server thread)',
    registers,
    collect() {
      this.set(service.verifier.load().workers);
    },
  });
  new Gauge({
    name: 'smartcheck_verifier_pool_queue',
    help: 'Chunks of checks waiting or running in the verifier pool',
    registers,
    collect() {
      this.set(service.verifier.load().outstanding);
    },
  });
  new Gauge({
    name: 'smartcheck_verifier_pool_queue_max',
    help: 'Chunks the verifier pool holds before refusing more (503 queue_full)',
    registers,
    collect() {
      this.set(service.verifier.load().queueMax);
    },
  });
  new Counter({
    name: 'smartcheck_verifier_pool_worker_restarts_total',
    help: 'Verifier workers replaced (crashed, timed out, failed to start)',
    registers,
    collect() {
      this.reset();
      this.inc(service.verifier.load().restarts);
    },
  });

  // Counted by the service whoever asked (the schedule, an operator): read when scraped.
  new Counter({
    name: 'smartcheck_bank_lost_cards_settled_total',
    help: 'Lost cards settled by this process (their window passed, the remaining value paid back to the cardholder)',
    registers,
    collect() {
      this.reset();
      this.inc(service.metrics().lostSettled.purses);
    },
  });
  new Counter({
    name: 'smartcheck_bank_lost_settled_minor_units_total',
    help: 'Value paid back to cardholders by settling lost cards, minor units (all currencies)',
    registers,
    collect() {
      this.reset();
      this.inc(service.metrics().lostSettled.value);
    },
  });

  return {
    refused: (route, error) => refusals.inc({ route, code: codeOf(error) }),
    loaded(r) {
      loads.inc({ replayed: String(r.replayed) });
      if (!r.replayed) loadedValue.inc(r.amount);
    },
    captured(r) {
      batches.inc({ replayed: String(r.replayed) });
      phases.observe({ phase: 'open' }, r.timings.openMs / 1000);
      if (r.replayed) return;
      phases.observe({ phase: 'verify' }, r.timings.verifyMs / 1000);
      phases.observe({ phase: 'database' }, r.timings.dbMs / 1000);
      for (const o of r.outcomes)
        checks.inc(o.code === 0 ? { outcome: 'credited', code: '0' } : { outcome: 'refused', code: String(o.code) });
      credited.inc(r.credited);
    },
  };
}
