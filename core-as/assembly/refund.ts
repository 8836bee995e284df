// REFUND: the merchant cancels the purse's last purchase and the purse credits it back, once.
// The card checks the refund as src/protocol/refund.ts applyRefund does, in the same order, so a
// refund with several faults gets the same code on the card and in the protocol layer. The check
// hash is not stored at purchase time: the card rebuilds the check body from its log record, byte
// for byte as REISSUE CHECK does, and hashes it (one SHA-256 of ~150 bytes, no EEPROM spent).
import { cborError, expect, hv, ident, currency, key, readerAt, rend, rp, str, uint } from './cbor';
import { failCode, parseSign1, Signed, verifyChainAndSignature } from './cose';
import { sha256 } from './crypto';
import { txAdd, txBegin, txCommit } from './eeprom';
import * as L from './layout';
import { Log } from './layout';
import { add128, be64, checkBody, findRecord, logAdd, outstandingSum, putBe64, refused, sub128, vb, vbGet, vbLoad, vbSet, wrong } from './purse';
import { BodyKey, ByteLength, ErrorCode, FORMAT_VERSION, LogKind, MessageType, Refund, Role, SW } from './wire';

/**
 * REFUND: data = time (u64 BE) ‖ signed refund (WIRE.md type 10). Returns the new balance (u64 BE).
 * One transaction: the purchase record marked refunded, a refund record in the log, the balance
 * credited, the net spent total lowered and the refunded total raised by the amount.
 */
export function refund(data: usize, len: usize): i32 {
  if (len < 9) return SW.wrongLength;
  const now = be64(data);
  const msg = changetype<Signed>(L.CERT_TMP);
  if (!parseSign1(data + 8, data + len, msg, true)) return wrong(failCode);
  if (!verifyChainAndSignature(msg, Role.Merchant, now)) return wrong(failCode);
  const merchant = changetype<Signed>(L.CERT_LEAF);
  // the refund body (WIRE.md type 10)
  readerAt(msg.payload, msg.payload + msg.payloadLen);
  const n = expect(5);
  if (cborError != 0) return wrong(cborError);
  // WIRE.md § Order of checks, step 6: type and version before the other keys
  if (n < 2) return wrong(ErrorCode.MissingField);
  if (!key(BodyKey.type)) return wrong(cborError);
  if (uint() != MessageType.Refund) return wrong(cborError != 0 ? cborError : ErrorCode.WrongMessageType);
  if (!key(BodyKey.version)) return wrong(cborError);
  if (uint() != FORMAT_VERSION) return wrong(cborError != 0 ? cborError : ErrorCode.UnsupportedVersion);
  if (n != Refund.entries) return wrong(n < Refund.entries ? ErrorCode.MissingField : ErrorCode.UnknownField);
  if (!key(Refund.checkHash)) return wrong(cborError);
  const checkHash = str(2);
  if (cborError == 0 && hv != ByteLength.hash) return wrong(ErrorCode.BadField);
  if (!key(Refund.purseId)) return wrong(cborError);
  const pid = ident(); const pidLen = <usize>hv;
  if (!key(Refund.amount)) return wrong(cborError);
  const amount = uint();
  if (!key(Refund.currency)) return wrong(cborError);
  const cur = currency();
  if (!key(Refund.merchantId)) return wrong(cborError);
  const mid = ident(); const midLen = <usize>hv;
  if (!key(Refund.serial)) return wrong(cborError);
  const serial = uint();
  if (!key(Refund.time)) return wrong(cborError);
  uint();
  if (cborError != 0) return wrong(cborError);
  if (rp != rend) return wrong(ErrorCode.MalformedCbor);
  // message rules, in applyRefund's order
  if (midLen != merchant.subLen || memory.compare(mid, merchant.sub, midLen) != 0) return wrong(ErrorCode.SubjectMismatch);
  const ownLen = <usize>load<u8>(L.E_PURSE_ID);
  if (pidLen != ownLen || memory.compare(pid, L.E_PURSE_ID + 1, pidLen) != 0) return wrong(ErrorCode.WrongPurse);
  const last = load<u64>(L.E_SERIAL);
  if (last == 0 || serial != last) return wrong(ErrorCode.UnknownCheck);
  const rec = findRecord(LogKind.purchase, serial);
  if (rec == 0) {
    // The purchase record left the ring; its refund record, newer, may still say it was refunded.
    return wrong(findRecord(LogKind.refund, serial) != 0 ? ErrorCode.RefundAlreadyApplied : ErrorCode.UnknownCheck);
  }
  const copy = L.LOGREC; // the purchase record, then the refund record
  memory.copy(copy, rec, L.LOG_SIZE);
  sha256(L.BODY, checkBody(copy), L.HASH);
  if (memory.compare(L.HASH, checkHash, ByteLength.hash) != 0) return wrong(ErrorCode.UnknownCheck);
  if (midLen != <usize>load<u8>(rec + Log.idLength) || memory.compare(mid, rec + Log.id, midLen) != 0) return wrong(ErrorCode.WrongMerchant);
  if (load<u8>(rec + Log.refunded) != 0 || findRecord(LogKind.refund, serial) != 0) return wrong(ErrorCode.RefundAlreadyApplied);
  if (memory.compare(cur, rec + Log.currency, 3) != 0 || memory.compare(cur, L.E_CURRENCY, 3) != 0) return wrong(ErrorCode.CurrencyMismatch);
  if (amount != load<u64>(rec + Log.amount)) return wrong(ErrorCode.BadField);
  vbLoad();
  const balance = vbGet(L.E_BALANCE) + amount; // each ≤ 2^53 − 1: no u64 overflow
  // Outstanding loads stay creditable: the bank may already have debited them.
  if (balance + outstandingSum() > load<u64>(L.E_MAX_BALANCE)) return refused(ErrorCode.LimitExceeded, SW.limitExceeded);
  // The purchase is in the spent total, so it cannot go below zero; the guard costs nothing.
  if (!sub128(vb(L.E_SPENT_LO), amount)) return refused(ErrorCode.AmountOverflow, SW.limitExceeded);
  memory.copy(L.R_REFUNDED, L.E_REFUNDED_LO, 16);
  if (!add128(L.R_REFUNDED, amount)) return refused(ErrorCode.AmountOverflow, SW.limitExceeded);
  vbSet(L.E_BALANCE, balance);
  // The refund record: the purchase's channel, id, serial, amount and currency; its own time and
  // the refunded check's hash.
  store<u8>(copy + Log.kind, LogKind.refund);
  store<u8>(copy + Log.refunded, 0);
  store<u64>(copy + Log.time, now);
  memory.copy(copy + Log.hash, L.HASH, ByteLength.hash);
  store<u8>(L.R_FLAG, 1);
  txBegin();
  txAdd(rec + Log.refunded, L.R_FLAG, 1); // first: if the new record takes the purchase's slot, it overwrites the mark
  logAdd();
  txAdd(L.E_VALUE, vb(L.E_VALUE), L.VALUE_SIZE);
  txAdd(L.E_REFUNDED_LO, L.R_REFUNDED, 16);
  txCommit();
  putBe64(L.OUT_BUF, balance);
  return SW.ok | (8 << 16);
}
