// The traffic: merchants depositing overlapping batches of checks, purses loading value, and a
// stream of malformed or hostile requests, all over HTTP on loopback to one bank server, for a
// fixed time. Every answer is checked against what a correct bank must say, and the generator keeps
// its own tally of what was credited — from the bank-signed receipts only — to compare with the
// books afterwards (verify.ts).

import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { Bank } from '../../src/bank/issuing.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { verifyRevocationList } from '../../src/protocol/revocation.ts';
import {
  BATCH_ABUSE,
  type BatchAbuse,
  DEPOSIT_ABUSE,
  LOAD_ABUSE,
  malformedBatch,
  malformedBody,
  malformedLoad,
  oversize,
} from './abuse.ts';
import { type Item, type MerchantSim, type PurseSim, Sim, sleep, type Tally, type TrafficOptions } from './sim.ts';
import type { Stats } from './stats.ts';
import { type Parties, processSample } from './world.ts';

export type { Tally, TrafficOptions } from './sim.ts';

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

/** The rounds of traffic: normal, clone, race and duplicate deposits, hostile and housekeeping requests. */
class Traffic extends Sim {
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
    if (malformed || this.rng() < this.o.malformedShare)
      await malformedBatch(this, m, items, sent.envelope, malformed ?? this.pick(BATCH_ABUSE));
    const res = await this.send('POST /v1/deposit', 'batch', '/v1/deposit', { body: sent.envelope });
    if (res.status !== 200) return void this.stats.violate(`deposit of ${m.party.id}: ${res.status} ${res.code}`);
    this.receipt(m, items, sent.batchId, res.bytes);
    if (this.rng() < 0.05) {
      const again = await this.send('POST /v1/deposit', 'duplicate batch', '/v1/deposit', { body: sent.envelope });
      if (again.status !== 200 || Buffer.compare(again.bytes, res.bytes) !== 0)
        this.stats.violate(
          `duplicate batch: ${again.status}, ${again.status === 200 ? 'another receipt' : again.code}`,
        );
    }
  }

  /** Two different checks with one purse serial, to two merchants, in two batches in flight at once. */
  async clone(): Promise<void> {
    const p = this.clonePurses.pop();
    if (!p) return;
    this.cloning.add(p.party.id);
    const [m1, m2] = [this.pick(this.merchants), this.pick(this.merchants)] as [MerchantSim, MerchantSim];
    const serial = ++p.serial;
    const a: Item = { bytes: this.sign(p, m1.party.id, 100, serial), expect: 'pair', amount: 100 };
    const b: Item = { bytes: this.sign(p, m2.party.id, 200, serial), expect: 'pair', amount: 200 };
    const one = [a, ...this.honest(m1, 1 + Math.floor(this.rng() * 10))];
    const two = [b, ...this.honest(m2, 1 + Math.floor(this.rng() * 10))];
    const [c1, c2] = await Promise.all([
      this.deposit(m1, one, undefined, 'clone batch'),
      this.deposit(m2, two, undefined, 'clone batch'),
    ]);
    if (!c1 || !c2) return;
    // Both merchants took a bank-certified card by the rules: one check is credited, the clone's is
    // paid under the guarantee (docs/guarantee.md) and the purse revoked with its fraud proof.
    if (c1[0] !== 0 || c2[0] !== 0)
      this.stats.violate(
        `clone of ${p.party.id}: codes ${c1[0]}, ${c2[0]}, expected 0 and 0 (the clone's under the guarantee)`,
      );
    this.tally.clonedPurses.add(p.party.id);
    this.cloning.delete(p.party.id);
    this.revokedClones.push(p);
  }

  /** One merchant's checks in two different batches in flight at once: each credited once, then 308. */
  async race(): Promise<void> {
    const m = this.pick(this.merchants);
    const shared = this.honest(m, 1 + Math.floor(this.rng() * 5)).map((i): Item => ({ ...i, expect: 'pair' }));
    if (!shared.length) return;
    const one = [...shared, ...this.honest(m, Math.floor(this.rng() * 10))];
    const two = [...shared, ...this.honest(m, Math.floor(this.rng() * 10))];
    const [c1, c2] = await Promise.all([
      this.deposit(m, one, undefined, 'race batch'),
      this.deposit(m, two, undefined, 'race batch'),
    ]);
    if (!c1 || !c2) return;
    shared.forEach((_, i) => {
      const pair = [c1[i], c2[i]].sort((x, y) => (x as number) - (y as number));
      if (pair[0] !== 0 || pair[1] !== ErrorCode.DuplicateCheck)
        this.stats.violate(`race: codes ${pair.join(', ')}, expected 0 and 308`);
    });
  }

  /** The very same batch twice at once: both answered with the same receipt, credited once. */
  async concurrentDuplicate(): Promise<void> {
    const m = this.pick(this.merchants);
    const items = this.honest(m, 1 + Math.floor(this.rng() * this.o.batchMax));
    if (!items.length) return;
    const sent = this.envelope(m, items);
    const [r1, r2] = await Promise.all(
      [1, 2].map(() =>
        this.send('POST /v1/deposit', 'same batch twice at once', '/v1/deposit', { body: sent.envelope }),
      ),
    );
    if (r1?.status !== 200 || r2?.status !== 200)
      return void this.stats.violate(`same batch twice at once: ${r1?.status} ${r1?.code}, ${r2?.status} ${r2?.code}`);
    if (Buffer.compare(r1.bytes, r2.bytes) !== 0)
      this.stats.violate('same batch twice at once: two different receipts');
    this.receipt(m, items, sent.batchId, r1.bytes);
  }

  async misc(): Promise<void> {
    const roll = this.rng();
    if (roll < 0.1) await this.revocationList();
    else if (roll < 0.15) await this.health();
    else if (roll < 0.3) await this.loadAgain();
    else if (roll < 0.65) await malformedLoad(this, this.pick(LOAD_ABUSE));
    else await malformedBody(this, this.pick(DEPOSIT_ABUSE));
  }

  /** Every kind of request once, so that even a short run covers them all. */
  async tour(): Promise<void> {
    for (const kind of BATCH_ABUSE) await this.round(kind);
    await this.clone();
    await this.race();
    await this.concurrentDuplicate();
    await this.loadAgain();
    for (const kind of LOAD_ABUSE) await malformedLoad(this, kind);
    for (const kind of DEPOSIT_ABUSE) await malformedBody(this, kind);
    await oversize(this);
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
    // A purse revoked since (cloned) is refused outright, even a request the bank served before;
    // while its clone pair is in flight, either answer is right.
    const id = l.purse.party.id;
    const cloned = this.tally.clonedPurses.has(id);
    if (cloned || this.cloning.has(id)) {
      const r = await this.send('POST /v1/load', 'same request again, purse revoked since', '/v1/load', {
        body: l.envelope,
      });
      const refused = r.status === 422 && r.code === `protocol:${ErrorCode.Revoked}`;
      const served = r.status === 200 && Buffer.compare(r.bytes, l.token) === 0;
      if (!refused && !(served && !cloned))
        this.stats.violate(`load of a revoked purse asked again: ${r.status} ${r.code}, expected 422 protocol:206`);
      return;
    }
    const r = await this.send('POST /v1/load', 'same request again', '/v1/load', { body: l.envelope });
    if (r.status !== 200 || Buffer.compare(r.bytes, l.token) !== 0)
      this.stats.violate(`load asked again: ${r.status} ${r.code}${r.status === 200 ? ', another token' : ''}`);
  }
}

/** Loads every purse, then runs the mixed traffic for `o.seconds`; returns the measurements and the tally. */
export async function runTraffic(
  base: string,
  serverPid: number,
  bank: Bank,
  parties: Parties,
  o: TrafficOptions,
): Promise<TrafficResult> {
  const sim = new Traffic(base, bank, parties, o);
  const cpu0 = process.cpuUsage();
  const server0 = processSample(serverPid);

  // Initial loads, four at a time: honest purses get the full amount, clone purses a little.
  const t0 = performance.now();
  const queue: [PurseSim, number][] = [
    ...sim.purses.map((p): [PurseSim, number] => [p, o.loadAmount]),
    ...sim.clonePurses.map((p): [PurseSim, number] => [p, 10_000]),
  ];
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
        const families = parsePrometheusTextFormat(Buffer.from(r.bytes).toString('utf8'));
        const gauge = (name: string) => {
          const v = families.find((f) => f.name === name)?.metrics[0]?.value;
          if (v === undefined) throw new Error(`no ${name}`);
          return Number(v);
        };
        m = {
          checksPerS: gauge('smartcheck_bank_checks_per_second'),
          queue: gauge('smartcheck_bank_captures_in_progress'),
        };
      } catch {
        sim.stats.violate(`metrics: ${r.status}`);
      }
      if (s && last)
        sim.stats.memory.push({
          t: Math.round((sAt - start) / 100) / 10,
          rssMiB: s.rssMiB,
          cpuPct: Math.round((s.cpuTicks - last.cpuTicks) / ((sAt - lastAt) / 1000)),
          ...(m.checksPerS !== undefined ? { checksPerS: m.checksPerS } : {}),
          ...(m.queue !== undefined ? { queue: m.queue } : {}),
        });
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
