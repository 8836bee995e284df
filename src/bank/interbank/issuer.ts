// At the issuer: a presentment received from an acquirer of the scheme. Opened and checked
// (../../protocol/presentment.ts: an acquirer's signature, for this issuer, the merchant-signed
// deposit as evidence), its checks verified as a capture verifies them, then booked by the
// capture's own rules for this bank's purses (../capture/book.ts: duplicates, clones with their
// proof also against a check another acquirer or this bank's own merchant brought first,
// overspending and the guarantee, revocation) in one transaction, which also stores the deposit
// with the issuer's receipt (the evidence its audit reads) and the signed answer under the
// presentment's id. The accepted checks are owed to the acquirer (postIssuerAccepted); the same
// presentment sent again gets the stored answer and books nothing.
import { toHex } from '../../bytes.ts';
import { type CheckOutcome, depositedCheckHashes } from '../../protocol/capture.ts';
import { ErrorCode, ProtocolError } from '../../protocol/errors.ts';
import type { GuaranteePolicy } from '../../protocol/guarantee.ts';
import { makePresentmentAnswer, openPresentment } from '../../protocol/presentment.ts';
import type { VerifierPool } from '../../protocol/verifier/index.ts';
import { bookBatch } from '../capture/book.ts';
import { storedReceipt, storeReceipt } from '../capture/receipt.ts';
import { type VerifiedChecks, verifyBatch } from '../capture/verify.ts';
import { bytea, type Database, type Queryable } from '../db.ts';
import { type Bank, openWithAnyKey } from '../issuing.ts';
import { Revocations } from '../revocations.ts';
import { presentmentReference } from './postings.ts';

export interface AnsweredPresentment {
  /** The signed answer, one outcome per presented check. */
  answer: Uint8Array;
  /** True when it is the stored answer to the same presentment received before. */
  replayed: boolean;
}

/**
 * The points of an answer where the test hook runs (a crash test kills the process there): `booked`
 * inside the transaction, the checks booked and the answer stored, before the commit; `committed`
 * after the commit, before the answer is returned (and the reply written).
 */
export type AnswerStep = 'booked' | 'committed';

export async function answerPresentment(
  db: Database,
  bank: Bank,
  envelope: Uint8Array,
  o: {
    now: number;
    verifier: VerifierPool;
    revocations?: Revocations;
    guarantee?: GuaranteePolicy;
    /** Test hook: called at each step of a presentment answered for the first time. */
    onStep?: (step: AnswerStep) => void | Promise<void>;
  },
): Promise<AnsweredPresentment> {
  const { presentment, deposit } = openWithAnyKey(bank, (keys) =>
    openPresentment(keys, envelope, { anchors: bank.anchors, now: o.now }),
  );
  const prior = await storedAnswer(db, presentment.hash);
  if (prior) return { answer: prior, replayed: true };

  // Outside the transaction, as a capture: only the presented checks, under this bank's revocations.
  const { items } = presentment.body;
  const revoked = await (o.revocations ?? new Revocations(db, bank.id)).current();
  const presented = await verifyBatch(
    { merchantId: deposit.body.merchantId, checks: items.map((i) => deposit.body.checks[i] as Uint8Array) },
    o.verifier,
    { anchors: bank.anchors, now: o.now, revoked: revoked.captureList, revokedVersion: revoked.version },
  );
  const verified = overDeposit(deposit.body.checks, items, presented);

  const answered = await db.transaction(async (tx): Promise<AnsweredPresentment> => {
    // The same presentment twice at once on PostgreSQL: the second waits here, then finds the answer.
    if (db.driver === 'pg') await tx.query('select pg_advisory_xact_lock(hashtext($1))', [toHex(presentment.hash)]);
    const again = await storedAnswer(tx, presentment.hash);
    if (again) return { answer: again, replayed: true };
    if (await storedReceipt(tx, deposit))
      throw new ProtocolError(ErrorCode.PresentmentEvidenceMismatch, 'its deposit was presented before');
    const booked = await bookBatch(tx, bank, deposit, verified, {
      now: o.now,
      distributed: db.distributed,
      presentedBy: { acquirer: presentment.body.acquirerId, reference: presentmentReference(presentment.hash) },
      ...(o.guarantee ? { guarantee: o.guarantee } : {}),
    });
    await storeReceipt(tx, bank.party, deposit, verified.hashes, booked, o.now);
    const outcomes = items.map((i) => {
      const out = booked.outcomes[i] as CheckOutcome;
      return [verified.hashes[i] as Uint8Array, out.code, out.credited] as [Uint8Array, number, number];
    });
    const answer = makePresentmentAnswer(bank.party, presentment, outcomes, o.now);
    await tx.query(
      `insert into received_presentments (presentment_id, acquirer_id, batch_hash, bytes, answer, received_at)
       values ($1, $2, $3, $4, $5, $6)`,
      [
        bytea(presentment.hash),
        presentment.body.acquirerId,
        bytea(deposit.hash),
        bytea(presentment.bytes),
        bytea(answer),
        o.now,
      ],
    );
    await o.onStep?.('booked');
    return { answer, replayed: false };
  });
  if (!answered.replayed) await o.onStep?.('committed');
  return answered;
}

/**
 * The presented checks' verification laid over the whole deposit, as the capture's booking and
 * receipt take it: a check of the deposit not presented is not this issuer's to judge (WrongBank
 * in its receipt, nothing booked).
 */
function overDeposit(
  checks: readonly Uint8Array[],
  items: readonly number[],
  presented: VerifiedChecks,
): VerifiedChecks {
  const known: (Uint8Array | undefined)[] = checks.map(() => undefined);
  const outcomes: CheckOutcome[] = checks.map(() => ({ code: ErrorCode.WrongBank, credited: 0 }));
  items.forEach((i, k) => {
    known[i] = presented.hashes[k];
    outcomes[i] = presented.outcomes[k] as CheckOutcome;
  });
  return {
    hashes: depositedCheckHashes(checks, known),
    outcomes,
    candidates: presented.candidates.map((c) => ({ ...c, index: items[c.index] as number })),
  };
}

async function storedAnswer(q: Queryable, id: Uint8Array): Promise<Uint8Array | undefined> {
  const [row] = await q.query<{ answer: Uint8Array }>(
    'select answer from received_presentments where presentment_id = $1',
    [bytea(id)],
  );
  return row ? new Uint8Array(row.answer) : undefined;
}
