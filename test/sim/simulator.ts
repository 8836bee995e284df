// The simulator's loop: one seeded PRNG picks each operation, its parameters and the faults that
// strike inside it; cheap checks run after every operation, the full checkers every CHECK_EVERY
// operations and after the run, once the network and the merchants have drained.
//
// One operation = one step the scheduler picks: a load, a POS purchase, an Internet purchase, a
// refund, a refund then the refunded check deposited anyway, a deposit, a pair of concurrent
// deposits, a revocation-list refresh, copying a card (a clone), a purchase by a clone, and between
// the banks of the scheme: a bank sending its presentments, a pair closing its settlement cycle, a
// bank refreshing its peers' lists. Faults are injected inside operations and counted apart, never
// as operations.

import { CardError } from '../../src/card/purse.ts';
import type { Terminal } from '../../src/merchant/index.ts';
import { BankUnreachableError } from '../../src/net/bank-link.ts';
import { ShopRejectedError } from '../../src/net/shop-link.ts';
import { makeDeposit } from '../../src/protocol/capture.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { type PendingPayment, type Wallet, WalletError } from '../../src/wallet/index.ts';
import type { SimBank } from './bank.ts';
import { CardTorn, CURRENCY, cloneCard, type SimCard } from './cards.ts';
import { cardCheck, fullCheck, type Ground, InvariantViolation } from './checkers.ts';
import { factsOfReissued } from './facts.ts';
import { FAULT_KINDS, type FaultKind } from './faults.ts';
import { cardPort, hex, paidFromLog, type SimShop, TerminalCrash, TerminalError } from './merchant.ts';
import { buildWorld, DEFAULT_SIZE, type Merchant, restartMerchant, type World, type WorldSize } from './world.ts';

export const OPERATION_DEFINITION =
  "one operation = one scheduler step: a load, a POS purchase, an Internet purchase, a refund (cancel of a terminal's last sale), a refund deposited and its check deposited anyway, a deposit, two concurrent deposits, a revocation-list refresh, copying a card, a purchase by a copy (and by its original), a bank sending its presentments, a settlement close between two banks, or a bank refreshing its peers' lists; faults are counted apart";

const WEIGHTS = {
  load: 10,
  pos: 40,
  web: 12,
  refund: 3,
  redeposit: 2,
  deposit: 12,
  concurrent: 3,
  refresh: 8,
  clone: 0.5,
  cloneSpend: 4,
  present: 6,
  settle: 3,
  peerRefresh: 3,
};
type OpKind = keyof typeof WEIGHTS;
export const CHECK_EVERY = 250;

export interface RunResult {
  seed: number;
  /** Banks in the scheme (the seed picks 2 or 3). */
  banks: number;
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
  /** Checks of copied purses paid under the guarantee, and their sum (the issuer's fraud loss). */
  guaranteedChecks: number;
  fraudLoss: number;
  ms: number;
}

/** A failure inside a run, naming what replays it. */
export class SimulationFailure extends Error {
  constructor(
    readonly seed: number,
    readonly op: number,
    ops: number,
    cause: unknown,
    recent: string[],
  ) {
    super(
      `seed ${seed}, operation ${op}: ${(cause as Error)?.message ?? String(cause)}\nreplay: SIM_SEED=${seed} SIM_OPS=${ops} npx vitest run test/sim\nlast trace lines:\n  ${recent.join('\n  ')}`,
      { cause },
    );
    this.name = 'SimulationFailure';
  }
}

/** Runs one seed; `progress` is told every 2,500 operations (after that point's full check). */
export async function runSimulation(
  seed: number,
  ops: number,
  size: WorldSize = DEFAULT_SIZE,
  progress?: (op: number) => void,
): Promise<RunResult> {
  const started = performance.now();
  const w = await buildWorld(seed, size);
  const ground: Ground = { lost: new Map(), compromised: new Set(), lastSerial: new Map() };
  const opsByKind = Object.fromEntries(Object.keys(WEIGHTS).map((k) => [k, 0])) as Record<OpKind, number>;
  // wall time per operation kind and for the periodic checks: reported, never used for a decision
  const msByKind = Object.fromEntries(
    [...Object.keys(WEIGHTS), 'setup', 'check', 'drain'].map((k) => [k, 0]),
  ) as Record<OpKind | 'setup' | 'check' | 'drain', number>;
  msByKind.setup = performance.now() - started;
  try {
    for (w.op = 1; w.op <= ops; w.op++) {
      w.clock.advance(w.prng.range(0, 30));
      const kind = w.prng.weighted(w.clones.length ? WEIGHTS : { ...WEIGHTS, cloneSpend: 0 });
      opsByKind[kind]++;
      const t0 = performance.now();
      const touched = await step(w, kind, ground);
      for (const card of touched) await cardCheck(w, card, ground);
      const t1 = performance.now();
      msByKind[kind] += t1 - t0;
      if (w.op % CHECK_EVERY === 0) {
        await fullCheck(w, ground, false);
        msByKind.check += performance.now() - t1;
        if (w.op % 2_500 === 0) progress?.(w.op);
      }
    }
    w.op = ops + 1;
    w.trace.add(w.op, 'drain');
    const t2 = performance.now();
    await drain(w);
    const summary = await fullCheck(w, ground, true);
    msByKind.drain = performance.now() - t2;
    const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, w.faults.injected.get(k) ?? 0])) as Record<
      FaultKind,
      number
    >;
    return {
      seed,
      banks: w.banks.length,
      ops,
      traceHash: w.trace.digest(),
      opsByKind,
      msByKind,
      faults,
      ...summary,
      clonedPurses: ground.compromised.size,
      ms: performance.now() - started,
    };
  } catch (error) {
    throw new SimulationFailure(seed, w.op, ops, error, w.trace.recent());
  } finally {
    for (const bank of w.banks) await bank.close();
  }
}

async function step(w: World, kind: OpKind, g: Ground): Promise<SimCard[]> {
  const { prng } = w;
  switch (kind) {
    case 'load': {
      const card = prng.pick(w.cards);
      await load(w, card, g);
      return [card];
    }
    case 'pos': {
      const card = prng.pick(w.cards);
      const m = prng.pick(w.merchants);
      await posSale(w, m, prng.pick(m.terminals), card, g);
      return [card];
    }
    case 'web': {
      const shops = w.merchants.filter((m) => m.shop);
      if (!shops.length) return [];
      const card = prng.pick(w.cards);
      await webSale(w, prng.pick(shops), card, g);
      return [card];
    }
    case 'refund': {
      const m = prng.pick(w.merchants);
      const t = prng.pick(m.terminals);
      const purseId = t.lastSale()?.record.purseId;
      await refund(w, m, t);
      return w.cards.filter((c) => c.purseId === purseId);
    }
    case 'redeposit': {
      const m = prng.pick(w.merchants);
      const t = prng.pick(m.terminals);
      const purseId = t.lastSale()?.record.purseId;
      await refundAndRedeposit(w, m, t);
      return w.cards.filter((c) => c.purseId === purseId);
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
      await m.book.refreshRevocationList();
      const lists = m.book.revocationLists.map(
        (l) => `${l.body.bankId} ${l.body.listNumber} (${l.body.revoked.length})`,
      );
      w.trace.add(w.op, `${m.party.id} lists ${lists.join(', ')}`);
      return [];
    }
    case 'clone': {
      // at most a quarter of the cards are ever copied: the rest keep the genuine accounting going
      const candidates = w.cards.filter((c) => !g.compromised.has(c.purseId));
      if (g.compromised.size >= Math.floor(w.cards.length / 4) || !candidates.length) return [];
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
      await posSale(w, m, prng.pick(m.terminals), clone, g);
      // the original spends too, elsewhere: two checks with one serial are now out there
      // elsewhere is often another acquirer: its issuer must catch the two across acquirers
      const original = clone.cloneOf as SimCard;
      const abroad = w.merchants.filter((x) => x.bank !== m.bank);
      const other = prng.chance(0.75) ? prng.pick(abroad) : prng.pick(w.merchants);
      await posSale(w, other, prng.pick(other.terminals), original, g);
      return [clone, original];
    }
    case 'present': {
      // the schedule of one process of a bank (presentEveryS): its outbox sent, the answers applied
      const bank = prng.pick(w.banks);
      await w.interbank.send(bank, prng.pick(bank.processes));
      return [];
    }
    case 'settle': {
      const x = prng.pick(w.banks);
      await w.interbank.settle(x, prng.pick(w.banks.filter((b) => b !== x)));
      return [];
    }
    case 'peerRefresh': {
      const bank = prng.pick(w.banks);
      await w.interbank.refresh(bank, prng.pick(bank.processes));
      return [];
    }
  }
}

/**
 * A cardholder's Wallet loads value: request, bank, token. After a torn card, a lost or damaged
 * reply, the wallet's recoverLoads sends the card's outstanding requests again until none is left.
 */
async function load(w: World, card: SimCard, g: Ground): Promise<void> {
  const { prng, faults } = w;
  const wallet = w.wallets.get(card) as Wallet;
  const amount = prng.range(1, 60) * 5_000;
  try {
    const r = await card.run(prng, faults, () => wallet.load(amount));
    w.trace.add(w.op, `load ${card.name} ${amount} -> ${r.balance}`);
    return;
  } catch (error) {
    if (error instanceof ProtocolError && !isTransient(error) && g.compromised.has(card.purseId)) {
      w.trace.add(w.op, `load ${card.name} bank refused ${error.code}`); // a revoked purse: nothing moved
      return;
    }
    // a card refusal (a limit, or a damaged token), a torn card, a lost reply: whatever is outstanding is sent again
    if (!isTransient(error) && !(error instanceof CardError)) throw error;
    w.trace.add(
      w.op,
      `load ${card.name} ${amount} ${error instanceof CardError ? `card refused ${error.code}` : `interrupted (${(error as Error).name})`}`,
    );
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    if (!(await hasOutstanding(w, card))) {
      w.trace.add(w.op, `load ${card.name} recovered (attempts ${attempt})`);
      return;
    }
    let results: Awaited<ReturnType<Wallet['recoverLoads']>>;
    try {
      results = await card.run(prng, faults, () => wallet.recoverLoads());
    } catch (error) {
      if (error instanceof CardTorn) continue;
      throw error;
    }
    for (const r of results) {
      if (!r.error || isTransient(r.error) || r.error instanceof CardError) continue;
      if (r.error instanceof ProtocolError && g.compromised.has(card.purseId)) {
        w.trace.add(w.op, `load ${card.name} bank refused ${r.error.code}`);
        return;
      }
      throw r.error;
    }
  }
  throw new Error(`load on ${card.name} did not complete in 100 attempts`);
}

/** A failure after which the wallet just tries again: the card torn, the bank's reply lost, a damaged token. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof CardTorn ||
    error instanceof BankUnreachableError ||
    (error instanceof ProtocolError && (error.code < 200 || error.code === ErrorCode.EnvelopeOpenFailed))
  );
}

async function hasOutstanding(w: World, card: SimCard): Promise<boolean> {
  for (;;) {
    try {
      return (await card.run(w.prng, w.faults, (c) => c.outstandingLoads())).length > 0;
    } catch (error) {
      if (!(error instanceof CardTorn)) throw error;
    }
  }
}

/** One sale at a POS terminal, with a crash of the merchant's process armed at its journal. */
async function posSale(w: World, m: Merchant, t: Terminal, card: SimCard, g: Ground): Promise<void> {
  const { prng, faults } = w;
  const amount = await saleAmount(w, card);
  const where = `${m.party.id}/${t.terminalId}`;
  m.store.crashAt = faults.decide('terminal-crash-before-store')
    ? 'before'
    : faults.decide('terminal-crash-after-store')
      ? 'after'
      : undefined;
  try {
    const sale = await t.sell(cardPort(card, prng, faults), amount);
    w.trace.add(w.op, `sale ${card.name} ${where} ${amount} serial ${sale.serial} ${hex(sale.checkHash).slice(0, 16)}`);
    return;
  } catch (error) {
    if (error instanceof TerminalCrash) {
      faults.count(error.when === 'before' ? 'terminal-crash-before-store' : 'terminal-crash-after-store');
      await restartMerchant(w, m);
      const restarted = m.terminals.find((x) => x.terminalId === t.terminalId) as Terminal;
      if (prng.chance(0.8)) {
        // the customer's card is still in the reader: the restarted terminal recovers the sale
        const r = await recoverSale(w, m, t.terminalId, card);
        w.trace.add(w.op, `sale ${card.name} ${where} ${amount} crashed ${error.when}, ${r}`);
      } else {
        await walkedAway(w, m, restarted, card, g);
        w.trace.add(w.op, `sale ${card.name} ${where} ${amount} crashed ${error.when}, card gone`);
      }
      return;
    }
    if (!(error instanceof TerminalError)) throw error;
    if (error.kind === 'card_interrupted') {
      const r = await recoverSale(w, m, t.terminalId, card);
      w.trace.add(w.op, `sale ${card.name} ${where} ${amount} torn, ${r}`);
      return;
    }
    w.trace.add(
      w.op,
      `sale ${card.name} ${where} ${amount} ${error.kind} ${error.code ?? error.sw?.toString(16) ?? ''}`,
    );
    // refused after the card paid (a check damaged on its way, a revoked purse on a stale list…): the value stays in the card's log
    if (error.kind === 'check_refused' && error.verdict) await walkedAway(w, m, t, card, g);
  } finally {
    m.store.crashAt = undefined;
  }
}

/** The card is presented again until the terminal knows how its interrupted sale ended (the merchant's process may crash again meanwhile). */
async function recoverSale(w: World, m: Merchant, terminalId: string, card: SimCard): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const t = m.terminals.find((x) => x.terminalId === terminalId) as Terminal;
    // no open slip of this card: torn before its slip was journalled, or the check was stored before the crash
    if (!t.interrupted().some((s) => s.record.purseId === card.purseId)) return 'no open slip for this card';
    try {
      const r = await t.recover(cardPort(card, w.prng, w.faults));
      return `${r.status}${r.sale ? ` serial ${r.sale.serial}` : ''}${r.others.length ? ` (+${r.others.map((o) => o.status).join(',')})` : ''}`;
    } catch (error) {
      if (error instanceof TerminalError && error.kind === 'card_interrupted') continue;
      if (error instanceof TerminalCrash) {
        w.faults.count(error.when === 'before' ? 'terminal-crash-before-store' : 'terminal-crash-after-store');
        await restartMerchant(w, m);
        continue;
      }
      throw error;
    }
  }
  throw new Error(`recovery at ${terminalId} interrupted 50 times`);
}

/**
 * The sale ended without the check in the book (the customer left with the card, or the check was
 * refused after payment): the simulator's ground truth asks the card whether it paid the slip, and
 * a paid check no book holds is counted as lost (it stays in the card's log).
 */
async function walkedAway(w: World, m: Merchant, t: Terminal, card: SimCard, g: Ground): Promise<void> {
  const intent = m.book.slip(t.terminalId, m.book.lastTerminalTxId(t.terminalId));
  if (!intent) return;
  const bytes = await paidFromLog(card, intent.record.slipHash, w.prng, w.faults);
  if (!bytes) return;
  const facts = factsOfReissued(bytes);
  if (!m.book.entry(Buffer.from(facts.hash, 'hex'))) g.lost.set(facts.hash, facts);
}

async function saleAmount(w: World, card: SimCard): Promise<number> {
  const { prng } = w;
  const status = await card.card.status();
  // mostly what the card can pay; sometimes more (the card refuses)
  return prng.chance(0.9) && status.balance > 0
    ? prng.range(1, Math.min(status.balance, 150_000))
    : prng.range(1, 200_000);
}

/**
 * One Internet sale: the cardholder's Wallet pays the shop's order (slip, card, approving
 * signature, sealed check), with a crash of the shop's process armed at its journal. A payment the
 * card signed and the shop did not confirm is resumed (the same sealed check again) until the shop
 * confirms or refuses it for good.
 */
async function webSale(w: World, m: Merchant, card: SimCard, g: Ground): Promise<void> {
  const { prng, faults } = w;
  const shop = m.shop as SimShop;
  const wallet = w.wallets.get(card) as Wallet;
  const amount = await saleAmount(w, card);
  const where = `${m.party.id}/web`;
  m.store.crashAt = faults.decide('terminal-crash-before-store')
    ? 'before'
    : faults.decide('terminal-crash-after-store')
      ? 'after'
      : undefined;
  try {
    const ordersBefore = shop.orders.size;
    let pendingOrder: string | undefined;
    try {
      const r = await card.run(prng, faults, () =>
        wallet.payInternet(shop, { item: 'sim', amount, currency: CURRENCY }),
      );
      w.trace.add(w.op, `sale ${card.name} ${where} ${amount} serial ${r.serial} ${r.checkId.slice(0, 16)}`);
      return;
    } catch (error) {
      if (error instanceof WalletError && error.code === 'payment_incomplete') {
        pendingOrder = (error as WalletError & { pending: PendingPayment }).pending.orderId;
        await afterShopFailure(w, m, error.cause);
      } else if (error instanceof CardTorn) {
        // torn inside INTERNET CHECK: the wallet holds nothing; if the card signed, the value is only in its log
        const order = shop.orders.size > ordersBefore ? [...shop.orders.values()].at(-1) : undefined;
        const bytes = order ? await paidFromLog(card, order.verified.hash, prng, faults) : undefined;
        if (bytes) {
          const facts = factsOfReissued(bytes);
          if (!m.book.entry(Buffer.from(facts.hash, 'hex'))) g.lost.set(facts.hash, facts);
        }
        w.trace.add(
          w.op,
          `sale ${card.name} ${where} ${amount} torn${bytes ? `, signed serial ${factsOfReissued(bytes).serial}: lost to the wallet` : ', not charged'}`,
        );
        return;
      } else if (
        error instanceof CardError ||
        error instanceof ProtocolError ||
        error instanceof ShopRejectedError ||
        error instanceof WalletError
      ) {
        w.trace.add(
          w.op,
          `sale ${card.name} ${where} ${amount} refused ${error instanceof ShopRejectedError ? error.code : error instanceof WalletError ? error.code : (error as CardError | ProtocolError).code}`,
        );
        return;
      } else throw error;
    }
    for (let attempt = 0; attempt < 30; attempt++) {
      try {
        const r = await card.run(prng, faults, () => wallet.resumePayment(shop, pendingOrder as string));
        w.trace.add(
          w.op,
          `sale ${card.name} ${where} ${amount} serial ${r.serial} ${r.checkId.slice(0, 16)} (resumed ${attempt + 1})`,
        );
        return;
      } catch (error) {
        if (error instanceof CardTorn) continue;
        if (!(error instanceof WalletError && error.code === 'payment_incomplete')) throw error;
        const cause = error.cause;
        if (refusedForGood(cause)) {
          // refused for good (a revoked purse on the shop's list, a limit): the card signed; the check stays in its log
          const pending = wallet.pendingPayments().find((p) => p.orderId === pendingOrder);
          if (pending)
            g.lost.set(pending.checkId, {
              hash: pending.checkId,
              purseId: card.purseId,
              serial: pending.serial,
              amount: pending.amount,
            });
          w.trace.add(
            w.op,
            `sale ${card.name} ${where} ${amount} refused after signing ${(cause as ShopRejectedError).code}`,
          );
          return;
        }
        await afterShopFailure(w, m, cause);
      }
    }
    throw new Error(`payment of ${pendingOrder} not confirmed after 30 attempts`);
  } finally {
    m.store.crashAt = undefined;
  }
}

/** The shop refused the check itself (revoked, a limit, a duplicate), not bytes damaged on the way. */
function refusedForGood(cause: unknown): boolean {
  if (!(cause instanceof ShopRejectedError)) return false;
  if (cause.status === 409) return true;
  return (
    typeof cause.code === 'number' && (cause.code === ErrorCode.Revoked || (cause.code >= 300 && cause.code < 400))
  );
}

/** The shop's process crashed while recording a check: it restarts from its journal. */
async function afterShopFailure(w: World, m: Merchant, cause: unknown): Promise<void> {
  if (cause instanceof TerminalCrash) {
    w.faults.count(cause.when === 'before' ? 'terminal-crash-before-store' : 'terminal-crash-after-store');
    await restartMerchant(w, m);
  }
}

/** The terminal cancels its last sale: a refund to the card, the check voided (retried while the card is interrupted). */
async function refund(w: World, m: Merchant, t: Terminal): Promise<void> {
  const last = t.lastSale();
  if (last?.status !== 'pending') return;
  const card = w.cards.find((c) => c.purseId === last.record.purseId);
  if (!card) return;
  if (card.bankId !== m.bank.id) {
    // an acquirer does not pass a refund on to the issuer yet (src/bank/interbank/README.md, Not yet)
    w.trace.add(w.op, `refund ${card.name} ${m.party.id}/${t.terminalId}: a card of ${card.bankId}, not refunded`);
    return;
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const r = await t.cancelLast(cardPort(card, w.prng, w.faults));
      w.trace.add(
        w.op,
        `refund ${card.name} ${m.party.id}/${t.terminalId} ${r.amount} serial ${last.record.serial}${r.balance !== undefined ? ` -> ${r.balance}` : ' (already applied)'}`,
      );
      return;
    } catch (error) {
      if (!(error instanceof TerminalError)) throw error;
      if (error.kind === 'card_interrupted') continue;
      w.trace.add(
        w.op,
        `refund ${card.name} ${m.party.id}/${t.terminalId} serial ${last.record.serial} ${error.kind} ${error.code ?? ''}`,
      );
      return;
    }
  }
  throw new Error(`refund at ${t.terminalId} interrupted 50 times`);
}

/**
 * A merchant refunds the last sale to the card, deposits (its book sends the refund first), then
 * deposits the refunded check anyway, in a batch of its own outside its book (a dishonest or
 * confused merchant). Once the bank has answered the refund, that check must be refused with 322.
 */
async function refundAndRedeposit(w: World, m: Merchant, t: Terminal): Promise<void> {
  const last = t.lastSale();
  if (last?.status !== 'pending') return;
  if (w.cards.find((c) => c.purseId === last.record.purseId)?.bankId !== m.bank.id) return; // refunds stay on-us (refund())
  await refund(w, m, t);
  await deposit(w, m);
  const e = m.book.entry(last.record.checkHash);
  if (e?.status !== 'voided' || !e.refundDeposited || e.refundDeposited.outcome === 'refused') return;
  const batchId = crypto.getRandomValues(new Uint8Array(16));
  const envelope = makeDeposit(m.party, m.book.bankCertificate, [e.record.check], batchId, w.clock.now);
  const p = w.prng.pick(m.bank.processes);
  const code = (await p.service.deposit(envelope)).outcomes[0]?.code;
  w.trace.add(w.op, `${m.party.id} redeposits refunded ${last.record.purseId}/${last.record.serial}: ${code}`);
  if (code !== ErrorCode.CheckRefunded)
    throw new InvariantViolation(
      `refunded check ${last.record.purseId}/${last.record.serial} deposited again: code ${code}, not ${ErrorCode.CheckRefunded}`,
    );
}

async function deposit(w: World, m: Merchant): Promise<void> {
  try {
    const r = await m.book.deposit();
    for (const x of r.refunds)
      w.trace.add(w.op, `${m.party.id} refund ${x.purseId}/${x.serial} ${x.outcome} ${x.code} debited ${x.debited}`);
    if (!r.outcomes.length) return;
    const credited = r.outcomes.filter((o) => o.credited > 0).length;
    w.trace.add(
      w.op,
      `${m.party.id} deposit ${r.outcomes.length} checks in ${r.batches.length} batches, ${credited} credited [${r.outcomes.map((o) => o.code).join(',')}]`,
    );
  } catch (error) {
    if (
      error instanceof TerminalError &&
      (error.kind === 'bank_unreachable' || error.kind === 'bank_rejected' || error.kind === 'bad_receipt')
    ) {
      w.trace.add(w.op, `${m.party.id} deposit failed ${error.kind} ${error.code ?? ''}`);
      return;
    }
    throw error;
  }
}

/**
 * End of the run: the network delivers what it held; every bank relays its peers' lists; then, in
 * rounds, every merchant with anything pending (a check, a refund, a check presented to its
 * issuer) deposits once, and every bank with unanswered presentments sends them, until nothing is
 * pending anywhere; then every pair of banks closes its settlement until neither has anything to
 * settle; last, the lists again, so that each issuer's revocations reach every terminal.
 */
async function drain(w: World): Promise<void> {
  for (const link of w.walletLinks.values()) await link.flush();
  for (const m of w.merchants) await m.link.flush();
  await refreshLists(w);
  for (let round = 0; ; round++) {
    const busy = w.merchants.filter(
      (m) => m.book.pending().length + m.book.pendingRefunds().length + m.book.presented().length > 0,
    );
    const outboxes: SimBank[] = [];
    for (const bank of w.banks) if ((await unanswered(bank)) > 0) outboxes.push(bank);
    if (!busy.length && !outboxes.length) break;
    if (round >= 500)
      throw new Error(
        `drain: after 500 rounds, merchants ${busy.map((m) => m.party.id).join(',')} still pending, outboxes of ${outboxes.map((b) => b.id).join(',')} not empty`,
      );
    for (const m of busy) {
      await deposit(w, m);
      await m.link.flush();
    }
    for (const bank of outboxes) await w.interbank.send(bank, w.prng.pick(bank.processes));
  }
  for (const [i, x] of w.banks.entries())
    for (const y of w.banks.slice(i + 1)) {
      // until both sides have nothing left: a proposal either side left open is agreed first
      for (let attempt = 0; ; attempt++) {
        if (attempt >= 100) throw new Error(`drain: settlement between ${x.id} and ${y.id} not done after 100 closes`);
        const a = await w.interbank.settle(x, y);
        const b = await w.interbank.settle(y, x);
        if (a.nothing && b.nothing) break;
      }
    }
  await refreshLists(w);
}

/** Every bank relays its peers' current lists (again until no peer fails), then every merchant refreshes. */
async function refreshLists(w: World): Promise<void> {
  for (const bank of w.banks)
    for (let attempt = 0; ; attempt++) {
      if (attempt >= 100) throw new Error(`drain: ${bank.id} could not fetch its peers' lists in 100 attempts`);
      const r = await w.interbank.refresh(bank, w.prng.pick(bank.processes));
      if (r.every((x) => x.error === undefined)) break;
    }
  for (const m of w.merchants) await m.book.refreshRevocationList();
}

async function unanswered(bank: SimBank): Promise<number> {
  const [row] = await bank.db.query<{ n: number }>('select count(*)::int as n from presentments where answer is null');
  return Number(row?.n ?? 0);
}

export function formatSummary(results: RunResult[]): string {
  const sum = <K extends keyof RunResult>(k: K) => results.reduce((s, r) => s + (r[k] as number), 0);
  const faults = new Map<string, number>();
  for (const r of results) for (const [k, v] of Object.entries(r.faults)) faults.set(k, (faults.get(k) ?? 0) + v);
  const ms = sum('ms');
  return (
    `sim: ${results.length} seeds [${results.map((r) => `${r.seed} (${r.banks} banks)`).join(', ')}], ${sum('ops')} operations (${Math.round((sum('ops') / ms) * 1000)} ops/s), ` +
    `faults ${[...faults].map(([k, v]) => `${k}=${v}`).join(' ')}, checks captured ${sum('checksCaptured')} (value ${sum('valueCaptured')}), ` +
    `cloned purses ${sum('clonedPurses')}, clones caught ${sum('clonesCaught')} (fraud proofs ${sum('fraudProofs')}), ` +
    `guaranteed ${sum('guaranteedChecks')} checks (fraud loss ${sum('fraudLoss')})`
  );
}
