// The checkers. After every operation, on the cards it touched: balance + spent = loaded, and the
// serial never goes back. Every CHECK_EVERY operations and after the run, everything:
// - the ledger balances (checkInvariants) and, after the run, the audit from signed evidence is clean;
// - value: per genuine purse, loaded at the bank = loaded on the card = balance + checks not yet
//   deposited (held by terminals and shops) + checks signed but lost (only in the card's log) +
//   captured + refunded, every term read from the component that holds it;
// - serials: the checks of a genuine purse (held anywhere or lost) carry exactly the serials
//   1..card serial, each once: unique and strictly increasing;
// - no check credited twice: one credit per check across all receipts, the bank's credited rows are
//   checks some merchant deposited, each merchant's ledger balance is the sum of its receipts' credits;
// - refunds: every check refunded to a card is never credited; after the run its merchant-signed
//   refund is at the bank (refunds), and a refund the bank answered is stored there;
// - clones: every check the bank called a clone has fraud evidence whose proof verifies, and every
//   copied purse whose two checks of one serial both reached the bank is revoked (on the signed list);
// - the guarantee (docs/guarantee.md): an honest merchant (its terminals follow the rules) never
//   loses a check of a copied purse, except past that purse's guarantee limit; the bank pays under
//   the guarantee only for copied purses, and per purse never more than its certificate allowed
//   offline (maxOfflineAmount in maxOfflineChecks checks of at most maxPerCheck).
import { audit } from '../../src/bank/audit/index.ts';
import { balance, checkInvariants } from '../../src/bank/ledger.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { verifyFraudProof } from '../../src/protocol/fraud.ts';
import { verifyRevocationList } from '../../src/protocol/revocation.ts';
import { CURRENCY, LIMITS, type SimCard } from './cards.ts';
import type { CheckFacts } from './facts.ts';
import { type HeldCheck, heldChecks, hex } from './merchant.ts';
import type { World } from './world.ts';

/** What only the simulator knows: checks no merchant holds, purses copied, serials seen per card. */
export interface Ground {
  lost: Map<string, CheckFacts>;
  compromised: Set<string>;
  lastSerial: Map<string, number>;
}

export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantViolation';
  }
}

function expect(ok: boolean, message: () => string): void {
  if (!ok) throw new InvariantViolation(message());
}

export async function cardCheck(_w: World, card: SimCard, g: Ground): Promise<void> {
  const st = await card.card.status();
  expect(
    st.balance + Number(st.spentTotal) === Number(st.loadedTotal),
    () => `${card.name}: balance ${st.balance} + spent ${st.spentTotal} ≠ loaded ${st.loadedTotal}`,
  );
  const last = g.lastSerial.get(card.name) ?? 0;
  expect(st.serial >= last, () => `${card.name}: serial went back from ${last} to ${st.serial}`);
  g.lastSerial.set(card.name, st.serial);
}

export interface CheckSummary {
  checksCaptured: number;
  valueCaptured: number;
  clonesCaught: number;
  fraudProofs: number;
  guaranteedChecks: number;
  fraudLoss: number;
}

export async function fullCheck(w: World, g: Ground, final: boolean): Promise<CheckSummary> {
  const db = w.bank.db;
  const bank = w.bank.service.bank;
  const inv = await checkInvariants(db);
  expect(inv.ok, () => `ledger invariants: ${inv.violations.join('; ')}`);

  const rows = await db.query<{
    purse_id: string;
    serial: number;
    h: string;
    amount: number;
    status: string;
    merchant_id: string;
  }>("select purse_id, serial, encode(check_hash, 'hex') as h, amount, status, merchant_id from checks");
  const purses = new Map(
    (
      await db.query<{ purse_id: string; loaded: number; captured: number; refunded: number; status: string }>(
        'select purse_id, loaded, captured, refunded, status from purses',
      )
    ).map((p) => [p.purse_id, p]),
  );
  const held = new Map<string, HeldCheck & { merchant: string }>();
  const creditedTimes = new Map<string, number>();
  for (const m of w.merchants) {
    for (const c of heldChecks(m.book)) {
      expect(!held.has(c.hash), () => `check ${c.hash} held by ${held.get(c.hash)?.merchant} and ${m.party.id}`);
      held.set(c.hash, { ...c, merchant: m.party.id });
      if ((c.credited ?? 0) > 0) creditedTimes.set(c.hash, (creditedTimes.get(c.hash) ?? 0) + 1);
    }
  }
  for (const [h, n] of creditedTimes) expect(n === 1, () => `check ${h} credited ${n} times`);
  const dbByHash = new Map(rows.map((r) => [r.h, r]));
  for (const r of rows) {
    expect(held.has(r.h), () => `the bank holds check ${r.purse_id}/${r.serial} that no merchant deposited`);
    const mine = held.get(r.h) as HeldCheck & { merchant: string };
    expect(
      mine.merchant === r.merchant_id,
      () => `check ${r.purse_id}/${r.serial} credited to ${r.merchant_id}, deposited by ${mine.merchant}`,
    );
  }
  // the checks paid under the guarantee: a clone's (no check row) or one past the loaded value
  const guaranteed = new Map(
    (
      await db.query<{ h: string; purse_id: string; amount: number; clone: boolean }>(
        "select encode(check_hash, 'hex') as h, purse_id, amount, clone from guarantees",
      )
    ).map((r) => [r.h, r]),
  );
  // a merchant's book never calls deposited a check the bank's books do not credit
  for (const c of held.values())
    if (c.status === 'deposited')
      expect(
        dbByHash.get(c.hash)?.status === 'credited' || guaranteed.has(c.hash),
        () => `receipt credits ${c.purseId}/${c.serial}, the bank's row is ${dbByHash.get(c.hash)?.status}`,
      );

  // value and serials, per genuine purse, every term from the component holding it
  for (const card of w.cards) {
    if (g.compromised.has(card.purseId)) continue;
    const st = await card.card.status();
    const p = purses.get(card.purseId);
    expect(!!p, () => `no purse ${card.purseId} at the bank`);
    const bankSide = p as { loaded: number; captured: number; refunded: number; status: string };
    expect(bankSide.status === 'active', () => {
      // name the likely cause: a check refunded to the card (voided in a book) that the bank credited anyway
      const voidedCredited = [...held.values()].filter(
        (c) => c.purseId === card.purseId && c.status === 'voided' && dbByHash.get(c.hash)?.status === 'credited',
      );
      return `genuine purse ${card.purseId} is ${bankSide.status}; refunded to the card yet credited at the bank: [${voidedCredited.map((c) => `${c.serial} ${c.amount} at ${c.merchant}`).join(', ')}]`;
    });
    expect(
      bankSide.loaded === Number(st.loadedTotal),
      () => `${card.purseId}: bank loaded ${bankSide.loaded}, card loaded ${st.loadedTotal}`,
    );
    const signed = new Map<string, { serial: number; amount: number; where: string }>();
    let voided = 0;
    for (const c of held.values()) {
      if (c.purseId !== card.purseId) continue;
      expect(c.status !== 'held', () => `${card.purseId}/${c.serial}: a refund left unresolved (check held)`);
      if (c.status === 'voided') voided += c.amount; // refunded to the card: back in its balance
      signed.set(c.hash, { serial: c.serial, amount: c.amount, where: c.status === 'voided' ? 'voided' : c.merchant });
    }
    for (const l of g.lost.values()) {
      if (l.purseId !== card.purseId || signed.has(l.hash)) continue; // a lost check a terminal recovered later is held, not lost
      expect(!dbByHash.has(l.hash), () => `${card.purseId}/${l.serial}: lost, yet captured`);
      signed.set(l.hash, { serial: l.serial, amount: l.amount, where: 'lost' });
    }
    const serials = [...signed.values()].map((s) => s.serial).sort((a, b) => a - b);
    expect(
      serials.length === st.serial && serials.every((s, i) => s === i + 1),
      () => `${card.purseId}: card serial ${st.serial}, checks carry serials [${serials.join(',')}]`,
    );
    let pending = 0;
    let lost = 0;
    let captured = 0;
    for (const [h, s] of signed) {
      const row = dbByHash.get(h);
      if (s.where === 'voided') expect(!row, () => `${card.purseId}/${s.serial}: refunded to the card, yet captured`);
      else if (s.where === 'lost') lost += s.amount;
      else if (row) {
        expect(
          row.status === 'credited' && row.amount === s.amount,
          () => `genuine check ${card.purseId}/${s.serial}: ${row.status} ${row.amount}`,
        );
        captured += s.amount;
      } else pending += s.amount;
      const c = held.get(h);
      if (c?.code !== undefined)
        expect(
          c.code === 0 && !!row,
          () => `genuine check ${card.purseId}/${s.serial} refused at deposit: code ${c.code}`,
        );
    }
    expect(
      captured === bankSide.captured,
      () => `${card.purseId}: bank captured ${bankSide.captured}, its credited checks ${captured}`,
    );
    expect(
      pending + lost + captured === Number(st.spentTotal),
      () =>
        `${card.purseId}: card spent (net of refunds ${voided}) ${st.spentTotal}, checks pending ${pending} + lost ${lost} + captured ${captured}`,
    );
    const loaded = bankSide.loaded;
    const sum = st.balance + pending + lost + captured + bankSide.refunded;
    expect(
      loaded === sum,
      () =>
        `${card.purseId}: loaded ${loaded} ≠ balance ${st.balance} + pending ${pending} + lost ${lost} + captured ${captured} + refunded ${bankSide.refunded}`,
    );
    if (final) expect(pending === 0, () => `${card.purseId}: ${pending} still pending after the drain`);
  }

  // refunds: a check refunded to a card is never credited (above: no row at all); the bank holds the
  // merchant's signed refund once the book has its answer, and every refund after the drain
  const stored = new Set(
    (await db.query<{ k: string }>("select encode(check_hash, 'hex') || '/' || merchant_id as k from refunds")).map(
      (r) => r.k,
    ),
  );
  for (const m of w.merchants)
    for (const e of m.book.checks()) {
      if (e.status !== 'voided' || !e.refund) continue;
      const key = `${hex(e.record.checkHash)}/${m.party.id}`;
      const answered = e.refundDeposited !== undefined && e.refundDeposited.outcome !== 'refused';
      expect(
        e.refundDeposited?.outcome !== 'refused',
        () => `${m.party.id}: refund of ${e.record.purseId}/${e.record.serial} refused (${e.refundDeposited?.code})`,
      );
      expect(
        stored.has(key) || !(answered || final),
        () =>
          `${m.party.id}: refund of ${e.record.purseId}/${e.record.serial} not at the bank${final ? ' after the drain' : ''}`,
      );
      expect(
        dbByHash.get(hex(e.record.checkHash))?.status !== 'credited',
        () => `${m.party.id}: check ${e.record.purseId}/${e.record.serial} refunded to the card, yet credited`,
      );
    }

  // copied purses: the bank never pays out more than was loaded; clones caught with evidence
  const evidence = await db.query<{ h: string; purse_id: string; serial: number; proof: Uint8Array }>(
    "select encode(check_hash, 'hex') as h, purse_id, serial, proof from fraud_evidence",
  );
  const evidenceByHash = new Map(evidence.map((e) => [e.h, e]));
  let fraudProofs = 0;
  for (const e of evidence) {
    const found = verifyFraudProof(new Uint8Array(e.proof), { anchors: bank.anchors });
    expect(
      found.purseId === e.purse_id && found.serial === e.serial,
      () => `fraud proof for ${e.purse_id}/${e.serial} proves ${found.purseId}/${found.serial}`,
    );
    expect(g.compromised.has(e.purse_id), () => `fraud evidence against ${e.purse_id}, which was never copied`);
    fraudProofs++;
  }
  for (const c of held.values())
    if (c.code === ErrorCode.CloneDetected)
      expect(evidenceByHash.has(c.hash), () => `clone ${c.purseId}/${c.serial} reported without evidence`);
  checkGuarantee(held, guaranteed, evidenceByHash, purses, g);
  for (const p of purses.values())
    expect(
      p.captured + p.refunded <= p.loaded,
      () => `${p.purse_id}: captured ${p.captured} + refunded ${p.refunded} > loaded ${p.loaded}`,
    );
  let clonesCaught = 0;
  if (final) {
    const list = verifyRevocationList(await w.bank.service.revocationList(), {
      anchors: bank.anchors,
      now: w.clock.now,
    }).body.revoked;
    for (const purseId of g.compromised) {
      const bySerial = new Map<number, Set<string>>();
      for (const c of held.values())
        if (c.purseId === purseId && c.code !== undefined)
          (bySerial.get(c.serial) ?? bySerial.set(c.serial, new Set()).get(c.serial)!).add(c.hash);
      const conflict = [...bySerial.values()].some((s) => s.size > 1);
      const status = (purses.get(purseId) as { status: string }).status;
      if (conflict) {
        expect(
          status === 'fraud' || status === 'overspent',
          () => `copied purse ${purseId}: two checks of one serial reached the bank, purse still ${status}`,
        );
        expect(list.includes(purseId), () => `copied purse ${purseId} (${status}) missing from the revocation list`);
      }
      if (status === 'fraud' || status === 'overspent') clonesCaught++;
    }
    const a = await audit(db, bank);
    expect(a.ok && a.differences.length === 0, () => `audit: ${a.differences.join('; ')}`);
    for (const m of w.merchants) {
      // deposited: credited by this receipt, or (a batch abandoned after its reply was lost) by an earlier one
      const deposited = heldChecks(m.book).reduce((s, c) => s + (c.status === 'deposited' ? c.amount : 0), 0);
      const booked = await balance(db, 'merchant', m.party.id, CURRENCY);
      expect(booked === deposited, () => {
        const mine = new Map(heldChecks(m.book).map((c) => [c.hash, c]));
        const odd = rows.filter(
          (r) => r.merchant_id === m.party.id && r.status === 'credited' && mine.get(r.h)?.status !== 'deposited',
        );
        return `${m.party.id}: ledger balance ${booked}, checks its book calls deposited ${deposited}; credited at the bank, not deposited in the book: ${odd.map((r) => `${r.purse_id}/${r.serial} ${r.amount} (book: ${mine.get(r.h)?.status} ${mine.get(r.h)?.code ?? ''}${g.compromised.has(r.purse_id) ? ', copied purse' : ''})`).join('; ')}`;
      });
    }
  }
  const credited = rows.filter((r) => r.status === 'credited');
  return {
    checksCaptured: credited.length,
    valueCaptured: credited.reduce((s, r) => s + r.amount, 0),
    clonesCaught,
    fraudProofs,
    guaranteedChecks: guaranteed.size,
    fraudLoss: [...guaranteed.values()].reduce((s, r) => s + r.amount, 0),
  };
}

/**
 * The guarantee, from the merchants' books and the bank's rows: every check a merchant holds was
 * taken by a terminal following the rules (list within its age, the certified limits), so none is
 * refused for a reason the guarantee covers; one refused because the purse's guarantee is spent
 * must find it spent. The bank pays under the guarantee only for copied purses, a clone's check
 * only with its fraud evidence, and per purse within what the certificate allowed offline.
 */
function checkGuarantee(
  held: ReadonlyMap<string, HeldCheck & { merchant: string }>,
  guaranteed: ReadonlyMap<string, { purse_id: string; amount: number; clone: boolean }>,
  evidence: ReadonlyMap<string, unknown>,
  purses: ReadonlyMap<string, { loaded: number; captured: number; refunded: number }>,
  g: Ground,
): void {
  const loss = new Map<string, { amount: number; checks: number }>();
  for (const [h, r] of guaranteed) {
    expect(g.compromised.has(r.purse_id), () => `${r.purse_id} paid under the guarantee, never copied`);
    expect(!r.clone || evidence.has(h), () => `${r.purse_id}: a clone's check ${h} paid without fraud evidence`);
    expect(r.amount <= LIMITS.maxPerCheck, () => `${r.purse_id}: ${r.amount} paid above the per-check limit`);
    const l = loss.get(r.purse_id) ?? { amount: 0, checks: 0 };
    loss.set(r.purse_id, { amount: l.amount + r.amount, checks: l.checks + 1 });
  }
  for (const [purseId, l] of loss) {
    expect(
      l.amount <= LIMITS.maxOfflineAmount && l.checks <= LIMITS.maxOfflineChecks,
      () =>
        `${purseId}: fraud loss ${l.amount} in ${l.checks} checks, certified ${LIMITS.maxOfflineAmount} in ${LIMITS.maxOfflineChecks}`,
    );
    const p = purses.get(purseId) as { loaded: number; captured: number; refunded: number };
    expect(
      p.captured + p.refunded + l.amount <= p.loaded + LIMITS.maxOfflineAmount,
      () => `${purseId}: paid ${p.captured} + ${l.amount} on a purse loaded ${p.loaded}`,
    );
  }
  for (const c of held.values()) {
    if (c.code === undefined || c.code === 0) continue;
    const guaranteeCode = c.code >= ErrorCode.GuaranteeAfterRevocation && c.code <= ErrorCode.GuaranteeDepositLate;
    const overLimit = c.code === ErrorCode.LimitExceeded || c.code === ErrorCode.CloneDetected;
    expect(
      (!guaranteeCode && !overLimit) || c.code === ErrorCode.GuaranteeExhausted,
      () => `honest merchant ${c.merchant} lost ${c.purseId}/${c.serial} (${c.amount}): refused ${c.code}`,
    );
    if (c.code !== ErrorCode.GuaranteeExhausted) continue;
    const l = loss.get(c.purseId) ?? { amount: 0, checks: 0 };
    expect(
      l.amount + c.amount > LIMITS.maxOfflineAmount || l.checks >= LIMITS.maxOfflineChecks,
      () => `${c.purseId}/${c.serial}: refused as over the guarantee, which paid only ${l.amount} in ${l.checks}`,
    );
  }
}
