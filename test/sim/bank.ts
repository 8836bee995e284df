// The bank side of the simulation: a scheme of banks, each with its own database (db.ts) and two
// bank processes (SimBankService instances) over it, and the BankLink the roles reach their bank
// through, which injects the network's and the processes' faults: a process killed at a capture
// step (the hook throws, the instance is discarded and a new one opened on the same database, as a
// restarted process would be), or killed after a deposit committed and before it sent the
// presentments it queued; replies lost after the work was done; deposits duplicated or held back
// and delivered out of order; bytes flipped in requests and replies. The banks reach each other
// through the simulator's interbank link (interbank.ts) instead of HTTP.

import { type CaptureStep, captureBatch } from '../../src/bank/capture/index.ts';
import type { Database } from '../../src/bank/db.ts';
import { closeCycles, type PairClose } from '../../src/bank/interbank/exchange.ts';
import { type PresentmentSent, sendPresentments } from '../../src/bank/interbank/send.ts';
import type { Bank } from '../../src/bank/issuing.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { type PeerBank, type PeerRefresh, refreshPeerLists } from '../../src/bank/relay.ts';
import type { Scheme } from '../../src/bank/scheme.ts';
import { BankService, type ServiceOptions } from '../../src/bank/service.ts';
import { type BankLink, BankUnreachableError } from '../../src/net/bank-link.ts';
import { ProtocolError } from '../../src/protocol/errors.ts';
import { DEFAULT_GUARANTEE_DEPOSIT_WINDOW_S, type GuaranteePolicy } from '../../src/protocol/guarantee.ts';
import type { RefundOutcome } from '../../src/protocol/refund.ts';
import type { VerifierPool } from '../../src/protocol/verifier/index.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import type { SimClock } from './clock.ts';
import { bankDatabase } from './db.ts';
import { type Faults, flipByte } from './faults.ts';
import type { Interbank } from './interbank.ts';
import type { Prng } from './prng.ts';
import type { Trace } from './trace.ts';

/** The banks a world can have: a seed picks the first two or all three. */
export const BANK_IDS = ['bank-a', 'bank-b', 'bank-c'] as const;
const STEPS: readonly CaptureStep[] = ['verified', 'locked', 'inserted', 'booked'];

/** Thrown from a capture step hook: the process dies there (its transaction never commits). */
export class ProcessKilled extends Error {
  constructor(readonly step: CaptureStep) {
    super(`bank process killed at capture step ${step}`);
    this.name = 'ProcessKilled';
  }
}

/** How one bank reaches another: the interbank HTTP routes, in process (interbank.ts adds the faults). */
export interface InterbankRoutes {
  /** POST /v1/interbank/presentments at the issuer: the sealed presentment → its signed answer. */
  present(from: string, issuerId: string, envelope: Uint8Array): Promise<Uint8Array>;
  /** POST /v1/interbank/statements at the peer: a settlement offer → the peer's signed statement. */
  offer(from: string, peerId: string, offer: Uint8Array): Promise<Uint8Array>;
  /** GET /v1/revocation-list at the peer: its current signed list. */
  list(from: string, peerId: string): Promise<Uint8Array>;
}

/**
 * A bank process: the real BankService, whose interbank calls (presentments, settlement offers,
 * the peers' lists) go through the simulator's interbank link instead of HTTP. The real service
 * starts sending a deposit's presentments right after its commit without awaiting it; here that
 * send is only marked due (`sendDue`) and the bank link does it, awaited, before the merchant gets
 * its reply, or kills the process first: no send runs behind the simulator's back, so a seed replays.
 */
export class SimBankService extends BankService {
  /** A deposit committed presentments since the last look: the send the real service starts now. */
  sendDue = false;
  readonly #peers: PeerBank[];

  constructor(
    db: Database,
    bank: Bank,
    verifier: VerifierPool,
    options: ServiceOptions,
    private readonly net: InterbankRoutes,
  ) {
    super(db, bank, verifier, options);
    this.#peers = options.peers ?? [];
  }

  override sendPresentments(): Promise<PresentmentSent[]> {
    this.sendDue = true;
    return Promise.resolve([]);
  }

  /** The outbox sent to the issuers and their answers applied (interbank/send.ts), over the interbank link. */
  sendOutbox(): Promise<PresentmentSent[]> {
    return sendPresentments(
      canonicalOutbox(this.db),
      this.bank,
      (issuerId, envelope) => this.net.present(this.bank.id, issuerId, envelope),
      this.clock,
    );
  }

  /** Every peer's list fetched over the interbank link and relayed (at each merchant refresh, as with peerRefreshS 0). */
  override refreshPeerLists(): Promise<PeerRefresh[]> {
    return refreshPeerLists(
      this.db,
      this.bank,
      this.#peers,
      (peer) => this.net.list(this.bank.id, peer.bankId),
      this.clock(),
    );
  }

  /** Closes the settlement cycle with one peer (interbank/exchange.ts), the offer over the interbank link. */
  async settleWith(peerId: string): Promise<PairClose> {
    await this.refreshKeys();
    const [close] = await closeCycles(
      this.db,
      this.bank,
      this.#peers.filter((p) => p.bankId === peerId),
      (peer, offer) => this.net.offer(this.bank.id, peer.bankId, offer),
      this.clock(),
    );
    return close as PairClose;
  }
}

/**
 * The database as sendPresentments reads its outbox, with the unanswered presentments of one
 * second in an order the seed decides: the service orders them by id, a hash of signed bytes that
 * differ between two runs of one seed, and their order decides which one a fault strikes and which
 * of two checks of one serial its issuer sees first. Here: time, issuer, merchant, then the
 * smallest hash of the checks presented (payload hashes, which hold no key material).
 */
function canonicalOutbox(db: Database): Database {
  return {
    driver: db.driver,
    distributed: db.distributed,
    transaction: (fn, isolation) => db.transaction(fn, isolation),
    close: () => db.close(),
    query: async <R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]> => {
      const rows = await db.query<R>(sql, params);
      if (!/from presentments where answer is null/.test(sql)) return rows;
      const keys = new Map(
        (
          await db.query<{ id: string; first: string; created_at: number; issuer_id: string; merchant_id: string }>(
            `select encode(p.presentment_id, 'hex') as id, p.created_at, p.issuer_id, p.merchant_id,
                    (select min(encode(c.check_hash, 'hex')) from presented_checks c where c.presentment_id = p.presentment_id) as first
               from presentments p where p.answer is null`,
          )
        ).map((k) => [k.id, `${String(k.created_at).padStart(12, '0')} ${k.issuer_id} ${k.merchant_id} ${k.first}`]),
      );
      const key = (r: R) => keys.get(Buffer.from(r.presentment_id as Uint8Array).toString('hex')) ?? '';
      return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    },
  } as Database;
}

export interface BankProcess {
  name: string;
  service: SimBankService;
  /** Restarts so far (a new BankService over the same database each time). */
  incarnation: number;
}

export class SimBank {
  private constructor(
    readonly id: string,
    readonly db: Database,
    readonly verifier: VerifierPool,
    readonly clock: SimClock,
    readonly processes: BankProcess[],
    /** The other banks of the scheme: its peers, to which it presents and with which it settles. */
    readonly peers: string[],
    private readonly open: () => Promise<SimBankService>,
  ) {}

  /** The `index`-th bank of the scheme, an issuer and acquirer, with an empty database and two processes. */
  static async create(
    index: number,
    o: { clock: SimClock; scheme: Scheme; peers: string[]; net: InterbankRoutes },
  ): Promise<SimBank> {
    const id = BANK_IDS[index] as string;
    const db = await bankDatabase(index);
    const verifier = createInThreadVerifier();
    // Both processes and their restarts share one key store, as bank processes share a key file or an HSM.
    const options: ServiceOptions & { bankId: string } = {
      bankId: id,
      clock: o.clock.read,
      keys: memoryKeyStore(),
      guarantee: GUARANTEE,
      peers: o.peers.map((bankId) => ({ bankId, url: `sim:${bankId}` })),
    };
    // The first open creates the bank (its keys certified by the scheme root), later ones load it.
    const scheme = o.scheme.member();
    const open = async () => {
      const opened = await BankService.open(db, verifier, { ...options, scheme });
      return new SimBankService(db, opened.bank, verifier, options, o.net);
    };
    const processes: BankProcess[] = [];
    for (const name of ['A', 'B']) processes.push({ name, service: await open(), incarnation: 0 });
    return new SimBank(id, db, verifier, o.clock, processes, o.peers, open);
  }

  /** Any live process (they share the database and the keys). */
  get service(): SimBankService {
    return (this.processes[0] as BankProcess).service;
  }

  /** The process died: discard its instance and start a new one over the same database. */
  async restart(p: BankProcess): Promise<void> {
    p.service = await this.open();
    p.incarnation++;
  }

  /** Ends the run; the database stays open for the next run of this process. */
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

export interface LinkStats {
  loads: number;
  deposits: number;
  lists: number;
  refunds: number;
  /** Deposits delivered late (held back, then sent after later ones). */
  reordered: number;
}

/**
 * A role's BankLink to the two processes of its bank, with the faults of the network and the processes.
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
    private readonly interbank: Interbank,
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
          presentTo: new Set(this.bank.peers),
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
      await this.afterCommit(p);
      return r.receipt;
    } catch (error) {
      if (!(error instanceof BankUnreachableError))
        this.trace.add(this.op(), `bank ${p.name} ${how} ${this.who} refused ${codeOf(error)}`);
      throw error;
    }
  }

  /**
   * The deposit committed presentments: the real service sends them now. Here that send runs
   * before the reply, or the process dies between the commit and the send (the merchant sees it
   * unreachable; the outbox waits for a later send by any process).
   */
  private async afterCommit(p: BankProcess): Promise<void> {
    if (!p.service.sendDue) return;
    p.service.sendDue = false;
    if (this.faults.strike('acquirer-killed-before-send')) {
      this.trace.add(this.op(), `bank ${this.bank.id} ${p.name} killed before sending its presentments`);
      await this.bank.restart(p);
      throw new BankUnreachableError(`sim:${p.name}`, new Error('process killed after its commit'));
    }
    await this.interbank.send(this.bank, p);
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

  /** The bank's own list and the peers' it relays (fetched from them first, over the faulty interbank link). */
  async revocationLists(): Promise<Uint8Array[]> {
    this.stats.lists++;
    return (await this.process().service.revocationLists()).map((l) => l.bytes);
  }
}

export const codeOf = (error: unknown): string =>
  error instanceof ProtocolError ? String(error.code) : error instanceof Error ? error.name : String(error);

function ignoreDelivery(error: unknown): void {
  if (error instanceof ProtocolError || error instanceof BankUnreachableError) return;
  throw error;
}
