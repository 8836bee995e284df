// Reconciliation and audit: the shadow account of a purse; an audit that recomputes every balance
// from the stored signed evidence alone (purse-signed load requests, purse-signed checks, merchant-
// signed refunds) and reports each difference; lost or stolen cards (revoked at once, outstanding
// value refunded to the cardholder after a settlement window in which late checks still count);
// and merchant refunds, which reverse a captured check.
import { parseSign1 } from '../protocol/cose.ts';
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import { verifyInternetCheck } from '../protocol/internet.ts';
import { depositBatch, digitalCheck, refund as refundCodec, valueTokenRequest } from '../protocol/messages.ts';
import { verifyCheck } from '../protocol/pos.ts';
import { Role } from '../protocol/registry.ts';
import { verifyMessage } from '../protocol/signed.ts';
import { decode, Tag, Tagged } from '../protocol/cbor.ts';
import { parseMulti } from '../protocol/cose.ts';
import type { Database, Queryable } from './db.ts';
import { revoke, type Bank } from './issuing.ts';
import { accountId, post } from './ledger.ts';

export interface PurseShadow {
  purseId: string;
  status: string;
  loaded: number;
  captured: number;
  refunded: number;
  outstanding: number;
  highestSerial: number;
  /** Serials below the highest seen with no check yet (at most GAPS_LISTED of them). */
  gaps: number[];
  gapCount: number;
}

const GAPS_LISTED = 100;

export async function purseShadow(q: Queryable, purseId: string): Promise<PurseShadow | undefined> {
  const [p] = await q.query<{ status: string; loaded: number; captured: number; refunded: number; highest_serial: number }>(
    'select status, loaded, captured, refunded, highest_serial from purses where purse_id = $1',
    [purseId],
  );
  if (!p) return undefined;
  const gaps = await q.query<{ s: number }>(
    `select s::bigint as s from generate_series(1, (select coalesce(max(serial), 0) from checks where purse_id = $1)) as g(s)
      where not exists (select 1 from checks c where c.purse_id = $1 and c.serial = g.s) order by s`,
    [purseId],
  );
  const [highest] = await q.query<{ m: number }>('select coalesce(max(serial), 0)::bigint as m from checks where purse_id = $1', [purseId]);
  return {
    purseId,
    status: p.status,
    loaded: p.loaded,
    captured: p.captured,
    refunded: p.refunded,
    outstanding: p.loaded - p.captured - p.refunded,
    highestSerial: highest?.m ?? 0,
    gaps: gaps.slice(0, GAPS_LISTED).map((g) => g.s),
    gapCount: gaps.length,
  };
}

/** A lost or stolen card: revoked now (the next list shows it), settled after `windowS`. */
export async function reportLost(db: Database, purseId: string, now: number, windowS: number): Promise<void> {
  await db.transaction(async (tx) => {
    const rows = await tx.query("update purses set status = 'lost', revoked_at = $2, settle_after = $3 where purse_id = $1 and status = 'active' returning purse_id", [purseId, now, now + windowS]);
    if (!rows.length) throw new ProtocolError(ErrorCode.Revoked, `purse ${purseId} is not active`);
    await revoke(tx, purseId, 'lost', now);
  });
}

/**
 * Settles lost cards whose window has passed: their outstanding value (loaded − captured −
 * refunded) goes back to the cardholder's account, and later checks are refused. Returns what
 * each purse got back.
 */
export async function settleLost(db: Database, bank: Bank, now: number): Promise<{ purseId: string; refunded: number }[]> {
  const due = await db.query<{ purse_id: string }>("select purse_id from purses where status = 'lost' and settle_after <= $1 order by purse_id", [now]);
  const out: { purseId: string; refunded: number }[] = [];
  for (const { purse_id } of due) {
    const refunded = await db.transaction(async (tx) => {
      const [p] = await tx.query<{ cardholder_id: string; currency: string; loaded: number; captured: number; refunded: number; status: string }>(
        'select cardholder_id, currency, loaded, captured, refunded, status from purses where purse_id = $1 for update',
        [purse_id],
      );
      if (!p || p.status !== 'lost') return 0;
      const amount = p.loaded - p.captured - p.refunded;
      if (amount > 0) {
        const liability = await accountId(tx, 'emoney', bank.id, p.currency);
        const cardholder = await accountId(tx, 'cardholder', p.cardholder_id, p.currency);
        await post(tx, 'refund', `lost:${purse_id}`, [{ account: liability, amount: -amount }, { account: cardholder, amount }]);
      }
      await tx.query("update purses set status = 'settled', refunded = refunded + $2 where purse_id = $1", [purse_id, amount]);
      return amount;
    });
    out.push({ purseId: purse_id, refunded });
  }
  return out;
}

/**
 * A merchant's signed refund of a check it deposited (src/protocol/refund.ts): the check is
 * reversed once (merchant debited, the value back in the purse's outstanding e-money).
 */
export async function reverseCheck(db: Database, bank: Bank, refundBytes: Uint8Array, now: number): Promise<{ amount: number }> {
  const verified = verifyMessage(refundCodec, refundBytes, [Role.Merchant], { anchors: bank.anchors, now });
  const r = verified.body;
  if (r.merchantId !== verified.signer.subject) throw new ProtocolError(ErrorCode.SubjectMismatch, `refund of ${r.merchantId} signed by ${verified.signer.subject}`);
  return db.transaction(async (tx) => {
    const [c] = await tx.query<{ purse_id: string; amount: number; merchant_id: string; status: string }>(
      'select purse_id, amount, merchant_id, status from checks where check_hash = $1 for update',
      [Buffer.from(r.checkHash)],
    );
    if (!c || c.merchant_id !== r.merchantId || c.purse_id !== r.purseId) throw new ProtocolError(ErrorCode.UnknownCheck, 'no such check captured for this merchant');
    if (c.status === 'refunded') throw new ProtocolError(ErrorCode.RefundAlreadyApplied);
    if (c.status !== 'credited' || c.amount !== r.amount) throw new ProtocolError(ErrorCode.UnknownCheck, `check ${c.status}, amount ${c.amount}`);
    const [p] = await tx.query<{ currency: string }>('select currency from purses where purse_id = $1 for update', [c.purse_id]);
    const liability = await accountId(tx, 'emoney', bank.id, (p as { currency: string }).currency);
    const merchant = await accountId(tx, 'merchant', c.merchant_id, (p as { currency: string }).currency);
    await post(tx, 'refund', `reversal:${Buffer.from(r.checkHash).toString('hex')}`, [{ account: merchant, amount: -c.amount }, { account: liability, amount: c.amount }], [merchant]);
    await tx.query("update checks set status = 'refunded' where check_hash = $1", [Buffer.from(r.checkHash)]);
    await tx.query('update purses set captured = captured - $2 where purse_id = $1', [c.purse_id, c.amount]);
    return { amount: c.amount };
  });
}

export interface AuditReport {
  ok: boolean;
  differences: string[];
  counts: { loads: number; checks: number; purses: number };
}

/** A stored check verified at its own time (certificates may have expired or been revoked since). */
function genuineCheck(bytes: Uint8Array, anchors: Bank['anchors']) {
  const value = decode(bytes);
  const internet = value instanceof Tagged && value.tag === Tag.Sign;
  const payload = internet ? parseMulti(value, 2).payload : parseSign1(value).payload;
  const { time } = digitalCheck.decode(payload);
  return internet ? verifyInternetCheck(bytes, { anchors, now: time }) : verifyCheck(bytes, { anchors, now: time });
}

/**
 * Recomputes, from the stored signed evidence alone, per purse what was loaded (purse-signed
 * requests) and captured (purse-signed checks still credited), per merchant what it was credited,
 * and the e-money liability; compares each with the books and lists every difference.
 */
export async function audit(db: Database, bank: Bank): Promise<AuditReport> {
  const differences: string[] = [];
  const loaded = new Map<string, number>();
  const captured = new Map<string, number>();
  const merchants = new Map<string, number>();
  const loads = await db.query<{ purse_id: string; amount: number; request: Uint8Array }>('select purse_id, amount, request from loads');
  for (const l of loads) {
    const bytes = new Uint8Array(l.request);
    const { time } = valueTokenRequest.decode(parseSign1(bytes).payload);
    const v = verifyMessage(valueTokenRequest, bytes, [Role.Purse], { anchors: bank.anchors, now: time });
    if (v.signer.subject !== v.body.purseId || v.body.purseId !== l.purse_id || v.body.amount !== l.amount) differences.push(`load of ${l.purse_id}: stored row differs from its signed request`);
    loaded.set(v.body.purseId, (loaded.get(v.body.purseId) ?? 0) + v.body.amount);
  }
  const checks = await db.query<{ purse_id: string; serial: number; amount: number; merchant_id: string; batch_hash: Uint8Array; batch_index: number }>(
    "select purse_id, serial, amount, merchant_id, batch_hash, batch_index from checks where status = 'credited' order by batch_hash",
  );
  const deposits = new Map<string, Uint8Array[]>();
  for (const c of checks) {
    let body;
    try {
      const key = Buffer.from(c.batch_hash).toString('hex');
      let batch = deposits.get(key);
      if (!batch) {
        const [row] = await db.query<{ deposit: Uint8Array }>('select deposit from batches where batch_hash = $1', [Buffer.from(c.batch_hash)]);
        if (!row) throw new Error('its deposit batch is missing');
        // The merchant's signature on the deposit is part of the evidence.
        batch = verifyMessage(depositBatch, new Uint8Array(row.deposit), [Role.Merchant], { anchors: bank.anchors, now: depositBatch.decode(parseSign1(new Uint8Array(row.deposit)).payload).time }).body.checks;
        deposits.set(key, batch);
      }
      body = genuineCheck(batch[c.batch_index] as Uint8Array, bank.anchors).body;
    } catch (error) {
      differences.push(`check ${c.purse_id}/${c.serial}: stored evidence does not verify (${(error as Error).message})`);
      continue;
    }
    if (body.purseId !== c.purse_id || body.serial !== c.serial || body.amount !== c.amount || body.merchantId !== c.merchant_id) differences.push(`check ${c.purse_id}/${c.serial}: stored row differs from the signed check`);
    captured.set(body.purseId, (captured.get(body.purseId) ?? 0) + body.amount);
    merchants.set(body.merchantId, (merchants.get(body.merchantId) ?? 0) + body.amount);
  }
  const purses = await db.query<{ purse_id: string; loaded: number; captured: number; refunded: number; currency: string }>('select purse_id, loaded, captured, refunded, currency from purses');
  const liability = new Map<string, number>();
  for (const p of purses) {
    const l = loaded.get(p.purse_id) ?? 0;
    const c = captured.get(p.purse_id) ?? 0;
    if (l !== p.loaded) differences.push(`purse ${p.purse_id}: books say loaded ${p.loaded}, evidence ${l}`);
    if (c !== p.captured) differences.push(`purse ${p.purse_id}: books say captured ${p.captured}, evidence ${c}`);
    liability.set(p.currency, (liability.get(p.currency) ?? 0) + l - c - p.refunded);
  }
  for (const a of await db.query<{ owner: string; currency: string; balance: number }>("select owner, currency, balance from accounts where kind = 'merchant'")) {
    // A merchant's balance is what it was credited (payouts are not modelled yet).
    const e = merchants.get(a.owner) ?? 0;
    if (e !== a.balance) differences.push(`merchant ${a.owner}: books say ${a.balance}, evidence ${e}`);
    merchants.delete(a.owner);
  }
  for (const [m, e] of merchants) differences.push(`merchant ${m}: evidence ${e}, no account`);
  for (const a of await db.query<{ currency: string; balance: number }>("select currency, balance from accounts where kind = 'emoney' and owner = $1", [bank.id])) {
    const e = liability.get(a.currency) ?? 0;
    if (e !== a.balance) differences.push(`e-money ${a.currency}: books say ${a.balance}, evidence ${e}`);
  }
  return { ok: differences.length === 0, differences, counts: { loads: loads.length, checks: checks.length, purses: purses.length } };
}
