// Deposits, receipts and checks. The merchant-signed deposit holds the purse-signed checks; the
// bank-signed receipt says, check by check, what the bank did with each. From these the audit
// knows which check rows must exist (credited, over the limit), which fraud evidence (clones) and
// merchant refunds (a check reversed or refused as refunded: refunds.ts),
// what each purse had captured and each merchant was credited, and which capture transactions
// the books must hold. A credited check that a guarantees row names was paid under the guarantee
// (docs/guarantee.md): a 'guarantee' transaction from the fraud loss instead of a capture, and
// not in the purse's captured; guarantees.ts justifies each such row. Every row is compared with its own evidence only, so one changed row is
// one finding; a signed object that fails to verify is still decoded and used for the totals.
// Deposits are read in pages of about CHECKS_PER_PAGE checks, each with the check rows of its range
// of batch hashes (stream.ts): a check row only ever needs its own batch, so nothing of a page is
// kept after it, but the batches guarantees rows name and the 'guaranteed' check rows. A deposit
// another bank's acquirer presented (../interbank/issuer.ts) is owed to that acquirer, booked under
// its presentment's reference (received_presentments, read once: one row per presentment).
// An incremental run reads only the deposits and check rows newer than the last checkpoint (their
// own positions: a batch and its checks commit together), the older ones' totals carried; of the
// older check rows it reads only those a refund concerns (oldReversals).

import type { BatchItem } from '../../../bindings/ed25519.ts';
import { sha256Many } from '../../../bindings/index.ts';
import { equalBytes, toHex } from '../../bytes.ts';
import { aboveCertifiedLimit, depositedCheckHash } from '../../protocol/capture.ts';
import { decode, Tag, Tagged } from '../../protocol/cbor.ts';
import type { OfflineLimits } from '../../protocol/certificate.ts';
import { parseMulti, parseSign1, signedHash } from '../../protocol/cose.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { verifyInternetCheck } from '../../protocol/internet.ts';
import {
  type CaptureReceipt,
  captureReceipt,
  type DepositBatch,
  type DigitalCheck,
  depositBatch,
  digitalCheck,
} from '../../protocol/messages.ts';
import { verifyCheck } from '../../protocol/pos.ts';
import { Channel, Role } from '../../protocol/registry.ts';
import { verifyMessage } from '../../protocol/signed.ts';
import type { VerifierPool } from '../../protocol/verifier/index.ts';
import type { Queryable } from '../db.ts';
import { presentmentReference } from '../interbank/postings.ts';
import { type AuditContext, accountKey, attempt, type BatchRow, type CheckRow, TABLES, u8 } from './context.ts';
import { refundKey, refundMatches } from './refunds.ts';
import { PAGE_ROWS, pages } from './stream.ts';

/** Checks per page of deposits: bounds the memory a page holds (its deposits, receipts and rows). */
export const CHECKS_PER_PAGE = 4_096;

const CHECKS = {
  select: 'select purse_id, serial, check_hash, amount, merchant_id, batch_hash, status, batch_index from checks',
  column: 'batch_hash',
  order: 'batch_hash, batch_index, purse_id, serial',
};

/** The codes of a check past its purse's loaded value refused: over the limit, or not guaranteed. */
const OVERSPENT_CODES: ReadonlySet<number> = new Set([
  ErrorCode.LimitExceeded,
  ErrorCode.GuaranteeAfterRevocation,
  ErrorCode.GuaranteeExhausted,
  ErrorCode.GuaranteeOverCheckLimit,
  ErrorCode.GuaranteeDepositLate,
]);

export interface DepositedCheck {
  body?: DigitalCheck;
  hash: Uint8Array;
  /** Why its signature or certificate does not verify, if it does not. */
  invalid?: string;
  /** The limits its purse certificate certified (set when it verifies; undefined when it certifies none). */
  limits?: OfflineLimits;
}

export interface Batch {
  key: string;
  body: DepositBatch;
  receipt?: CaptureReceipt;
  checks: DepositedCheck[];
}

/** A deposited check: its body and payload hash, and whether it verifies at its own time. */
function depositedCheck(bytes: Uint8Array, ctx: AuditContext): DepositedCheck {
  const hash = depositedCheckHash(bytes);
  const parsed = attempt(() => {
    const value = decode(bytes);
    const internet = value instanceof Tagged && value.tag === Tag.Sign;
    return { internet, body: digitalCheck.decode(internet ? parseMulti(value, 2).payload : parseSign1(value).payload) };
  });
  if (parsed.error !== undefined) return { hash, invalid: parsed.error };
  const { internet, body } = parsed.value;
  const context = { anchors: ctx.bank.anchors, now: body.time, verifiedCache: ctx.cache };
  const verified = attempt(() => (internet ? verifyInternetCheck(bytes, context) : verifyCheck(bytes, context)));
  if (verified.error !== undefined) return { body, hash, invalid: verified.error };
  const { limits } = verified.value.signer;
  return limits ? { body, hash, limits } : { body, hash };
}

/**
 * The checks of a page of deposits, as depositedCheck gives them, with capture's worker pool
 * verifying the purse signatures of the POS checks in one batch: each check is parsed and its
 * chain verified at its own time here, as verifyCheck does, all but the one Ed25519 verification
 * (the page's in one verifyBatch call). A check that fails any step here, whose signature the
 * batch refuses, or an Internet check, goes through depositedCheck, for its exact error.
 */
async function depositedChecks(
  ctx: AuditContext,
  verifier: VerifierPool,
  all: Uint8Array[],
): Promise<DepositedCheck[]> {
  const out: DepositedCheck[] = [];
  const items: BatchItem[] = [];
  const payloads: Uint8Array[] = [];
  const at: number[] = [];
  all.forEach((bytes, i) => {
    const fast = attempt(() => {
      const signed = parseSign1(bytes);
      if (!signed.certificate) throw new Error('no certificate');
      const body = digitalCheck.decode(signed.payload);
      const signer = ctx.chains.verify(signed.certificate, body.time);
      const pos = body.channel === Channel.Pos && body.serial >= 1;
      if (signer.role !== Role.Purse || body.purseId !== signer.subject || !pos) throw new Error('refused');
      return { signed, body, signer };
    });
    if (fast.error !== undefined) {
      out.push(depositedCheck(bytes, ctx));
      return;
    }
    const { signed, body, signer } = fast.value;
    // The hash is filled in below, all of the page's in one call (depositedCheckHash: its payload's).
    out.push(signer.limits ? { body, hash: signed.payload, limits: signer.limits } : { body, hash: signed.payload });
    items.push({ publicKey: signer.signingKey, message: signed.toBeSigned, signature: signed.signature });
    payloads.push(signed.payload);
    at.push(i);
  });
  const hashes = sha256Many(payloads);
  at.forEach((i, k) => {
    (out[i] as DepositedCheck).hash = hashes[k] as Uint8Array;
  });
  if (items.length)
    for (const k of (await verifier.verifyBatch(items)).invalid) {
      const i = at[k] as number;
      out[i] = depositedCheck(all[i] as Uint8Array, ctx);
    }
  return out;
}

const rowKey = (c: Pick<CheckRow, 'purse_id' | 'serial'>) => `${c.purse_id}/${c.serial}`;

/** What guarantees.ts needs of the deposits: the batches its rows name, and the 'guaranteed' check rows. */
export interface DepositsSeen {
  /** By batch hash (hex), as decoded: only those a guarantees row names. */
  batches: Map<string, Batch>;
  /** Each check row whose status is 'guaranteed': its deposited position and its key. */
  guaranteedRows: { position: string; key: string }[];
}

/** Every deposit with its check rows, page by page. */
export async function auditDeposits(ctx: AuditContext, q: Queryable): Promise<DepositsSeen> {
  const { rows } = ctx;
  const { verifier } = ctx.o;
  const guaranteed = new Set(rows.guarantees.map((g) => toHex(u8(g.check_hash))));
  const named = new Set(rows.guarantees.map((g) => toHex(u8(g.batch_hash))));
  const evidence = new Set(rows.fraud.map((f) => toHex(u8(f.check_hash))));
  // A clone's check paid under the guarantee has no check row: its guarantees row stands for it.
  const paidClones = new Set(rows.guarantees.filter((g) => g.clone).map((g) => toHex(u8(g.check_hash))));
  const seen: DepositsSeen = { batches: new Map(), guaranteedRows: [] };
  const presented = await presentedDeposits(q);
  // The first page is small; then each is sized by the checks per batch of the one before.
  let checksPerBatch = CHECKS_PER_PAGE / 16;
  const size = () => Math.max(1, Math.min(PAGE_ROWS, Math.floor(CHECKS_PER_PAGE / checksPerBatch)));
  const paging = { size, ...ctx.paging, child: { ...CHECKS, filter: ctx.newEvidence('audit_position') } };
  const batches = { ...TABLES.batches, filter: ctx.newEvidence('audit_position') };
  // Two pages in flight: this page's signatures are verified in the pool while the page before
  // is checked against its rows here (in page order, so the totals and findings are as in one pass).
  let finishing: Promise<void> | undefined;
  for await (const page of pages<BatchRow, CheckRow>(q, batches, paging)) {
    ctx.counts.batches += page.rows.length;
    ctx.counts.checks += page.children.length;
    if (page.rows.length) checksPerBatch = Math.max(1, page.children.length / page.rows.length);
    const stored = new Set<string>();
    const decoded: { b: BatchRow; key: string; parsed: ParsedDeposit }[] = [];
    for (const b of page.rows) {
      const key = toHex(u8(b.batch_hash));
      stored.add(key);
      const parsed = parseDeposit(u8(b.deposit));
      if (parsed.error !== undefined)
        ctx.add('deposit_invalid', 'batches', key, `the stored deposit does not decode (${parsed.error})`);
      else decoded.push({ b, key, parsed: parsed.value });
    }
    // Every check of the page verified at once (in the worker pool when the audit has one).
    const all = decoded.flatMap((d) => d.parsed.body.checks);
    const verifying = verifier
      ? depositedChecks(ctx, verifier, all)
      : Promise.resolve(all.map((c) => depositedCheck(c, ctx)));
    verifying.catch(() => undefined); // a failure surfaces where it is awaited
    await finishing;
    finishing = (async () => {
      const verified = await verifying;
      const batches = new Map<string, Batch>();
      let next = 0;
      for (const { b, key, parsed } of decoded) {
        const checks = verified.slice(next, next + parsed.body.checks.length);
        next += checks.length;
        const batch = auditBatch(ctx, b, key, parsed, checks, guaranteed, presented);
        batches.set(key, batch);
        if (named.has(key)) seen.batches.set(key, batch);
      }
      const claimed = auditCheckRows(ctx, page.children, batches, stored, seen);
      auditOutcomes(ctx, batches, claimed, evidence, paidClones);
      ctx.o.onChecks?.(page.children.length);
    })();
    finishing.catch(() => undefined);
  }
  await finishing;
  if (ctx.since) await oldReversals(ctx, q);
  return seen;
}

/**
 * An incremental run: the check rows older than the last checkpoint that a refund concerns (any
 * refund, or the status 'refunded'). Their status is the one column a refund changes later, and the
 * checkpoint does not hash it: a reversal whose refund is newer than the checkpoint is counted here
 * (the purse, the merchant, its transaction), and a reversal without its refund, or a refund not
 * applied, is found as a full audit finds it. Their other columns are as the checkpoint hashed them
 * (the signed check's, verified then); the refund's currency is the purse's.
 */
async function oldReversals(ctx: AuditContext, q: Queryable): Promise<void> {
  const { bank } = ctx;
  const newRefunds = new Set(
    ctx.rows.refunds.filter((r) => ctx.isNew(r.position)).map((r) => refundKey(u8(r.check_hash), r.merchant_id)),
  );
  const rows = await q.query<CheckRow & Record<string, unknown>>(
    `${CHECKS.select} where not ${ctx.newEvidence('audit_position')} and (status = 'refunded' or check_hash = any(select decode(h, 'hex') from unnest($1::text[]) as t(h))) order by purse_id, serial`,
    [ctx.rows.refunds.map((r) => toHex(u8(r.check_hash)))],
  );
  for (const c of rows) {
    const key = rowKey(c);
    const k = refundKey(u8(c.check_hash), c.merchant_id);
    const refund = ctx.refunds.get(k);
    const currency = ctx.purseRows.get(c.purse_id)?.currency ?? '';
    const check = { purseId: c.purse_id, serial: c.serial, amount: c.amount, currency };
    const refunded = refund !== undefined && refundMatches(refund, check);
    if (c.status === 'refunded' && !refunded)
      ctx.add('refund_missing', 'checks', key, `reversed, and no refund of it by ${c.merchant_id} is stored`);
    if (c.status === 'credited' && refunded)
      ctx.add('refund_not_applied', 'checks', key, `credited, and ${c.merchant_id}'s refund of it is stored`);
    if (c.status === 'refunded' && newRefunds.has(k)) {
      ctx.purse(c.purse_id).captured -= c.amount;
      const m = `${c.merchant_id}/${currency}`;
      ctx.merchantNet.set(m, (ctx.merchantNet.get(m) ?? 0) - c.amount);
      ctx.expect({
        kind: 'refund',
        reference: `reversal:${toHex(u8(c.check_hash))}`,
        currency,
        table: 'checks',
        key,
        entries: [
          [accountKey('merchant', c.merchant_id, currency), -c.amount],
          [accountKey('emoney', bank.id, currency), c.amount],
        ],
      });
    }
  }
}

/**
 * The deposits other banks' acquirers presented to this bank: the presentment's ledger reference
 * (the one both ends book under) by batch hash (hex). One row per presentment, not per check.
 */
async function presentedDeposits(q: Queryable): Promise<Map<string, string>> {
  const rows = await q.query<{ batch_hash: Uint8Array; presentment_id: Uint8Array }>(
    'select batch_hash, presentment_id from received_presentments',
  );
  return new Map(rows.map((r) => [toHex(u8(r.batch_hash)), presentmentReference(u8(r.presentment_id))]));
}

/** A stored deposit decoded: its body and hash, or why it does not decode. */
export const parseDeposit = (deposit: Uint8Array) =>
  attempt(() => {
    const signed = parseSign1(deposit);
    return { body: depositBatch.decode(signed.payload), hash: signedHash(signed) };
  });
type ParsedDeposit = NonNullable<ReturnType<typeof parseDeposit>['value']>;

/** One decoded deposit, its checks as verified, and its receipt: the batch. */
function auditBatch(
  ctx: AuditContext,
  b: BatchRow,
  key: string,
  { body, hash }: ParsedDeposit,
  checks: DepositedCheck[],
  guaranteed: ReadonlySet<string>,
  presented: ReadonlyMap<string, string>,
): Batch {
  const { bank } = ctx;
  const deposit = u8(b.deposit);
  const problems: string[] = [];
  const verified = attempt(() =>
    verifyMessage(depositBatch, deposit, [Role.Merchant], {
      anchors: bank.anchors,
      now: body.time,
      verifiedCache: ctx.cache,
    }),
  );
  if (verified.error !== undefined) problems.push(verified.error);
  else if (verified.value.signer.subject !== body.merchantId)
    problems.push(`signed by ${verified.value.signer.subject} for ${body.merchantId}`);
  if (!equalBytes(hash, u8(b.batch_hash))) problems.push('batch_hash is not the hash of the deposit');
  if (b.merchant_id !== body.merchantId) problems.push(`merchant ${b.merchant_id}, signed ${body.merchantId}`);
  if (!equalBytes(u8(b.batch_id), body.batchId)) problems.push('batch_id differs from the signed one');
  if (problems.length) ctx.add('deposit_invalid', 'batches', key, problems.join('; '));
  // A merchant of another bank: a deposit its acquirer presented (../interbank/issuer.ts); what
  // the receipt credits is owed to that acquirer, not to the merchant.
  const acquirer =
    verified.value && verified.value.signer.issuer !== bank.id ? verified.value.signer.issuer : undefined;
  const payee = (currency: string) =>
    acquirer === undefined
      ? accountKey('merchant', body.merchantId, currency)
      : accountKey('interbank', acquirer, currency);
  // A presented deposit's transactions carry its presentment's reference (a deposit no stored
  // presentment names keeps the capture's, and its books finding says so).
  const reference = (acquirer !== undefined && presented.get(key)) || `${body.merchantId}:${key}`;
  const batch: Batch = { key, body, checks };

  const receiptBytes = u8(b.receipt);
  const receipt = attempt(() => captureReceipt.decode(parseSign1(receiptBytes).payload));
  if (receipt.error !== undefined) {
    ctx.add('receipt_invalid', 'batches', key, `the stored receipt does not decode (${receipt.error})`);
    return batch;
  }
  const r = receipt.value;
  batch.receipt = r;
  const wrong: string[] = [];
  const signed = attempt(() =>
    verifyMessage(captureReceipt, receiptBytes, [Role.Bank], {
      anchors: bank.anchors,
      now: r.time,
      verifiedCache: ctx.cache,
    }),
  );
  if (signed.error !== undefined) wrong.push(signed.error);
  else if (signed.value.signer.subject !== bank.id) wrong.push(`signed by ${signed.value.signer.subject}`);
  if (r.merchantId !== body.merchantId) wrong.push(`for merchant ${r.merchantId}`);
  if (!equalBytes(r.batchId, body.batchId)) wrong.push('for another batch id');
  if (r.outcomes.length !== body.checks.length)
    wrong.push(`${r.outcomes.length} outcomes for ${body.checks.length} checks`);
  let total = 0;
  r.outcomes.forEach(([h, code, credited], i) => {
    const check = batch.checks[i];
    if (check && !equalBytes(h, check.hash)) wrong.push(`outcome ${i} names another check`);
    if (code !== 0 && credited !== 0) wrong.push(`outcome ${i} refused (${code}) but credited ${credited}`);
    if (code === 0 && check?.body && credited !== check.body.amount)
      wrong.push(`outcome ${i} credits ${credited} of a check of ${check.body.amount}`);
    // The certified limit per check (AboveCertifiedLimit), judged on checks that verify.
    if (check?.body && check.invalid === undefined) {
      const above = aboveCertifiedLimit(check.body, check.limits);
      if (above && code === 0)
        wrong.push(`outcome ${i} accepts a check above its certified ${check.limits?.maxPerCheck} per check`);
      if (!above && code === ErrorCode.AboveCertifiedLimit)
        wrong.push(`outcome ${i} refuses as above its certified limit a check within it`);
    }
    total += credited;
  });
  if (total !== r.totalCredited) wrong.push(`total ${r.totalCredited}, sum of credits ${total}`);
  if (b.credited !== r.totalCredited) wrong.push(`row says credited ${b.credited}, receipt ${r.totalCredited}`);
  if (b.checks_count !== r.outcomes.length)
    wrong.push(`row says ${b.checks_count} checks, receipt ${r.outcomes.length}`);
  if (wrong.length) ctx.add('receipt_invalid', 'batches', key, wrong.join('; '));

  // What the receipt says happened: purse totals, the merchant's credit, the capture transaction.
  const byCurrency = new Map<string, number>();
  const lossByCurrency = new Map<string, number>();
  r.outcomes.forEach(([h, code, credited], i) => {
    const check = batch.checks[i]?.body;
    if (!check) return;
    const purse = ctx.purse(check.purseId);
    if (code === 0 || code === ErrorCode.LimitExceeded)
      purse.highestSerial = Math.max(purse.highestSerial, check.serial);
    if (code === ErrorCode.LimitExceeded) purse.overspentChecks += 1;
    if (code !== 0 || credited === 0) return;
    const m = `${body.merchantId}/${check.currency}`;
    if (acquirer === undefined) ctx.merchantNet.set(m, (ctx.merchantNet.get(m) ?? 0) + credited);
    if (guaranteed.has(toHex(h))) {
      purse.guaranteed += credited;
      purse.guaranteedChecks += 1;
      purse.guaranteedLargest = Math.max(purse.guaranteedLargest, credited);
      lossByCurrency.set(check.currency, (lossByCurrency.get(check.currency) ?? 0) + credited);
      return;
    }
    purse.captured += credited;
    purse.creditedCount += 1;
    byCurrency.set(check.currency, (byCurrency.get(check.currency) ?? 0) + credited);
  });
  for (const [currency, amount] of lossByCurrency)
    ctx.expect({
      kind: 'guarantee',
      reference,
      currency,
      table: 'batches',
      key,
      entries: [
        [accountKey('fraud_loss', bank.id, currency), -amount],
        [payee(currency), amount],
      ],
    });
  for (const [currency, amount] of byCurrency) {
    ctx.expect({
      kind: acquirer === undefined ? 'capture' : 'presentment',
      reference,
      currency,
      table: 'batches',
      key,
      entries: [
        [accountKey('emoney', bank.id, currency), -amount],
        [payee(currency), amount],
      ],
    });
  }
  return batch;
}

/** Check rows against their deposited check and its receipt outcome; the positions rows stand for. */
function auditCheckRows(
  ctx: AuditContext,
  checks: readonly CheckRow[],
  batches: ReadonlyMap<string, Batch>,
  stored: ReadonlySet<string>,
  seen: DepositsSeen,
): Map<string, CheckRow> {
  const { bank } = ctx;
  const claimed = new Map<string, CheckRow>();
  const byPosition = new Map<string, CheckRow[]>();
  let lastHash: Uint8Array = new Uint8Array(0);
  let lastHex = '';
  for (const c of checks) {
    // Rows come in batch_hash order: each batch's hash is written in hex once.
    if (!equalBytes(c.batch_hash, lastHash)) {
      lastHash = c.batch_hash;
      lastHex = toHex(u8(c.batch_hash));
    }
    const position = `${lastHex}#${c.batch_index}`;
    const group = byPosition.get(position);
    if (group) group.push(c);
    else byPosition.set(position, [c]);
    if (c.status === 'guaranteed') seen.guaranteedRows.push({ position, key: rowKey(c) });
  }
  for (const [position, group] of byPosition) {
    const [batchKey] = position.split('#') as [string];
    const batch = batches.get(batchKey);
    const deposited = batch?.checks[(group[0] as CheckRow).batch_index];
    // The row whose hash is the deposited check's stands for it; any other is a duplicate.
    const original =
      (deposited && group.find((c) => equalBytes(u8(c.check_hash), deposited.hash))) ?? (group[0] as CheckRow);
    for (const c of group) {
      const key = rowKey(c);
      if (c !== original) {
        ctx.add(
          'check_row_duplicate',
          'checks',
          key,
          `claims the check at ${position}, which ${rowKey(original)} stands for`,
        );
        continue;
      }
      if (!batch || !deposited) {
        ctx.add(
          'check_evidence_missing',
          'checks',
          key,
          batch
            ? `its deposit has no check at index ${c.batch_index}`
            : stored.has(batchKey)
              ? `its deposit ${batchKey} does not decode`
              : `its deposit ${batchKey} is not stored`,
        );
        continue;
      }
      claimed.set(position, c);
      if (deposited.invalid !== undefined) ctx.add('check_signature_invalid', 'checks', key, deposited.invalid);
      const body = deposited.body;
      if (!body) continue;
      const differs: string[] = [];
      if (c.purse_id !== body.purseId) differs.push(`purse ${c.purse_id}, signed ${body.purseId}`);
      if (c.serial !== body.serial) differs.push(`serial ${c.serial}, signed ${body.serial}`);
      if (c.amount !== body.amount) differs.push(`amount ${c.amount}, signed ${body.amount}`);
      if (c.merchant_id !== body.merchantId) differs.push(`merchant ${c.merchant_id}, signed ${body.merchantId}`);
      if (!equalBytes(u8(c.check_hash), deposited.hash)) differs.push('check_hash is not the hash of the signed check');
      if (differs.length) ctx.add('check_row_mismatch', 'checks', key, differs.join('; '));
      const outcome = batch.receipt?.outcomes[c.batch_index];
      if (outcome) {
        const [, code, credited] = outcome;
        const credits = c.status === 'credited' || c.status === 'refunded' || c.status === 'guaranteed';
        if (credits && (code !== 0 || credited !== body.amount))
          ctx.add(
            'check_not_in_receipt',
            'checks',
            key,
            `status ${c.status}, receipt outcome ${code} credited ${credited}`,
          );
        if (c.status === 'overspent' && !OVERSPENT_CODES.has(code))
          ctx.add('check_not_in_receipt', 'checks', key, `status overspent, receipt outcome ${code}`);
        // Past the loaded value, not guaranteed (LimitExceeded counted above from the receipt alone).
        if (c.status === 'overspent' && code !== ErrorCode.LimitExceeded && OVERSPENT_CODES.has(code)) {
          const purse = ctx.purse(body.purseId);
          purse.highestSerial = Math.max(purse.highestSerial, body.serial);
          purse.overspentChecks += 1;
        }
      }
      if (c.status === 'guaranteed') ctx.purse(body.purseId).overspentChecks += 1;
      const refund = ctx.refunds.get(refundKey(deposited.hash, body.merchantId));
      const refunded = refund !== undefined && refundMatches(refund, body);
      if (c.status === 'refunded' && !refunded)
        ctx.add('refund_missing', 'checks', key, `reversed, and no refund of it by ${body.merchantId} is stored`);
      if (c.status === 'credited' && refunded)
        ctx.add('refund_not_applied', 'checks', key, `credited, and ${body.merchantId}'s refund of it is stored`);
      if (c.status === 'refunded') {
        // A reversal (../refunds.ts): the merchant debited, the value back in the e-money liability.
        const purse = ctx.purse(body.purseId);
        purse.captured -= body.amount;
        const m = `${body.merchantId}/${body.currency}`;
        ctx.merchantNet.set(m, (ctx.merchantNet.get(m) ?? 0) - body.amount);
        ctx.expect({
          kind: 'refund',
          reference: `reversal:${toHex(deposited.hash)}`,
          currency: body.currency,
          table: 'checks',
          key,
          entries: [
            [accountKey('merchant', body.merchantId, body.currency), -body.amount],
            [accountKey('emoney', bank.id, body.currency), body.amount],
          ],
        });
      }
    }
  }

  return claimed;
}

/** Receipt outcomes that must have left a row: credited or over the limit (checks), clones (fraud evidence). */
function auditOutcomes(
  ctx: AuditContext,
  batches: ReadonlyMap<string, Batch>,
  claimed: ReadonlyMap<string, CheckRow>,
  evidence: ReadonlySet<string>,
  paidClones: ReadonlySet<string>,
): void {
  for (const batch of batches.values()) {
    batch.receipt?.outcomes.forEach(([h, code, credited], i) => {
      const position = `${batch.key}#${i}`;
      const credits = code === 0 && credited > 0 && !paidClones.has(toHex(h));
      if ((credits || code === ErrorCode.LimitExceeded) && !claimed.has(position))
        ctx.add(
          'receipt_check_missing',
          'batches',
          position,
          `the receipt gives outcome ${code} (credited ${credited}) and no check row stands for it`,
        );
      const check = batch.checks[i]?.body;
      const refund = ctx.refunds.get(refundKey(h, batch.body.merchantId));
      if (code === ErrorCode.CheckRefunded && !(check && refund && refundMatches(refund, check)))
        ctx.add(
          'refund_missing',
          'batches',
          position,
          `the receipt says refunded and no refund of it by ${batch.body.merchantId} is stored`,
        );
      if (code === ErrorCode.CloneDetected && !evidence.has(toHex(h)))
        ctx.add(
          'receipt_check_missing',
          'batches',
          position,
          'the receipt says clone and no fraud evidence row holds it',
        );
    });
  }
}
