// Presentments, both ends (../interbank/). As acquirer: every stored presentment is this bank's
// signed presentment of the checks its rows name (presented_checks), and once answered, the answer
// verifies under its issuer's certificate, matches the presentment, and the rows and the ledger
// hold exactly what it says: the accepted checks' credits are the 'presentment' transactions the
// books must have (interbank(issuer) → merchant). As issuer: every presentment received verifies
// (an acquirer's signature, the merchant's deposit), and the answer stored for it is this bank's,
// matches it, and gives the outcomes of the receipt booked for its deposit (whose ledger side the
// deposits family checks). Reads its own tables with plain selects.
import { equalBytes, toHex } from '../../bytes.ts';
import { depositedCheckHash } from '../../protocol/capture.ts';
import { parseSign1, signedHash } from '../../protocol/cose.ts';
import { depositedCheckPayload } from '../../protocol/fraud.ts';
import {
  type CaptureOutcome,
  captureReceipt,
  type DigitalCheck,
  depositBatch,
  digitalCheck,
  presentment,
  presentmentAnswer,
} from '../../protocol/messages.ts';
import { verifyPresentment, verifyPresentmentAnswer } from '../../protocol/presentment.ts';
import { Role } from '../../protocol/registry.ts';
import { verifyMessage } from '../../protocol/signed.ts';
import type { Queryable } from '../db.ts';
import { presentmentReference } from '../interbank/postings.ts';
import { type AuditContext, accountKey, attempt, u8 } from './context.ts';

type SentRow = {
  presentment_id: Uint8Array;
  issuer_id: string;
  batch_hash: Uint8Array;
  merchant_id: string;
  bytes: Uint8Array;
  answer: Uint8Array | null;
};
type PresentedRow = {
  check_hash: Uint8Array;
  presentment_id: Uint8Array | null;
  position: number | null;
  purse_id: string;
  serial: number;
  amount: number;
  currency: string;
  status: string;
  code: number | null;
  credited: number;
};
type ReceivedRow = {
  presentment_id: Uint8Array;
  acquirer_id: string;
  batch_hash: Uint8Array;
  bytes: Uint8Array;
  answer: Uint8Array;
  receipt: Uint8Array | null;
};

export async function auditPresentments(ctx: AuditContext, tx: Queryable): Promise<void> {
  await auditSent(ctx, tx);
  await auditReceived(ctx, tx);
}

/** Signatures judged at the signed object's own date, as the other families judge theirs. */
const at = (ctx: AuditContext, now: number) => ({ anchors: ctx.bank.anchors, now, verifiedCache: ctx.cache });

/** A deposited check's body, or undefined when it does not decode. */
function checkBody(check: Uint8Array): DigitalCheck | undefined {
  return attempt(() => digitalCheck.decode(depositedCheckPayload(check).payload)).value;
}

async function auditSent(ctx: AuditContext, tx: Queryable): Promise<void> {
  const { bank } = ctx;
  const sent = await tx.query<SentRow>(
    'select presentment_id, issuer_id, batch_hash, merchant_id, bytes, answer from presentments order by presentment_id',
  );
  const checks = await tx.query<PresentedRow>(
    'select check_hash, presentment_id, position, purse_id, serial, amount, currency, status, code, credited from presented_checks order by presentment_id, position',
  );
  const byPresentment = new Map<string, PresentedRow[]>();
  for (const c of checks) {
    if (c.presentment_id === null) {
      ctx.add('presented_check_mismatch', 'presented_checks', toHex(u8(c.check_hash)), 'in no presentment');
      continue;
    }
    const k = toHex(u8(c.presentment_id));
    byPresentment.set(k, [...(byPresentment.get(k) ?? []), c]);
  }
  for (const p of sent) {
    const key = toHex(u8(p.presentment_id));
    const rows = byPresentment.get(key) ?? [];
    byPresentment.delete(key);
    // Decoded even when its signature fails: one change, one finding, the totals still counted.
    const decoded = attempt(() => presentment.decode(parseSign1(u8(p.bytes)).payload));
    if (decoded.error !== undefined) {
      ctx.add('presentment_invalid', 'presentments', key, decoded.error);
      continue;
    }
    const body = decoded.value;
    const wrong: string[] = [];
    const verified = attempt(() => verifyMessage(presentment, u8(p.bytes), [Role.Bank], at(ctx, body.time)));
    if (verified.error !== undefined) wrong.push(verified.error);
    else if (verified.value.signer.subject !== bank.id) wrong.push(`signed by ${verified.value.signer.subject}`);
    if (body.acquirerId !== bank.id) wrong.push(`presented by ${body.acquirerId}`);
    if (!equalBytes(signedHash(parseSign1(u8(p.bytes))), u8(p.presentment_id)))
      wrong.push('id is not the hash of the presentment');
    if (body.issuerId !== p.issuer_id) wrong.push(`for ${body.issuerId}, row says ${p.issuer_id}`);
    const deposit = attempt(() => depositBatch.decode(parseSign1(body.deposit).payload)).value;
    const depositHash = attempt(() => signedHash(parseSign1(body.deposit))).value;
    if (!depositHash || !equalBytes(depositHash, u8(p.batch_hash))) wrong.push('batch_hash is not its deposit');
    if (deposit?.merchantId !== p.merchant_id)
      wrong.push(`merchant ${p.merchant_id}, deposit of ${deposit?.merchantId}`);
    if (wrong.length) ctx.add('presentment_invalid', 'presentments', key, wrong.join('; '));

    // The rows: one per item, each the deposited check at that item.
    const items = body.items.map((i) => {
      const check = deposit?.checks[i] ?? new Uint8Array();
      return { checkHash: depositedCheckHash(check), body: checkBody(check) };
    });
    if (rows.length !== items.length)
      ctx.add('presented_check_mismatch', 'presentments', key, `${rows.length} rows for ${items.length} items`);
    rows.forEach((r, pos) => {
      const item = items[pos];
      const differs: string[] = [];
      if (r.position !== pos || !item) differs.push(`position ${r.position}`);
      else {
        if (!equalBytes(u8(r.check_hash), item.checkHash)) differs.push('check_hash is not the presented check');
        const b = item.body;
        if (
          !b ||
          b.purseId !== r.purse_id ||
          b.serial !== r.serial ||
          b.amount !== r.amount ||
          b.currency !== r.currency
        )
          differs.push('purse, serial, amount or currency differs from the signed check');
      }
      if (differs.length)
        ctx.add('presented_check_mismatch', 'presented_checks', toHex(u8(r.check_hash)), differs.join('; '));
    });

    if (p.answer === null) {
      for (const r of rows)
        if (r.status !== 'presented')
          ctx.add(
            'presented_check_mismatch',
            'presented_checks',
            toHex(u8(r.check_hash)),
            `${r.status} without an answer`,
          );
      continue;
    }
    const answer = attempt(() => presentmentAnswer.decode(parseSign1(u8(p.answer)).payload));
    if (answer.error !== undefined) {
      ctx.add('presentment_answer_invalid', 'presentments', key, `the stored answer does not decode (${answer.error})`);
      continue;
    }
    const checked = attempt(() =>
      verifyPresentmentAnswer(
        u8(p.answer),
        { body, hash: u8(p.presentment_id) },
        items.map((i) => ({ checkHash: i.checkHash, amount: i.body?.amount ?? -1 })),
        at(ctx, answer.value.time),
      ),
    );
    if (checked.error !== undefined) ctx.add('presentment_answer_invalid', 'presentments', key, checked.error);
    const byCurrency = new Map<string, number>();
    answer.value.outcomes.forEach(([, code, credited], pos) => {
      const r = rows[pos];
      const status = code === 0 ? 'accepted' : 'refused';
      if (r && (r.status !== status || r.code !== code || r.credited !== credited))
        ctx.add(
          'presented_check_mismatch',
          'presented_checks',
          toHex(u8(r.check_hash)),
          `${r.status} ${r.code} credited ${r.credited}, the answer says ${code} credited ${credited}`,
        );
      const currency = items[pos]?.body?.currency;
      if (code === 0 && credited > 0 && currency) byCurrency.set(currency, (byCurrency.get(currency) ?? 0) + credited);
    });
    for (const [currency, amount] of byCurrency) {
      const m = `${p.merchant_id}/${currency}`;
      ctx.merchantNet.set(m, (ctx.merchantNet.get(m) ?? 0) + amount);
      ctx.expect({
        kind: 'presentment',
        reference: presentmentReference(u8(p.presentment_id)),
        currency,
        table: 'presentments',
        key,
        entries: [
          [accountKey('interbank', p.issuer_id, currency), -amount],
          [accountKey('merchant', p.merchant_id, currency), amount],
        ],
      });
    }
  }
  for (const orphans of byPresentment.values())
    for (const r of orphans)
      ctx.add('presented_check_mismatch', 'presented_checks', toHex(u8(r.check_hash)), 'its presentment is not stored');
}

async function auditReceived(ctx: AuditContext, tx: Queryable): Promise<void> {
  const received = await tx.query<ReceivedRow>(
    `select r.presentment_id, r.acquirer_id, r.batch_hash, r.bytes, r.answer, b.receipt
       from received_presentments r left join batches b using (batch_hash) order by r.presentment_id`,
  );
  for (const r of received) {
    const key = toHex(u8(r.presentment_id));
    const opened = attempt(() => {
      const body = presentment.decode(parseSign1(u8(r.bytes)).payload);
      return verifyPresentment(ctx.bank.id, u8(r.bytes), at(ctx, body.time));
    });
    if (opened.error !== undefined) {
      ctx.add('presentment_invalid', 'received_presentments', key, opened.error);
      continue;
    }
    const { presentment: p, deposit } = opened.value;
    const wrong: string[] = [];
    if (!equalBytes(p.hash, u8(r.presentment_id))) wrong.push('id is not the hash of the presentment');
    if (p.body.acquirerId !== r.acquirer_id) wrong.push(`from ${p.body.acquirerId}, row says ${r.acquirer_id}`);
    if (!equalBytes(deposit.hash, u8(r.batch_hash))) wrong.push('batch_hash is not its deposit');
    if (wrong.length) ctx.add('presentment_invalid', 'received_presentments', key, wrong.join('; '));
    const items = p.body.items.map((i) => {
      const check = deposit.body.checks[i] as Uint8Array;
      return { checkHash: depositedCheckHash(check), amount: checkBody(check)?.amount ?? -1 };
    });
    const answer = attempt(() => {
      const { time } = presentmentAnswer.decode(parseSign1(u8(r.answer)).payload);
      return verifyPresentmentAnswer(u8(r.answer), p, items, at(ctx, time));
    });
    if (answer.error !== undefined) {
      ctx.add('presentment_answer_invalid', 'received_presentments', key, answer.error);
      continue;
    }
    // The answer gives what the receipt booked for the deposit, item by item.
    const receipt = r.receipt
      ? attempt(() => captureReceipt.decode(parseSign1(u8(r.receipt)).payload)).value
      : undefined;
    const booked = p.body.items.map((i) => receipt?.outcomes[i]);
    const same = (a: CaptureOutcome | undefined, b: CaptureOutcome) =>
      !!a && equalBytes(a[0], b[0]) && a[1] === b[1] && a[2] === b[2];
    if (!answer.value.body.outcomes.every((o, k) => same(booked[k], o)))
      ctx.add(
        'presentment_answer_invalid',
        'received_presentments',
        key,
        receipt ? 'the answer differs from the receipt booked for its deposit' : 'no receipt is stored for its deposit',
      );
  }
}
