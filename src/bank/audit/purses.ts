// Purses, fraud evidence and revocations: each purse's books (loaded, captured, refunded, highest
// serial, credited count, status) against what the loads, receipts and proofs say; each fraud
// proof re-verified; every purse that is not active revoked, and no purse revoked as a clone or as
// overspent without the proof of it. A
// settled lost card must have had its outstanding value refunded to its cardholder.
import { equalBytes, toHex } from '../../bytes.ts';
import { signedHash } from '../../protocol/cose.ts';
import { verifyFraudProof } from '../../protocol/fraud.ts';
import { type AuditContext, accountKey, attempt, u8 } from './context.ts';

/** Each fraud proof (in an incremental run, those newer than the last checkpoint: the others are counted in its totals). */
export function auditFraudEvidence(ctx: AuditContext): void {
  for (const f of ctx.rows.fraud.filter((r) => ctx.isNew(r.position))) {
    const key = toHex(u8(f.check_hash));
    ctx.purse(f.purse_id).cloneProofs += 1;
    const proof = attempt(() => verifyFraudProof(u8(f.proof), { anchors: ctx.bank.anchors }));
    if (proof.error !== undefined) {
      ctx.add('fraud_evidence_invalid', 'fraud_evidence', key, proof.error);
      continue;
    }
    const e = proof.value;
    const problems: string[] = [];
    if (e.purseId !== f.purse_id || e.serial !== f.serial)
      problems.push(`the proof is of ${e.purseId}/${e.serial}, the row of ${f.purse_id}/${f.serial}`);
    if (e.bankId !== ctx.bank.id) problems.push(`a purse of ${e.bankId}`);
    const hash = attempt(() => signedHash(u8(f.bytes)));
    if (hash.error !== undefined || !equalBytes(hash.value, u8(f.check_hash)))
      problems.push('check_hash is not the hash of the stored check');
    else if (!e.hashes.some((h) => equalBytes(h, hash.value)))
      problems.push('the stored check is not one of the proof');
    if (problems.length) ctx.add('fraud_evidence_invalid', 'fraud_evidence', key, problems.join('; '));
  }
}

export function auditPurses(ctx: AuditContext): void {
  const { bank, rows } = ctx;
  const revoked = new Map(rows.revocations.map((r) => [r.subject, r]));
  for (const p of rows.purses) {
    const e = ctx.purse(p.purse_id);
    const settled = p.status === 'settled';
    const refunded = settled ? e.loaded - e.captured : 0;
    if (p.loaded !== e.loaded)
      ctx.add(
        'purse_loaded_mismatch',
        'purses',
        p.purse_id,
        `books say loaded ${p.loaded}, signed requests ${e.loaded}`,
      );
    if (p.captured !== e.captured)
      ctx.add(
        'purse_captured_mismatch',
        'purses',
        p.purse_id,
        `books say captured ${p.captured}, receipts ${e.captured}`,
      );
    if (p.refunded !== refunded)
      ctx.add(
        'purse_refunded_mismatch',
        'purses',
        p.purse_id,
        `books say refunded ${p.refunded}, evidence ${refunded}`,
      );
    if (p.highest_serial !== e.highestSerial || p.checks_count !== e.creditedCount)
      ctx.add(
        'purse_counters_mismatch',
        'purses',
        p.purse_id,
        `books say highest serial ${p.highest_serial}, ${p.checks_count} credited; deposits ${e.highestSerial}, ${e.creditedCount}`,
      );
    if (e.captured + refunded > e.loaded)
      ctx.add(
        'purse_overspent',
        'purses',
        p.purse_id,
        `evidence: captured ${e.captured} + refunded ${refunded} > loaded ${e.loaded}`,
      );

    const status: string[] = [];
    if (p.status === 'fraud' && e.cloneProofs === 0) status.push('fraud without a clone proof');
    if (p.status !== 'fraud' && e.cloneProofs > 0) status.push(`${p.status} with a clone proof`);
    if (p.status === 'overspent' && e.overspentChecks === 0) status.push('overspent without a check over the limit');
    if (p.status === 'active' && e.overspentChecks > 0) status.push('active with a check over the limit');
    if ((p.status === 'lost' || settled) && p.settle_after === null)
      status.push(`${p.status} without a settlement time`);
    if (status.length) ctx.add('purse_status_unjustified', 'purses', p.purse_id, status.join('; '));

    const revocation = revoked.get(p.purse_id);
    if (p.status !== 'active' && !revocation)
      ctx.add('revocation_missing', 'purses', p.purse_id, `status ${p.status}, not revoked`);
    // A revocation that claims evidence must have it; other reasons (lost, an operator's decision
    // through revoke()) are the bank's to make and need none.
    if (revocation?.reason === 'clone' && e.cloneProofs === 0)
      ctx.add('revocation_unjustified', 'revocations', p.purse_id, 'revoked as a clone without a clone proof');
    if (revocation?.reason === 'overspent' && e.overspentChecks === 0)
      ctx.add(
        'revocation_unjustified',
        'revocations',
        p.purse_id,
        'revoked as overspent without a check over the limit',
      );

    if (settled && refunded > 0)
      ctx.expect({
        kind: 'refund',
        reference: `lost:${p.purse_id}`,
        currency: p.currency,
        table: 'purses',
        key: p.purse_id,
        entries: [
          [accountKey('emoney', bank.id, p.currency), -refunded],
          [accountKey('cardholder', p.cardholder_id, p.currency), refunded],
        ],
      });
  }
}
