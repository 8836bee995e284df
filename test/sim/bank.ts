// The bank side of the simulation: one database (PGlite in memory, or PostgreSQL when DATABASE_URL
// is set), two bank processes (BankService instances) over it, and the BankLink the roles reach
// them through, which injects the network's and the processes' faults: a process killed at a
// capture step (the hook throws, the instance is discarded and a new one opened on the same
// database, as a restarted process would be), replies lost after the work was done, deposits
// duplicated or held back and delivered out of order, bytes flipped in requests and replies.

import { type CaptureStep, captureBatch } from '../../src/bank/capture/index.ts';
import { type Database, openDatabase } from '../../src/bank/db.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import type { KeyStore } from '../../src/bank/keys/store.ts';
import { migrate } from '../../src/bank/migrate.ts';
import { BankService } from '../../src/bank/service.ts';
import { type BankLink, BankUnreachableError } from '../../src/net/bank-link.ts';
import { ProtocolError } from '../../src/protocol/errors.ts';
import { DEFAULT_GUARANTEE_DEPOSIT_WINDOW_S, type GuaranteePolicy } from '../../src/protocol/guarantee.ts';
import type { RefundOutcome } from '../../src/protocol/refund.ts';
import type { VerifierPool } from '../../src/protocol/verifier/index.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import type { SimClock } from './clock.ts';
import { type Faults, flipByte } from './faults.ts';
import type { Prng } from './prng.ts';
import type { Trace } from './trace.ts';

export const BANK_ID = 'bank-sim';
const STEPS: readonly CaptureStep[] = ['verified', 'locked', 'inserted', 'booked'];

/** Thrown from a capture step hook: the process dies there (its transaction never commits). */
export class ProcessKilled extends Error {
  constructor(readonly step: CaptureStep) {
    super(`bank process killed at capture step ${step}`);
    this.name = 'ProcessKilled';
  }
}

export interface BankProcess {
  name: string;
  service: BankService;
  /** Restarts so far (a new BankService over the same database each time). */
  incarnation: number;
}

export class SimBank {
  private constructor(
    readonly db: Database,
    readonly verifier: VerifierPool,
    readonly clock: SimClock,
    readonly processes: BankProcess[],
    readonly keys: KeyStore,
  ) {}

  static async create(clock: SimClock): Promise<SimBank> {
    // One database per process, emptied for each run (starting PGlite costs seconds; a run must
    // start from an empty bank so that a seed replays: the sequences restart too).
    shared ??= openSimDatabase();
    const db = await shared;
    await resetSchema(db);
    await migrate(db);
    const verifier = createInThreadVerifier();
    // Both processes and their restarts share one key store, as bank processes share a key file or an HSM.
    const keys = memoryKeyStore();
    const open = () =>
      BankService.open(db, verifier, { bankId: BANK_ID, clock: clock.read, keys, guarantee: GUARANTEE });
    const a = await open();
    const b = await open();
    return new SimBank(
      db,
      verifier,
      clock,
      [
        { name: 'A', service: a, incarnation: 0 },
        { name: 'B', service: b, incarnation: 0 },
      ],
      keys,
    );
  }

  /** Any live process (they share the database and the keys). */
  get service(): BankService {
    return (this.processes[0] as BankProcess).service;
  }

  /** The process died: discard its instance and start a new one over the same database. */
  async restart(p: BankProcess): Promise<void> {
    p.service = await BankService.open(this.db, this.verifier, {
      bankId: BANK_ID,
      clock: this.clock.read,
      keys: this.keys,
      guarantee: GUARANTEE,
    });
    p.incarnation++;
  }

  /** Ends the run; the database stays open for the next run of this process (closeSharedDatabase ends it). */
  async close(): Promise<void> {
    await this.verifier.close();
  }
}

/** The terminals' maximum revocation-list age: the bank guarantees what they accept within it. */
export const REVOCATION_MAX_AGE_S = 6 * 3600;
const GUARANTEE: GuaranteePolicy = {
  revocationMaxAgeS: REVOCATION_MAX_AGE_S,
  depositWindowS: DEFAULT_GUARANTEE_DEPOSIT_WINDOW_S,
};

let shared: Promise<Database> | undefined;

export async function closeSharedDatabase(): Promise<void> {
  const db = shared;
  shared = undefined;
  if (db) await (await db).close();
}

const PG_URL = process.env.DATABASE_URL ?? process.env.SMARTCHECK_PG_URL;
/** On PostgreSQL the simulator works in its own schema, never in the server's public one. */
const SIM_SCHEMA = `smartcheck_sim_${process.pid}`;

async function openSimDatabase(): Promise<Database> {
  if (!PG_URL || !/^postgres(ql)?:\/\//.test(PG_URL)) return openDatabase('');
  const u = new URL(PG_URL);
  u.searchParams.set('options', `-c search_path=${SIM_SCHEMA}`);
  const db = await openDatabase(u.toString(), { poolMax: 4 });
  await db.query(`create schema if not exists ${SIM_SCHEMA}`);
  return db;
}

/** An empty schema for each run: PGlite's public schema, or the simulator's own on PostgreSQL. */
async function resetSchema(db: Database): Promise<void> {
  const schema = db.driver === 'pg' ? SIM_SCHEMA : 'public';
  await db.query(`drop schema if exists ${schema} cascade`);
  await db.query(`create schema ${schema}`);
}

export interface LinkStats {
  loads: number;
  deposits: number;
  lists: number;
  refunds: number;
  /** Deposits delivered late (held back, then sent after later ones). */
  reordered: number;
}

/**
 * A role's BankLink to the two bank processes, with the faults of the network and the processes.
 * Each call goes to a process the PRNG picks. A failure reaches the caller as BankUnreachableError
 * (nothing, or everything, was done: the caller cannot tell and retries) or as the bank's
 * ProtocolError (the bank refused what arrived).
 */
export class FaultyLink implements BankLink {
  readonly stats: LinkStats = { loads: 0, deposits: 0, lists: 0, refunds: 0, reordered: 0 };
  /** Deposit envelopes held back, delivered before a later deposit. */
  private held: Uint8Array[] = [];

  constructor(
    private readonly bank: SimBank,
    private readonly prng: Prng,
    private readonly faults: Faults,
    private readonly trace: Trace,
    private readonly op: () => number,
    private readonly who: string,
  ) {}

  private process(): BankProcess {
    return this.prng.pick(this.bank.processes);
  }

  async load(sealedRequest: Uint8Array): Promise<Uint8Array> {
    this.stats.loads++;
    const p = this.process();
    const r = await p.service.load(sealedRequest);
    this.trace.add(this.op(), `bank ${p.name} load ${r.purseId} ${r.amount}${r.replayed ? ' replayed' : ''}`);
    if (this.faults.strike('lost-reply')) throw new BankUnreachableError(`sim:${p.name}`, new Error('reply lost'));
    if (this.faults.strike('tamper-token')) return flipByte(this.prng, r.token);
    return r.token;
  }

  async deposit(sealedBatch: Uint8Array): Promise<Uint8Array> {
    this.stats.deposits++;
    // A held-back deposit arrives now, before this one (reordering), and is forgotten by its sender.
    if (this.held.length && this.prng.chance(0.5)) {
      const late = this.held.splice(0, this.held.length);
      for (const envelope of late) await this.deliver(envelope, 'late').catch(ignoreDelivery);
    }
    if (this.faults.strike('reordered-deposit')) {
      // The network keeps a copy and delivers it later; the sender sees a timeout now.
      this.held.push(sealedBatch);
      this.stats.reordered++;
      throw new BankUnreachableError(`sim:${this.who}`, new Error('deposit delayed in the network'));
    }
    const request = this.faults.strike('tamper-deposit') ? flipByte(this.prng, sealedBatch) : sealedBatch;
    if (this.faults.strike('duplicate-deposit')) await this.deliver(request, 'duplicate').catch(ignoreDelivery);
    const receipt = await this.deliver(request, 'deposit');
    if (this.faults.strike('lost-reply')) throw new BankUnreachableError(`sim:${this.who}`, new Error('reply lost'));
    if (this.faults.strike('tamper-receipt')) return flipByte(this.prng, receipt);
    return receipt;
  }

  /** Delivers the held-back deposits now (the network drains). */
  async flush(): Promise<void> {
    const late = this.held.splice(0, this.held.length);
    for (const envelope of late) await this.deliver(envelope, 'late').catch(ignoreDelivery);
  }

  private async deliver(envelope: Uint8Array, how: string): Promise<Uint8Array> {
    const p = this.process();
    if (this.faults.strike('bank-crash-mid-capture')) {
      const step = this.prng.pick(STEPS);
      try {
        await captureBatch(this.bank.db, p.service.bank, envelope, {
          now: this.bank.clock.now,
          verifier: this.bank.verifier,
          guarantee: GUARANTEE,
          onStep: (s) => {
            if (s === step) throw new ProcessKilled(s);
          },
        });
      } catch (error) {
        if (!(error instanceof ProcessKilled)) {
          // refused before reaching the step (a tampered envelope): the process lives on
          this.trace.add(this.op(), `bank ${p.name} ${how} ${this.who} refused ${codeOf(error)}`);
          throw error;
        }
      }
      this.trace.add(this.op(), `bank ${p.name} killed at ${step} (${how} ${this.who})`);
      await this.bank.restart(p);
      throw new BankUnreachableError(`sim:${p.name}`, new Error(`process killed at ${step}`));
    }
    try {
      const r = await p.service.deposit(envelope);
      const credited = r.outcomes.filter((o) => o.credited > 0).length;
      this.trace.add(
        this.op(),
        `bank ${p.name} ${how} ${this.who} ${r.outcomes.length} checks ${credited} credited ${r.credited}${r.replayed ? ' replayed' : ''} [${r.outcomes.map((o) => o.code).join(',')}]`,
      );
      return r.receipt;
    } catch (error) {
      this.trace.add(this.op(), `bank ${p.name} ${how} ${this.who} refused ${codeOf(error)}`);
      throw error;
    }
  }

  /** A merchant's sealed refund to a PRNG-picked process; its reply may be lost (then sent again next deposit). */
  async refund(sealedRefund: Uint8Array): Promise<RefundOutcome> {
    this.stats.refunds++;
    const p = this.process();
    const r = await p.service.refund(sealedRefund);
    this.trace.add(this.op(), `bank ${p.name} refund ${r.outcome} ${r.amount}${r.replayed ? ' replayed' : ''}`);
    if (this.faults.strike('lost-reply')) throw new BankUnreachableError(`sim:${this.who}`, new Error('reply lost'));
    return r;
  }

  async revocationList(): Promise<Uint8Array> {
    this.stats.lists++;
    return this.process().service.revocationList();
  }
}

export const codeOf = (error: unknown): string =>
  error instanceof ProtocolError ? String(error.code) : error instanceof Error ? error.name : String(error);

function ignoreDelivery(error: unknown): void {
  if (error instanceof ProtocolError || error instanceof BankUnreachableError) return;
  throw error;
}
