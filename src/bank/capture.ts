// Protocol 5 as a service: open the merchant's sealed, signed deposit batch; verify every check in
// the worker pool (the core's batch check verifier); then, in one database transaction, let the
// constraints decide: checks (purse_id, serial) primary key and check_hash unique make the same
// check twice a duplicate and two different checks with one (purse, serial) a clone (kept as a
// fraud proof, purse revoked); per purse captured never exceeds loaded; the merchant is credited;
// the signed receipt is stored under the batch's payload hash so a re-submission gets it back.

import { type CheckOutcome, depositedCheckHash, openDeposit } from '../protocol/capture.ts';
import { revocationKey } from '../protocol/certificate.ts';
import { parseSign1 } from '../protocol/cose.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { addAmounts } from '../protocol/fields.ts';
import { makeFraudProof } from '../protocol/fraud.ts';
import { type CaptureOutcome, captureReceipt, depositBatch } from '../protocol/messages.ts';
import { type Signer, signMessage } from '../protocol/signed.ts';
import type { CheckVerdict, VerifierPool } from '../protocol/verifier/index.ts';
import type { Database, Queryable } from './db.ts';
import { BankError } from './errors.ts';
import { type Bank, openWithAnyKey, revoke } from './issuing.ts';
import { accountId, post } from './ledger.ts';

export type CaptureStep = 'verified' | 'locked' | 'inserted' | 'booked';

export interface CaptureOptions {
  now: number;
  verifier: VerifierPool;
  /** When set, refuse a batch dated further than this from now. */
  maxSkewS?: number;
  /** Most checks in one batch; more is refused (BankError bad_request). */
  checksMax?: number;
  /** Test hook: called between steps inside the transaction (a crash test kills the process here). */
  onStep?: (step: CaptureStep) => void | Promise<void>;
}

export interface CaptureResult {
  receipt: Uint8Array;
  outcomes: CheckOutcome[];
  credited: number;
  /** True when the receipt is the stored one of an identical earlier submission. */
  replayed: boolean;
  timings: { openMs: number; verifyMs: number; dbMs: number };
}

const hex = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('hex');
const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

interface Candidate {
  index: number;
  fields: Extract<CheckVerdict, { ok: true }>;
  hashHex: string;
}

export async function captureBatch(
  db: Database,
  bank: Bank,
  envelope: Uint8Array,
  o: CaptureOptions,
): Promise<CaptureResult> {
  const t0 = performance.now();
  // Lost cards stay capturable until settled: checks made before the loss may still arrive.
  const subjects = (
    await db.query<{ subject: string }>(
      "select subject from revocations r where not exists (select 1 from purses p where p.purse_id = r.subject and p.status = 'lost') order by subject",
    )
  ).map((r) => r.subject);
  const revoked = subjects.map((s) => revocationKey(bank.id, s));
  // The current key-exchange key first, then earlier generations (a merchant still holding the
  // bank certificate of before a key rotation seals to its key).
  const batch = openWithAnyKey(bank, (keys) =>
    openDeposit(keys, envelope, {
      anchors: bank.anchors,
      now: o.now,
      revoked: new Set(revoked),
      ...(o.maxSkewS !== undefined ? { maxSkewS: o.maxSkewS } : {}),
    }),
  );
  if (o.checksMax !== undefined && batch.body.checks.length > o.checksMax)
    throw new BankError('bad_request', `${batch.body.checks.length} checks in one batch, at most ${o.checksMax}`);
  const merchantId = batch.body.merchantId;
  const batchHash = buf(batch.hash);
  const stored = async (q: Queryable) =>
    (await q.query<{ receipt: Uint8Array }>('select receipt from batches where batch_hash = $1', [batchHash]))[0];
  const prior = await stored(db);
  const t1 = performance.now();
  if (prior) return replay(prior.receipt, batch.body.checks.length, t1 - t0);

  const checks = batch.body.checks;
  // POS checks (COSE_Sign1) and Internet checks (COSE_Sign, purse and cardholder) alike: the core
  // verifies both kinds, all their signatures in one batch.
  const verdicts = await o.verifier.verifyChecks(checks, { anchors: bank.anchors, now: o.now, revoked });
  const t2 = performance.now();
  await o.onStep?.('verified');
  // The receipt names each check by its payload hash: the verifier computed it for every check it
  // parsed; only refused items need hashing here. Done before the transaction, not inside it.
  const hashes = verdicts.map((v, i) => (v.ok ? v.checkHash : depositedCheckHash(checks[i] as Uint8Array)));
  const outcomes: CheckOutcome[] = verdicts.map((v) => ({ code: v.ok ? 0 : v.code, credited: 0 }));
  const candidates: Candidate[] = [];
  verdicts.forEach((v, index) => {
    if (!v.ok) return;
    if (v.merchantId !== merchantId) (outcomes[index] as CheckOutcome).code = ErrorCode.WrongMerchant;
    else candidates.push({ index, fields: v, hashHex: hex(v.checkHash) });
  });

  const result = await db.transaction(async (tx) => {
    if (db.driver === 'pg') await tx.query('select pg_advisory_xact_lock(hashtext($1))', [batchHash.toString('hex')]);
    const again = await stored(tx);
    if (again) return { receipt: new Uint8Array(again.receipt), replay: true };
    const local = outcomes.map((x) => ({ ...x }));
    const purseIds = [...new Set(candidates.map((c) => c.fields.purseId))].sort();
    const purses = new Map(
      (
        await tx.query<{
          purse_id: string;
          currency: string;
          loaded: number;
          captured: number;
          refunded: number;
          status: string;
        }>(
          'select purse_id, currency, loaded, captured, refunded, status from purses where purse_id = any($1::text[]) order by purse_id for update',
          [purseIds],
        )
      ).map((p) => [p.purse_id, p]),
    );
    await o.onStep?.('locked');
    const eligible: Candidate[] = [];
    for (const c of candidates) {
      const purse = purses.get(c.fields.purseId);
      const out = local[c.index] as CheckOutcome;
      if (!purse) out.code = ErrorCode.WrongBank;
      else if (purse.currency !== c.fields.currency) out.code = ErrorCode.CurrencyMismatch;
      else if (purse.status !== 'active' && purse.status !== 'lost') out.code = ErrorCode.Revoked;
      else eligible.push(c);
    }
    // The constraints decide which checks are new: one row per (purse, serial), one per hash.
    const inserted = new Set(
      eligible.length === 0
        ? []
        : (
            await tx.query<{ h: string }>(
              `insert into checks (purse_id, serial, check_hash, amount, merchant_id, batch_hash, status, batch_index)
               select p, s, decode(h, 'hex'), a, $5, $6, 'credited', i
                 from unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $7::int[]) as t(p, s, h, a, i)
               on conflict do nothing returning encode(check_hash, 'hex') as h`,
              [
                eligible.map((c) => c.fields.purseId),
                eligible.map((c) => c.fields.serial),
                eligible.map((c) => c.hashHex),
                eligible.map((c) => c.fields.amount),
                merchantId,
                batchHash,
                eligible.map((c) => c.index),
              ],
            )
          ).map((r) => r.h),
    );
    await o.onStep?.('inserted');
    const fresh: Candidate[] = [];
    const seen: Candidate[] = [];
    for (const c of eligible) {
      if (inserted.delete(c.hashHex)) fresh.push(c);
      else seen.push(c);
    }
    if (seen.length) {
      const existing = new Map(
        (
          await tx.query<{ k: string; h: string; batch: Buffer; i: number; deposit: Uint8Array | null }>(
            `select c.purse_id || '/' || c.serial as k, encode(c.check_hash, 'hex') as h, c.batch_hash as batch, c.batch_index as i, b.deposit
               from checks c join unnest($1::text[], $2::bigint[]) as t(p, s) on c.purse_id = t.p and c.serial = t.s
               left join batches b on b.batch_hash = c.batch_hash`,
            [seen.map((c) => c.fields.purseId), seen.map((c) => c.fields.serial)],
          )
        ).map((r) => [r.k, r]),
      );
      for (const c of seen) {
        const row = existing.get(`${c.fields.purseId}/${c.fields.serial}`);
        const out = local[c.index] as CheckOutcome;
        if (!row || row.h === c.hashHex) {
          out.code = ErrorCode.DuplicateCheck;
          continue;
        }
        out.code = ErrorCode.CloneDetected;
        const mine = checks[c.index] as Uint8Array;
        // The first check's bytes: from this batch, or from the stored deposit it came in.
        const first = row.deposit ? (depositedChecks(row.deposit)[row.i] as Uint8Array) : (checks[row.i] as Uint8Array);
        const proof = makeFraudProof(first, mine);
        await tx.query(
          "insert into fraud_evidence (check_hash, purse_id, serial, bytes, proof) values (decode($1, 'hex'), $2, $3, $4, $5) on conflict do nothing",
          [c.hashHex, c.fields.purseId, c.fields.serial, buf(mine), buf(proof)],
        );
        await tx.query(
          "update purses set status = 'fraud', revoked_at = coalesce(revoked_at, $2) where purse_id = $1",
          [c.fields.purseId, o.now],
        );
        await revoke(tx, c.fields.purseId, 'clone', o.now);
      }
    }
    // Per purse, in serial order: credit while captured + refunded stays ≤ loaded.
    fresh.sort((a, b) =>
      a.fields.purseId < b.fields.purseId
        ? -1
        : a.fields.purseId > b.fields.purseId
          ? 1
          : a.fields.serial - b.fields.serial,
    );
    const overspent: Candidate[] = [];
    const perPurse = new Map<string, { add: number; highest: number; count: number }>();
    let total = 0;
    for (const c of fresh) {
      const purse = purses.get(c.fields.purseId) as { loaded: number; captured: number; refunded: number };
      const acc = perPurse.get(c.fields.purseId) ?? { add: 0, highest: 0, count: 0 };
      perPurse.set(c.fields.purseId, acc);
      acc.highest = Math.max(acc.highest, c.fields.serial);
      const out = local[c.index] as CheckOutcome;
      if (purse.captured + purse.refunded + acc.add + c.fields.amount > purse.loaded) {
        out.code = ErrorCode.LimitExceeded;
        overspent.push(c);
        continue;
      }
      acc.add += c.fields.amount;
      acc.count += 1;
      out.credited = c.fields.amount;
      total += c.fields.amount;
    }
    if (overspent.length) {
      await tx.query(
        "update checks set status = 'overspent' where check_hash = any(select decode(h, 'hex') from unnest($1::text[]) as t(h))",
        [overspent.map((c) => c.hashHex)],
      );
      for (const id of new Set(overspent.map((c) => c.fields.purseId))) {
        await tx.query(
          "update purses set status = 'overspent', revoked_at = coalesce(revoked_at, $2) where purse_id = $1 and status = 'active'",
          [id, o.now],
        );
        await revoke(tx, id, 'overspent', o.now);
      }
    }
    if (perPurse.size) {
      const ids = [...perPurse.keys()];
      await tx.query(
        `update purses p set captured = captured + t.a, highest_serial = greatest(highest_serial, t.s), checks_count = checks_count + t.n
           from unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) as t(id, a, s, n) where p.purse_id = t.id`,
        [
          ids,
          ids.map((i) => perPurse.get(i)!.add),
          ids.map((i) => perPurse.get(i)!.highest),
          ids.map((i) => perPurse.get(i)!.count),
        ],
      );
    }
    if (total > 0) {
      const currency = fresh[0]!.fields.currency;
      const byCurrency = new Map<string, number>();
      for (const c of fresh)
        if ((local[c.index] as CheckOutcome).credited)
          byCurrency.set(c.fields.currency, (byCurrency.get(c.fields.currency) ?? 0) + c.fields.amount);
      void currency;
      for (const [cur, amount] of [...byCurrency].sort()) {
        const liability = await accountId(tx, 'emoney', bank.id, cur);
        const merchant = await accountId(tx, 'merchant', merchantId, cur);
        await post(tx, 'capture', `${merchantId}:${batchHash.toString('hex')}`, [
          { account: liability, amount: -amount },
          { account: merchant, amount },
        ]);
      }
    }
    await o.onStep?.('booked');
    const receipt = signReceipt(bank.party, batch.body, hashes, local, o.now);
    await tx.query(
      'insert into batches (batch_hash, deposit, merchant_id, batch_id, receipt, credited, checks_count) values ($1, $2, $3, $4, $5, $6, $7)',
      [batchHash, buf(batch.bytes), merchantId, buf(batch.body.batchId), buf(receipt), total, checks.length],
    );
    return { receipt, replay: false, outcomes: local, total };
  });
  const t3 = performance.now();
  if (result.replay) return replay(result.receipt, checks.length, t1 - t0);
  return {
    receipt: result.receipt,
    outcomes: result.outcomes!,
    credited: result.total!,
    replayed: false,
    timings: { openMs: t1 - t0, verifyMs: t2 - t1, dbMs: t3 - t2 },
  };
}

/** The checks of a stored merchant-signed deposit (batches.deposit), in batch order. */
export function depositedChecks(deposit: Uint8Array): Uint8Array[] {
  return depositBatch.decode(parseSign1(new Uint8Array(deposit)).payload).checks;
}

/**
 * The same receipt as makeReceipt (src/protocol/capture.ts) with the check hashes given (the
 * verifier's), so the transaction does not re-parse every check while it holds its row locks.
 */
function signReceipt(
  bank: Signer,
  batch: { merchantId: string; batchId: Uint8Array },
  hashes: readonly Uint8Array[],
  outcomes: readonly CheckOutcome[],
  now: number,
): Uint8Array {
  let total = 0;
  const rows = outcomes.map((x, i): CaptureOutcome => {
    if (x.code !== 0 && x.credited !== 0)
      throw new RangeError(`check ${i}: refused (${x.code}) but credited ${x.credited}`);
    total = addAmounts(total, x.credited);
    return [hashes[i] as Uint8Array, x.code, x.credited];
  });
  return signMessage(
    captureReceipt,
    { merchantId: batch.merchantId, batchId: batch.batchId, outcomes: rows, totalCredited: total, time: now },
    bank,
  );
}

function replay(receipt: Uint8Array, count: number, openMs: number): CaptureResult {
  const body = captureReceipt.decode(parseSign1(receipt).payload);
  const outcomes = body.outcomes.map(([, code, credited]) => ({ code, credited }));
  if (outcomes.length !== count) throw new Error('stored receipt does not match the batch');
  return {
    receipt: new Uint8Array(receipt),
    outcomes,
    credited: body.totalCredited,
    replayed: true,
    timings: { openMs, verifyMs: 0, dbMs: 0 },
  };
}
