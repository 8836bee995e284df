// PIN unblock: the bank's signature over unblockMessage(purseId, counter) that the card's RESET
// RETRY COUNTER takes (src/protocol/unblock.ts).
//
// The card takes a counter above the last one it applied and does not report that one, so the
// counter is a time (unix milliseconds, the caller's clock): always above any earlier unblock. The
// bank refuses a counter more than 5 minutes ahead of its own clock, so no caller can spend the
// card's counter space (a counter near 2^53 would end unblocking). The signature is made with the
// bank key generation that certified the purse: the card verifies it with the bank key it pinned
// at personalisation.
import { ed25519 } from '../../bindings/index.ts';
import { parseCertificate, verifyChain } from '../protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import { Role } from '../protocol/registry.ts';
import { signWith } from '../protocol/signing-key.ts';
import { unblockMessage, unblockRequestMessage } from '../protocol/unblock.ts';
import type { Queryable } from './db.ts';
import { BankError } from './errors.ts';
import type { Bank } from './issuing.ts';

/** How far ahead of the bank's clock a counter may be, seconds. */
export const UNBLOCK_AHEAD_MAX_S = 300;

/** The bank's unblock signature for an active purse; `now` is the bank's clock, unix seconds. */
export async function unblockSignature(
  q: Queryable,
  bank: Bank,
  purseId: string,
  counter: number,
  now: number,
): Promise<Uint8Array> {
  const latest = (now + UNBLOCK_AHEAD_MAX_S) * 1000;
  if (typeof counter !== 'number' || !Number.isSafeInteger(counter) || counter < 1)
    throw new BankError('bad_request', 'counter: a positive integer');
  if (counter > latest)
    throw new BankError(
      'bad_request',
      `counter: unix milliseconds, at most the bank's clock + 5 min (${latest}), got ${counter}`,
    );
  const [purse] = await q.query<{ status: string; certificate: Uint8Array }>(
    'select status, certificate from purses where purse_id = $1',
    [purseId],
  );
  if (!purse) throw new BankError('not_found', `purse ${purseId}`);
  if (purse.status !== 'active')
    throw new ProtocolError(ErrorCode.Revoked, `purse ${purseId} is ${purse.status}: not unblocked`);
  const certificate = parseCertificate(new Uint8Array(purse.certificate));
  const issuer = [bank.party, ...bank.previous].find((g) =>
    ed25519.verify(certificate.signature, certificate.toBeSigned, g.publicKey),
  );
  if (!issuer) throw new BankError('conflict', `purse ${purseId}: certified by no key of this bank`);
  return signWith(issuer.secretKey, unblockMessage(purseId, counter));
}

/**
 * The cardholder's own unblock request, without the back office (the browser wallet's "Unblock
 * with the bank"): `signature` is the cardholder's, with its certified approval key, over
 * unblockRequestMessage(purseId, counter), and the key must be the purse's cardholder's. The
 * counter must also be no older than 5 minutes, so a request seen by someone else soon stops
 * working (and it only ever unblocks the cardholder's own card). Returns the cardholder id.
 */
export async function checkUnblockRequest(
  q: Queryable,
  bank: Bank,
  o: { purseId: string; counter: number; signature: Uint8Array; now: number },
): Promise<string> {
  if (typeof o.counter !== 'number' || o.counter < (o.now - UNBLOCK_AHEAD_MAX_S) * 1000)
    throw new BankError('bad_request', 'counter: unix milliseconds, at most 5 min old');
  const [row] = await q.query<{ cardholder_id: string; certificate: Uint8Array | null }>(
    'select p.cardholder_id, c.certificate from purses p join cardholders c using (cardholder_id) where p.purse_id = $1',
    [o.purseId],
  );
  if (!row) throw new BankError('not_found', `purse ${o.purseId}`);
  if (!row.certificate)
    throw new ProtocolError(ErrorCode.MissingCertificate, `cardholder ${row.cardholder_id} has no certified key`);
  const cert = verifyChain(new Uint8Array(row.certificate), bank.anchors, { now: o.now });
  if (cert.role !== Role.Cardholder || cert.subject !== row.cardholder_id)
    throw new ProtocolError(ErrorCode.SubjectMismatch, `not the certificate of cardholder ${row.cardholder_id}`);
  if (!ed25519.verify(o.signature, unblockRequestMessage(o.purseId, o.counter), cert.signingKey))
    throw new ProtocolError(ErrorCode.BadSignature, 'the unblock request is not signed by the cardholder');
  return row.cardholder_id;
}
