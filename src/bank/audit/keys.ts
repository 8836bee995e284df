// Keys and certificates: every bank key generation certified by the root for exactly its stored
// public keys (the secret keys are in the key store, never in the ledger), bank_keys the root and a copy of the newest
// generation, every merchant, purse and cardholder certificate issued by this bank for that row,
// every certificate a purse has held (its history, renewals included) for that purse's own keys,
// and every stored revocation list signed by one of the bank's generations, naming only revoked
// subjects and agreeing with its row. Certificates are verified at their own issue time.

import { equalBytes } from '../../bytes.ts';
import { parseCertificate, verifyChain } from '../../protocol/certificate.ts';
import { parseSign1 } from '../../protocol/cose.ts';
import { revocationList } from '../../protocol/messages.ts';
import { Role } from '../../protocol/registry.ts';
import { verifyRevocationList } from '../../protocol/revocation.ts';
import { type AuditContext, attempt, type PartyRow, u8 } from './context.ts';

/** A certificate verified at its issue time; the problems found, none when it is good. */
function certificateProblems(
  ctx: AuditContext,
  bytes: Uint8Array,
  want: { subject: string; role: Role; currency?: string },
): string[] {
  const chain = attempt(() =>
    verifyChain(bytes, ctx.bank.anchors, { now: parseCertificate(bytes).issuedAt, verifiedCache: ctx.cache }),
  );
  if (chain.error !== undefined) return [chain.error];
  const c = chain.value;
  const problems: string[] = [];
  if (c.subject !== want.subject) problems.push(`certifies ${c.subject}`);
  if (c.role !== want.role) problems.push(`role ${c.role}`);
  if (want.role !== Role.Bank && c.issuer !== ctx.bank.id) problems.push(`issued by ${c.issuer}`);
  if (want.currency !== undefined && c.limits?.currency !== want.currency)
    problems.push(`limits in ${c.limits?.currency ?? 'none'}, purse in ${want.currency}`);
  return problems;
}

export function auditKeys(ctx: AuditContext): void {
  const { bank, rows } = ctx;
  const mine = rows.generations.filter((g) => g.bank_id === bank.id);
  for (const g of mine) {
    const key = `${g.bank_id}/${g.generation}`;
    const problems = certificateProblems(ctx, u8(g.certificate), { subject: g.bank_id, role: Role.Bank });
    const cert = attempt(() => parseCertificate(u8(g.certificate)));
    if (cert.value) {
      if (!equalBytes(cert.value.signingKey, u8(g.bank_public)))
        problems.push('bank_public is not the certified signing key');
      if (!cert.value.kxKey || !equalBytes(cert.value.kxKey, u8(g.kx_public)))
        problems.push('kx_public is not the certified key-exchange key');
    }
    if (problems.length) ctx.add('bank_key_invalid', 'bank_key_generations', key, problems.join('; '));
  }
  const newest = mine[mine.length - 1];
  for (const k of rows.bankKeys.filter((r) => r.bank_id === bank.id)) {
    const problems: string[] = [];
    if (k.root_id !== bank.root.id || !equalBytes(u8(k.root_public), bank.root.publicKey))
      problems.push('root differs from the trusted root');
    if (!newest) problems.push('no key generation stored');
    else {
      if (k.generation !== newest.generation) problems.push(`generation ${k.generation}, newest ${newest.generation}`);
      for (const column of ['bank_public', 'kx_public', 'certificate'] as const)
        if (!equalBytes(u8(k[column]), u8(newest[column])))
          problems.push(`${column} differs from generation ${newest.generation}`);
    }
    if (problems.length) ctx.add('bank_key_mirror_mismatch', 'bank_keys', k.bank_id, problems.join('; '));
  }

  const parties = (
    table: string,
    list: PartyRow[],
    role: Role,
    currency?: (id: string) => string,
    more: (id: string) => string[] = () => [],
  ) => {
    for (const p of list) {
      if (p.certificate === null) continue; // a cardholder without Internet approval has none
      const problems = certificateProblems(ctx, u8(p.certificate), {
        subject: p.id,
        role,
        ...(currency ? { currency: currency(p.id) } : {}),
      });
      problems.push(...more(p.id));
      if (problems.length) ctx.add('certificate_invalid', table, p.id, problems.join('; '));
    }
  };
  parties('merchants', rows.merchants, Role.Merchant);
  parties('cardholders', rows.cardholders, Role.Cardholder);
  const currencies = new Map(rows.purses.map((p) => [p.purse_id, p.currency]));
  const held = purseHistory(ctx, currencies);
  parties(
    'purses',
    rows.purses.map((p) => ({ id: p.purse_id, certificate: p.certificate })),
    Role.Purse,
    (id) => currencies.get(id) ?? '',
    (id) => (held.has(id) ? [] : ['its certificate is not in its history']),
  );

  const revoked = new Set(rows.revocations.map((r) => r.subject));
  const publics = new Map(mine.map((g) => [g.generation, u8(g.bank_public)]));
  for (const l of rows.lists) {
    const key = String(l.list_number);
    const body = attempt(() => revocationList.decode(parseSign1(u8(l.bytes)).payload));
    if (body.error !== undefined) {
      ctx.add('revocation_list_invalid', 'revocation_lists', key, `does not decode (${body.error})`);
      continue;
    }
    const b = body.value;
    const verified = attempt(() =>
      verifyRevocationList(u8(l.bytes), { anchors: bank.anchors, now: b.issuedAt, verifiedCache: ctx.cache }),
    );
    if (verified.error !== undefined) ctx.add('revocation_list_invalid', 'revocation_lists', key, verified.error);
    const problems: string[] = [];
    if (b.bankId !== bank.id) problems.push(`a list of ${b.bankId}`);
    if (b.listNumber !== l.list_number) problems.push(`signed number ${b.listNumber}`);
    if (b.issuedAt !== l.issued_at) problems.push(`issued_at ${l.issued_at}, signed ${b.issuedAt}`);
    if (b.revoked.length !== l.subjects) problems.push(`subjects ${l.subjects}, signed list names ${b.revoked.length}`);
    const signer = verified.value?.signer.signingKey;
    const generationKey = publics.get(l.key_generation);
    if (signer && (!generationKey || !equalBytes(signer, generationKey)))
      problems.push(`not signed by key generation ${l.key_generation}`);
    const unknown = b.revoked.filter((s) => !revoked.has(s));
    if (unknown.length) problems.push(`names ${unknown.join(', ')}, not revoked`);
    if (problems.length) ctx.add('revocation_list_mismatch', 'revocation_lists', key, problems.join('; '));
  }
}

/**
 * A purse's certificate history (src/bank/renewal.ts): every certificate verifies as this bank's
 * for the purse, over the same signing key as the purse's current one (a renewal certifies the
 * same keys again). Returns the purses whose current certificate is in their history (the caller
 * reports the others with their current certificate). Checks signed under any of them stay genuine.
 */
function purseHistory(ctx: AuditContext, currencies: Map<string, string>): Set<string> {
  const key = (bytes: Uint8Array) => attempt(() => parseCertificate(bytes).signingKey).value;
  const current = new Map(ctx.rows.purses.map((p) => [p.purse_id, u8(p.certificate)]));
  const held = new Set<string>();
  for (const h of ctx.rows.purseCertificates) {
    const problems = certificateProblems(ctx, u8(h.certificate), {
      subject: h.purse_id,
      role: Role.Purse,
      currency: currencies.get(h.purse_id) ?? '',
    });
    const now = current.get(h.purse_id);
    const mine = now && key(now);
    const theirs = key(u8(h.certificate));
    if (mine && theirs && !equalBytes(mine, theirs)) problems.push("certifies another key than the purse's");
    if (now && equalBytes(u8(h.certificate), now)) held.add(h.purse_id);
    if (problems.length) ctx.add('certificate_invalid', 'purse_certificates', h.id, problems.join('; '));
  }
  return held;
}
