// At the acquirer, inside the capture's transaction: the verified checks of purses this bank did not
// issue. Each is stored once (presented_checks, check_hash unique: deposited again, it is a
// duplicate here as an own purse's check is) and the new ones are queued for their issuer: one
// signed presentment per issuer of the batch, carrying the merchant-signed deposit as evidence,
// written in the same transaction as the batch and its receipt, so a committed deposit always has
// its presentments and a crash before the commit leaves neither. The merchant's receipt says
// PresentedToIssuer (337) for them; sending is send.ts's, after the commit.
import type { CheckOutcome } from '../../protocol/capture.ts';
import { signedHash } from '../../protocol/cose.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { DepositBatch } from '../../protocol/messages.ts';
import { checkIssuer, makePresentment } from '../../protocol/presentment.ts';
import type { Verified } from '../../protocol/signed.ts';
import type { Candidate } from '../capture/verify.ts';
import { bytea, type Queryable } from '../db.ts';
import type { Bank } from '../issuing.ts';

interface Foreign {
  c: Candidate;
  issuerId: string;
  certificate: Uint8Array;
}

/**
 * Queues the candidates whose purse this bank does not hold and that another scheme bank issued
 * (`presentTo`: the issuers this bank has a route to; another issuer's check is refused
 * NoPresentmentRoute). Returns the candidates left for the bank's own booking: its own purses, and
 * unknown purses it seems to have issued itself (refused WrongBank there, as before).
 */
export async function queueForeign(
  tx: Queryable,
  bank: Pick<Bank, 'id' | 'party'>,
  batch: Verified<DepositBatch>,
  candidates: readonly Candidate[],
  known: ReadonlySet<string>,
  outcomes: CheckOutcome[],
  o: { presentTo: ReadonlySet<string>; now: number },
): Promise<Candidate[]> {
  const own: Candidate[] = [];
  const foreign: Foreign[] = [];
  for (const c of candidates) {
    const issuer = known.has(c.fields.purseId) ? undefined : checkIssuer(batch.body.checks[c.index] as Uint8Array);
    if (!issuer || issuer.issuerId === bank.id) own.push(c);
    else if (!o.presentTo.has(issuer.issuerId)) (outcomes[c.index] as CheckOutcome).code = ErrorCode.NoPresentmentRoute;
    else foreign.push({ c, ...issuer });
  }
  if (foreign.length === 0) return own;

  const inserted = new Set(
    (
      await tx.query<{ h: string }>(
        `insert into presented_checks (check_hash, batch_hash, batch_index, purse_id, serial, amount, currency)
         select decode(h, 'hex'), $2, i, p, s, a, cur
           from unnest($1::text[], $3::int[], $4::text[], $5::bigint[], $6::bigint[], $7::text[]) as t(h, i, p, s, a, cur)
         on conflict do nothing returning encode(check_hash, 'hex') as h`,
        [
          foreign.map((f) => f.c.hashHex),
          bytea(batch.hash),
          foreign.map((f) => f.c.index),
          foreign.map((f) => f.c.fields.purseId),
          foreign.map((f) => f.c.fields.serial),
          foreign.map((f) => f.c.fields.amount),
          foreign.map((f) => f.c.fields.currency),
        ],
      )
    ).map((r) => r.h),
  );
  const byIssuer = new Map<string, Foreign[]>();
  for (const f of foreign) {
    const out = outcomes[f.c.index] as CheckOutcome;
    // Not let in: deposited before, or twice in this batch (the first one is presented).
    if (!inserted.delete(f.c.hashHex)) {
      out.code = ErrorCode.DuplicateCheck;
      continue;
    }
    out.code = ErrorCode.PresentedToIssuer;
    byIssuer.set(f.issuerId, [...(byIssuer.get(f.issuerId) ?? []), f]);
  }
  for (const [issuerId, group] of [...byIssuer].sort(([a], [b]) => (a < b ? -1 : 1)))
    await queuePresentment(tx, bank, batch, issuerId, group, o.now);
  return own;
}

async function queuePresentment(
  tx: Queryable,
  bank: Pick<Bank, 'party'>,
  batch: Verified<DepositBatch>,
  issuerId: string,
  group: readonly Foreign[],
  now: number,
): Promise<void> {
  const items = group.map((f) => f.c.index);
  const signed = makePresentment(bank.party, { issuerId, deposit: batch.bytes, items, time: now });
  const id = signedHash(signed);
  // The issuer's bank certificate from the first check's chain (its key-exchange key seals the
  // presentment; an earlier generation's key still opens at the issuer).
  const certificate = (group[0] as Foreign).certificate;
  await tx.query(
    `insert into presentments (presentment_id, issuer_id, issuer_certificate, batch_hash, merchant_id, bytes, created_at)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [bytea(id), issuerId, bytea(certificate), bytea(batch.hash), batch.body.merchantId, bytea(signed), now],
  );
  await tx.query(
    `update presented_checks c set presentment_id = $1, position = t.pos
       from unnest($2::text[], $3::int[]) as t(h, pos) where c.check_hash = decode(t.h, 'hex')`,
    [bytea(id), group.map((f) => f.c.hashHex), group.map((_, i) => i)],
  );
}
