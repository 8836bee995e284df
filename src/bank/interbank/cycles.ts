// Settlement cycles of one pair of banks (migration 013; the policy: ./README.md § Settlement).
// The proposer closes a cycle over its unsettled presentments with the counterparty and signs its
// statement ('proposed', nothing booked); the other bank closes the same cycle over exactly the
// references offered, checks that its own statement mirrors the offered one, signs it, books the
// net and answers with it; the proposer checks the answer the same way and books its net. Each
// step is one database transaction, serialised per counterparty, and idempotent: the same cycle
// always gives the same signed statement, and a net is booked once.
import { equalBytes } from '../../bytes.ts';
import { parseSign1 } from '../../protocol/cose.ts';
import { ErrorCode, ProtocolError } from '../../protocol/errors.ts';
import { type SettlementStatement, settlementStatement } from '../../protocol/messages.ts';
import {
  checkAgrees,
  makeStatement,
  openOffer,
  type PresentedReference,
  referencesHash,
  type StatementOffer,
  verifyStatement,
} from '../../protocol/settlement.ts';
import { bytea, type Database, type Queryable } from '../db.ts';
import type { Bank } from '../issuing.ts';
import { accountId, post } from '../ledger.ts';
import { linesOf, type Presented, unsettled, unsettledOf } from './positions.ts';

const u8 = (b: unknown) => new Uint8Array(b as Uint8Array);
const refused = (code: ErrorCode, detail: string): never => {
  throw new ProtocolError(code, detail);
};

type CycleRow = { cycle: number; status: string; statement: Uint8Array; peer_statement: Uint8Array | null };

/** One writer per counterparty at a time, across bank processes sharing the database. */
async function lockPair(tx: Queryable, counterparty: string): Promise<void> {
  await tx.query("select 1 from (select pg_advisory_xact_lock(hashtext('settlement/' || $1))) l", [counterparty]);
}

async function cycleRow(tx: Queryable, counterparty: string, cycle: number): Promise<CycleRow | undefined> {
  const [row] = await tx.query<CycleRow>(
    'select cycle, status, statement, peer_statement from settlement_cycles where counterparty = $1 and cycle = $2',
    [counterparty, cycle],
  );
  return row;
}

const bodyOf = (bytes: Uint8Array): SettlementStatement => settlementStatement.decode(parseSign1(u8(bytes)).payload);

/** The references a stored cycle includes, as offered. */
async function referencesOf(tx: Queryable, counterparty: string, cycle: number): Promise<PresentedReference[]> {
  const rows = await tx.query<{ currency: string; reference: string }>(
    `select distinct a.currency, t.reference from settlement_items s join transactions t on t.id = s.tx_id
       join entries e on e.tx_id = t.id join accounts a on a.id = e.account_id and a.kind = 'interbank'
      where s.counterparty = $1 and s.cycle = $2`,
    [counterparty, cycle],
  );
  return rows.map((r): PresentedReference => [r.currency, r.reference]);
}

/** Stores this bank's side of a cycle: its statement, lines and items; agreed ones are booked. */
async function storeCycle(
  tx: Queryable,
  s: SettlementStatement,
  statement: Uint8Array,
  items: readonly Presented[],
  peerStatement?: Uint8Array,
): Promise<void> {
  await tx.query(
    `insert into settlement_cycles (counterparty, cycle, status, cutoff, position, statement)
     values ($1, $2, 'proposed', $3, $4, $5)`,
    [s.counterparty, s.cycle, s.cutoff, Math.max(0, ...items.map((p) => p.txId)), bytea(statement)],
  );
  for (const [currency, owed, due, net] of s.lines)
    await tx.query(
      'insert into settlement_lines (counterparty, cycle, currency, owed, due, net) values ($1, $2, $3, $4, $5, $6)',
      [s.counterparty, s.cycle, currency, owed, due, net],
    );
  await tx.query('insert into settlement_items (tx_id, counterparty, cycle) select unnest($1::bigint[]), $2, $3', [
    items.map((p) => p.txId),
    s.counterparty,
    s.cycle,
  ]);
  if (peerStatement) await agree(tx, s, peerStatement);
}

/** Both statements held: the cycle agreed and its nets booked, in the caller's transaction. */
async function agree(tx: Queryable, s: SettlementStatement, peerStatement: Uint8Array): Promise<void> {
  await tx.query(
    "update settlement_cycles set status = 'agreed', peer_statement = $3, agreed_at = now() where counterparty = $1 and cycle = $2",
    [s.counterparty, s.cycle, bytea(peerStatement)],
  );
  await bookSettlement(tx, s);
}

/**
 * The nets of an agreed cycle, one 'settlement' transaction per currency with a net: the interbank
 * account back to 0 for the cycle, the money moving through the funding account (outside: the two
 * banks' settlement accounts at the central bank or a correspondent).
 */
async function bookSettlement(tx: Queryable, s: SettlementStatement): Promise<void> {
  for (const [currency, , , net] of s.lines) {
    if (net === 0) continue;
    const interbank = await accountId(tx, 'interbank', s.counterparty, currency);
    const outside = await accountId(tx, 'funding', 'outside', currency);
    await post(tx, 'settlement', settlementReference(s.counterparty, s.cycle), [
      { account: interbank, amount: -net },
      { account: outside, amount: net },
    ]);
  }
}

/** The reference of a cycle's settlement transactions. */
export const settlementReference = (counterparty: string, cycle: number): string => `${counterparty}:${cycle}`;

async function nextCycle(tx: Queryable, counterparty: string): Promise<number> {
  const [row] = await tx.query<{ n: number }>(
    'select coalesce(max(cycle), 0)::bigint + 1 as n from settlement_cycles where counterparty = $1',
    [counterparty],
  );
  return Number(row?.n ?? 1);
}

/**
 * The proposer: closes the next cycle with `counterparty` over every unsettled presentment, or
 * gives again the cycle it proposed and the counterparty has not agreed yet (the same offer).
 * Undefined when there is nothing to settle.
 */
export async function proposeCycle(
  db: Database,
  bank: Bank,
  counterparty: string,
  now: number,
): Promise<StatementOffer | undefined> {
  return db.transaction(async (tx) => {
    await lockPair(tx, counterparty);
    const [open] = await tx.query<{ cycle: number; statement: Uint8Array }>(
      "select cycle, statement from settlement_cycles where counterparty = $1 and status = 'proposed'",
      [counterparty],
    );
    if (open)
      return { statement: u8(open.statement), references: await referencesOf(tx, counterparty, Number(open.cycle)) };
    const items = await unsettled(tx, counterparty);
    if (items.length === 0) return undefined;
    const { lines, references } = linesOf(items);
    const s: SettlementStatement = {
      bankId: bank.id,
      counterparty,
      cycle: await nextCycle(tx, counterparty),
      cutoff: now,
      lines,
      referencesHash: referencesHash(references),
    };
    const statement = makeStatement(bank.party, s);
    await storeCycle(tx, s, statement, items);
    return { statement, references };
  });
}

/**
 * The other bank: an offer received (POST /v1/interbank/statements). Closes the same cycle over
 * the offered references on its own books, checks that its statement mirrors the offered one,
 * signs it, books its net and answers with it; the same offer again gets the same answer. A
 * refusal (a typed error) changes nothing.
 */
export async function acceptOffer(db: Database, bank: Bank, offerBytes: Uint8Array, now: number): Promise<Uint8Array> {
  const offer = openOffer(offerBytes, { anchors: bank.anchors, now });
  const theirs = offer.body;
  const peer = theirs.bankId;
  if (theirs.counterparty !== bank.id)
    refused(ErrorCode.StatementWrongParty, `statement of ${peer} to ${theirs.counterparty}, sent to ${bank.id}`);
  return db.transaction(async (tx) => {
    await lockPair(tx, peer);
    const held = await cycleRow(tx, peer, theirs.cycle);
    if (held?.status === 'agreed') {
      if (!equalBytes(u8(held.peer_statement), offer.statement)) checkAgrees(bodyOf(held.statement), theirs);
      return u8(held.statement);
    }
    if (held) {
      // Both banks closed this cycle at once: the same contents agree; else the lower bank id's
      // proposal stands and the other's (nothing booked yet) is withdrawn.
      const ours = bodyOf(held.statement);
      if (sameContents(ours, theirs)) {
        await agree(tx, ours, offer.statement);
        return u8(held.statement);
      }
      if (peer > bank.id)
        refused(ErrorCode.StatementCycleConflict, `cycle ${theirs.cycle}: this bank's own proposal stands`);
      await tx.query('delete from settlement_cycles where counterparty = $1 and cycle = $2', [peer, theirs.cycle]);
    }
    const next = await nextCycle(tx, peer);
    if (theirs.cycle !== next)
      refused(ErrorCode.StatementCycleConflict, `cycle ${theirs.cycle} of ${peer}, the next here is ${next}`);
    const items = await unsettledOf(tx, peer, offer.references);
    const found = new Set(items.map((p) => `${p.currency}\u0000${p.reference}`));
    const missing = offer.references.filter(([c, r]) => !found.has(`${c}\u0000${r}`));
    if (missing.length)
      refused(
        ErrorCode.StatementReferenceUnknown,
        `${missing.length} presentment(s) not booked unsettled with ${peer}, e.g. ${missing[0]?.join(' ')}`,
      );
    const { lines, references } = linesOf(items);
    const ours: SettlementStatement = {
      bankId: bank.id,
      counterparty: peer,
      cycle: theirs.cycle,
      cutoff: theirs.cutoff,
      lines,
      referencesHash: referencesHash(references),
    };
    checkAgrees(ours, theirs);
    const statement = makeStatement(bank.party, ours);
    await storeCycle(tx, ours, statement, items, offer.statement);
    return statement;
  });
}

/** Equal bodies whoever signed them: a statement's mirror of the mirror is itself. */
function sameContents(ours: SettlementStatement, theirs: SettlementStatement): boolean {
  try {
    checkAgrees(ours, theirs);
    return true;
  } catch (error) {
    if (error instanceof ProtocolError) return false;
    throw error;
  }
}

/**
 * The proposer: the other bank's answer to its offer. Checked against the proposed statement (a
 * bank of the scheme, the counterparty, the mirror of ours), then the cycle is agreed and its
 * nets booked; an answer to a cycle already agreed changes nothing. Returns the cycle.
 */
export async function completeCycle(db: Database, bank: Bank, answer: Uint8Array, now: number): Promise<number> {
  const theirs = verifyStatement(answer, { anchors: bank.anchors, now }).body;
  if (theirs.counterparty !== bank.id)
    refused(ErrorCode.StatementWrongParty, `answer of ${theirs.bankId} to ${theirs.counterparty}, not ${bank.id}`);
  return db.transaction(async (tx) => {
    await lockPair(tx, theirs.bankId);
    const held = await cycleRow(tx, theirs.bankId, theirs.cycle);
    if (!held) return refused(ErrorCode.StatementCycleConflict, `no cycle ${theirs.cycle} with ${theirs.bankId}`);
    const ours = bodyOf(held.statement);
    checkAgrees(ours, theirs);
    if (held.status !== 'agreed') await agree(tx, ours, answer);
    return theirs.cycle;
  });
}
