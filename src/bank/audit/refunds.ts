// Merchant refunds (migration 005): each stored refund, signed by its merchant, is the evidence
// that the bank must not credit that check (a receipt outcome 322) or must have reversed it (a
// check row `refunded`, with its reversal transaction: deposits.ts asks for both). The refund is
// verified at its own time; its body (decoded even when the signature fails, so one bad row gives
// one finding) is what the other families look the refund up by: the check's hash and merchant.
// An incremental run verifies only the refunds newer than the last checkpoint; the older ones, as
// it hashed them, are decoded for the look-up.
import { equalBytes, toHex } from '../../bytes.ts';
import { parseSign1, signedHash } from '../../protocol/cose.ts';
import { type Refund, refund } from '../../protocol/messages.ts';
import { Role } from '../../protocol/registry.ts';
import { verifyMessage } from '../../protocol/signed.ts';
import { type AuditContext, attempt, u8 } from './context.ts';

/** How the other families find a check's refund: its hash (hex) and the merchant that refunded it. */
export const refundKey = (checkHash: Uint8Array, merchantId: string): string => `${toHex(checkHash)}/${merchantId}`;

/** True when the refund names exactly this check (purse, serial, amount, currency). */
export const refundMatches = (
  r: Refund,
  c: { purseId: string; serial: number; amount: number; currency: string },
): boolean => r.purseId === c.purseId && r.serial === c.serial && r.amount === c.amount && r.currency === c.currency;

export function auditRefunds(ctx: AuditContext): void {
  for (const row of ctx.rows.refunds) {
    const key = toHex(u8(row.refund_hash));
    const bytes = u8(row.refund);
    const parsed = attempt(() => {
      const signed = parseSign1(bytes);
      return { body: refund.decode(signed.payload), hash: signedHash(signed) };
    });
    if (parsed.error !== undefined) {
      ctx.add('refund_invalid', 'refunds', key, `the stored refund does not decode (${parsed.error})`);
      continue;
    }
    const { body, hash } = parsed.value;
    ctx.refunds.set(refundKey(body.checkHash, body.merchantId), body);
    if (!ctx.isNew(row.position)) continue;
    const problems: string[] = [];
    const verified = attempt(() =>
      verifyMessage(refund, bytes, [Role.Merchant], {
        anchors: ctx.bank.anchors,
        now: body.time,
        verifiedCache: ctx.cache,
      }),
    );
    if (verified.error !== undefined) problems.push(verified.error);
    else if (verified.value.signer.subject !== body.merchantId)
      problems.push(`signed by ${verified.value.signer.subject} for ${body.merchantId}`);
    if (!equalBytes(hash, u8(row.refund_hash))) problems.push('refund_hash is not the hash of the refund');
    if (problems.length) ctx.add('refund_invalid', 'refunds', key, problems.join('; '));

    const differs: string[] = [];
    if (!equalBytes(u8(row.check_hash), body.checkHash)) differs.push('check_hash differs from the signed one');
    if (row.merchant_id !== body.merchantId) differs.push(`merchant ${row.merchant_id}, signed ${body.merchantId}`);
    if (row.purse_id !== body.purseId) differs.push(`purse ${row.purse_id}, signed ${body.purseId}`);
    if (row.serial !== body.serial) differs.push(`serial ${row.serial}, signed ${body.serial}`);
    if (row.amount !== body.amount) differs.push(`amount ${row.amount}, signed ${body.amount}`);
    if (row.currency !== body.currency) differs.push(`currency ${row.currency}, signed ${body.currency}`);
    if (differs.length) ctx.add('refund_row_mismatch', 'refunds', key, differs.join('; '));
  }
}
