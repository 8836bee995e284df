// The traffic: merchants depositing overlapping batches of checks, purses loading value, and a
// stream of malformed or hostile requests, all over HTTP on loopback to one bank server, for a
// fixed time. Every answer is checked against what a correct bank must say, and the generator keeps
// its own tally of what was credited — from the bank-signed receipts only — to compare with the
// books afterwards (verify.ts).
import { connect } from 'node:net';
import { equalBytes } from '../../src/protocol/cbor.ts';
import { makeDeposit, verifyReceipt } from '../../src/protocol/capture.ts';
import { seal } from '../../src/protocol/envelope.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { applyValueToken, newPurseState, requestValue, type PurseState } from '../../src/protocol/load.ts';
import { depositBatch, valueTokenRequest } from '../../src/protocol/messages.ts';
import { certifyBank, createRoot, type Party } from '../../src/protocol/pki.ts';
import { signCheck } from '../../src/protocol/pos.ts';
import { Channel, MessageType } from '../../src/protocol/registry.ts';
import { verifyRevocationList } from '../../src/protocol/revocation.ts';
import { signMessage } from '../../src/protocol/signed.ts';
import type { Bank } from '../../src/bank/issuing.ts';
import { Stats } from './stats.ts';
import { CURRENCY, processSample, type Parties } from './world.ts';

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

const hex = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('hex');
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** mulberry32: a small seeded generator, so a run's mix of requests can be repeated. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface PurseSim {
  party: Party;
  state: PurseState;
  serial: number;
  /** Value loaded (tokens applied) minus value signed away: what the card may still spend. */
  spendable: number;
  loading: boolean;
}

interface MerchantSim {
  party: Party;
  /** Checks of this merchant the bank accepted (from receipts): material for replays. */
  accepted: Uint8Array[];
}

/** Broken or hostile variants of a deposit batch, of a load request, and bodies that are no envelope at all. */
const BATCH_ABUSE = ['truncated', 'tampered', 'wrong key', 'wrong signer', 'load envelope'] as const;
const LOAD_ABUSE = ['truncated', 'tampered', 'wrong key', 'reused nonce', 'deposit envelope', 'garbage'] as const;
const DEPOSIT_ABUSE = ['garbage', 'empty', 'text/plain', 'bad base64 json', 'cbor map'] as const;
type BatchAbuse = (typeof BATCH_ABUSE)[number];
type LoadAbuse = (typeof LOAD_ABUSE)[number];
type DepositAbuse = (typeof DEPOSIT_ABUSE)[number];

/** What a correct bank must answer for one check in a batch. */
type Expect = 'accept' | 'tampered' | 'stolen' | 'replay' | 'revoked' | 'pair';
interface Item {
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

export interface TrafficResult {
  stats: Stats;
  tally: Tally;
  /** Seconds of the initial loading phase and of the mixed traffic. */
  initialLoadS: number;
  trafficS: number;
  generatorCpuS: number;
  serverCpuS: number;
  finalRevoked: string[];
}

class Sim {
  readonly stats = new Stats();
  readonly rng: () => number;
  readonly merchants: MerchantSim[];
  readonly purses: PurseSim[];
  readonly clonePurses: PurseSim[];
  /** Clone purses already revoked: a later check of theirs must be refused (206). */
  readonly revokedClones: PurseSim[] = [];
  readonly recentLoads: { envelope: Uint8Array; token: Uint8Array; at: number; nonce: Uint8Array; purse: PurseSim }[] = [];
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
    const sim = (p: { party: Party }): PurseSim => ({ party: p.party, state: newPurseState(CURRENCY), serial: 0, spendable: 0, loading: false });
    this.merchants = parties.merchants.map((party) => ({ party, accepted: [] }));
    this.purses = parties.purses.map(sim);
    this.clonePurses = parties.clonePurses.map(sim);
    this.tally = { accepted: new Map(), byMerchant: new Map(), batches: new Set(), loads: { count: 0, amount: 0 }, clonedPurses: new Set(), honestPurses: new Set(this.purses.map((p) => p.party.id)) };
    // Another bank under another root, with the same name: envelopes sealed to it cannot open here.
    this.foreignBank = certifyBank(createRoot('root-impostor'), bank.id, { notBefore: now() - 86_400, notAfter: now() + 86_400 * 365 });
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
  async send(route: string, kind: string, path: string, init: { method?: string; body?: Uint8Array | string; type?: string } = {}): Promise<{ status: number; bytes: Uint8Array<ArrayBuffer>; code: string }> {
    const t0 = performance.now();
    let status = 0;
    let bytes: Uint8Array<ArrayBuffer> = new Uint8Array(0);
    let code = 'ok';
    try {
      const res = await fetch(this.base + path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        ...(init.body !== undefined ? { body: init.body as unknown as BodyInit, headers: { 'content-type': init.type ?? 'application/cbor' } } : {}),
        signal: AbortSignal.timeout(60_000),
      });
      bytes = new Uint8Array(await res.arrayBuffer());
      status = res.status;
      if (status >= 400) {
        try {
          const e = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { error?: { kind?: string; code?: unknown } }).error;
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
  async refused(route: string, kind: string, path: string, init: { body?: Uint8Array | string; type?: string }): Promise<void> {
    const r = await this.send(route, kind, path, init);
    if (r.status < 400 || r.status >= 500) this.stats.violate(`${route} ${kind}: answered ${r.status} ${r.code}, expected a 4xx`);
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
    return signCheck(p.party, { slipHash: random(32), amount, currency: CURRENCY, merchantId, purseId: p.party.id, serial, time: now(), channel: Channel.Pos });
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

  /** Adds the per-check anomalies a batch may carry: a tampered check, another merchant's, a replay, a revoked purse's. */
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
      items.push({ bytes: this.sign(p, m.party.id, 1 + Math.floor(rng() * 50)), expect: 'revoked', amount: 0 });
    }
    // Shuffle, so anomalies are not always at the end of the batch.
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [items[i], items[j]] = [items[j] as Item, items[i] as Item];
    }
  }

  // ---- deposits -----------------------------------------------------------------------------

  envelope(m: MerchantSim, items: readonly Item[], batchId = random(16)): { envelope: Uint8Array; batchId: Uint8Array } {
    return { envelope: makeDeposit(m.party, this.bank.party.certificate, items.map((i) => i.bytes), batchId, now()), batchId };
  }

  /** Sends a batch; checks the receipt and the outcome of every check against what it expects; the codes. */
  async deposit(m: MerchantSim, items: readonly Item[], sent = this.envelope(m, items), kind = 'batch'): Promise<number[] | undefined> {
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
      outcomes = verifyReceipt(m.party, receipt, { batchId, checks: items.map((i) => i.bytes) }, this.anchors()).body.outcomes;
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
        if (prior) this.stats.violate(`check ${key.slice(0, 16)} accepted in batch ${batch.slice(0, 8)} and before in ${prior.batch.slice(0, 8)}`);
        else {
          this.tally.accepted.set(key, { batch, merchant: m.party.id, amount: credited });
          this.tally.byMerchant.set(m.party.id, (this.tally.byMerchant.get(m.party.id) ?? 0) + credited);
          this.stats.checksAccepted += 1;
          this.stats.amountAccepted += credited;
          m.accepted.push(item.bytes);
          if (m.accepted.length > 256) m.accepted.splice(0, 128);
        }
      }
      const wrong = (want: string) => this.stats.violate(`${item.expect} check in batch ${batch.slice(0, 8)}: code ${code}, expected ${want}`);
      if (item.expect === 'accept' && (code !== 0 || credited !== item.amount)) wrong(`accepted for ${item.amount}, got ${credited}`);
      if (item.expect === 'tampered' && code === 0) wrong('a refusal');
      if (item.expect === 'stolen' && code !== ErrorCode.WrongMerchant) wrong('300');
      if (item.expect === 'replay' && code !== ErrorCode.DuplicateCheck) wrong('308');
      if (item.expect === 'revoked' && code !== ErrorCode.Revoked) wrong('206');
    });
    return codes;
  }

  /** A normal round: one batch (maybe after a malformed variant of it), maybe sent again. */
  async round(malformed?: BatchAbuse): Promise<void> {
    const roll = malformed ? 1 : this.rng();
    if (roll < 0.03 && this.clonePurses.length) return this.clone();
    if (roll < 0.06) return this.race();
    if (roll < 0.08) return this.concurrentDuplicate();
    const m = this.pick(this.merchants);
    const items = this.honest(m, 1 + Math.floor(this.rng() * this.o.batchMax));
    if (!items.length) return void (await sleep(20));
    this.anomalies(m, items);
    const sent = this.envelope(m, items);
    if (malformed || this.rng() < this.o.malformedShare) await this.malformedDeposit(m, items, sent.envelope, malformed ?? this.pick(BATCH_ABUSE));
    const res = await this.send('POST /v1/deposit', 'batch', '/v1/deposit', { body: sent.envelope });
    if (res.status !== 200) return void this.stats.violate(`deposit of ${m.party.id}: ${res.status} ${res.code}`);
    this.receipt(m, items, sent.batchId, res.bytes);
    if (this.rng() < 0.05) {
      const again = await this.send('POST /v1/deposit', 'duplicate batch', '/v1/deposit', { body: sent.envelope });
      if (again.status !== 200 || Buffer.compare(again.bytes, res.bytes) !== 0) this.stats.violate(`duplicate batch: ${again.status}, ${again.status === 200 ? 'another receipt' : again.code}`);
    }
  }

  /** Two different checks with one purse serial, to two merchants, in two batches in flight at once. */
  async clone(): Promise<void> {
    const p = this.clonePurses.pop();
    if (!p) return;
    const [m1, m2] = [this.pick(this.merchants), this.pick(this.merchants)] as [MerchantSim, MerchantSim];
    const serial = ++p.serial;
    const a: Item = { bytes: this.sign(p, m1.party.id, 100, serial), expect: 'pair', amount: 100 };
    const b: Item = { bytes: this.sign(p, m2.party.id, 200, serial), expect: 'pair', amount: 200 };
    const one = [a, ...this.honest(m1, 1 + Math.floor(this.rng() * 10))];
    const two = [b, ...this.honest(m2, 1 + Math.floor(this.rng() * 10))];
    const [c1, c2] = await Promise.all([this.deposit(m1, one, undefined, 'clone batch'), this.deposit(m2, two, undefined, 'clone batch')]);
    if (!c1 || !c2) return;
    const pair = [c1[0], c2[0]].sort((x, y) => (x as number) - (y as number));
    if (pair[0] !== 0 || pair[1] !== ErrorCode.CloneDetected) this.stats.violate(`clone of ${p.party.id}: codes ${pair.join(', ')}, expected 0 and 309`);
    this.tally.clonedPurses.add(p.party.id);
    this.revokedClones.push(p);
  }

  /** One merchant's checks in two different batches in flight at once: each credited once, then 308. */
  async race(): Promise<void> {
    const m = this.pick(this.merchants);
    const shared = this.honest(m, 1 + Math.floor(this.rng() * 5)).map((i): Item => ({ ...i, expect: 'pair' }));
    if (!shared.length) return;
    const one = [...shared, ...this.honest(m, Math.floor(this.rng() * 10))];
    const two = [...shared, ...this.honest(m, Math.floor(this.rng() * 10))];
    const [c1, c2] = await Promise.all([this.deposit(m, one, undefined, 'race batch'), this.deposit(m, two, undefined, 'race batch')]);
    if (!c1 || !c2) return;
    shared.forEach((_, i) => {
      const pair = [c1[i], c2[i]].sort((x, y) => (x as number) - (y as number));
      if (pair[0] !== 0 || pair[1] !== ErrorCode.DuplicateCheck) this.stats.violate(`race: codes ${pair.join(', ')}, expected 0 and 308`);
    });
  }

  /** The very same batch twice at once: both answered with the same receipt, credited once. */
  async concurrentDuplicate(): Promise<void> {
    const m = this.pick(this.merchants);
    const items = this.honest(m, 1 + Math.floor(this.rng() * this.o.batchMax));
    if (!items.length) return;
    const sent = this.envelope(m, items);
    const [r1, r2] = await Promise.all([1, 2].map(() => this.send('POST /v1/deposit', 'same batch twice at once', '/v1/deposit', { body: sent.envelope })));
    if (r1?.status !== 200 || r2?.status !== 200) return void this.stats.violate(`same batch twice at once: ${r1?.status} ${r1?.code}, ${r2?.status} ${r2?.code}`);
    if (Buffer.compare(r1.bytes, r2.bytes) !== 0) this.stats.violate('same batch twice at once: two different receipts');
    this.receipt(m, items, sent.batchId, r1.bytes);
  }

  /** A broken or hostile variant of a batch whose checks are then deposited properly. */
  async malformedDeposit(m: MerchantSim, items: readonly Item[], envelope: Uint8Array, kind: BatchAbuse): Promise<void> {
    let body: Uint8Array;
    if (kind === 'truncated') body = envelope.slice(0, Math.floor(this.rng() * envelope.length));
    else if (kind === 'tampered') {
      body = envelope.slice();
      const at = Math.floor(this.rng() * body.length);
      body[at] = (body[at] as number) ^ (1 + Math.floor(this.rng() * 255));
    } else if (kind === 'wrong key') body = makeDeposit(m.party, this.foreignBank.certificate, items.map((i) => i.bytes), random(16), now());
    else if (kind === 'wrong signer') {
      // Signed by m, claiming to be another merchant: the bank must see the subject mismatch.
      const other = this.merchants.find((x) => x !== m) ?? m;
      const signed = signMessage(depositBatch, { merchantId: other.party.id, batchId: random(16), checks: items.map((i) => i.bytes), time: now() }, m.party);
      body = seal(MessageType.DepositBatch, this.bank.party.kx!.publicKey, signed);
    } else body = this.loadEnvelopeOf(this.pick(this.purses));
    if (body.length === 0) body = new Uint8Array([0xa0]);
    await this.refused('POST /v1/deposit (malformed)', kind, '/v1/deposit', { body });
  }

  /** A genuine load request from a throwaway copy of the purse's state (never sent as a load). */
  loadEnvelopeOf(p: PurseSim, nonce: Uint8Array = random(16)): Uint8Array {
    return requestValue(newPurseState(CURRENCY), p.party, { amount: 1_000, currency: CURRENCY, now: now(), nonce }).envelope;
  }

  // ---- hostile and housekeeping requests ----------------------------------------------------

  async misc(): Promise<void> {
    const roll = this.rng();
    if (roll < 0.1) await this.revocationList();
    else if (roll < 0.15) await this.health();
    else if (roll < 0.3) await this.loadAgain();
    else if (roll < 0.65) await this.loadAbuse(this.pick(LOAD_ABUSE));
    else await this.depositAbuse(this.pick(DEPOSIT_ABUSE));
  }

  /** Every kind of request once, so that even a short run covers them all. */
  async tour(): Promise<void> {
    for (const kind of BATCH_ABUSE) await this.round(kind);
    await this.clone();
    await this.race();
    await this.concurrentDuplicate();
    await this.loadAgain();
    for (const kind of LOAD_ABUSE) await this.loadAbuse(kind);
    for (const kind of DEPOSIT_ABUSE) await this.depositAbuse(kind);
    await this.oversize();
    await this.revocationList();
    await this.health();
  }

  async revocationList(): Promise<void> {
    const r = await this.send('GET /v1/revocation-list', 'list', '/v1/revocation-list');
    try {
      verifyRevocationList(r.bytes, this.anchors());
    } catch (error) {
      this.stats.violate(`revocation list (${r.status}): ${(error as Error).message}`);
    }
  }

  async health(): Promise<void> {
    const r = await this.send('GET /health', 'health', '/health');
    if (r.status !== 200) this.stats.violate(`health: ${r.status}`);
  }

  /** A purse that lost the bank's reply asks again: the same token, no money moved. */
  async loadAgain(): Promise<void> {
    const recent = this.recentLoads.filter((l) => Date.now() - l.at < 120_000);
    if (!recent.length) return;
    const l = this.pick(recent);
    // A purse revoked since (cloned) is refused outright, even a request the bank served before.
    if (this.tally.clonedPurses.has(l.purse.party.id)) {
      const r = await this.send('POST /v1/load', 'same request again, purse revoked since', '/v1/load', { body: l.envelope });
      if (r.status !== 422 || r.code !== `protocol:${ErrorCode.Revoked}`) this.stats.violate(`load of a revoked purse asked again: ${r.status} ${r.code}, expected 422 protocol:206`);
      return;
    }
    const r = await this.send('POST /v1/load', 'same request again', '/v1/load', { body: l.envelope });
    if (r.status !== 200 || Buffer.compare(r.bytes, l.token) !== 0) this.stats.violate(`load asked again: ${r.status} ${r.code}${r.status === 200 ? ', another token' : ''}`);
  }

  async loadAbuse(kind: LoadAbuse): Promise<void> {
    const p = this.pick(this.purses);
    let body: Uint8Array;
    const good = this.loadEnvelopeOf(p);
    if (kind === 'truncated') body = good.slice(0, 1 + Math.floor(this.rng() * (good.length - 1)));
    else if (kind === 'tampered') {
      body = good.slice();
      const at = Math.floor(this.rng() * body.length);
      body[at] = (body[at] as number) ^ (1 + Math.floor(this.rng() * 255));
    } else if (kind === 'wrong key') {
      const r = requestValue(newPurseState(CURRENCY), p.party, { amount: 1_000, currency: CURRENCY, now: now(), nonce: random(16) });
      body = seal(MessageType.ValueTokenRequest, this.foreignBank.kx!.publicKey, signMessage(valueTokenRequest, r.request, p.party));
    } else if (kind === 'reused nonce') {
      // A new request (other time, amount 1,000) with the nonce of a load already served.
      const l = this.recentLoads.length ? this.pick(this.recentLoads) : undefined;
      if (!l) return;
      body = this.loadEnvelopeOf(l.purse, l.nonce);
    } else if (kind === 'deposit envelope') {
      const m = this.pick(this.merchants);
      body = makeDeposit(m.party, this.bank.party.certificate, [new Uint8Array([0xa0])], random(16), now());
    } else body = random(1 + Math.floor(this.rng() * 600));
    await this.refused('POST /v1/load (malformed)', kind, '/v1/load', { body });
  }

  async depositAbuse(kind: DepositAbuse): Promise<void> {
    const route = 'POST /v1/deposit (malformed)';
    if (kind === 'garbage') await this.refused(route, kind, '/v1/deposit', { body: random(1 + Math.floor(this.rng() * 2_000)) });
    else if (kind === 'empty') await this.refused(route, kind, '/v1/deposit', { body: new Uint8Array(0) });
    else if (kind === 'text/plain') await this.refused(route, kind, '/v1/deposit', { body: 'hello', type: 'text/plain' });
    else if (kind === 'bad base64 json') await this.refused(route, kind, '/v1/deposit', { body: JSON.stringify({ envelope: '%%%' }), type: 'application/json' });
    else await this.refused(route, kind, '/v1/deposit', { body: new Uint8Array([0xa1, 0x01, 0x02]) });
  }

  /**
   * A body over the server's limit (8 MiB). The server answers 413 from the Content-Length and
   * closes the connection; a client still sending then gets a reset that can drop the answer
   * (fetch and node:http report a failed request). So this client sends the headers and 64 KiB,
   * reads the answer, and sends the rest only when none came.
   */
  async oversize(): Promise<void> {
    const route = 'POST /v1/deposit (malformed)';
    const kind = 'over the body limit (9 MiB)';
    const size = 9 << 20;
    const { hostname, port } = new URL(this.base);
    const t0 = performance.now();
    const status = await new Promise<number>((resolve) => {
      let answer = '';
      const socket = connect(Number(port), hostname);
      const done = (code: number) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(code);
      };
      const timer = setTimeout(() => done(0), 30_000);
      socket.on('data', (d) => {
        answer += d.toString('latin1');
        const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
        if (m && m[1] !== '100') done(Number(m[1]));
      });
      socket.on('error', () => setTimeout(() => done(0), 500));
      socket.on('connect', async () => {
        // Headers and the first 64 KiB, then a pause for the answer, as a client that honours an
        // early answer does; the rest only if none came.
        socket.write(`POST /v1/deposit HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/cbor\r\nContent-Length: ${size}\r\n\r\n`);
        const chunk = Buffer.alloc(64 << 10);
        socket.write(chunk);
        await sleep(5_000);
        for (let sent = chunk.length; sent < size && !socket.destroyed; sent += chunk.length) {
          if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r).once('close', r));
        }
      });
    });
    this.stats.time(route, performance.now() - t0);
    this.stats.answer(route, kind, status, status === 413 ? 'http:FST_ERR_CTP_BODY_TOO_LARGE' : status === 0 ? 'network' : '?');
    if (status !== 413) this.stats.violate(`${route} ${kind}: answered ${status}, expected 413`);
  }
}

/** Loads every purse, then runs the mixed traffic for `o.seconds`; returns the measurements and the tally. */
export async function runTraffic(base: string, serverPid: number, bank: Bank, parties: Parties, o: TrafficOptions): Promise<TrafficResult> {
  const sim = new Sim(base, bank, parties, o);
  const cpu0 = process.cpuUsage();
  const server0 = processSample(serverPid);

  // Initial loads, four at a time: honest purses get the full amount, clone purses a little.
  const t0 = performance.now();
  const queue: [PurseSim, number][] = [...sim.purses.map((p): [PurseSim, number] => [p, o.loadAmount]), ...sim.clonePurses.map((p): [PurseSim, number] => [p, 10_000])];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await sim.load(...next);
    }),
  );
  const initialLoadS = (performance.now() - t0) / 1000;

  const start = Date.now();
  sim.stopAt = start + o.seconds * 1000;
  let last = processSample(serverPid);
  let lastAt = Date.now();
  const sampler = (async () => {
    while (sim.running) {
      await sleep(1_000);
      const s = processSample(serverPid);
      const sAt = Date.now();
      const r = await sim.send('GET /metrics', 'metrics', '/metrics');
      let m: { checksPerS?: number; queue?: number } = {};
      try {
        m = JSON.parse(Buffer.from(r.bytes).toString('utf8')) as typeof m;
      } catch {
        sim.stats.violate(`metrics: ${r.status}`);
      }
      if (s && last) sim.stats.memory.push({ t: Math.round((sAt - start) / 100) / 10, rssMiB: s.rssMiB, cpuPct: Math.round((s.cpuTicks - last.cpuTicks) / ((sAt - lastAt) / 1000)), ...(m.checksPerS !== undefined ? { checksPerS: m.checksPerS } : {}), ...(m.queue !== undefined ? { queue: m.queue } : {}) });
      last = s ?? last;
      lastAt = sAt;
    }
  })();
  const depositors = Array.from({ length: o.inFlight }, async (_, i) => {
    await sleep(i * 20);
    while (sim.running) await sim.round();
  });
  const loaders = Array.from({ length: o.loaders }, async () => {
    let at = 0;
    while (sim.running) {
      const low = o.loadAmount / 4;
      let found: PurseSim | undefined;
      for (let k = 0; k < sim.purses.length && !found; k++) {
        const p = sim.purses[(at + k) % sim.purses.length] as PurseSim;
        if (!p.loading && p.spendable < low) found = p;
      }
      at = (at + 1) % sim.purses.length;
      if (found) await sim.load(found, o.loadAmount);
      else await sleep(20);
    }
  });
  const misc = (async () => {
    await sim.tour();
    while (sim.running) {
      await sim.misc();
      await sleep(o.miscIntervalMs);
    }
  })();
  await Promise.all([...depositors, ...loaders, misc, sampler]);
  const trafficS = (Date.now() - start) / 1000;

  const list = await sim.send('GET /v1/revocation-list', 'list', '/v1/revocation-list');
  let finalRevoked: string[] = [];
  try {
    finalRevoked = verifyRevocationList(list.bytes, sim.anchors()).body.revoked;
  } catch (error) {
    sim.stats.violate(`final revocation list: ${(error as Error).message}`);
  }
  const cpu = process.cpuUsage(cpu0);
  const server1 = processSample(serverPid);
  return {
    stats: sim.stats,
    tally: sim.tally,
    initialLoadS,
    trafficS,
    generatorCpuS: (cpu.user + cpu.system) / 1e6,
    serverCpuS: server0 && server1 ? (server1.cpuTicks - server0.cpuTicks) / 100 : 0,
    finalRevoked,
  };
}
