// Certificate renewal: when a purse's certificate nears its end, or was issued under a bank key
// generation the bank has since rotated away from, the bank certifies the same purse keys again
// (same purse id, the limits it sets now) and the card installs the new certificate with RENEW
// CERTIFICATE. Online, the load request (signed by the purse) is the proof that the card asks;
// at the bank's counter, for a card whose certificate has expired and so can no longer load, the
// card signs a nonce the bank drew (renewalMessage) with its purse key. Both sides import this.
import { ed25519 } from '../../bindings/index.ts';
import { concat, equalBytes, utf8 } from '../bytes.ts';
import { type Certificate, parseCertificate } from './certificate.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { ByteLength, RENEWAL_DOMAIN } from './registry.ts';

/** The default renewal window: a certificate within its last 30 days is renewed at the next load. */
export const RENEWAL_WINDOW_S = 30 * 86_400;

/** Why a purse certificate is due for renewal, or undefined when it is not. */
export type RenewalReason = 'window' | 'rotation';

/**
 * `window` when `purse` expires within `windowS` of `now` (or has expired); `rotation` when its
 * bank certificate is not the bank's current one (`bankKey`, the current signing key).
 */
export function renewalDue(
  purse: Certificate,
  o: { now: number; windowS: number; bankKey: Uint8Array },
): RenewalReason | undefined {
  if (purse.notAfter - o.now <= o.windowS) return 'window';
  const bank = purse.issuerCertificate ? parseCertificate(purse.issuerCertificate) : undefined;
  if (!bank || !equalBytes(bank.signingKey, o.bankKey)) return 'rotation';
  return undefined;
}

/** What the purse signs at the counter: the domain, its purse id (UTF-8), then the bank's 16-byte nonce. */
export function renewalMessage(purseId: string, nonce: Uint8Array): Uint8Array {
  if (nonce.length !== ByteLength.nonce)
    throw new ProtocolError(ErrorCode.BadField, `nonce: ${ByteLength.nonce} bytes`);
  return concat(utf8(RENEWAL_DOMAIN), utf8(purseId), nonce);
}

/**
 * Bank: checks the counter's renewal request, the purse's `signature` over renewalMessage, with
 * the key of the purse certificate the bank holds (expired or not: renewing it is the point).
 */
export function verifyRenewalRequest(purse: Certificate, nonce: Uint8Array, signature: Uint8Array): void {
  if (
    signature.length !== ByteLength.signature ||
    !ed25519.verify(signature, renewalMessage(purse.subject, nonce), purse.signingKey)
  )
    throw new ProtocolError(ErrorCode.RenewalTampered, `renewal request of ${purse.subject}`);
}
