// The generator's state and its plain moves: the simulated purses and merchants, an HTTP request
// timed and counted, a load as a purse does it, checks signed as a card signs them, a deposit and
// the check of its signed receipt against what a correct bank must answer, and the tally of what
// the receipts and tokens say was credited (compared with the books afterwards, verify.ts).

import type { Bank } from '../../src/bank/issuing.ts';
import { equalBytes } from '../../src/bytes.ts';
import { makeDeposit, verifyReceipt } from '../../src/protocol/capture.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { applyValueToken, newPurseState, type PurseState, requestValue } from '../../src/protocol/load.ts';
import { certifyBank, createRoot, type Party } from '../../src/protocol/pki.ts';
import { signCheck } from '../../src/protocol/pos.ts';
import { Channel } from '../../src/protocol/registry.ts';
import { Stats } from './stats.ts';
import { CURRENCY, type Parties } from './world.ts';

export interface TrafficOptions {
  seconds: number;
  /** Depositing loops: each has one deposit (or one pair, for clone and race rounds) in flight. */
  inFlight: number;
  /** Top-up loading loops. */
  loaders: number;
  /** Honest checks per batch: uniform in [1, batchMax]. */
  batchMax: number;
  /** Share of deposit rounds that first send a malformed variant of the batch. */
  malformedShare: number;
  /** Pause between the hostile/misc requests (malformed loads, garbage, replays, list, health). */
  miscIntervalMs: number;
  /** Value loaded onto each honest purse at the start and at each top-up (minor units). */
  loadAmount: number;
  seed: number;
}

export const hex = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('hex');
export const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
export const now = () => Math.floor(Date.now() / 1000);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** mulberry32: a small seeded generator, so a run's mix of requests can be repeated. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PurseSim {
  party: Party;
  state: PurseState;
  serial: number;
  /** Value loaded (tokens applied) minus value signed away: what the card may still spend. */
  spendable: number;
  loading: boolean;
}

export interface MerchantSim {
  party: Party;
  /** Checks of this merchant the bank accepted (from receipts): material for replays. */
  accepted: Uint8Array[];
}

/** What a correct bank must answer for one check in a batch. */
export type Expect = 'accept' | 'tampered' | 'stolen' | 'replay' | 'guaranteed' | 'pair';
export interface Item {
  bytes: Uint8Array;
  expect: Expect;
  amount: number;
}

export interface Tally {
  /** Accepted check hash → the batch that credited it. */
  accepted: Map<string, { batch: string; merchant: string; amount: number }>;
  byMerchant: Map<string, number>;
  /** Batch ids answered 200 (each stored once by the bank). */
  batches: Set<string>;
  loads: { count: number; amount: number };
  /** Clone purses whose clone pair was answered: must be revoked, with one fraud proof each. */
  clonedPurses: Set<string>;
  honestPurses: Set<string>;
}

export class Sim {
  readonly stats = new Stats();
  readonly rng: () => number;
  readonly merchants: MerchantSim[];
  readonly purses: PurseSim[];
  readonly clonePurses: PurseSim[];
  /**
   * Clone purses already revoked: a later check of theirs, dated before the revocation reached the
   * terminals (the guarantee's list age, a day), is paid (docs/guarantee.md), or refused once the
   * purse's guarantee is spent (325).
   */
  readonly revokedClones: PurseSim[] = [];
  /** Clone purses whose clone pair is in flight: revoked at some moment the generator cannot see. */
  readonly cloning = new Set<string>();
  readonly recentLoads: { envelope: Uint8Array; token: Uint8Array; at: number; nonce: Uint8Array; purse: PurseSim }[] =
    [];
  readonly tally: Tally;
  readonly foreignBank: Party;
  stopAt = Infinity;

  constructor(
    readonly base: string,
    readonly bank: Bank,
    parties: Parties,
    readonly o: TrafficOptions,
  ) {
    this.rng = seeded(o.seed);
    const sim = (p: { party: Party }): PurseSim => ({
      party: p.party,
      state: newPurseState(CURRENCY),
      serial: 0,
      spendable: 0,
      loading: false,
    });
    this.merchants = parties.merchants.map((party) => ({ party, accepted: [] }));
    this.purses = parties.purses.map(sim);
    this.clonePurses = parties.clonePurses.map(sim);
    this.tally = {
      accepted: new Map(),
      byMerchant: new Map(),
      batches: new Set(),
      loads: { count: 0, amount: 0 },
      clonedPurses: new Set(),
      honestPurses: new Set(this.purses.map((p) => p.party.id)),
    };
    // Another bank under another root, with the same name: envelopes sealed to it cannot open here.
    this.foreignBank = certifyBank(createRoot('root-impostor'), bank.id, {
      notBefore: now() - 86_400,
      notAfter: now() + 86_400 * 365,
    });
  }

  get running(): boolean {
    return Date.now() < this.stopAt;
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rng() * list.length)] as T;
  }
  anchors() {
    return { anchors: this.bank.anchors, now: now() };
  }

  /** One HTTP request, timed and counted under `route` and `kind`. */
  async send(
    route: string,
    kind: string,
    path: string,
    init: { method?: string; body?: Uint8Array | string; type?: string } = {},
  ): Promise<{ status: number; bytes: Uint8Array<ArrayBuffer>; code: string }> {
    const t0 = performance.now();
    let status = 0;
    let bytes: Uint8Array<ArrayBuffer> = new Uint8Array(0);
    let code = 'ok';
    try {
      const res = await fetch(this.base + path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        ...(init.body !== undefined
          ? { body: init.body as unknown as BodyInit, headers: { 'content-type': init.type ?? 'application/cbor' } }
          : {}),
        signal: AbortSignal.timeout(60_000),
      });
      bytes = new Uint8Array(await res.arrayBuffer());
      status = res.status;
      if (status >= 400) {
        try {
          const e = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { error?: { kind?: string; code?: unknown } })
            .error;
          code = `${e?.kind ?? '?'}:${String(e?.code ?? '?')}`;
        } catch {
          code = 'non-json';
        }
      }
    } catch (error) {
      code = `network:${(error as Error).name}`;
    }
    this.stats.time(route, performance.now() - t0);
    this.stats.answer(route, kind, status, code);
    return { status, bytes, code };
  }

  /** A hostile request: the bank must refuse it with a 4xx, never a 5xx, and never accept it. */
  async refused(
    route: string,
    kind: string,
    path: string,
    init: { body?: Uint8Array | string; type?: string },
  ): Promise<void> {
    const r = await this.send(route, kind, path, init);
    if (r.status < 400 || r.status >= 500)
      this.stats.violate(`${route} ${kind}: answered ${r.status} ${r.code}, expected a 4xx`);
  }

  // ---- purses -------------------------------------------------------------------------------

  async load(p: PurseSim, amount: number): Promise<void> {
    p.loading = true;
    try {
      const nonce = random(16);
      const r = requestValue(p.state, p.party, { amount, currency: CURRENCY, now: now(), nonce });
      p.state = r.state;
      const res = await this.send('POST /v1/load', 'load', '/v1/load', { body: r.envelope });
      if (res.status !== 200) {
        this.stats.violate(`load of ${p.party.id}: ${res.status} ${res.code}`);
        p.state = { ...p.state, outstanding: p.state.outstanding.filter((x) => !equalBytes(x.nonce, nonce)) };
        return;
      }
      const applied = applyValueToken(p.state, p.party, res.bytes, this.anchors());
      p.state = applied.state;
      p.spendable += applied.credited;
      this.tally.loads.count += 1;
      this.tally.loads.amount += applied.credited;
      this.recentLoads.push({ envelope: r.envelope, token: res.bytes, at: Date.now(), nonce, purse: p });
      if (this.recentLoads.length > 64) this.recentLoads.shift();
    } finally {
      p.loading = false;
    }
  }

  /** A check as a card signs it (the slip hash is random: the bank never sees slips). */
  sign(p: PurseSim, merchantId: string, amount: number, serial = ++p.serial): Uint8Array {
    p.spendable -= amount;
    p.state = { ...p.state, balance: Math.max(0, p.state.balance - amount) };
    return signCheck(p.party, {
      slipHash: random(32),
      amount,
      currency: CURRENCY,
      merchantId,
      purseId: p.party.id,
      serial,
      time: now(),
      channel: Channel.Pos,
    });
  }

  /** Up to `n` honest checks to merchant `m` from purses that can pay them. */
  honest(m: MerchantSim, n: number): Item[] {
    const items: Item[] = [];
    for (let i = 0; i < n; i++) {
      const amount = 1 + Math.floor(this.rng() * 500);
      for (let tries = 0; tries < 8; tries++) {
        const p = this.pick(this.purses);
        if (p.spendable < amount) continue;
        items.push({ bytes: this.sign(p, m.party.id, amount), expect: 'accept', amount });
        break;
      }
    }
    return items;
  }

  /** Adds the per-check anomalies a batch may carry: a tampered check, another merchant's, a replay, a revoked clone purse's. */
  anomalies(m: MerchantSim, items: Item[]): void {
    const rng = this.rng;
    if (rng() < 0.15) {
      const [victim] = this.honest(m, 1);
      if (victim) {
        const bytes = victim.bytes.slice();
        const at = bytes.length - 1 - Math.floor(rng() * 32); // inside the Ed25519 signature
        bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(rng() * 8));
        items.push({ bytes, expect: 'tampered', amount: victim.amount });
      }
    }
    if (rng() < 0.15 && this.merchants.length > 1) {
      const other = this.merchants.find((x) => x !== m && rng() < 0.5) ?? this.merchants.find((x) => x !== m)!;
      const [stolen] = this.honest(other, 1);
      if (stolen) items.push({ ...stolen, expect: 'stolen' });
    }
    if (rng() < 0.15 && m.accepted.length) items.push({ bytes: this.pick(m.accepted), expect: 'replay', amount: 0 });
    if (rng() < 0.1 && this.revokedClones.length) {
      const p = this.pick(this.revokedClones);
      const amount = 1 + Math.floor(rng() * 50);
      items.push({ bytes: this.sign(p, m.party.id, amount), expect: 'guaranteed', amount });
    }
    // Shuffle, so anomalies are not always at the end of the batch.
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [items[i], items[j]] = [items[j] as Item, items[i] as Item];
    }
  }

  // ---- deposits -----------------------------------------------------------------------------

  envelope(
    m: MerchantSim,
    items: readonly Item[],
    batchId = random(16),
  ): { envelope: Uint8Array; batchId: Uint8Array } {
    return {
      envelope: makeDeposit(
        m.party,
        this.bank.party.certificate,
        items.map((i) => i.bytes),
        batchId,
        now(),
      ),
      batchId,
    };
  }

  /** Sends a batch; checks the receipt and the outcome of every check against what it expects; the codes. */
  async deposit(
    m: MerchantSim,
    items: readonly Item[],
    sent = this.envelope(m, items),
    kind = 'batch',
  ): Promise<number[] | undefined> {
    const res = await this.send('POST /v1/deposit', kind, '/v1/deposit', { body: sent.envelope });
    if (res.status !== 200) {
      this.stats.violate(`deposit (${kind}) of ${m.party.id}: ${res.status} ${res.code}`);
      return undefined;
    }
    return this.receipt(m, items, sent.batchId, res.bytes);
  }

  receipt(m: MerchantSim, items: readonly Item[], batchId: Uint8Array, receipt: Uint8Array): number[] | undefined {
    let outcomes: [Uint8Array, number, number][];
    try {
      outcomes = verifyReceipt(m.party, receipt, { batchId, checks: items.map((i) => i.bytes) }, this.anchors()).body
        .outcomes;
    } catch (error) {
      this.stats.violate(`receipt for ${m.party.id}: ${(error as Error).message}`);
      return undefined;
    }
    const batch = hex(batchId);
    this.tally.batches.add(batch);
    this.stats.checksSubmitted += items.length;
    const codes: number[] = [];
    outcomes.forEach(([hash, code, credited], i) => {
      const item = items[i] as Item;
      codes.push(code);
      this.stats.outcome(code);
      if (code === 0) {
        const key = hex(hash);
        const prior = this.tally.accepted.get(key);
        if (prior)
          this.stats.violate(
            `check ${key.slice(0, 16)} accepted in batch ${batch.slice(0, 8)} and before in ${prior.batch.slice(0, 8)}`,
          );
        else {
          this.tally.accepted.set(key, { batch, merchant: m.party.id, amount: credited });
          this.tally.byMerchant.set(m.party.id, (this.tally.byMerchant.get(m.party.id) ?? 0) + credited);
          this.stats.checksAccepted += 1;
          this.stats.amountAccepted += credited;
          // Material for replays: honest purses' checks only.
          if (item.expect === 'accept') m.accepted.push(item.bytes);
          if (m.accepted.length > 256) m.accepted.splice(0, 128);
        }
      }
      const wrong = (want: string) =>
        this.stats.violate(`${item.expect} check in batch ${batch.slice(0, 8)}: code ${code}, expected ${want}`);
      if (item.expect === 'accept' && (code !== 0 || credited !== item.amount))
        wrong(`accepted for ${item.amount}, got ${credited}`);
      if (item.expect === 'tampered' && code === 0) wrong('a refusal');
      if (item.expect === 'stolen' && code !== ErrorCode.WrongMerchant) wrong('300');
      if (item.expect === 'replay' && code !== ErrorCode.DuplicateCheck) wrong('308');
      if (
        item.expect === 'guaranteed' &&
        !(code === 0 && credited === item.amount) &&
        code !== ErrorCode.GuaranteeExhausted
      )
        wrong(`paid ${item.amount} under the guarantee, or 325`);
    });
    return codes;
  }

  /** A genuine load request from a throwaway copy of the purse's state (never sent as a load). */
  loadEnvelopeOf(p: PurseSim, nonce: Uint8Array = random(16)): Uint8Array {
    return requestValue(newPurseState(CURRENCY), p.party, { amount: 1_000, currency: CURRENCY, now: now(), nonce })
      .envelope;
  }
}
