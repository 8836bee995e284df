// Certificate renewal (src/protocol/renewal.ts): the card replaces its purse certificate by the
// bank's renewal of it in one journaled transaction, and at the bank's counter signs the bank's
// nonce to prove it is the card. Only the certificate and what the card takes from it change:
// balance, serial, log and keys stay, so a power cut at any write leaves the old certificate or
// the new one, whole, and the value untouched.
import { checkPurseCertificate } from './certificate';
import { parseCertificate, Signed } from './cose';
import { ed25519Sign } from './crypto';
import { txAdd, txBegin, txCommit } from './eeprom';
import * as L from './layout';
import { refused, wrong } from './purse';
import { ByteLength, ErrorCode, Lifecycle, Param, RENEWAL_DOMAIN, RENEWAL_DOMAIN_LENGTH, SW } from './wire';

/** RENEW CERTIFICATE: P1 00 installs a renewed certificate; P1 01 signs a renewal nonce. `gate` is the PIN check's answer (0: verified). */
export function renewCertificate(p1: u8, p2: u8, data: usize, lc: usize, gate: i32): i32 {
  if (p2 != 0 || (p1 != 0 && p1 != Param.renewalRequest)) return SW.wrongP1P2;
  if (p1 == Param.renewalRequest) {
    if (lc != ByteLength.nonce) return SW.wrongLength;
    return gate != 0 ? gate : signRenewal(data);
  }
  if (lc == 0 || lc > L.CERT_MAX) return SW.wrongLength;
  if (load<u8>(L.E_LIFECYCLE) != Lifecycle.active) return SW.conditionsNotSatisfied;
  return install(data, lc);
}

const same = (a: usize, an: usize, at: usize): bool => an == <usize>load<u8>(at) && memory.compare(a, at + 1, an) == 0;

/**
 * The renewed certificate must pass personalisation's checks, name this purse under this bank,
 * keep its currency (the balance is in it) and expire later than the installed one: an older or
 * the same certificate sent again is a replay (333), so no one can roll the card back to limits
 * or a bank key the bank has moved on from.
 */
function install(data: usize, lc: usize): i32 {
  const code = checkPurseCertificate(data, lc, ErrorCode.RenewalTampered, ErrorCode.RenewalWrongKey);
  if (code != 0) return wrong(code);
  const leaf = changetype<Signed>(L.CERT_LEAF);
  if (!same(leaf.sub, leaf.subLen, L.E_PURSE_ID) || !same(leaf.iss, leaf.issLen, L.E_BANK_ID)) return wrong(ErrorCode.RenewalWrongKey);
  if (memory.compare(leaf.cur, L.E_CURRENCY, 3) != 0) return wrong(ErrorCode.CurrencyMismatch);
  const exp = leaf.exp;
  const installed = changetype<Signed>(L.CERT_TMP);
  if (!parseCertificate(L.E_CERT, <usize>load<u16>(L.E_CERT_LEN), installed)) unreachable();
  if (exp <= installed.exp) return refused(ErrorCode.RenewalReplayed, SW.wrongData);
  const certLen = L.PERSO + L.PERSO_SIZE; // after the block staged at PERSO
  store<u16>(certLen, <u16>lc);
  txBegin();
  txAdd(L.E_BANK_PK, L.PERSO, L.PERSO_SIZE);
  txAdd(L.E_CERT_LEN, certLen, 2);
  txAdd(L.E_CERT, data, lc);
  txCommit();
  return SW.ok;
}

/** The purse's signature over RENEWAL_DOMAIN ‖ purse id ‖ the bank's nonce, in OUT_BUF. */
function signRenewal(nonce: usize): i32 {
  const M: usize = L.BODY;
  const idLen = <usize>load<u8>(L.E_PURSE_ID);
  memory.copy(M, changetype<usize>(RENEWAL_DOMAIN), RENEWAL_DOMAIN_LENGTH);
  memory.copy(M + RENEWAL_DOMAIN_LENGTH, L.E_PURSE_ID + 1, idLen);
  memory.copy(M + RENEWAL_DOMAIN_LENGTH + idLen, nonce, ByteLength.nonce);
  ed25519Sign(L.E_SIGN_SEED, M, RENEWAL_DOMAIN_LENGTH + idLen + ByteLength.nonce, L.OUT_BUF);
  return SW.ok | (<i32>ByteLength.signature << 16);
}
