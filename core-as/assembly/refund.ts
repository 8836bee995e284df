// REFUND: the merchant cancels the purse's last purchase and the purse credits it back, once.
// The card checks the refund as src/protocol/refund.ts applyRefund does, in the same order, so a
// refund with several faults gets the same code on the card and in the protocol layer. The check
// hash is not stored at purchase time: the card rebuilds the check body from its log record, byte
// for byte as REISSUE CHECK does, and hashes it (one SHA-256 of ~150 bytes, no EEPROM spent).
import { cborError, expect, hv, ident, currency, key, readerAt, rend, rp, str, uint } from './cbor';
import { failCode, parseSign1, ROLE_MERCHANT, Signed, verifyChainAndSignature } from './cose';
import { sha256 } from './crypto';
import { txAdd, txBegin, txCommit } from './eeprom';
import * as L from './layout';
import { add128, be64, checkBody, findRecord, logAdd, LOGREC, outstandingSum, putBe64, refused, sub128, vb, vbGet, vbLoad, vbSet, wrong } from './purse';
import * as S from './sw';

const REFUNDED: usize = 0x6fb0; // RAM: the new lifetime refunded total (u128)
const FLAG: usize = 0x6fc0;     // RAM: the byte 1, the purchase record's "refunded" mark

/**
 * REFUND: data = time (u64 BE) ‖ signed refund (WIRE.md type 10). Returns the new balance (u64 BE).
 * One transaction: the purchase record marked refunded, a refund record in the log, the balance
 * credited, the net spent total lowered and the refunded total raised by the amount.
 */
export function refund(data: usize, len: usize): i32 {
  if (len < 9) return S.SW_WRONG_LENGTH;
  const now = be64(data);
  const msg = changetype<Signed>(L.CERT_TMP);
  if (!parseSign1(data + 8, data + len, msg, true)) return wrong(failCode);
  if (!verifyChainAndSignature(msg, ROLE_MERCHANT, now)) return wrong(failCode);
  const merchant = changetype<Signed>(L.CERT_LEAF);
  // the refund body (WIRE.md type 10)
  readerAt(msg.payload, msg.payload + msg.payloadLen);
  const n = expect(5);
  if (cborError != 0) return wrong(cborError);
  // WIRE.md § Order of checks, step 6: type and version before the other keys
  if (n < 2) return wrong(104);
  if (!key(0)) return wrong(cborError);
  if (uint() != 10) return wrong(cborError != 0 ? cborError : 102);
  if (!key(1)) return wrong(cborError);
  if (uint() != 1) return wrong(cborError != 0 ? cborError : 103);
  if (n != 9) return wrong(n < 9 ? 104 : 105);
  if (!key(2)) return wrong(cborError);
  const checkHash = str(2);
  if (cborError == 0 && hv != 32) return wrong(106);
  if (!key(3)) return wrong(cborError);
  const pid = ident(); const pidLen = <usize>hv;
  if (!key(4)) return wrong(cborError);
  const amount = uint();
  if (!key(5)) return wrong(cborError);
  const cur = currency();
  if (!key(6)) return wrong(cborError);
  const mid = ident(); const midLen = <usize>hv;
  if (!key(7)) return wrong(cborError);
  const serial = uint();
  if (!key(8)) return wrong(cborError);
  uint();
  if (cborError != 0) return wrong(cborError);
  if (rp != rend) return wrong(100);
  // message rules, in applyRefund's order
  if (midLen != merchant.subLen || memory.compare(mid, merchant.sub, midLen) != 0) return wrong(209);
  const ownLen = <usize>load<u8>(L.E_PURSE_ID);
  if (pidLen != ownLen || memory.compare(pid, L.E_PURSE_ID + 1, pidLen) != 0) return wrong(314);
  const last = load<u64>(L.E_SERIAL);
  if (last == 0 || serial != last) return wrong(318);
  const rec = findRecord(L.LOG_PURCHASE, serial);
  if (rec == 0) {
    // The purchase record left the ring; its refund record, newer, may still say it was refunded.
    return wrong(findRecord(L.LOG_REFUND, serial) != 0 ? 316 : 318);
  }
  memory.copy(LOGREC, rec, L.LOG_SIZE);
  sha256(L.BODY, checkBody(LOGREC), L.HASH);
  if (memory.compare(L.HASH, checkHash, 32) != 0) return wrong(318);
  if (midLen != <usize>load<u8>(rec + 2) || memory.compare(mid, rec + 60, midLen) != 0) return wrong(300);
  if (load<u8>(rec + 3) != 0 || findRecord(L.LOG_REFUND, serial) != 0) return wrong(316);
  if (memory.compare(cur, rec + 124, 3) != 0 || memory.compare(cur, L.E_CURRENCY, 3) != 0) return wrong(304);
  if (amount != load<u64>(rec + 12)) return wrong(106);
  vbLoad();
  const balance = vbGet(L.E_BALANCE) + amount; // each ≤ 2^53 − 1: no u64 overflow
  // Outstanding loads stay creditable: the bank may already have debited them.
  if (balance + outstandingSum() > load<u64>(L.E_MAX_BALANCE)) return refused(305, S.SW_LIMIT_EXCEEDED);
  // The purchase is in the spent total, so it cannot go below zero; the guard costs nothing.
  if (!sub128(vb(L.E_SPENT_LO), amount)) return refused(109, S.SW_LIMIT_EXCEEDED);
  memory.copy(REFUNDED, L.E_REFUNDED_LO, 16);
  if (!add128(REFUNDED, amount)) return refused(109, S.SW_LIMIT_EXCEEDED);
  vbSet(L.E_BALANCE, balance);
  // The refund record: the purchase's channel, id, serial, amount and currency; its own time and
  // the refunded check's hash.
  store<u8>(LOGREC, L.LOG_REFUND);
  store<u8>(LOGREC + 3, 0);
  store<u64>(LOGREC + 20, now);
  memory.copy(LOGREC + 28, L.HASH, 32);
  store<u8>(FLAG, 1);
  txBegin();
  txAdd(rec + 3, FLAG, 1); // first: if the new record takes the purchase's slot, it overwrites the mark
  logAdd();
  txAdd(L.E_VALUE, vb(L.E_VALUE), L.VALUE_SIZE);
  txAdd(L.E_REFUNDED_LO, REFUNDED, 16);
  txCommit();
  putBe64(L.OUT_BUF, balance);
  return S.SW_OK | (8 << 16);
}
