// The purse's value steps: load request, token application, purchase, check re-issue, log. Each
// step checks everything first, then changes EEPROM in one journaled transaction (eeprom.ts),
// then signs: a serial is committed before its check is signed, and a check is re-signed from
// its log record byte for byte (Ed25519 is deterministic), so no serial ever has two checks.
import { cborError, expect, hv, ident, currency, key, readerAt, rend, rp, str, uint, writerAt, wByte, wHead, wBytes, wStr, wp, AMOUNT_MAX } from './cbor';
import { failCode, parseSign1, ROLE_BANK, ROLE_MERCHANT, signPart, signPayload, Signed, verifyChainAndSignature, writeSign1, writeSignaturePart } from './cose';
import { hpkeOpen, random, sha256 } from './crypto';
import { txAdd, txBegin, txCommit } from './eeprom';
import * as L from './layout';
import * as S from './sw';

export let lastError: i32 = 0;

export function refused(code: i32, sw: i32): i32 {
  store<u16>(L.R_LAST_ERROR, <u16>code);
  return sw;
}
export const wrong = (code: i32): i32 => refused(code, S.SW_WRONG_DATA);

export function be64(ptr: usize): u64 { return bswap<u64>(load<u64>(ptr)); }
export function putBe64(ptr: usize, v: u64): void { store<u64>(ptr, bswap<u64>(v)); }

// The value block is edited in a RAM copy (VB), then journaled as one entry.
const VB: usize = 0x6e00;
export function vb(field: usize): usize { return VB + (field - L.E_VALUE); }
export function vbLoad(): void { memory.copy(VB, L.E_VALUE, L.VALUE_SIZE); }
export function vbGet(field: usize): u64 { return load<u64>(vb(field)); }
export function vbSet(field: usize, v: u64): void { store<u64>(vb(field), v); }

/** Adds to a u128 total kept in RAM at `p` as (lo, hi); false on overflow. */
export function add128(p: usize, amount: u64): bool {
  const a = load<u64>(p);
  const sum = a + amount;
  const carry: u64 = sum < a ? 1 : 0;
  const h = load<u64>(p + 8);
  if (h + carry < h) return false;
  store<u64>(p, sum);
  store<u64>(p + 8, h + carry);
  return true;
}

/** Subtracts from a u128 total kept in RAM at `p` as (lo, hi); false if it would go below 0. */
export function sub128(p: usize, amount: u64): bool {
  const a = load<u64>(p);
  const borrow: u64 = a < amount ? 1 : 0;
  const h = load<u64>(p + 8);
  if (h < borrow) return false;
  store<u64>(p, a - amount);
  store<u64>(p + 8, h - borrow);
  return true;
}

const idLen = (at: usize): usize => <usize>load<u8>(at);

/** Appends a log record built at LOGREC to the transaction. */
export const LOGREC: usize = 0x6e80;
export function logAdd(): void {
  const total = load<u32>(vb(L.E_LOG_TOTAL));
  const slot = L.E_LOG + <usize>(total % L.LOG_MAX) * L.LOG_SIZE;
  store<u32>(vb(L.E_LOG_TOTAL), total + 1);
  txAdd(slot, LOGREC, L.LOG_SIZE);
}

// ------------------------------------------------------------------ purchase

/** The check body (WIRE.md type 4) at BODY from a log record; returns its length. */
export function checkBody(rec: usize): usize {
  writerAt(L.BODY);
  wHead(5, 10);
  wByte(0); wHead(0, 4);
  wByte(1); wHead(0, 1);
  wByte(2); wStr(2, rec + 28, 32);
  wByte(3); wHead(0, load<u64>(rec + 12));
  wByte(4); wStr(3, rec + 124, 3);
  wByte(5); wStr(3, rec + 60, <usize>load<u8>(rec + 2));
  wByte(6); wStr(3, L.E_PURSE_ID + 1, idLen(L.E_PURSE_ID));
  wByte(7); wHead(0, load<u64>(rec + 4));
  wByte(8); wHead(0, load<u64>(rec + 20));
  wByte(9); wHead(0, <u64>load<u8>(rec + 1));
  return wp - L.BODY;
}

/**
 * Signs the check of log record `rec` into OUT_BUF: for the POS channel a COSE_Sign1 with the
 * purse certificate; for the Internet channel the payload's length (u16 BE), the payload and the
 * purse's COSE_Signature, which the wallet completes with the cardholder's (internet.ts).
 */
function emitCheck(rec: usize): usize {
  const n = checkBody(rec);
  const certLen = <usize>load<u16>(L.E_CERT_LEN);
  if (load<u8>(rec + 1) == 0) {
    signPayload(L.E_SIGN_SEED, L.BODY, n, L.SIG);
    return writeSign1(L.OUT_BUF, L.E_CERT, certLen, L.BODY, n, L.SIG) - L.OUT_BUF;
  }
  signPart(L.E_SIGN_SEED, L.BODY, n, L.SIG);
  store<u16>(L.OUT_BUF, bswap<u16>(<u16>n));
  memory.copy(L.OUT_BUF + 2, L.BODY, n);
  return writeSignaturePart(L.OUT_BUF + 2 + n, L.E_CERT, certLen, L.SIG) - L.OUT_BUF;
}

/** PURCHASE: data = time (u64 BE) ‖ signed purchase slip. Returns the signed check. */
export function purchase(data: usize, len: usize): i32 {
  if (len < 9) return S.SW_WRONG_LENGTH;
  return pay(be64(data), data + 8, len - 8, 0);
}

/**
 * INTERNET CHECK: data = time (u64 BE) ‖ digital-check request (WIRE.md type 5: the shop's signed
 * slip for channel 1 and the approving cardholder's id). Returns payload and purse signature.
 */
export function internetCheck(data: usize, len: usize): i32 {
  if (len < 9) return S.SW_WRONG_LENGTH;
  readerAt(data + 8, data + len);
  const count = expect(5);
  if (cborError != 0) return wrong(cborError);
  if (count != 4) return wrong(count < 4 ? 104 : 105);
  if (!key(0)) return wrong(cborError);
  if (uint() != 5) return wrong(cborError != 0 ? cborError : 102);
  if (!key(1)) return wrong(cborError);
  if (uint() != 1) return wrong(cborError != 0 ? cborError : 103);
  if (!key(2)) return wrong(cborError);
  const slip = str(2);
  const slipLen = <usize>hv;
  if (!key(3)) return wrong(cborError);
  ident();
  if (cborError != 0) return wrong(cborError);
  if (rp != rend) return wrong(100);
  return pay(be64(data), slip, slipLen, 1);
}

function pay(now: u64, slip: usize, slipLen: usize, wanted: u64): i32 {
  const msg = changetype<Signed>(L.CERT_TMP);
  if (!parseSign1(slip, slip + slipLen, msg, true)) return wrong(failCode);
  if (!verifyChainAndSignature(msg, ROLE_MERCHANT, now)) return wrong(failCode);
  const merchant = changetype<Signed>(L.CERT_LEAF);
  // the slip body (WIRE.md type 3)
  readerAt(msg.payload, msg.payload + msg.payloadLen);
  const n = expect(5);
  if (cborError != 0) return wrong(cborError);
  if (n != 10) return wrong(n < 10 ? 104 : 105);
  if (!key(0)) return wrong(cborError);
  if (uint() != 3) return wrong(cborError != 0 ? cborError : 102);
  if (!key(1)) return wrong(cborError);
  if (uint() != 1) return wrong(cborError != 0 ? cborError : 103);
  if (!key(2)) return wrong(cborError);
  const mid = ident(); const midLen = <usize>hv;
  if (!key(3)) return wrong(cborError);
  const amount = uint();
  if (!key(4)) return wrong(cborError);
  const cur = currency();
  if (!key(5)) return wrong(cborError);
  uint();
  if (!key(6)) return wrong(cborError);
  ident();
  if (!key(7)) return wrong(cborError);
  uint();
  if (!key(8)) return wrong(cborError);
  str(2);
  if (cborError == 0 && hv != 16) return wrong(106);
  if (!key(9)) return wrong(cborError);
  const channel = uint();
  if (cborError != 0) return wrong(cborError);
  if (channel > 1) return wrong(106);
  if (rp != rend) return wrong(100);
  // message rules
  if (midLen != merchant.subLen || memory.compare(mid, merchant.sub, midLen) != 0) return wrong(209);
  if (channel != wanted) return wrong(311);
  if (memory.compare(cur, L.E_CURRENCY, 3) != 0) return wrong(304);
  vbLoad();
  const balance = vbGet(L.E_BALANCE);
  if (amount > load<u64>(L.E_MAX_PER_CHECK)) return refused(305, S.SW_LIMIT_EXCEEDED);
  const offChecks = vbGet(L.E_OFF_CHECKS) + 1;
  const offAmount = vbGet(L.E_OFF_AMOUNT) + amount;
  if (offChecks > load<u64>(L.E_MAX_OFF_CHECKS) || offAmount > load<u64>(L.E_MAX_OFF_AMOUNT)) return refused(305, S.SW_LIMIT_EXCEEDED);
  if (amount > balance) return refused(306, S.SW_INSUFFICIENT_FUNDS);
  const serial = vbGet(L.E_SERIAL) + 1;
  if (serial > AMOUNT_MAX) return refused(305, S.SW_LIMIT_EXCEEDED);
  if (!add128(vb(L.E_SPENT_LO), amount)) return refused(109, S.SW_LIMIT_EXCEEDED);
  vbSet(L.E_BALANCE, balance - amount);
  vbSet(L.E_SERIAL, serial);
  vbSet(L.E_OFF_CHECKS, offChecks);
  vbSet(L.E_OFF_AMOUNT, offAmount);
  memory.fill(LOGREC, 0, L.LOG_SIZE);
  store<u8>(LOGREC, L.LOG_PURCHASE);
  store<u8>(LOGREC + 1, <u8>channel);
  store<u8>(LOGREC + 2, <u8>midLen);
  store<u64>(LOGREC + 4, serial);
  store<u64>(LOGREC + 12, amount);
  store<u64>(LOGREC + 20, now);
  sha256(msg.payload, msg.payloadLen, LOGREC + 28);
  memory.copy(LOGREC + 60, mid, midLen);
  memory.copy(LOGREC + 124, cur, 3);
  txBegin();
  logAdd();
  txAdd(L.E_VALUE, VB, L.VALUE_SIZE);
  txCommit();
  return S.SW_OK | <i32>(emitCheck(LOGREC) << 16);
}

/** The log record of `kind` for check `serial` still in the ring, or 0. */
export function findRecord(kind: u8, serial: u64): usize {
  for (let i: u32 = 0; i < L.LOG_MAX; i++) {
    const rec = L.E_LOG + <usize>i * L.LOG_SIZE;
    if (load<u8>(rec) == kind && load<u64>(rec + 4) == serial) return rec;
  }
  return 0;
}
const findPurchase = (serial: u64): usize => findRecord(L.LOG_PURCHASE, serial);

/** REISSUE CHECK: data = serial (u64 BE): the same check again, for a reply lost to a power cut. */
export function reissue(data: usize, len: usize): i32 {
  if (len != 8) return S.SW_WRONG_LENGTH;
  const rec = findPurchase(be64(data));
  if (rec == 0) return refused(318, S.SW_NOT_FOUND);
  memory.copy(LOGREC, rec, L.LOG_SIZE);
  return S.SW_OK | <i32>(emitCheck(LOGREC) << 16);
}

/** READ LOG: record `index` counting from the newest (0), as stored (LOG_SIZE bytes). */
export function readLog(index: u32): i32 {
  const total = load<u32>(L.E_LOG_TOTAL);
  if (index >= L.LOG_MAX || index >= total) return refused(0, S.SW_NOT_FOUND);
  const at = (total - 1 - index) % L.LOG_MAX;
  memory.copy(L.OUT_BUF, L.E_LOG + <usize>at * L.LOG_SIZE, L.LOG_SIZE);
  return S.SW_OK | <i32>(L.LOG_SIZE << 16);
}

// ------------------------------------------------------------------ loading

export function outstandingSum(): u64 {
  let sum: u64 = 0;
  for (let i: u32 = 0; i < L.OUTSTANDING_MAX; i++) {
    const s = L.E_OUTSTANDING + <usize>i * L.OUTSTANDING_SIZE;
    if (load<u8>(s) == 1) sum += load<u64>(s + 24);
  }
  return sum;
}

/** LOAD REQUEST: data = amount (u64 BE) ‖ time (u64 BE). Returns the signed value-token request. */
export function loadRequest(data: usize, len: usize): i32 {
  if (len != 16) return S.SW_WRONG_LENGTH;
  const amount = be64(data);
  const now = be64(data + 8);
  if (amount < 1 || amount > AMOUNT_MAX || now > AMOUNT_MAX) return wrong(106);
  let free: usize = 0;
  for (let i: u32 = 0; i < L.OUTSTANDING_MAX; i++) {
    const s = L.E_OUTSTANDING + <usize>i * L.OUTSTANDING_SIZE;
    if (load<u8>(s) == 0) { free = s; break; }
  }
  if (free == 0) return refused(305, S.SW_FILE_FULL);
  vbLoad();
  const reserved = vbGet(L.E_BALANCE) + outstandingSum() + amount; // each ≤ 2^53: no u64 overflow
  if (reserved > load<u64>(L.E_MAX_BALANCE)) return refused(305, S.SW_LIMIT_EXCEEDED);
  const counter = vbGet(L.E_LOAD_CTR) + 1;
  vbSet(L.E_LOAD_CTR, counter);
  const SLOT: usize = 0x6f40;
  memory.fill(SLOT, 0, L.OUTSTANDING_SIZE);
  store<u8>(SLOT, 1);
  random(SLOT + 8, 16);
  store<u64>(SLOT + 24, amount);
  store<u64>(SLOT + 32, counter);
  store<u64>(SLOT + 40, now);
  txBegin();
  txAdd(L.E_VALUE, VB, L.VALUE_SIZE);
  txAdd(free, SLOT, L.OUTSTANDING_SIZE);
  txCommit();
  return emitRequest(free);
}

/**
 * LOAD REQUEST, P1 = 01: data = request counter (u64 BE). The same signed request again, byte for
 * byte, for a reply lost to a power cut, while that load is outstanding.
 */
export function resendRequest(data: usize, len: usize): i32 {
  if (len != 8) return S.SW_WRONG_LENGTH;
  const counter = be64(data);
  for (let i: u32 = 0; i < L.OUTSTANDING_MAX; i++) {
    const s = L.E_OUTSTANDING + <usize>i * L.OUTSTANDING_SIZE;
    if (load<u8>(s) == 1 && load<u64>(s + 32) == counter) return emitRequest(s);
  }
  return refused(303, S.SW_NOT_FOUND);
}

/** GET DATA C6: the outstanding loads, each counter (u64 BE) ‖ amount (u64 BE). */
export function outstandingList(): i32 {
  let n: usize = 0;
  for (let i: u32 = 0; i < L.OUTSTANDING_MAX; i++) {
    const s = L.E_OUTSTANDING + <usize>i * L.OUTSTANDING_SIZE;
    if (load<u8>(s) != 1) continue;
    putBe64(L.OUT_BUF + n, load<u64>(s + 32));
    putBe64(L.OUT_BUF + n + 8, load<u64>(s + 24));
    n += 16;
  }
  return S.SW_OK | <i32>(n << 16);
}

/** The value-token request (WIRE.md type 1) of outstanding slot `slot`, signed, in OUT_BUF. */
function emitRequest(slot: usize): i32 {
  writerAt(L.BODY);
  wHead(5, 9);
  wByte(0); wHead(0, 1);
  wByte(1); wHead(0, 1);
  wByte(2); wStr(3, L.E_PURSE_ID + 1, idLen(L.E_PURSE_ID));
  wByte(3); wStr(3, L.E_BANK_ID + 1, idLen(L.E_BANK_ID));
  wByte(4); wHead(0, load<u64>(slot + 24));
  wByte(5); wStr(3, L.E_CURRENCY, 3);
  wByte(6); wStr(2, slot + 8, 16);
  wByte(7); wHead(0, load<u64>(slot + 32));
  wByte(8); wHead(0, load<u64>(slot + 40));
  const n = wp - L.BODY;
  signPayload(L.E_SIGN_SEED, L.BODY, n, L.SIG);
  const end = writeSign1(L.OUT_BUF, L.E_CERT, <usize>load<u16>(L.E_CERT_LEN), L.BODY, n, L.SIG);
  return S.SW_OK | <i32>((end - L.OUT_BUF) << 16);
}

const INFO_TOKEN: StaticArray<u8> = [0x73, 0x6d, 0x61, 0x72, 0x74, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x2f, 0x31, 0x2f, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x2d, 0x74, 0x6f, 0x6b, 0x65, 0x6e]; // "smartcheck/1/value-token"

/** LOAD APPLY: data = time (u64 BE) ‖ HPKE enc (32) ‖ ciphertext of the signed value token. */
export function loadApply(data: usize, len: usize): i32 {
  if (len < 8 + 32 + 16 + 1) return S.SW_WRONG_LENGTH;
  const now = be64(data);
  const n = hpkeOpen(L.E_KX_SK, data + 8, data + 40, len - 40, changetype<usize>(INFO_TOKEN), 24, L.TOKEN, L.TOKEN_MAX);
  if (n < 0) return wrong(400);
  const msg = changetype<Signed>(L.CERT_TMP);
  if (!parseSign1(L.TOKEN, L.TOKEN + <usize>n, msg, true)) return wrong(failCode);
  if (!verifyChainAndSignature(msg, ROLE_BANK, now)) return wrong(failCode);
  const bank = changetype<Signed>(L.CERT_LEAF);
  if (bank.subLen != idLen(L.E_BANK_ID) || memory.compare(bank.sub, L.E_BANK_ID + 1, bank.subLen) != 0) return wrong(315);
  // the value token body (WIRE.md type 2)
  readerAt(msg.payload, msg.payload + msg.payloadLen);
  const count = expect(5);
  if (cborError != 0) return wrong(cborError);
  if (count != 9) return wrong(count < 9 ? 104 : 105);
  if (!key(0)) return wrong(cborError);
  if (uint() != 2) return wrong(cborError != 0 ? cborError : 102);
  if (!key(1)) return wrong(cborError);
  if (uint() != 1) return wrong(cborError != 0 ? cborError : 103);
  if (!key(2)) return wrong(cborError);
  const pid = ident(); const pidLen = <usize>hv;
  if (!key(3)) return wrong(cborError);
  const bid = ident(); const bidLen = <usize>hv;
  if (!key(4)) return wrong(cborError);
  const amount = uint();
  if (!key(5)) return wrong(cborError);
  const cur = currency();
  if (!key(6)) return wrong(cborError);
  const nonce = str(2);
  if (cborError == 0 && hv != 16) return wrong(106);
  if (!key(7)) return wrong(cborError);
  const tokenId = str(2);
  if (cborError == 0 && hv != 16) return wrong(106);
  if (!key(8)) return wrong(cborError);
  uint();
  if (cborError != 0) return wrong(cborError);
  if (rp != rend) return wrong(100);
  if (bidLen != bank.subLen || memory.compare(bid, bank.sub, bidLen) != 0) return wrong(209);
  if (pidLen != idLen(L.E_PURSE_ID) || memory.compare(pid, L.E_PURSE_ID + 1, pidLen) != 0) return wrong(314);
  for (let i: u32 = 0; i < L.APPLIED_MAX; i++) {
    if (memory.compare(L.E_APPLIED + <usize>i * 16, tokenId, 16) == 0) return wrong(312);
  }
  let slot: usize = 0;
  for (let i: u32 = 0; i < L.OUTSTANDING_MAX; i++) {
    const s = L.E_OUTSTANDING + <usize>i * L.OUTSTANDING_SIZE;
    if (load<u8>(s) == 1 && memory.compare(s + 8, nonce, 16) == 0) { slot = s; break; }
  }
  if (slot == 0) return wrong(303);
  if (memory.compare(cur, L.E_CURRENCY, 3) != 0) return wrong(304);
  if (amount != load<u64>(slot + 24)) return wrong(106);
  vbLoad();
  const balance = vbGet(L.E_BALANCE) + amount;
  if (balance > load<u64>(L.E_MAX_BALANCE)) return refused(305, S.SW_LIMIT_EXCEEDED);
  if (!add128(vb(L.E_LOADED_LO), amount)) return refused(109, S.SW_LIMIT_EXCEEDED);
  vbSet(L.E_BALANCE, balance);
  vbSet(L.E_OFF_CHECKS, 0);
  vbSet(L.E_OFF_AMOUNT, 0);
  const applied = load<u32>(vb(L.E_APPLIED_TOTAL));
  store<u32>(vb(L.E_APPLIED_TOTAL), applied + 1);
  memory.fill(LOGREC, 0, L.LOG_SIZE);
  store<u8>(LOGREC, L.LOG_LOAD);
  store<u8>(LOGREC + 2, <u8>bidLen);
  store<u64>(LOGREC + 4, load<u64>(slot + 32));
  store<u64>(LOGREC + 12, amount);
  store<u64>(LOGREC + 20, now);
  memory.copy(LOGREC + 28, tokenId, 16);
  memory.copy(LOGREC + 44, nonce, 16);
  memory.copy(LOGREC + 60, bid, bidLen);
  memory.copy(LOGREC + 124, cur, 3);
  const ZEROS: usize = 0x6f80;
  memory.fill(ZEROS, 0, L.OUTSTANDING_SIZE);
  txBegin();
  logAdd();
  txAdd(L.E_VALUE, VB, L.VALUE_SIZE);
  txAdd(slot, ZEROS, L.OUTSTANDING_SIZE);
  txAdd(L.E_APPLIED + <usize>(applied % L.APPLIED_MAX) * 16, tokenId, 16);
  txCommit();
  putBe64(L.OUT_BUF, balance);
  return S.SW_OK | (8 << 16);
}
