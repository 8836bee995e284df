// Loads: each stored value-token request (signed by the purse) is the evidence of one load. The
// request is verified at its own time; its body (decoded even when the signature fails, so one bad
// row gives one finding) says which purse was loaded with how much, and which ledger transaction
// must exist: the purse's cardholder debited, the bank's e-money liability credited. An
// incremental run reads only the loads newer than the last checkpoint (index.ts): the older ones'
// totals are carried.
import { equalBytes, toHex } from '../../bytes.ts';
import { parseSign1, signedHash } from '../../protocol/cose.ts';
import { valueTokenRequest } from '../../protocol/messages.ts';
import { Role } from '../../protocol/registry.ts';
import { verifyMessage } from '../../protocol/signed.ts';
import { type AuditContext, accountKey, attempt, type LoadRow, u8 } from './context.ts';

/** One page of loads (stream.ts), each with the transaction its row names. */
export function auditLoads(ctx: AuditContext, loads: readonly LoadRow[]): void {
  const { bank } = ctx;
  ctx.counts.loads += loads.length;
  for (const l of loads) {
    const key = toHex(u8(l.request_hash));
    const bytes = u8(l.request);
    const parsed = attempt(() => {
      const signed = parseSign1(bytes);
      return { body: valueTokenRequest.decode(signed.payload), hash: signedHash(signed) };
    });
    if (parsed.error !== undefined) {
      ctx.add('load_evidence_invalid', 'loads', key, `the stored request does not decode (${parsed.error})`);
      continue;
    }
    const { body, hash } = parsed.value;
    const problems: string[] = [];
    const signer = attempt(
      () =>
        verifyMessage(valueTokenRequest, bytes, [Role.Purse], {
          anchors: bank.anchors,
          now: body.time,
          verifiedCache: ctx.cache,
        }).signer,
    );
    if (signer.error !== undefined) problems.push(signer.error);
    else if (signer.value.subject !== body.purseId)
      problems.push(`signed by ${signer.value.subject} for ${body.purseId}`);
    if (!equalBytes(hash, u8(l.request_hash))) problems.push('request_hash is not the hash of the request');
    if (problems.length) ctx.add('load_evidence_invalid', 'loads', key, problems.join('; '));

    const reference = `${body.purseId}:${toHex(hash)}`;
    const differs: string[] = [];
    if (l.purse_id !== body.purseId) differs.push(`purse ${l.purse_id}, signed ${body.purseId}`);
    if (l.amount !== body.amount) differs.push(`amount ${l.amount}, signed ${body.amount}`);
    if (!equalBytes(u8(l.nonce), body.nonce)) differs.push('nonce differs from the signed one');
    if (l.tx_kind !== 'load' || l.tx_reference !== reference)
      differs.push(`tx_id ${l.tx_id} is not the load transaction ${reference}`);
    if (differs.length) ctx.add('load_row_mismatch', 'loads', key, differs.join('; '));

    ctx.purse(body.purseId).loaded += body.amount;
    const cardholder = ctx.purseRows.get(body.purseId)?.cardholder_id ?? '?';
    ctx.expect({
      kind: 'load',
      reference,
      currency: body.currency,
      table: 'loads',
      key,
      entries: [
        [accountKey('cardholder', cardholder, body.currency), -body.amount],
        [accountKey('emoney', bank.id, body.currency), body.amount],
      ],
    });
  }
}
