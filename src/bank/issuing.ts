// Issuing: the bank's keys (kept in the database, table bank_keys), cardholders, merchants, purses
// (purse certificates with offline limits), revocation and the signed revocation list.
import { anchorsOf, certifyBank, certifyParty, createRoot, type Party, type Root } from '../protocol/pki.ts';
import type { OfflineLimits, TrustAnchors } from '../protocol/certificate.ts';
import { makeRevocationList } from '../protocol/revocation.ts';
import { Role } from '../protocol/registry.ts';
import type { Database, Queryable } from './db.ts';
import { accountId, post } from './ledger.ts';
import { BankError } from './errors.ts';

export interface Bank {
  id: string;
  root: Root;
  party: Party;
  anchors: TrustAnchors;
}

const YEAR_S = 365 * 86_400;
const ID = /^[A-Za-z0-9._:-]{1,64}$/;
const checkId = (name: string, id: string) => {
  if (typeof id !== 'string' || !ID.test(id)) throw new BankError('bad_request', `${name}: 1–64 of [A-Za-z0-9._:-], got ${JSON.stringify(id)}`);
};
const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const u8 = (b: unknown) => new Uint8Array(b as Uint8Array);

/** Creates the root and the bank (signing and key-exchange keys) and stores them. */
export async function createBank(db: Database, o: { bankId: string; rootId?: string; now: number; validityS?: number }): Promise<Bank> {
  checkId('bankId', o.bankId);
  const root = createRoot(o.rootId ?? `root-${o.bankId}`);
  const party = certifyBank(root, o.bankId, { notBefore: o.now - 86_400, notAfter: o.now + (o.validityS ?? 5 * YEAR_S) });
  const kx = party.kx as NonNullable<Party['kx']>;
  await db.query(
    'insert into bank_keys (bank_id, root_id, root_public, root_secret, bank_secret, bank_public, kx_secret, kx_public, certificate) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)',
    [o.bankId, root.id, buf(root.publicKey), buf(root.secretKey), buf(party.secretKey), buf(party.publicKey), buf(kx.secretKey), buf(kx.publicKey), buf(party.certificate)],
  );
  return { id: o.bankId, root, party, anchors: anchorsOf(root) };
}

/** The bank stored in this database (the first, or the one named). */
export async function loadBank(db: Queryable, bankId?: string): Promise<Bank | undefined> {
  const rows = await db.query<Record<string, unknown>>(bankId ? 'select * from bank_keys where bank_id = $1' : 'select * from bank_keys order by created_at limit 1', bankId ? [bankId] : []);
  const r = rows[0];
  if (!r) return undefined;
  const root: Root = { id: r.root_id as string, publicKey: u8(r.root_public), secretKey: u8(r.root_secret) };
  const party: Party = {
    id: r.bank_id as string,
    secretKey: u8(r.bank_secret),
    publicKey: u8(r.bank_public),
    certificate: u8(r.certificate),
    kx: { secretKey: u8(r.kx_secret), publicKey: u8(r.kx_public) },
  };
  return { id: party.id, root, party, anchors: anchorsOf(root) };
}

/** A cardholder with a bank account, optionally certified (for Internet approvals). */
export async function registerCardholder(db: Database, bank: Bank, id: string, o: { now: number; certify?: boolean }): Promise<Party | undefined> {
  checkId('cardholderId', id);
  const party = o.certify ? certifyParty(bank.party, id, Role.Cardholder, { notBefore: o.now - 86_400, notAfter: o.now + 3 * YEAR_S }) : undefined;
  await db.query('insert into cardholders (cardholder_id, certificate) values ($1, $2)', [id, party ? buf(party.certificate) : null]);
  return party;
}

/** Money paid in to a cardholder's account from outside (cash, a transfer). */
export async function fund(db: Database, cardholderId: string, amount: number, currency: string, reference = 'deposit'): Promise<void> {
  if (!Number.isSafeInteger(amount) || amount < 1) throw new BankError('bad_request', 'amount: a positive integer');
  await db.transaction(async (tx) => {
    const known = await tx.query('select 1 from cardholders where cardholder_id = $1', [cardholderId]);
    if (!known.length) throw new BankError('not_found', `cardholder ${cardholderId}`);
    const from = await accountId(tx, 'funding', 'outside', currency);
    const to = await accountId(tx, 'cardholder', cardholderId, currency);
    await post(tx, 'fund', `${cardholderId}:${reference}`, [{ account: from, amount: -amount }, { account: to, amount }]);
  });
}

/** A merchant certified by the bank. The bank generates its keys here (a demo simplification). */
export async function registerMerchant(db: Database, bank: Bank, id: string, o: { now: number; validityS?: number }): Promise<Party> {
  checkId('merchantId', id);
  const party = certifyParty(bank.party, id, Role.Merchant, { notBefore: o.now - 86_400, notAfter: o.now + (o.validityS ?? 3 * YEAR_S) });
  await db.query('insert into merchants (merchant_id, certificate) values ($1, $2)', [id, buf(party.certificate)]);
  return party;
}

/** Personalises a purse for a cardholder: its keys and certificate with offline limits. */
export async function personalisePurse(db: Database, bank: Bank, id: string, o: { cardholderId: string; limits: OfflineLimits; now: number; validityS?: number }): Promise<Party> {
  checkId('purseId', id);
  const party = certifyParty(bank.party, id, Role.Purse, { notBefore: o.now - 86_400, notAfter: o.now + (o.validityS ?? 3 * YEAR_S), limits: o.limits });
  await db.query('insert into purses (purse_id, cardholder_id, currency, certificate) values ($1, $2, $3, $4)', [id, o.cardholderId, o.limits.currency, buf(party.certificate)]);
  return party;
}

/** Revokes a subject (purse, merchant, cardholder); idempotent, the first reason stays. */
export async function revoke(q: Queryable, subject: string, reason: string, now: number): Promise<void> {
  await q.query('insert into revocations (subject, reason, revoked_at) values ($1, $2, $3) on conflict (subject) do nothing', [subject, reason, now]);
}

export async function revokedSubjects(q: Queryable): Promise<string[]> {
  return (await q.query<{ subject: string }>('select subject from revocations order by subject')).map((r) => r.subject);
}

/**
 * The current signed revocation list: the stored newest one while it still names exactly the
 * revoked subjects and is not due, otherwise a new one with the next list number.
 */
export async function revocationList(db: Database, bank: Bank, now: number, validityS = 3_600): Promise<Uint8Array> {
  return db.transaction(async (tx) => {
    if (db.driver === 'pg') await tx.query('select pg_advisory_xact_lock($1)', [0x5c0b1157]);
    const subjects = await revokedSubjects(tx);
    const [last] = await tx.query<{ list_number: number; bytes: Uint8Array; issued_at: number; subjects: string }>(
      'select list_number, bytes, issued_at from revocation_lists order by list_number desc limit 1',
    );
    const [count] = await tx.query<{ n: number; latest: number }>('select count(*)::int as n, coalesce(max(revoked_at), 0)::bigint as latest from revocations');
    if (last && last.issued_at + validityS > now && last.issued_at >= (count?.latest ?? 0) && (await listCount(tx, last.list_number)) === count?.n) return u8(last.bytes);
    const [row] = await tx.query<{ list_number: number }>("select nextval(pg_get_serial_sequence('revocation_lists', 'list_number'))::bigint as list_number");
    const listNumber = (row as { list_number: number }).list_number;
    const bytes = makeRevocationList(bank.party, { revoked: subjects, issuedAt: now, nextUpdate: now + validityS, listNumber });
    await tx.query('insert into revocation_lists (list_number, bytes, issued_at, subjects) values ($1, $2, $3, $4)', [listNumber, buf(bytes), now, subjects.length]);
    return bytes;
  });
}

async function listCount(tx: Queryable, listNumber: number): Promise<number> {
  const [r] = await tx.query<{ subjects: number }>('select subjects from revocation_lists where list_number = $1', [listNumber]);
  return r?.subjects ?? -1;
}
