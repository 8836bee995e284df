// Back-office credentials: bearer tokens with roles, independent of the client's address.
//
// Why bearer tokens and not mutual TLS: a token works the same behind a reverse proxy that ends
// TLS (the case that made loopback trust unsafe), needs no private CA or certificate rotation, and
// is one header for the CLI, scripts and the benches. A token is `scb_<id>_<secret>`: the id (8
// random bytes, hex) finds the row and names the credential in logs and action records; the secret
// is 32 random bytes (256 bits, base64url). Only SHA-256 of the whole token is stored: a copy of
// the database gives no usable token, and 256 random bits need no slow hash. The stored hash is
// compared in constant time. A credential is revoked, never deleted (the action records name it).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db.ts';
import { BankError } from '../errors.ts';

/**
 * operator: the counter (funding, lost cards and their settlement, PIN unblocks, the reports);
 * issuer: who and what the bank certifies.
 */
export const ROLES = ['operator', 'issuer'] as const;
export type Role = (typeof ROLES)[number];

/** Every back-office action and the role it needs (one role per action). */
export const RIGHTS = {
  fund: 'operator',
  lost: 'operator',
  unblock: 'operator',
  settle: 'operator',
  cardholder: 'issuer',
  merchant: 'issuer',
  purse: 'issuer',
  activation: 'issuer',
} as const satisfies Record<string, Role>;
export type BackOfficeAction = keyof typeof RIGHTS;

/**
 * What the back office reads and the role it needs: the reports on purses and merchants change
 * nothing, so they are not action records (the request log names the credential).
 */
export const READ_RIGHTS = { report: 'operator' } as const satisfies Record<string, Role>;
export type BackOfficeRead = keyof typeof READ_RIGHTS;

export interface Credential {
  id: string;
  name: string;
  roles: Role[];
  createdAt: Date;
  revokedAt: Date | null;
}

const TOKEN = /^scb_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** A new credential; returns it with its token, which is not stored and cannot be shown again. */
export async function createCredential(
  q: Queryable,
  o: { name: string; roles: readonly Role[] },
): Promise<{ credential: Credential; token: string }> {
  if (!/^[A-Za-z0-9._:@ -]{1,64}$/.test(o.name))
    throw new BankError('bad_request', 'name: 1–64 of letters, digits, space and . _ : @ -');
  const roles = [...new Set(o.roles)];
  if (roles.length === 0 || !roles.every(isRole))
    throw new BankError('bad_request', `roles: one or more of ${ROLES.join(', ')}`);
  const id = randomBytes(8).toString('hex');
  const token = `scb_${id}_${randomBytes(32).toString('base64url')}`;
  const [row] = await q.query<CredentialRow>(
    'insert into credentials (credential_id, name, roles, token_hash) values ($1, $2, $3, $4) returning *',
    [id, o.name, roles, sha256(token)],
  );
  return { credential: credentialOf(row as CredentialRow), token };
}

/** Revokes a credential (from now on its token is refused); false when there is none of that id. */
export async function revokeCredential(q: Queryable, id: string): Promise<boolean> {
  const rows = await q.query(
    'update credentials set revoked_at = coalesce(revoked_at, now()) where credential_id = $1 returning 1',
    [id],
  );
  return rows.length > 0;
}

export async function listCredentials(q: Queryable): Promise<Credential[]> {
  return (await q.query<CredentialRow>('select * from credentials order by created_at, credential_id')).map(
    credentialOf,
  );
}

/** Why a token was refused (logged; the client is told only 401). */
export type Refusal = 'missing' | 'malformed' | 'unknown' | 'wrong' | 'revoked';

/** The live credential a bearer token stands for, or why it is refused. */
export async function authenticate(
  q: Queryable,
  token: string | undefined,
): Promise<{ credential: Credential } | { refused: Refusal; credentialId?: string }> {
  if (token === undefined) return { refused: 'missing' };
  const m = TOKEN.exec(token);
  if (!m) return { refused: 'malformed' };
  const id = m[1] as string;
  const [row] = await q.query<CredentialRow>('select * from credentials where credential_id = $1', [id]);
  if (!row) return { refused: 'unknown', credentialId: id };
  if (!timingSafeEqual(sha256(token), Buffer.from(row.token_hash))) return { refused: 'wrong', credentialId: id };
  if (row.revoked_at) return { refused: 'revoked', credentialId: id };
  return { credential: credentialOf(row) };
}

type CredentialRow = {
  credential_id: string;
  name: string;
  roles: string[];
  token_hash: Uint8Array;
  created_at: Date;
  revoked_at: Date | null;
};

const credentialOf = (r: CredentialRow): Credential => ({
  id: r.credential_id,
  name: r.name,
  roles: r.roles.filter(isRole),
  createdAt: new Date(r.created_at),
  revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
});
