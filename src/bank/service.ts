// The bank as one object: a database, the bank's keys, a verifier pool and a clock, with the
// load and capture services, the revocation list and the metrics the HTTP API reports.
import type { VerifierPool } from '../../bindings/pool/index.ts';
import { captureBatch, type CaptureResult } from './capture.ts';
import type { Database } from './db.ts';
import { BankError } from './errors.ts';
import { createBank, loadBank, revocationList, type Bank } from './issuing.ts';
import { loadValue, type LoadResult } from './load.ts';
import { migrate } from './migrate.ts';

export interface ServiceOptions {
  /** Unix seconds; default the system clock. */
  clock?: () => number;
  /** Captures running or waiting at once; more are refused (BankError overloaded). Default 64. */
  capturesMax?: number;
  /** Checks per deposit batch; default 10,000. */
  batchChecksMax?: number;
  maxSkewS?: number;
}

export interface Metrics {
  loads: number;
  batches: number;
  checks: number;
  /** Checks captured per second over the last 10 s. */
  checksPerS: number;
  /** Captures running or waiting now. */
  queue: number;
  queueMax: number;
  /** Cumulative milliseconds spent per capture phase. */
  timeMs: { open: number; verify: number; db: number };
}

const WINDOW_MS = 10_000;

export class BankService {
  private inflight = 0;
  private readonly recent: { at: number; checks: number }[] = [];
  private readonly totals = { loads: 0, batches: 0, checks: 0, open: 0, verify: 0, db: 0 };
  readonly clock: () => number;
  readonly capturesMax: number;
  readonly batchChecksMax: number;

  constructor(
    readonly db: Database,
    readonly bank: Bank,
    readonly verifier: VerifierPool,
    private readonly options: ServiceOptions = {},
  ) {
    this.clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    this.capturesMax = options.capturesMax ?? 64;
    this.batchChecksMax = options.batchChecksMax ?? 10_000;
  }

  /** Migrates the database, then loads the bank stored in it or creates one named `bankId`. */
  static async open(db: Database, verifier: VerifierPool, o: ServiceOptions & { bankId?: string } = {}): Promise<BankService> {
    await migrate(db);
    const now = (o.clock ?? (() => Math.floor(Date.now() / 1000)))();
    const bank = (await loadBank(db, o.bankId)) ?? (await createBank(db, { bankId: o.bankId ?? 'bank-1', now }));
    return new BankService(db, bank, verifier, o);
  }

  async load(envelope: Uint8Array): Promise<LoadResult> {
    const r = await loadValue(this.db, this.bank, envelope, { now: this.clock(), ...(this.options.maxSkewS !== undefined ? { maxSkewS: this.options.maxSkewS } : {}) });
    this.totals.loads += 1;
    return r;
  }

  async deposit(envelope: Uint8Array): Promise<CaptureResult> {
    if (this.inflight >= this.capturesMax) throw new BankError('overloaded', `${this.inflight} captures in progress`);
    this.inflight += 1;
    try {
      const r = await captureBatch(this.db, this.bank, envelope, { now: this.clock(), verifier: this.verifier, checksMax: this.batchChecksMax, ...(this.options.maxSkewS !== undefined ? { maxSkewS: this.options.maxSkewS } : {}) });
      this.totals.batches += 1;
      this.totals.checks += r.outcomes.length;
      this.totals.open += r.timings.openMs;
      this.totals.verify += r.timings.verifyMs;
      this.totals.db += r.timings.dbMs;
      this.recent.push({ at: Date.now(), checks: r.outcomes.length });
      return r;
    } finally {
      this.inflight -= 1;
    }
  }

  revocationList(): Promise<Uint8Array> {
    return revocationList(this.db, this.bank, this.clock());
  }

  metrics(): Metrics {
    const since = Date.now() - WINDOW_MS;
    while (this.recent.length && (this.recent[0] as { at: number }).at < since) this.recent.shift();
    const windowChecks = this.recent.reduce((s, r) => s + r.checks, 0);
    const t = this.totals;
    return {
      loads: t.loads,
      batches: t.batches,
      checks: t.checks,
      checksPerS: Math.round(windowChecks / (WINDOW_MS / 1000)),
      queue: this.inflight,
      queueMax: this.capturesMax,
      timeMs: { open: Math.round(t.open), verify: Math.round(t.verify), db: Math.round(t.db) },
    };
  }
}
