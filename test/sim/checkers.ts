// The checkers. After every operation, on the cards it touched: balance + spent = loaded, and the
// serial never goes back. Every CHECK_EVERY operations and after the run, everything, across the
// scheme's banks (each check and purse read at its issuer, each merchant's credit at its acquirer):
// - each bank's ledger balances (checkInvariants) and, after the run, each bank's audit from signed
//   evidence is clean;
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
//   offline (maxOfflineAmount in maxOfflineChecks checks of at most maxPerCheck);
// - across banks (acrossBanks): a check presented by an acquirer is its issuer's, accepted there
//   exactly when its issuer credited it to that acquirer's merchant (once in the whole scheme),
//   refused when its issuer refused it; the merchants' credits over all banks equal what the
//   issuers credited, but for answers not yet applied; after the run nothing is left presented,
//   every interbank account is 0 (all settled) and the statements of every agreed cycle pair up
//   and net to 0 per currency (checkSchemePositions); each copied purse caught is on its issuer's
//   list as every merchant holds it.
import { audit } from '../../src/bank/audit/index.ts';
import { balance, checkInvariants } from '../../src/bank/ledger.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { verifyFraudProof } from '../../src/protocol/fraud.ts';
import { verifyRevocationList } from '../../src/protocol/revocation.ts';
import { checkSchemePositions } from '../../src/protocol/settlement-scheme.ts';
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

type CheckRow = { purse_id: string; serial: number; h: string; amount: number; status: string; merchant_id: string };
type PurseRow = { purse_id: string; loaded: number; captured: number; refunded: number; status: string; bank: string };

/** The rows of `sql` at every bank, each with the id of the bank holding it. */
async function everyBank<R>(w: World, sql: string): Promise<(R & { bank: string })[]> {
  const out: (R & { bank: string })[] = [];
  for (const b of w.banks)
    for (const r of await b.db.query<R & Record<string, unknown>>(sql)) out.push({ ...r, bank: b.id });
  return out;
}

export async function fullCheck(w: World, g: Ground, final: boolean): Promise<CheckSummary> {
  const anchors = w.scheme.anchors;
  for (const b of w.banks) {
    const inv = await checkInvariants(b.db);
    expect(inv.ok, () => `${b.id} ledger invariants: ${inv.violations.join('; ')}`);
  }

  // each check at its issuer: its purse's bank, whoever acquired it
  const rows = await everyBank<CheckRow>(
    w,
    "select purse_id, serial, encode(check_hash, 'hex') as h, amount, status, merchant_id from checks",
  );
  const purses = new Map(
    (await everyBank<PurseRow>(w, 'select purse_id, loaded, captured, refunded, status from purses')).map((p) => [
      p.purse_id,
      p,
    ]),
  );
  for (const r of rows)
    expect(
      purses.get(r.purse_id)?.bank === r.bank,
      () => `${r.bank} holds check ${r.purse_id}/${r.serial} of another issuer's purse`,
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
    expect(held.has(r.h), () => `${r.bank} holds check ${r.purse_id}/${r.serial} that no merchant deposited`);
    const mine = held.get(r.h) as HeldCheck & { merchant: string };
    expect(
      mine.merchant === r.merchant_id,
      () => `check ${r.purse_id}/${r.serial} credited to ${r.merchant_id}, deposited by ${mine.merchant}`,
    );
  }
  // the checks paid under the guarantee: a clone's (no check row) or one past the loaded value
  const guaranteed = new Map(
    (
      await everyBank<{ h: string; purse_id: string; amount: number; clone: boolean; merchant_id: string }>(
        w,
        "select encode(check_hash, 'hex') as h, purse_id, amount, clone, merchant_id from guarantees",
      )
    ).map((r) => [r.h, r]),
  );
  // a merchant's book never calls deposited a check its issuer's books do not credit
  for (const c of held.values())
    if (c.status === 'deposited')
      expect(
        dbByHash.get(c.hash)?.status === 'credited' || guaranteed.has(c.hash),
        () => `receipt credits ${c.purseId}/${c.serial}, the issuer's row is ${dbByHash.get(c.hash)?.status}`,
      );
  await acrossBanks(w, dbByHash, guaranteed, final);

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
    (await everyBank<{ k: string }>(w, "select encode(check_hash, 'hex') || '/' || merchant_id as k from refunds")).map(
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
  const evidence = await everyBank<{ h: string; purse_id: string; serial: number; proof: Uint8Array }>(
    w,
    "select encode(check_hash, 'hex') as h, purse_id, serial, proof from fraud_evidence",
  );
  const evidenceByHash = new Map(evidence.map((e) => [e.h, e]));
  let fraudProofs = 0;
  for (const e of evidence) {
    const found = verifyFraudProof(new Uint8Array(e.proof), { anchors });
    expect(
      purses.get(e.purse_id)?.bank === e.bank,
      () => `fraud evidence against ${e.purse_id} held by ${e.bank}, not its issuer`,
    );
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
    const lists = new Map<string, string[]>();
    for (const b of w.banks)
      lists.set(
        b.id,
        verifyRevocationList(await b.service.revocationList(), { anchors, now: w.clock.now }).body.revoked,
      );
    for (const purseId of g.compromised) {
      const bySerial = new Map<number, Set<string>>();
      for (const c of held.values())
        if (c.purseId === purseId && c.code !== undefined)
          (bySerial.get(c.serial) ?? bySerial.set(c.serial, new Set()).get(c.serial)!).add(c.hash);
      const conflict = [...bySerial.values()].some((s) => s.size > 1);
      const { status, bank: issuer } = purses.get(purseId) as PurseRow;
      if (conflict) {
        expect(
          status === 'fraud' || status === 'overspent',
          () =>
            `copied purse ${purseId}: two checks of one serial reached the banks, purse still ${status} at ${issuer}`,
        );
        expect(
          lists.get(issuer)?.includes(purseId) === true,
          () => `copied purse ${purseId} (${status}) missing from ${issuer}'s revocation list`,
        );
        // the issuer's list reaches every terminal: each merchant's bank relays it
        for (const m of w.merchants)
          expect(
            m.book.revocationLists.some((l) => l.body.bankId === issuer && l.body.revoked.includes(purseId)),
            () => `copied purse ${purseId}: ${m.party.id} holds no list of ${issuer} that revokes it`,
          );
      }
      if (status === 'fraud' || status === 'overspent') clonesCaught++;
    }
    for (const b of w.banks) {
      const a = await audit(b.db, b.service.bank);
      expect(a.ok && a.differences.length === 0, () => `${b.id} audit: ${a.differences.join('; ')}`);
    }
    for (const m of w.merchants) {
      // deposited: credited by this receipt, or (a batch abandoned after its reply was lost) by an earlier one
      const deposited = heldChecks(m.book).reduce((s, c) => s + (c.status === 'deposited' ? c.amount : 0), 0);
      const booked = await balance(m.bank.db, 'merchant', m.party.id, CURRENCY);
      expect(booked === deposited, () => {
        const mine = new Map(heldChecks(m.book).map((c) => [c.hash, c]));
        const odd = rows.filter(
          (r) => r.merchant_id === m.party.id && r.status === 'credited' && mine.get(r.h)?.status !== 'deposited',
        );
        return `${m.party.id}: ledger balance ${booked} at ${m.bank.id}, checks its book calls deposited ${deposited}; credited at the issuers, not deposited in the book: ${odd.map((r) => `${r.purse_id}/${r.serial} ${r.amount} (book: ${mine.get(r.h)?.status} ${mine.get(r.h)?.code ?? ''}${g.compromised.has(r.purse_id) ? ', copied purse' : ''})`).join('; ')}`;
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
 * Across the scheme's banks. Each check an acquirer presented (presented_checks) is of another
 * bank's purse, sent to that issuer; once the acquirer applied the answer it is accepted exactly
 * when the issuer credited it (a check row or the guarantee) to that acquirer's merchant, for its
 * amount, and refused otherwise: no check is credited twice across acquirers. The merchants'
 * credits over all banks equal what the issuers credited, less the answers not yet applied. After
 * the drain nothing is presented any more, every bank's interbank accounts are 0 (everything
 * settled) and the signed statements of every agreed cycle pair up and net to 0 per currency.
 */
async function acrossBanks(
  w: World,
  issued: ReadonlyMap<string, CheckRow & { bank: string }>,
  guaranteed: ReadonlyMap<string, { purse_id: string; amount: number; merchant_id: string; bank: string }>,
  final: boolean,
): Promise<void> {
  const merchantsOf = new Map(w.merchants.map((m) => [m.party.id, m.bank.id]));
  const cardsOf = new Map(w.cards.map((c) => [c.purseId, c.bankId]));
  const presented = await everyBank<{
    h: string;
    purse_id: string;
    serial: number;
    amount: number;
    status: string;
    credited: number;
    issuer_id: string;
    merchant_id: string;
  }>(
    w,
    `select encode(c.check_hash, 'hex') as h, c.purse_id, c.serial, c.amount, c.status, c.credited, p.issuer_id, p.merchant_id
       from presented_checks c left join presentments p on p.presentment_id = c.presentment_id`,
  );
  const accepted = new Map<string, string>();
  let inFlight = 0;
  for (const c of presented) {
    const name = `${c.purse_id}/${c.serial} presented by ${c.bank}`;
    expect(
      c.issuer_id === cardsOf.get(c.purse_id) && c.issuer_id !== c.bank && merchantsOf.get(c.merchant_id) === c.bank,
      () => `${name} for ${c.merchant_id} to ${c.issuer_id}: the purse is ${cardsOf.get(c.purse_id)}'s`,
    );
    const row = issued.get(c.h);
    const paid =
      row?.status === 'credited'
        ? { amount: row.amount, merchant: row.merchant_id }
        : guaranteed.has(c.h)
          ? { amount: guaranteed.get(c.h)?.amount, merchant: guaranteed.get(c.h)?.merchant_id }
          : undefined;
    if (paid)
      expect(paid.merchant === c.merchant_id, () => `${name}: its issuer paid ${paid.merchant}, not ${c.merchant_id}`);
    if (c.status === 'presented') {
      expect(!final, () => `${name}: still unanswered after the drain`);
      inFlight += paid?.amount ?? 0;
    } else if (c.status === 'accepted') {
      expect(
        paid?.amount === c.amount && c.credited === c.amount,
        () => `${name}: accepted for ${c.credited}, its issuer paid ${paid?.amount ?? 'nothing'}`,
      );
      expect(!accepted.has(c.h), () => `${name}: accepted by ${accepted.get(c.h)} too`);
      accepted.set(c.h, c.bank);
    } else expect(!paid && c.credited === 0, () => `${name}: refused, yet its issuer paid ${paid?.amount}`);
  }
  // value across the scheme: what the issuers paid = what the merchants hold + answers not applied yet
  let paidByIssuers = 0;
  for (const r of issued.values()) if (r.status === 'credited') paidByIssuers += r.amount;
  for (const r of guaranteed.values()) paidByIssuers += r.amount;
  let merchants = 0;
  for (const m of w.merchants) merchants += await balance(m.bank.db, 'merchant', m.party.id, CURRENCY);
  expect(
    merchants + inFlight === paidByIssuers,
    () => `scheme: the issuers paid ${paidByIssuers}, the merchants hold ${merchants} and ${inFlight} is in flight`,
  );
  if (!final) return;
  for (const x of w.banks)
    for (const peer of x.peers) {
      const owed = await balance(x.db, 'interbank', peer, CURRENCY);
      expect(owed === 0, () => `${x.id}: interbank account with ${peer} at ${owed} after the last settlement`);
    }
  const statements: Uint8Array[] = [];
  for (const x of w.banks)
    for (const r of await x.db.query<{ statement: Uint8Array }>(
      "select statement from settlement_cycles where status = 'agreed'",
    ))
      statements.push(new Uint8Array(r.statement));
  try {
    const positions = checkSchemePositions(statements, { anchors: w.scheme.anchors, now: w.clock.now });
    expect(
      positions.pairs * 2 === statements.length,
      () => `${statements.length} statements in ${positions.pairs} pairs`,
    );
  } catch (error) {
    if (error instanceof InvariantViolation) throw error;
    throw new InvariantViolation(`scheme positions: ${(error as Error).message}`);
  }
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
