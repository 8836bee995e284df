// The guarantee (docs/guarantee.md): every guarantees row — a check paid from the issuer's fraud
// loss — against its evidence: the receipt credited that very check, the signed check is the one
// the row describes, a clone's check has its fraud evidence (whose proof purses.ts re-verifies) and
// a check past the loaded value its 'guaranteed' check row and a loaded value that did not cover
// it, and its purse is revoked (fraud or overspent). Per purse, what the receipts say the guarantee
// paid stays within the offline limits of the purse's certificate. An incremental run checks the
// rows newer than the last checkpoint (their deposits are newer too: paid as they were captured).
import { equalBytes, toHex } from '../../bytes.ts';
import { parseCertificate } from '../../protocol/certificate.ts';
import { type AuditContext, attempt, u8 } from './context.ts';
import type { DepositsSeen } from './deposits.ts';

export function auditGuarantees(ctx: AuditContext, { batches, guaranteedRows }: DepositsSeen): void {
  const { rows } = ctx;
  const evidence = new Set(rows.fraud.map((f) => toHex(u8(f.check_hash))));
  const guaranteedPositions = new Set(guaranteedRows.map((c) => c.position));
  const purses = ctx.purseRows;
  const named = new Set<string>();
  for (const g of rows.guarantees) named.add(`${toHex(u8(g.batch_hash))}#${g.batch_index}`);
  for (const g of rows.guarantees.filter((r) => ctx.isNew(r.position))) {
    const key = toHex(u8(g.check_hash));
    const position = `${toHex(u8(g.batch_hash))}#${g.batch_index}`;
    const problems: string[] = [];
    const batch = batches.get(toHex(u8(g.batch_hash)));
    const deposited = batch?.checks[g.batch_index];
    const outcome = batch?.receipt?.outcomes[g.batch_index];
    if (!deposited?.body) problems.push(`no deposited check at ${position}`);
    else {
      const b = deposited.body;
      if (!equalBytes(deposited.hash, u8(g.check_hash))) problems.push('another check is deposited at its place');
      if (b.purseId !== g.purse_id || b.serial !== g.serial || b.amount !== g.amount || b.merchantId !== g.merchant_id)
        problems.push(
          `row ${g.purse_id}/${g.serial} ${g.amount} to ${g.merchant_id}, signed ${b.purseId}/${b.serial} ${b.amount} to ${b.merchantId}`,
        );
    }
    if (outcome?.[1] !== 0 || outcome[2] !== g.amount)
      problems.push(`the receipt gives ${outcome ? `outcome ${outcome[1]} credited ${outcome[2]}` : 'no outcome'}`);
    if (g.clone && !evidence.has(key)) problems.push('a clone without fraud evidence');
    if (!g.clone && !guaranteedPositions.has(position))
      problems.push("past the loaded value without its 'guaranteed' check row");
    const p = purses.get(g.purse_id);
    if (!g.clone && p) {
      const e = ctx.purse(g.purse_id);
      if (e.captured + p.refunded + g.amount <= e.loaded) problems.push('the loaded value covered it');
    }
    if (p?.status !== 'fraud' && p?.status !== 'overspent') problems.push(`its purse is ${p?.status ?? 'unknown'}`);
    if (problems.length) ctx.add('guarantee_unjustified', 'guarantees', key, problems.join('; '));
  }
  for (const c of guaranteedRows)
    if (!named.has(c.position))
      ctx.add('guarantee_unjustified', 'checks', c.key, 'guaranteed, and no guarantees row for it');

  for (const [id, e] of ctx.purses) {
    if (e.guaranteedChecks === 0) continue;
    const p = purses.get(id);
    const limits = p && attempt(() => parseCertificate(u8(p.certificate)).limits).value;
    if (
      !limits ||
      e.guaranteed > limits.maxOfflineAmount ||
      e.guaranteedChecks > limits.maxOfflineChecks ||
      e.guaranteedLargest > limits.maxPerCheck
    )
      ctx.add(
        'guarantee_over_limit',
        'purses',
        id,
        `paid under the guarantee ${e.guaranteed} in ${e.guaranteedChecks} checks (largest ${e.guaranteedLargest}); certified ${limits ? `${limits.maxOfflineAmount} in ${limits.maxOfflineChecks} checks of at most ${limits.maxPerCheck}` : 'no offline limits'}`,
      );
  }
}
