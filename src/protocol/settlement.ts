// Interbank settlement statements: at a cycle's close each bank of a pair signs its own view of the
// cycle (per currency what it owes, what it is owed and the net, and a hash over the presentments
// included), and checks the other's against it. The two views of one cycle are each other's mirror:
// the same cycle, cutoff and references, owed and due swapped, the net negated. The bank sends its
// statement with the references themselves (the offer below), so the other bank can close the
// same cycle over exactly those presentments.
import { sha256 } from '../../bindings/index.ts';
import { equalBytes } from '../bytes.ts';
import { type CborValue, compareBytes, decode, encode } from './cbor.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { arrayOf, bytes, currency, reference, tuple } from './fields.ts';
import { type SettlementLine, type SettlementStatement, settlementStatement } from './messages.ts';
import { Role } from './registry.ts';
import { type Signer, signMessage, type Verified, type VerifyContext, verifyMessage } from './signed.ts';

/** A presentment booked in a cycle: its currency and its ledger reference (`presentment:<id hex>`). */
export type PresentedReference = [currency: string, reference: string];

const byBytes = (a: string, b: string) => compareBytes(encode(a), encode(b));
const byReference = (a: PresentedReference, b: PresentedReference) => byBytes(a[1], b[1]) || byBytes(a[0], b[0]);

/** The references sorted (by reference, then currency, bytewise) and without duplicates. */
export function sortReferences(references: Iterable<PresentedReference>): PresentedReference[] {
  const sorted = [...references].sort(byReference);
  return sorted.filter((r, i) => i === 0 || byReference(sorted[i - 1] as PresentedReference, r) !== 0);
}

/** SHA-256 of the deterministic CBOR array of the sorted references: the same set, the same hash. */
export function referencesHash(references: Iterable<PresentedReference>): Uint8Array {
  return sha256(encode(sortReferences(references) as CborValue));
}

/** Lines sorted by currency, one per currency, each net = owed − due (BadField otherwise). */
function checkLines(lines: readonly SettlementLine[]): void {
  for (const [i, [cur, owed, due, net]] of lines.entries()) {
    if (net !== owed - due) throw new ProtocolError(ErrorCode.BadField, `lines[${i}]: net ${net} ≠ ${owed} − ${due}`);
    if (i > 0 && byBytes((lines[i - 1] as SettlementLine)[0], cur) >= 0)
      throw new ProtocolError(ErrorCode.BadField, `lines[${i}]: currencies not sorted or repeated`);
  }
}

function checkBody(s: SettlementStatement): void {
  if (s.cycle < 1) throw new ProtocolError(ErrorCode.BadField, 'cycle: from 1');
  if (s.bankId === s.counterparty)
    throw new ProtocolError(ErrorCode.StatementWrongParty, `${s.bankId} settles with itself`);
  checkLines(s.lines);
}

/** A bank signs its statement (the bank's current key and certificate). */
export function makeStatement(bank: Signer, statement: SettlementStatement): Uint8Array {
  checkBody(statement);
  return signMessage(settlementStatement, statement, bank);
}

/** A statement signed by a bank of the scheme that names itself as the signer, well formed. */
export function verifyStatement(bytes: Uint8Array, context: VerifyContext): Verified<SettlementStatement> {
  const verified = verifyMessage(settlementStatement, bytes, [Role.Bank], context);
  const { body, signer } = verified;
  if (body.bankId !== signer.subject)
    throw new ProtocolError(ErrorCode.StatementWrongParty, `statement of ${body.bankId} signed by ${signer.subject}`);
  checkBody(body);
  return verified;
}

/** The other bank's view of the same cycle: owed and due swapped, the net negated (0 stays 0). */
export function mirror(s: SettlementStatement): SettlementStatement {
  return {
    bankId: s.counterparty,
    counterparty: s.bankId,
    cycle: s.cycle,
    cutoff: s.cutoff,
    lines: s.lines.map(([cur, owed, due, net]): SettlementLine => [cur, due, owed, net === 0 ? 0 : -net]),
    referencesHash: s.referencesHash,
  };
}

const show = (lines: readonly SettlementLine[]) => lines.map((l) => l.join(' ')).join('; ') || 'none';

/**
 * Throws unless `theirs` is the mirror of `ours`: the pair (StatementWrongParty), the cycle and
 * cutoff (StatementCycleConflict), the references and every amount (StatementMismatch).
 */
export function checkAgrees(ours: SettlementStatement, theirs: SettlementStatement): void {
  const want = mirror(ours);
  if (theirs.bankId !== want.bankId || theirs.counterparty !== want.counterparty)
    throw new ProtocolError(
      ErrorCode.StatementWrongParty,
      `statement of ${theirs.bankId} to ${theirs.counterparty}, expected ${want.bankId} to ${want.counterparty}`,
    );
  if (theirs.cycle !== want.cycle || theirs.cutoff !== want.cutoff)
    throw new ProtocolError(
      ErrorCode.StatementCycleConflict,
      `cycle ${theirs.cycle} at ${theirs.cutoff}, this bank's is ${want.cycle} at ${want.cutoff}`,
    );
  if (!equalBytes(theirs.referencesHash, want.referencesHash))
    throw new ProtocolError(ErrorCode.StatementMismatch, `cycle ${want.cycle}: other presentments`);
  if (show(theirs.lines) !== show(want.lines))
    throw new ProtocolError(
      ErrorCode.StatementMismatch,
      `cycle ${want.cycle}: lines ${show(theirs.lines)}, this bank's books say ${show(want.lines)}`,
    );
}

/** What a bank sends to close a cycle: its signed statement and the references it hashes. */
export interface StatementOffer {
  statement: Uint8Array;
  references: PresentedReference[];
}

/** The largest cycle: presentments referenced in one statement. */
export const OFFER_REFERENCES_MAX = 1_000_000;
const offerKind = tuple<[Uint8Array, PresentedReference[]]>(
  bytes(undefined, 64 * 1024),
  arrayOf(tuple<PresentedReference>(currency, reference), OFFER_REFERENCES_MAX),
);

/** The offer as a CBOR array [statement, [[currency, reference], …]]. */
export function encodeOffer(offer: StatementOffer): Uint8Array {
  return encode(offerKind.write([offer.statement, offer.references], 'statement offer'));
}

/** Reads an offer; the references must be the ones its statement hashes (StatementMismatch). */
export function openOffer(bytes: Uint8Array, context: VerifyContext): Verified<SettlementStatement> & StatementOffer {
  const [statement, references] = offerKind.read(decode(bytes), 'statement offer');
  const verified = verifyStatement(statement, context);
  if (!equalBytes(referencesHash(references), verified.body.referencesHash))
    throw new ProtocolError(ErrorCode.StatementMismatch, 'the references sent are not those the statement hashes');
  return { ...verified, statement, references: sortReferences(references) };
}
