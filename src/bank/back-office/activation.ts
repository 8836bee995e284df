// One-time activation codes: the back office (role issuer) issues one for a cardholder, as banks
// send card activation codes; the cardholder's own device enrols with it (enrol.ts) without any
// back-office credential. A code is 120 random bits, shown as 6 groups of 4 base32 letters (typed
// by hand: case, spaces and dashes do not matter). Only its SHA-256 is stored. It works once,
// until it expires; each refusal has its registry code (319 unknown, 320 used, 321 expired).
import { createHash, randomBytes } from 'node:crypto';
import type { OfflineLimits } from '../../protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../../protocol/errors.ts';
import type { Database, Queryable } from '../db.ts';
import { BankError } from '../errors.ts';
import { type Actor, recordAction } from './actions.ts';

/** How long a code works by default: 7 days. */
export const ACTIVATION_TTL_S = 7 * 86_400;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function newCode(): string {
  const bytes = randomBytes(15);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return (out.match(/.{4}/g) as string[]).join('-');
}

/** The stored form: SHA-256 of the code without its separators, in capitals. */
const codeHash = (code: string): Buffer =>
  createHash('sha256').update(code.replace(/[\s-]/g, '').toUpperCase(), 'utf8').digest();

/** Issues a code for an existing cardholder; the code is returned once and only its hash kept. */
export async function issueActivationCode(
  db: Database,
  o: { cardholderId: string; limits: OfflineLimits; now: number; ttlS?: number; by: Actor },
): Promise<{ code: string; expiresAt: number }> {
  const ttlS = o.ttlS ?? ACTIVATION_TTL_S;
  if (!Number.isSafeInteger(ttlS) || ttlS < 60 || ttlS > 90 * 86_400)
    throw new BankError('bad_request', 'ttlS: seconds, from 60 to 90 days');
  const code = newCode();
  const expiresAt = o.now + ttlS;
  await db.transaction(async (tx) => {
    const known = await tx.query('select 1 from cardholders where cardholder_id = $1', [o.cardholderId]);
    if (!known.length) throw new BankError('not_found', `cardholder ${o.cardholderId}`);
    await tx.query(
      'insert into activation_codes (code_hash, cardholder_id, limits, expires_at, issued_by) values ($1, $2, $3, $4, $5)',
      [codeHash(code), o.cardholderId, JSON.stringify(o.limits), expiresAt, o.by.credentialId],
    );
    await recordAction(tx, o.by, 'activation', o.cardholderId, { limits: o.limits, expiresAt });
  });
  return { code, expiresAt };
}

/** What a code grants: a purse for this cardholder with these limits. */
export interface ActivationGrant {
  hash: Buffer;
  cardholderId: string;
  limits: OfflineLimits;
  /** The purse it enrolled, when already used. */
  usedBy: string | null;
}

/**
 * The code's grant, its row locked for the enrolment's transaction. Refused: unknown (319),
 * expired (321); a used code is returned with `usedBy` so that the same enrolment asked again can
 * be answered (enrol.ts), anything else refused as used (320).
 */
export async function lockActivationCode(tx: Queryable, code: string, now: number): Promise<ActivationGrant> {
  if (typeof code !== 'string' || code.length > 64)
    throw new ProtocolError(ErrorCode.ActivationCodeUnknown, 'no such activation code');
  const hash = codeHash(code);
  const [row] = await tx.query<{
    cardholder_id: string;
    limits: OfflineLimits;
    expires_at: number;
    purse_id: string | null;
  }>('select cardholder_id, limits, expires_at, purse_id from activation_codes where code_hash = $1 for update', [
    hash,
  ]);
  if (!row) throw new ProtocolError(ErrorCode.ActivationCodeUnknown, 'no such activation code');
  if (row.purse_id === null && now >= row.expires_at)
    throw new ProtocolError(ErrorCode.ActivationCodeExpired, 'the activation code has expired');
  return { hash, cardholderId: row.cardholder_id, limits: row.limits, usedBy: row.purse_id };
}

/** Marks the code used by `purseId` (in the enrolment's transaction). */
export async function useActivationCode(tx: Queryable, grant: ActivationGrant, purseId: string, now: number) {
  await tx.query('update activation_codes set used_at = $2, purse_id = $3 where code_hash = $1', [
    grant.hash,
    now,
    purseId,
  ]);
}
