// At the acquirer, after the capture committed: sending the outbox (outbox.ts). Each unanswered
// presentment is sealed afresh to its issuer and sent; the issuer's answer is verified against the
// presentment (its signature and certificate, one outcome per check: a tampered answer is a typed
// error and books nothing) and applied once, in one transaction: the answer stored, each check
// accepted or refused with the issuer's code, and the accepted ones credited to the merchant
// (postAcquirerCredited, one per currency). Unreachable issuer, lost reply, a crash before the
// send: the presentment stays unanswered and the next run sends the same one (same id), which the
// issuer answers with its stored answer. Nothing lost, nothing doubled.
import { toHex } from '../../bytes.ts';
import { parseSign1 } from '../../protocol/cose.ts';
import { presentment } from '../../protocol/messages.ts';
import { sealPresentment, verifyPresentmentAnswer } from '../../protocol/presentment.ts';
import { bytea, type Database } from '../db.ts';
import type { Bank } from '../issuing.ts';
import { postAcquirerCredited, presentmentReference } from './postings.ts';

/** Sends a sealed presentment to the issuer and returns its signed answer (HTTP: src/net's BankClient). */
export type SendPresentment = (issuerId: string, envelope: Uint8Array) => Promise<Uint8Array>;

export interface PresentmentSent {
  /** The presentment's id (its payload hash), hex. */
  presentmentId: string;
  issuerId: string;
  /** True when the answer came, verified and applied. */
  answered?: boolean;
  /** Why not: the issuer unreachable, its refusal, or an answer that does not verify. Kept for the next run. */
  error?: string;
}

/**
 * The points of a send where the test hook runs (a crash test kills the process there): `answered`
 * when the issuer's answer has come, before it is verified and applied; `applying` inside the
 * answer's transaction, the checks' outcomes written and the merchant not yet credited.
 */
export type SendStep = 'answered' | 'applying';

export interface SendOptions {
  /** Test hook: called at each step of each presentment's send. */
  onStep?: (step: SendStep) => void | Promise<void>;
}

type OutboxRow = { presentment_id: Uint8Array; issuer_id: string; issuer_certificate: Uint8Array; bytes: Uint8Array };

const u8 = (b: unknown) => new Uint8Array(b as Uint8Array);

/** Sends every unanswered presentment, oldest first; one failing does not stop the others. */
export async function sendPresentments(
  db: Database,
  bank: Pick<Bank, 'anchors'>,
  send: SendPresentment,
  now: () => number,
  o: SendOptions = {},
): Promise<PresentmentSent[]> {
  const rows = await db.query<OutboxRow>(
    'select presentment_id, issuer_id, issuer_certificate, bytes from presentments where answer is null order by created_at, presentment_id',
  );
  const out: PresentmentSent[] = [];
  for (const row of rows) {
    const id = u8(row.presentment_id);
    const sent: PresentmentSent = { presentmentId: toHex(id), issuerId: row.issuer_id };
    try {
      const answer = await send(row.issuer_id, sealPresentment(u8(row.issuer_certificate), u8(row.bytes)));
      await o.onStep?.('answered');
      await applyAnswer(db, bank, row, answer, now(), o);
      sent.answered = true;
    } catch (error) {
      sent.error = (error as Error)?.message ?? String(error);
      await db.query('update presentments set attempts = attempts + 1, last_error = $2 where presentment_id = $1', [
        bytea(id),
        sent.error,
      ]);
    }
    out.push(sent);
  }
  return out;
}

/** Verifies the answer (throws its typed error when it does not) and applies it once. */
async function applyAnswer(
  db: Database,
  bank: Pick<Bank, 'anchors'>,
  row: OutboxRow,
  answer: Uint8Array,
  now: number,
  o: SendOptions,
): Promise<void> {
  const id = u8(row.presentment_id);
  const body = presentment.decode(parseSign1(u8(row.bytes)).payload);
  const items = await db.query<{ check_hash: Uint8Array; amount: number; currency: string }>(
    'select check_hash, amount, currency from presented_checks where presentment_id = $1 order by position',
    [bytea(id)],
  );
  const verified = verifyPresentmentAnswer(
    answer,
    { body, hash: id },
    items.map((i) => ({ checkHash: u8(i.check_hash), amount: i.amount })),
    { anchors: bank.anchors, now },
  );
  await db.transaction(async (tx) => {
    const [first] = await tx.query<{ merchant_id: string }>(
      `update presentments set answer = $2, answered_at = $3, attempts = attempts + 1, last_error = null
        where presentment_id = $1 and answer is null returning merchant_id`,
      [bytea(id), bytea(answer), now],
    );
    // Another process (or an earlier run) applied an answer already: nothing to book again.
    if (!first) return;
    const outcomes = verified.body.outcomes;
    await tx.query(
      `update presented_checks c set status = t.st, code = t.code, credited = t.credited
         from unnest($2::int[], $3::text[], $4::int[], $5::bigint[]) as t(pos, st, code, credited)
        where c.presentment_id = $1 and c.position = t.pos`,
      [
        bytea(id),
        outcomes.map((_, i) => i),
        outcomes.map(([, code]) => (code === 0 ? 'accepted' : 'refused')),
        outcomes.map(([, code]) => code),
        outcomes.map(([, , credited]) => credited),
      ],
    );
    await o.onStep?.('applying');
    const byCurrency = new Map<string, number>();
    outcomes.forEach(([, code, credited], i) => {
      const currency = (items[i] as { currency: string }).currency;
      if (code === 0 && credited > 0) byCurrency.set(currency, (byCurrency.get(currency) ?? 0) + credited);
    });
    for (const [currency, amount] of [...byCurrency].sort(([a], [b]) => (a < b ? -1 : 1)))
      await postAcquirerCredited(tx, first.merchant_id, {
        counterparty: row.issuer_id,
        currency,
        amount,
        reference: presentmentReference(id),
      });
  });
}
