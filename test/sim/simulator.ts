// The simulator's loop: one seeded PRNG picks each operation, its parameters and the faults that
// strike inside it; cheap checks run after every operation, the full checkers every CHECK_EVERY
// operations and after the run, once the network and the merchants have drained.
//
// One operation = one step the scheduler picks: a load, a POS purchase, an Internet purchase, a
// deposit, a pair of concurrent deposits, a revocation-list refresh, copying a card (a clone), or a
// purchase by a clone. Faults are injected inside operations and counted apart, never as operations.
import { seal as sealEnvelope } from '../../src/protocol/envelope.ts';
import { ProtocolError } from '../../src/protocol/errors.ts';
import { MessageType } from '../../src/protocol/registry.ts';
import { CardError } from '../../src/card/purse.ts';
import { BankUnreachableError } from '../../src/net/bank-link.ts';
import { FaultyLink, codeOf } from './bank.ts';
import { CardTorn, cloneCard, type SimCard } from './cards.ts';
import { fullCheck, cardCheck, type Ground } from './checkers.ts';
import { factsOfReissued } from './facts.ts';
import { FAULT_KINDS, type FaultKind } from './faults.ts';
import { paidFromLog, type SaleResult, type Terminal } from './merchant.ts';
import { buildWorld, restartMerchant, type Merchant, type World, type WorldSize, DEFAULT_SIZE } from './world.ts';

export const OPERATION_DEFINITION =
  'one operation = one scheduler step: a load, a POS purchase, an Internet purchase, a deposit, two concurrent deposits, a revocation-list refresh, copying a card, or a purchase by a copy; faults are counted apart';

const WEIGHTS = { load: 10, pos: 40, web: 12, deposit: 12, concurrent: 3, refresh: 8, clone: 0.5, cloneSpend: 4 };
type OpKind = keyof typeof WEIGHTS;
export const CHECK_EVERY = 250;

export interface RunResult {
  seed: number;
  ops: number;
  traceHash: string;
  opsByKind: Record<OpKind, number>;
  msByKind: Record<string, number>;
  faults: Record<FaultKind, number>;
  checksCaptured: number;
  valueCaptured: number;
  clonedPurses: number;
  clonesCaught: number;
  fraudProofs: number;
  ms: number;
}

/** A failure inside a run, naming what replays it. */
export class SimulationFailure extends Error {
  constructor(
    readonly seed: number,
    readonly op: number,
    cause: unknown,
    recent: string[],
  ) {
    super(`seed ${seed}, operation ${op}: ${(cause as Error)?.message ?? String(cause)}\nreplay: SIM_SEED=${seed} npx vitest run test/sim\nlast trace lines:\n  ${recent.join('\n  ')}`, { cause });
    this.name = 'SimulationFailure';
  }
}

export async function runSimulation(seed: number, ops: number, size: WorldSize = DEFAULT_SIZE): Promise<RunResult> {
  const started = performance.now();
  const w = await buildWorld(seed, size);
  const ground: Ground = { lost: new Map(), compromised: new Set(), lastSerial: new Map() };
  const wallet = new FaultyLink(w.bank, w.prng, w.faults, w.trace, () => w.op, 'wallet');
  const opsByKind = Object.fromEntries(Object.keys(WEIGHTS).map((k) => [k, 0])) as Record<OpKind, number>;
  // wall time per operation kind and for the periodic checks: reported, never used for a decision
  const msByKind = Object.fromEntries([...Object.keys(WEIGHTS), 'setup', 'check', 'drain'].map((k) => [k, 0])) as Record<OpKind | 'setup' | 'check' | 'drain', number>;
  msByKind.setup = performance.now() - started;
  try {
    for (w.op = 1; w.op <= ops; w.op++) {
      w.clock.advance(w.prng.range(0, 30));
      const kind = w.prng.weighted(w.clones.length ? WEIGHTS : { ...WEIGHTS, cloneSpend: 0 });
      opsByKind[kind]++;
      const t0 = performance.now();
      const touched = await step(w, kind, wallet, ground);
      for (const card of touched) await cardCheck(w, card, ground);
      const t1 = performance.now();
      msByKind[kind] += t1 - t0;
      if (w.op % CHECK_EVERY === 0) {
        await fullCheck(w, ground, false);
        msByKind.check += performance.now() - t1;
      }
    }
    w.op = ops + 1;
    w.trace.add(w.op, 'drain');
    const t2 = performance.now();
    await drain(w, wallet);
    const summary = await fullCheck(w, ground, true);
    msByKind.drain = performance.now() - t2;
    const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, w.faults.injected.get(k) ?? 0])) as Record<FaultKind, number>;
    return { seed, ops, traceHash: w.trace.digest(), opsByKind, msByKind, faults, ...summary, clonedPurses: ground.compromised.size, ms: performance.now() - started };
  } catch (error) {
    throw new SimulationFailure(seed, w.op, error, w.trace.recent());
  } finally {
    await w.bank.close();
  }
}

async function step(w: World, kind: OpKind, wallet: FaultyLink, g: Ground): Promise<SimCard[]> {
  const { prng } = w;
  switch (kind) {
    case 'load': {
      const card = prng.pick(w.cards);
      await load(w, card, wallet, g);
      return [card];
    }
    case 'pos': {
      const card = prng.pick(w.cards);
      const m = prng.pick(w.merchants);
      await sale(w, m, prng.pick(m.terminals), card, g);
      return [card];
    }
    case 'web': {
      const shops = w.merchants.filter((m) => m.shop);
      if (!shops.length) return [];
      const card = prng.pick(w.cards);
      await sale(w, prng.pick(shops), 'shop', card, g);
      return [card];
    }
    case 'deposit':
      await deposit(w, prng.pick(w.merchants));
      return [];
    case 'concurrent': {
      // two merchants deposit at once, each to a process the link picks: the bank processes interleave
      const a = prng.pick(w.merchants);
      const b = prng.pick(w.merchants.filter((m) => m !== a));
      await Promise.all([deposit(w, a), deposit(w, b)]);
      return [];
    }
    case 'refresh': {
      const m = prng.pick(w.merchants);
      if (w.faults.strike('stale-revocation-list')) {
        w.trace.add(w.op, `${m.party.id} list refresh skipped (stale)`);
        return [];
      }
      const n = await m.book.refreshRevocationList();
      w.trace.add(w.op, `${m.party.id} list ${n} (${m.book.revocationList?.revoked.length ?? 0} revoked)`);
      return [];
    }
    case 'clone': {
      const candidates = w.cards.filter((c) => !g.compromised.has(c.purseId));
      if (!candidates.length) return [];
      const of = prng.pick(candidates);
      const clone = await cloneCard(of, `${of.name}-copy${w.clones.length}`);
      w.clones.push(clone);
      g.compromised.add(of.purseId);
      w.faults.count('clone-card');
      w.trace.add(w.op, `clone ${of.name} (${of.purseId})`);
      return [clone];
    }
    case 'cloneSpend': {
      const clone = prng.pick(w.clones);
      const m = prng.pick(w.merchants);
      await sale(w, m, prng.pick(m.terminals), clone, g);
      // the original spends too, elsewhere: two checks with one serial are now out there
      const original = clone.cloneOf as SimCard;
      const other = prng.pick(w.merchants);
      await sale(w, other, prng.pick(other.terminals), original, g);
      return [clone, original];
    }
  }
}

/** A cardholder's wallet loads value: request, bank, token; retried until the card holds no outstanding load. */
async function load(w: World, card: SimCard, link: FaultyLink, g: Ground): Promise<void> {
  const { prng, faults } = w;
  const amount = prng.range(1, 60) * 5_000;
  let first: Uint8Array | undefined;
  try {
    first = await card.run(prng, faults, (c) => c.loadRequest(amount, w.clock.now));
  } catch (error) {
    if (error instanceof CardError) {
      w.trace.add(w.op, `load ${card.name} ${amount} card refused ${error.code || error.sw.toString(16)}`);
      return;
    }
    if (!(error instanceof CardTorn)) throw error;
  }
  const kx = (w.bank.service.bank.party.kx as { publicKey: Uint8Array }).publicKey;
  for (let attempt = 0; attempt < 100; attempt++) {
    let request = first;
    first = undefined;
    if (!request) {
      let outstanding;
      try {
        outstanding = await card.run(prng, faults, (c) => c.outstandingLoads());
      } catch (error) {
        if (error instanceof CardTorn) continue;
        throw error;
      }
      if (outstanding.length === 0) {
        w.trace.add(w.op, `load ${card.name} done (attempts ${attempt})`);
        return;
      }
      try {
        request = await card.run(prng, faults, (c) => c.resendLoadRequest((outstanding[0] as { counter: number }).counter));
      } catch (error) {
        if (error instanceof CardTorn) continue;
        throw error;
      }
    }
    let token: Uint8Array;
    try {
      token = await link.load(sealEnvelope(MessageType.ValueTokenRequest, kx, request));
    } catch (error) {
      if (error instanceof BankUnreachableError) continue;
      // a revoked (copied) purse: the bank refuses, nothing moved; the request stays outstanding on the card
      if (error instanceof ProtocolError && g.compromised.has(card.purseId)) {
        w.trace.add(w.op, `load ${card.name} bank refused ${error.code}`);
        return;
      }
      throw error;
    }
    try {
      const balance = await card.run(prng, faults, (c) => c.applyToken(token, w.clock.now));
      w.trace.add(w.op, `load ${card.name} applied -> ${balance}`);
    } catch (error) {
      if (error instanceof CardError) w.trace.add(w.op, `load ${card.name} token refused ${error.code}`);
      else if (!(error instanceof CardTorn)) throw error;
    }
  }
  throw new Error(`load on ${card.name} did not complete in 100 attempts`);
}

/** One sale at a terminal or a shop, with a crash of the merchant's process armed at its journal. */
async function sale(w: World, m: Merchant, at: Terminal | 'shop', card: SimCard, g: Ground): Promise<void> {
  const { prng, faults } = w;
  const status = await card.card.status();
  // mostly what the card can pay; sometimes more (the card refuses)
  const amount = prng.chance(0.9) && status.balance > 0 ? prng.range(1, Math.min(status.balance, 150_000)) : prng.range(1, 200_000);
  const crash = faults.decide('terminal-crash-before-store') ? 'before' : faults.decide('terminal-crash-after-store') ? 'after' : undefined;
  m.journal.crashAt = crash;
  const holder = w.cardholders.get(card.cardholderId);
  const where = at === 'shop' ? `${m.party.id}/web` : `${m.party.id}/${at.terminalId}`;
  let r: SaleResult;
  try {
    r = at === 'shop' ? await (m.shop as NonNullable<Merchant['shop']>).sell(card, holder!, amount, prng, faults) : await at.sell(card, amount, prng, faults);
  } finally {
    m.journal.crashAt = undefined;
  }
  if (r.status === 'sold') w.trace.add(w.op, `sale ${card.name} ${where} ${amount} serial ${r.entry.serial} ${r.entry.hash.slice(0, 16)}${r.recovered ? ' recovered' : ''}`);
  else if (r.status === 'card-refused') w.trace.add(w.op, `sale ${card.name} ${where} ${amount} card refused ${r.code || r.sw.toString(16)}`);
  else if (r.status === 'refused') {
    w.trace.add(w.op, `sale ${card.name} ${where} ${amount} refused ${r.code}${r.paid ? ` after payment serial ${r.paid.serial}` : ''}`);
    if (r.paid) g.lost.set(r.paid.hash, { hash: r.paid.hash, purseId: r.paid.purseId, serial: r.paid.serial, amount: r.paid.amount });
  } else {
    faults.count(r.when === 'before' ? 'terminal-crash-before-store' : 'terminal-crash-after-store');
    restartMerchant(w, m);
    const recoverer = at === 'shop' ? (m.shop as NonNullable<Merchant['shop']>) : at;
    const slip = recoverer.inProgress;
    if (prng.chance(0.8)) {
      const rec = at === 'shop' ? await (m.shop as NonNullable<Merchant['shop']>).recover(card, holder!, prng, faults) : await at.recover(card, prng, faults);
      w.trace.add(w.op, `sale ${card.name} ${where} ${amount} crashed ${r.when}, ${rec.status}${rec.entry ? ` serial ${rec.entry.serial}` : ''}`);
    } else {
      // the customer left with the card: the check, if the card signed it, stays only in the card's log
      recoverer.inProgress = undefined;
      const bytes = slip ? await paidFromLog(card, slip.verified.hash, prng, faults) : undefined;
      const facts = bytes ? factsOfReissued(bytes) : undefined;
      if (facts && !m.book.checks.has(facts.hash)) g.lost.set(facts.hash, facts);
      w.trace.add(w.op, `sale ${card.name} ${where} ${amount} crashed ${r.when}, card gone${facts ? ` (${m.book.checks.has(facts.hash) ? 'stored' : 'lost'} serial ${facts.serial})` : ''}`);
    }
  }
}

async function deposit(w: World, m: Merchant): Promise<void> {
  try {
    const r = await m.book.deposit();
    if (!r) return;
    const credited = r.outcomes.filter((o) => o.credited > 0).length;
    w.trace.add(w.op, `${m.party.id} deposit ${r.outcomes.length} checks, ${credited} credited${r.resent ? ' (resent)' : ''} [${r.outcomes.map((o) => o.code).join(',')}]`);
  } catch (error) {
    if (error instanceof BankUnreachableError || error instanceof ProtocolError) {
      w.trace.add(w.op, `${m.party.id} deposit failed ${codeOf(error instanceof BankUnreachableError && error.cause instanceof ProtocolError ? error.cause : error)}`);
      return;
    }
    throw error;
  }
}

/** End of the run: the network delivers what it held, every merchant refreshes and deposits until nothing is pending. */
async function drain(w: World, wallet: FaultyLink): Promise<void> {
  await wallet.flush();
  for (const m of w.merchants) await m.link.flush();
  for (const m of w.merchants) {
    await m.book.refreshRevocationList();
    for (let attempt = 0; m.book.pending().length > 0; attempt++) {
      if (attempt > 500) throw new Error(`${m.party.id}: ${m.book.pending().length} checks still pending after 500 deposits`);
      await deposit(w, m);
      await m.link.flush();
    }
  }
}

export function formatSummary(results: RunResult[]): string {
  const sum = <K extends keyof RunResult>(k: K) => results.reduce((s, r) => s + (r[k] as number), 0);
  const faults = new Map<string, number>();
  for (const r of results) for (const [k, v] of Object.entries(r.faults)) faults.set(k, (faults.get(k) ?? 0) + v);
  const ms = sum('ms');
  return (
    `sim: ${results.length} seeds [${results.map((r) => r.seed).join(',')}], ${sum('ops')} operations (${Math.round((sum('ops') / ms) * 1000)} ops/s), ` +
    `faults ${[...faults].map(([k, v]) => `${k}=${v}`).join(' ')}, checks captured ${sum('checksCaptured')} (value ${sum('valueCaptured')}), ` +
    `cloned purses ${sum('clonedPurses')}, clones caught ${sum('clonesCaught')} (fraud proofs ${sum('fraudProofs')})`
  );
}
