// Certificate renewal, the bank's side (src/protocol/renewal.ts says what and why). The bank
// certifies the same purse keys again, for the same purse, with the limits of the certificate it
// renews (the bank keeps a purse's limits nowhere else) and a later expiry, records the new
// certificate as the purse's current one and in its history (purse_certificates), and hands it
// to the card, which installs it with RENEW CERTIFICATE.
//
// Two ways in. At a load (loadValue): the purse's signed load request is the proof, and the bank
// renews when the certificate is within the renewal window or was issued under a key generation
// it has rotated away from. At the counter (back office), for a card that can no longer load
// (expired): the bank draws a nonce, the card signs renewalMessage(purseId, nonce) with its purse
// key (RENEW CERTIFICATE P1 01, under the PIN), and the bank renews once per nonce.

import { equalBytes, toBase64 } from '../bytes.ts';
import { type Certificate, parseCertificate } from '../protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import { Role } from '../protocol/registry.ts';
import { type RenewalReason, renewalDue, verifyRenewalRequest } from '../protocol/renewal.ts';
import { type Actor, IN_PROCESS, recordAction } from './back-office/actions.ts';
import { bytea, type Database, type Queryable } from './db.ts';
import { type Bank, certifyKeys } from './issuing.ts';

/** How long a counter nonce stays good, seconds. */
export const RENEWAL_NONCE_TTL_S = 300;

export interface RenewalOptions {
  now: number;
  /** A certificate within this many seconds of its end is renewed at a load (RENEWAL_WINDOW_S). */
  windowS: number;
  /** The new certificate's validity from now; default that of certifyKeys (3 years). */
  validityS?: number;
}

type Reason = RenewalReason | 'counter';

/** The purse row, locked, with its current certificate; 330 when unknown or not active. */
async function activePurse(tx: Queryable, purseId: string): Promise<Certificate> {
  const [purse] = await tx.query<{ status: string; certificate: Uint8Array }>(
    'select status, certificate from purses where purse_id = $1 for update',
    [purseId],
  );
  if (!purse) throw new ProtocolError(ErrorCode.RenewalPurseUnknown, `unknown purse ${purseId}`);
  if (purse.status !== 'active')
    throw new ProtocolError(ErrorCode.RenewalPurseUnknown, `purse ${purseId} is ${purse.status}`);
  const revoked = await tx.query('select 1 from revocations where subject = $1', [purseId]);
  if (revoked.length) throw new ProtocolError(ErrorCode.RenewalPurseUnknown, `purse ${purseId} is revoked`);
  return parseCertificate(new Uint8Array(purse.certificate));
}

/** Certifies `current`'s keys again, expiring after it, and records it as the purse's certificate. */
async function reissue(tx: Queryable, bank: Bank, current: Certificate, reason: Reason, o: RenewalOptions) {
  const validityS = Math.max(o.validityS ?? 3 * 365 * 86_400, current.notAfter + 1 - o.now);
  const certificate = certifyKeys(
    bank,
    current.subject,
    Role.Purse,
    { signingKey: current.signingKey, ...(current.kxKey ? { kxKey: current.kxKey } : {}) },
    { now: o.now, validityS, ...(current.limits ? { limits: current.limits } : {}) },
  );
  await tx.query('update purses set certificate = $2 where purse_id = $1', [current.subject, bytea(certificate)]);
  await tx.query('insert into purse_certificates (purse_id, certificate, reason) values ($1, $2, $3)', [
    current.subject,
    bytea(certificate),
    reason,
  ]);
  return certificate;
}

/**
 * At a load: the certificate the card should install, if any. `signer` is the certificate the
 * verified load request was signed under. When the bank already holds a newer certificate for the
 * same keys (renewed earlier, the card did not install it), that one; when `signer` is due, a new
 * one. Nothing for a purse that is not active, or whose current certificate is another key's.
 */
export async function renewAtLoad(
  db: Database,
  bank: Bank,
  signer: Certificate,
  o: RenewalOptions,
): Promise<Uint8Array | undefined> {
  return db.transaction(async (tx) => {
    let current: Certificate;
    try {
      current = await activePurse(tx, signer.subject);
    } catch (error) {
      if (error instanceof ProtocolError && error.code === ErrorCode.RenewalPurseUnknown) return undefined;
      throw error;
    }
    if (!equalBytes(current.signingKey, signer.signingKey)) return undefined;
    if (!equalBytes(current.bytes, signer.bytes)) return current.bytes;
    const reason = renewalDue(current, { now: o.now, windowS: o.windowS, bankKey: bank.party.publicKey });
    return reason ? reissue(tx, bank, current, reason, o) : undefined;
  });
}

/** The counter's first step: a fresh nonce for an active purse, good once for RENEWAL_NONCE_TTL_S. */
export async function renewalNonce(db: Database, purseId: string, now: number): Promise<Uint8Array> {
  return db.transaction(async (tx) => {
    await activePurse(tx, purseId);
    const nonce = crypto.getRandomValues(new Uint8Array(16));
    await tx.query('insert into renewal_nonces (nonce, purse_id, expires_at) values ($1, $2, $3)', [
      bytea(nonce),
      purseId,
      now + RENEWAL_NONCE_TTL_S,
    ]);
    return nonce;
  });
}

/**
 * The counter's second step: the card's `signature` over renewalMessage(purseId, nonce) with the
 * key of the purse's current certificate (expired or not), for a nonce drawn for this purse,
 * unused and unexpired. Renews whatever the window says; recorded as a back-office 'purse' action
 * (certifying a purse is the issuer's). Refused: 330 unknown or inactive purse, 332 a signature
 * that does not verify, 333 a nonce used already, 313 an expired one, 303 a nonce never drawn for it.
 */
export async function renewAtCounter(
  db: Database,
  bank: Bank,
  r: { purseId: string; nonce: Uint8Array; signature: Uint8Array },
  o: RenewalOptions & { by?: Actor },
): Promise<Uint8Array> {
  return db.transaction(async (tx) => {
    const current = await activePurse(tx, r.purseId);
    const [drawn] = await tx.query<{ purse_id: string; expires_at: number; used_at: number | null }>(
      'select purse_id, expires_at, used_at from renewal_nonces where nonce = $1 for update',
      [bytea(r.nonce)],
    );
    if (!drawn || drawn.purse_id !== r.purseId)
      throw new ProtocolError(ErrorCode.NonceMismatch, `no renewal nonce drawn for ${r.purseId}`);
    if (drawn.used_at !== null) throw new ProtocolError(ErrorCode.RenewalReplayed, `nonce used at ${drawn.used_at}`);
    if (Number(drawn.expires_at) < o.now)
      throw new ProtocolError(ErrorCode.MessageExpired, `renewal nonce expired at ${drawn.expires_at}`);
    verifyRenewalRequest(current, r.nonce, r.signature);
    await tx.query('update renewal_nonces set used_at = $2 where nonce = $1', [bytea(r.nonce), o.now]);
    const certificate = await reissue(tx, bank, current, 'counter', o);
    await recordAction(tx, o.by ?? IN_PROCESS, 'purse', r.purseId, {
      renewal: 'counter',
      nonce: toBase64(r.nonce),
    });
    return certificate;
  });
}

/** The purse's current certificate (public: it travels in every check the purse signs). */
export async function purseCertificate(q: Queryable, purseId: string): Promise<Uint8Array> {
  const [row] = await q.query<{ certificate: Uint8Array }>('select certificate from purses where purse_id = $1', [
    purseId,
  ]);
  if (!row) throw new ProtocolError(ErrorCode.RenewalPurseUnknown, `unknown purse ${purseId}`);
  return new Uint8Array(row.certificate);
}
