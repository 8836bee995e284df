// The purse certificate, checked and staged for EEPROM: INSTALL CERTIFICATE (personalisation) and
// RENEW CERTIFICATE (the bank's renewal, renewal.ts) take it through the same checks, so a renewed
// certificate is held to everything the first one was, plus being this card's own and newer.
import { failCode, parseCertificate, rootKey, Signed, verifySign1 } from './cose';
import * as L from './layout';
import { ByteLength, ErrorCode, Role } from './wire';

/**
 * Checks the purse certificate at [data, data + lc): a chain to an installed root, a bank over a
 * purse, both signatures, this card's own keys and limits. On success stages at PERSO the block
 * from E_BANK_PK as laid out in EEPROM (bank key, purse id, bank id, currency, limits) and returns
 * 0; otherwise the error code, `badSignature` for a signature that does not verify and `notMine`
 * for another card's keys (personalisation and renewal report these differently). The parsed leaf
 * stays in CERT_LEAF.
 */
export function checkPurseCertificate(data: usize, lc: usize, badSignature: i32, notMine: i32): i32 {
  const leaf = changetype<Signed>(L.CERT_LEAF);
  const top = changetype<Signed>(L.CERT_TOP);
  if (!parseCertificate(data, lc, leaf)) return failCode;
  if (leaf.cert == 0) return ErrorCode.MissingCertificate;
  if (!parseCertificate(leaf.cert, leaf.certLen, top)) return failCode;
  if (top.cert != 0) return ErrorCode.BadCoseStructure;
  const anchor = rootKey(top.iss, top.issLen);
  if (anchor == 0) return ErrorCode.UnknownIssuer;
  if (top.role != Role.Bank || leaf.role != Role.Purse) return ErrorCode.WrongRole;
  if (leaf.issLen != top.subLen || memory.compare(leaf.iss, top.sub, leaf.issLen) != 0) return ErrorCode.IssuerMismatch;
  if (!verifySign1(top, anchor) || !verifySign1(leaf, top.key)) return badSignature;
  if (memory.compare(leaf.key, L.E_SIGN_PK, ByteLength.key) != 0) return notMine;
  if (leaf.kx == 0 || memory.compare(leaf.kx, L.E_KX_PK, ByteLength.key) != 0) return notMine;
  if (leaf.hasLimits == 0) return ErrorCode.MissingField;
  const P: usize = L.PERSO - L.E_BANK_PK; // P + E_x: where E_x is staged
  memory.fill(L.PERSO, 0, L.PERSO_SIZE + 8);
  memory.copy(P + L.E_BANK_PK, top.key, ByteLength.key);
  store<u8>(P + L.E_PURSE_ID, <u8>leaf.subLen);
  memory.copy(P + L.E_PURSE_ID + 1, leaf.sub, leaf.subLen);
  store<u8>(P + L.E_BANK_ID, <u8>leaf.issLen);
  memory.copy(P + L.E_BANK_ID + 1, leaf.iss, leaf.issLen);
  memory.copy(P + L.E_CURRENCY, leaf.cur, 3);
  store<u64>(P + L.E_MAX_BALANCE, leaf.maxBalance);
  store<u64>(P + L.E_MAX_PER_CHECK, leaf.maxPerCheck);
  store<u64>(P + L.E_MAX_OFF_CHECKS, leaf.maxOffChecks);
  store<u64>(P + L.E_MAX_OFF_AMOUNT, leaf.maxOffAmount);
  return 0;
}
