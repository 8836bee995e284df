// The purse's value steps: load request, token application, purchase, check re-issue, log. Each
// step checks everything first, then changes EEPROM in one journaled transaction (eeprom.ts),
// then signs: a serial is committed before its check is signed, and a check is re-signed from
// its log record byte for byte (Ed25519 is deterministic), so no serial ever has two checks.
import { cborError, expect, hv, ident, currency, key, readerAt, rend, rp, str, uint, writerAt, wByte, wHead, wStr, wp } from './cbor';
import { failCode, parseSign1, signPart, signPayload, Signed, verifyChainAndSignature, writeSign1, writeSignaturePart } from './cose';
import { hpkeOpen, random, sha256 } from './crypto';
import { txAdd, txBegin, txCommit } from './eeprom';
import * as L from './layout';
import { Log, Outstanding } from './layout';
import { AMOUNT_MAX, BodyKey, ByteLength, Channel, DigitalCheck, DigitalCheckRequest, ErrorCode, FORMAT_VERSION, INFO_VALUE_TOKEN, INFO_VALUE_TOKEN_LENGTH, LogKind, MessageType, PurchaseSlip, Role, SW, ValueToken, ValueTokenRequest } from './wire';

export function refused(code: i32, sw: i32): i32 {
  store<u16>(L.R_LAST_ERROR, <u16>code);
  return sw;
}
export const wrong = (code: i32): i32 => refused(code, SW.wrongData);

export function be64(ptr: usize): u64 { return bswap<u64>(load<u64>(ptr)); }
export function putBe64(ptr: usize, v: u64): void { store<u64>(ptr, bswap<u64>(v)); }

// The value block is edited in a RAM copy (VB), then journaled as one entry.
export function vb(field: usize): usize { return L.VB + (field - L.E_VALUE); }
export function vbLoad(): void { memory.copy(L.VB, L.E_VALUE, L.VALUE_SIZE); }
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

/** Appends the log record built at LOGREC to the transaction. */
export function logAdd(): void {
  const total = load<u32>(vb(L.E_LOG_TOTAL));
  const slot = L.E_LOG + <usize>(total % L.LOG_MAX) * L.LOG_SIZE;
  store<u32>(vb(L.E_LOG_TOTAL), total + 1);
  txAdd(slot, L.LOGREC, L.LOG_SIZE);
}

// ------------------------------------------------------------------ purchase

/** The check body (WIRE.md type 4) at BODY from a log record; returns its length. */
export function checkBody(rec: usize): usize {
  writerAt(L.BODY);
  wHead(5, DigitalCheck.entries);
  wByte(BodyKey.type); wHead(0, MessageType.DigitalCheck);
  wByte(BodyKey.version); wHead(0, FORMAT_VERSION);
  wByte(DigitalCheck.slipHash); wStr(2, rec + Log.hash, ByteLength.hash);
  wByte(DigitalCheck.amount); wHead(0, load<u64>(rec + Log.amount));
  wByte(DigitalCheck.currency); wStr(3, rec + Log.currency, 3);
  wByte(DigitalCheck.merchantId); wStr(3, rec + Log.id, <usize>load<u8>(rec + Log.idLength));
  wByte(DigitalCheck.purseId); wStr(3, L.E_PURSE_ID + 1, idLen(L.E_PURSE_ID));
  wByte(DigitalCheck.serial); wHead(0, load<u64>(rec + Log.serial));
  wByte(DigitalCheck.time); wHead(0, load<u64>(rec + Log.time));
  wByte(DigitalCheck.channel); wHead(0, <u64>load<u8>(rec + Log.channel));
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
  if (load<u8>(rec + Log.channel) == Channel.Pos) {
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
  if (len < 9) return SW.wrongLength;
  return pay(be64(data), data + 8, len - 8, Channel.Pos);
}

/**
 * INTERNET CHECK: data = time (u64 BE) ‖ digital-check request (WIRE.md type 5: the shop's signed
 * slip for channel 1 and the approving cardholder's id). Returns payload and purse signature.
 */
export function internetCheck(data: usize, len: usize): i32 {
  if (len < 9) return SW.wrongLength;
  readerAt(data + 8, data + len);
  const count = expect(5);
  if (cborError != 0) return wrong(cborError);
  if (count != DigitalCheckRequest.entries) return wrong(count < DigitalCheckRequest.entries ? ErrorCode.MissingField : ErrorCode.UnknownField);
  if (!key(BodyKey.type)) return wrong(cborError);
  if (uint() != MessageType.DigitalCheckRequest) return wrong(cborError != 0 ? cborError : ErrorCode.WrongMessageType);
  if (!key(BodyKey.version)) return wrong(cborError);
  if (uint() != FORMAT_VERSION) return wrong(cborError != 0 ? cborError : ErrorCode.UnsupportedVersion);
  if (!key(DigitalCheckRequest.slip)) return wrong(cborError);
  const slip = str(2);
  const slipLen = <usize>hv;
  if (!key(DigitalCheckRequest.cardholderId)) return wrong(cborError);
  ident();
  if (cborError != 0) return wrong(cborError);
  if (rp != rend) return wrong(ErrorCode.MalformedCbor);
  return pay(be64(data), slip, slipLen, Channel.Internet);
}

function pay(now: u64, slip: usize, slipLen: usize, wanted: u64): i32 {
  const msg = changetype<Signed>(L.CERT_TMP);
  if (!parseSign1(slip, slip + slipLen, msg, true)) return wrong(failCode);
  if (!verifyChainAndSignature(msg, Role.Merchant, now)) return wrong(failCode);
  const merchant = changetype<Signed>(L.CERT_LEAF);
  // the slip body (WIRE.md type 3)
  readerAt(msg.payload, msg.payload + msg.payloadLen);
  const n = expect(5);
  if (cborError != 0) return wrong(cborError);
  if (n != PurchaseSlip.entries) return wrong(n < PurchaseSlip.entries ? ErrorCode.MissingField : ErrorCode.UnknownField);
  if (!key(BodyKey.type)) return wrong(cborError);
  if (uint() != MessageType.PurchaseSlip) return wrong(cborError != 0 ? cborError : ErrorCode.WrongMessageType);
  if (!key(BodyKey.version)) return wrong(cborError);
  if (uint() != FORMAT_VERSION) return wrong(cborError != 0 ? cborError : ErrorCode.UnsupportedVersion);
  if (!key(PurchaseSlip.merchantId)) return wrong(cborError);
  const mid = ident(); const midLen = <usize>hv;
  if (!key(PurchaseSlip.amount)) return wrong(cborError);
  const amount = uint();
  if (!key(PurchaseSlip.currency)) return wrong(cborError);
  const cur = currency();
  if (!key(PurchaseSlip.time)) return wrong(cborError);
  uint();
  if (!key(PurchaseSlip.terminalId)) return wrong(cborError);
  ident();
  if (!key(PurchaseSlip.terminalTxId)) return wrong(cborError);
  uint();
  if (!key(PurchaseSlip.terminalNonce)) return wrong(cborError);
  str(2);
  if (cborError == 0 && hv != ByteLength.nonce) return wrong(ErrorCode.BadField);
  if (!key(PurchaseSlip.channel)) return wrong(cborError);
  const channel = uint();
  if (cborError != 0) return wrong(cborError);
  if (channel > Channel.Internet) return wrong(ErrorCode.BadField);
  if (rp != rend) return wrong(ErrorCode.MalformedCbor);
  // message rules
  if (midLen != merchant.subLen || memory.compare(mid, merchant.sub, midLen) != 0) return wrong(ErrorCode.SubjectMismatch);
  if (channel != wanted) return wrong(ErrorCode.WrongChannel);
  if (memory.compare(cur, L.E_CURRENCY, 3) != 0) return wrong(ErrorCode.CurrencyMismatch);
  vbLoad();
  const balance = vbGet(L.E_BALANCE);
  if (amount > load<u64>(L.E_MAX_PER_CHECK)) return refused(ErrorCode.LimitExceeded, SW.limitExceeded);
  const offChecks = vbGet(L.E_OFF_CHECKS) + 1;
  const offAmount = vbGet(L.E_OFF_AMOUNT) + amount;
  if (offChecks > load<u64>(L.E_MAX_OFF_CHECKS) || offAmount > load<u64>(L.E_MAX_OFF_AMOUNT)) return refused(ErrorCode.LimitExceeded, SW.limitExceeded);
  if (amount > balance) return refused(ErrorCode.InsufficientFunds, SW.insufficientFunds);
  const serial = vbGet(L.E_SERIAL) + 1;
  if (serial > AMOUNT_MAX) return refused(ErrorCode.LimitExceeded, SW.limitExceeded);
  if (!add128(vb(L.E_SPENT_LO), amount)) return refused(ErrorCode.AmountOverflow, SW.limitExceeded);
  vbSet(L.E_BALANCE, balance - amount);
  vbSet(L.E_SERIAL, serial);
  vbSet(L.E_OFF_CHECKS, offChecks);
  vbSet(L.E_OFF_AMOUNT, offAmount);
  const rec = L.LOGREC;
  memory.fill(rec, 0, L.LOG_SIZE);
  store<u8>(rec + Log.kind, LogKind.purchase);
  store<u8>(rec + Log.channel, <u8>channel);
  store<u8>(rec + Log.idLength, <u8>midLen);
  store<u64>(rec + Log.serial, serial);
  store<u64>(rec + Log.amount, amount);
  store<u64>(rec + Log.time, now);
  sha256(msg.payload, msg.payloadLen, rec + Log.hash);
  memory.copy(rec + Log.id, mid, midLen);
  memory.copy(rec + Log.currency, cur, 3);
  txBegin();
  logAdd();
  txAdd(L.E_VALUE, L.VB, L.VALUE_SIZE);
  txCommit();
  return SW.ok | <i32>(emitCheck(rec) << 16);
}

/** The log record of `kind` for check `serial` still in the ring, or 0. */
export function findRecord(kind: u8, serial: u64): usize {
  for (let i: u32 = 0; i < L.LOG_MAX; i++) {
    const rec = L.E_LOG + <usize>i * L.LOG_SIZE;
    if (load<u8>(rec + Log.kind) == kind && load<u64>(rec + Log.serial) == serial) return rec;
  }
  return 0;
}
const findPurchase = (serial: u64): usize => findRecord(LogKind.purchase, serial);

/** REISSUE CHECK: data = serial (u64 BE): the same check again, for a reply lost to a power cut. */
export function reissue(data: usize, len: usize): i32 {
  if (len != 8) return SW.wrongLength;
  const rec = findPurchase(be64(data));
  if (rec == 0) return refused(ErrorCode.UnknownCheck, SW.notFound);
  memory.copy(L.LOGREC, rec, L.LOG_SIZE);
  return SW.ok | <i32>(emitCheck(L.LOGREC) << 16);
}

/** READ LOG: record `index` counting from the newest (0), as stored (LOG_SIZE bytes). */
export function readLog(index: u32): i32 {
  const total = load<u32>(L.E_LOG_TOTAL);
  if (index >= L.LOG_MAX || index >= total) return refused(0, SW.notFound);
  const at = (total - 1 - index) % L.LOG_MAX;
  memory.copy(L.OUT_BUF, L.E_LOG + <usize>at * L.LOG_SIZE, L.LOG_SIZE);
  return SW.ok | <i32>(L.LOG_SIZE << 16);
}

// ------------------------------------------------------------------ loading

export function outstandingSum(): u64 {
  let sum: u64 = 0;
  for (let i: u32 = 0; i < L.OUTSTANDING_MAX; i++) {
    const s = L.E_OUTSTANDING + <usize>i * L.OUTSTANDING_SIZE;
    if (load<u8>(s + Outstanding.used) == 1) sum += load<u64>(s + Outstanding.amount);
  }
  return sum;
}

/** LOAD REQUEST: data = amount (u64 BE) ‖ time (u64 BE). Returns the signed value-token request. */
export function loadRequest(data: usize, len: usize): i32 {
  if (len != 16) return SW.wrongLength;
  const amount = be64(data);
  const now = be64(data + 8);
  if (amount < 1 || amount > AMOUNT_MAX || now > AMOUNT_MAX) return wrong(ErrorCode.BadField);
  let free: usize = 0;
  for (let i: u32 = 0; i < L.OUTSTANDING_MAX; i++) {
    const s = L.E_OUTSTANDING + <usize>i * L.OUTSTANDING_SIZE;
    if (load<u8>(s + Outstanding.used) == 0) { free = s; break; }
  }
  if (free == 0) return refused(ErrorCode.LimitExceeded, SW.fileFull);
  vbLoad();
  const reserved = vbGet(L.E_BALANCE) + outstandingSum() + amount; // each ≤ 2^53: no u64 overflow
  if (reserved > load<u64>(L.E_MAX_BALANCE)) return refused(ErrorCode.LimitExceeded, SW.limitExceeded);
  const counter = vbGet(L.E_LOAD_CTR) + 1;
  vbSet(L.E_LOAD_CTR, counter);
  const slot = L.R_SLOT;
  memory.fill(slot, 0, L.OUTSTANDING_SIZE);
  store<u8>(slot + Outstanding.used, 1);
  random(slot + Outstanding.nonce, ByteLength.nonce);
  store<u64>(slot + Outstanding.amount, amount);
  store<u64>(slot + Outstanding.counter, counter);
  store<u64>(slot + Outstanding.time, now);
  txBegin();
  txAdd(L.E_VALUE, L.VB, L.VALUE_SIZE);
  txAdd(free, slot, L.OUTSTANDING_SIZE);
  txCommit();
  return emitRequest(free);
}

/**
 * LOAD REQUEST, P1 = 01: data = request counter (u64 BE). The same signed request again, byte for
 * byte, for a reply lost to a power cut, while that load is outstanding.
 */
export function resendRequest(data: usize, len: usize): i32 {
  if (len != 8) return SW.wrongLength;
  const counter = be64(data);
  for (let i: u32 = 0; i < L.OUTSTANDING_MAX; i++) {
    const s = L.E_OUTSTANDING + <usize>i * L.OUTSTANDING_SIZE;
    if (load<u8>(s + Outstanding.used) == 1 && load<u64>(s + Outstanding.counter) == counter) return emitRequest(s);
  }
  return refused(ErrorCode.NonceMismatch, SW.notFound);
}

/** GET DATA C6: the outstanding loads, each counter (u64 BE) ‖ amount (u64 BE). */
export function outstandingList(): i32 {
  let n: usize = 0;
  for (let i: u32 = 0; i < L.OUTSTANDING_MAX; i++) {
    const s = L.E_OUTSTANDING + <usize>i * L.OUTSTANDING_SIZE;
    if (load<u8>(s + Outstanding.used) != 1) continue;
    putBe64(L.OUT_BUF + n, load<u64>(s + Outstanding.counter));
    putBe64(L.OUT_BUF + n + 8, load<u64>(s + Outstanding.amount));
    n += 16;
  }
  return SW.ok | <i32>(n << 16);
}

/** The value-token request (WIRE.md type 1) of outstanding slot `slot`, signed, in OUT_BUF. */
function emitRequest(slot: usize): i32 {
  writerAt(L.BODY);
  wHead(5, ValueTokenRequest.entries);
  wByte(BodyKey.type); wHead(0, MessageType.ValueTokenRequest);
  wByte(BodyKey.version); wHead(0, FORMAT_VERSION);
  wByte(ValueTokenRequest.purseId); wStr(3, L.E_PURSE_ID + 1, idLen(L.E_PURSE_ID));
  wByte(ValueTokenRequest.bankId); wStr(3, L.E_BANK_ID + 1, idLen(L.E_BANK_ID));
  wByte(ValueTokenRequest.amount); wHead(0, load<u64>(slot + Outstanding.amount));
  wByte(ValueTokenRequest.currency); wStr(3, L.E_CURRENCY, 3);
  wByte(ValueTokenRequest.nonce); wStr(2, slot + Outstanding.nonce, ByteLength.nonce);
  wByte(ValueTokenRequest.purseCounter); wHead(0, load<u64>(slot + Outstanding.counter));
  wByte(ValueTokenRequest.time); wHead(0, load<u64>(slot + Outstanding.time));
  const n = wp - L.BODY;
  signPayload(L.E_SIGN_SEED, L.BODY, n, L.SIG);
  const end = writeSign1(L.OUT_BUF, L.E_CERT, <usize>load<u16>(L.E_CERT_LEN), L.BODY, n, L.SIG);
  return SW.ok | <i32>((end - L.OUT_BUF) << 16);
}

/** LOAD APPLY: data = time (u64 BE) ‖ HPKE enc (32) ‖ ciphertext of the signed value token. */
export function loadApply(data: usize, len: usize): i32 {
  const CIPHERTEXT: usize = 8 + ByteLength.key; // its offset in the data
  if (len < CIPHERTEXT + 16 + 1) return SW.wrongLength; // a Poly1305 tag and one byte at least
  const now = be64(data);
  const n = hpkeOpen(L.E_KX_SK, data + 8, data + CIPHERTEXT, len - CIPHERTEXT, changetype<usize>(INFO_VALUE_TOKEN), INFO_VALUE_TOKEN_LENGTH, L.TOKEN, L.TOKEN_MAX);
  if (n < 0) return wrong(ErrorCode.EnvelopeOpenFailed);
  const msg = changetype<Signed>(L.CERT_TMP);
  if (!parseSign1(L.TOKEN, L.TOKEN + <usize>n, msg, true)) return wrong(failCode);
  if (!verifyChainAndSignature(msg, Role.Bank, now)) return wrong(failCode);
  const bank = changetype<Signed>(L.CERT_LEAF);
  if (bank.subLen != idLen(L.E_BANK_ID) || memory.compare(bank.sub, L.E_BANK_ID + 1, bank.subLen) != 0) return wrong(ErrorCode.WrongBank);
  // the value token body (WIRE.md type 2)
  readerAt(msg.payload, msg.payload + msg.payloadLen);
  const count = expect(5);
  if (cborError != 0) return wrong(cborError);
  if (count != ValueToken.entries) return wrong(count < ValueToken.entries ? ErrorCode.MissingField : ErrorCode.UnknownField);
  if (!key(BodyKey.type)) return wrong(cborError);
  if (uint() != MessageType.ValueToken) return wrong(cborError != 0 ? cborError : ErrorCode.WrongMessageType);
  if (!key(BodyKey.version)) return wrong(cborError);
  if (uint() != FORMAT_VERSION) return wrong(cborError != 0 ? cborError : ErrorCode.UnsupportedVersion);
  if (!key(ValueToken.purseId)) return wrong(cborError);
  const pid = ident(); const pidLen = <usize>hv;
  if (!key(ValueToken.bankId)) return wrong(cborError);
  const bid = ident(); const bidLen = <usize>hv;
  if (!key(ValueToken.amount)) return wrong(cborError);
  const amount = uint();
  if (!key(ValueToken.currency)) return wrong(cborError);
  const cur = currency();
  if (!key(ValueToken.nonce)) return wrong(cborError);
  const nonce = str(2);
  if (cborError == 0 && hv != ByteLength.nonce) return wrong(ErrorCode.BadField);
  if (!key(ValueToken.tokenId)) return wrong(cborError);
  const tokenId = str(2);
  if (cborError == 0 && hv != ByteLength.randomId) return wrong(ErrorCode.BadField);
  if (!key(ValueToken.time)) return wrong(cborError);
  uint();
  if (cborError != 0) return wrong(cborError);
  if (rp != rend) return wrong(ErrorCode.MalformedCbor);
  if (bidLen != bank.subLen || memory.compare(bid, bank.sub, bidLen) != 0) return wrong(ErrorCode.SubjectMismatch);
  if (pidLen != idLen(L.E_PURSE_ID) || memory.compare(pid, L.E_PURSE_ID + 1, pidLen) != 0) return wrong(ErrorCode.WrongPurse);
  for (let i: u32 = 0; i < L.APPLIED_MAX; i++) {
    if (memory.compare(L.E_APPLIED + <usize>i * ByteLength.randomId, tokenId, ByteLength.randomId) == 0) return wrong(ErrorCode.TokenAlreadyApplied);
  }
  let slot: usize = 0;
  for (let i: u32 = 0; i < L.OUTSTANDING_MAX; i++) {
    const s = L.E_OUTSTANDING + <usize>i * L.OUTSTANDING_SIZE;
    if (load<u8>(s + Outstanding.used) == 1 && memory.compare(s + Outstanding.nonce, nonce, ByteLength.nonce) == 0) { slot = s; break; }
  }
  if (slot == 0) return wrong(ErrorCode.NonceMismatch);
  if (memory.compare(cur, L.E_CURRENCY, 3) != 0) return wrong(ErrorCode.CurrencyMismatch);
  if (amount != load<u64>(slot + Outstanding.amount)) return wrong(ErrorCode.BadField);
  vbLoad();
  const balance = vbGet(L.E_BALANCE) + amount;
  if (balance > load<u64>(L.E_MAX_BALANCE)) return refused(ErrorCode.LimitExceeded, SW.limitExceeded);
  if (!add128(vb(L.E_LOADED_LO), amount)) return refused(ErrorCode.AmountOverflow, SW.limitExceeded);
  vbSet(L.E_BALANCE, balance);
  vbSet(L.E_OFF_CHECKS, 0);
  vbSet(L.E_OFF_AMOUNT, 0);
  const applied = load<u32>(vb(L.E_APPLIED_TOTAL));
  store<u32>(vb(L.E_APPLIED_TOTAL), applied + 1);
  const rec = L.LOGREC;
  memory.fill(rec, 0, L.LOG_SIZE);
  store<u8>(rec + Log.kind, LogKind.load);
  store<u8>(rec + Log.idLength, <u8>bidLen);
  store<u64>(rec + Log.serial, load<u64>(slot + Outstanding.counter));
  store<u64>(rec + Log.amount, amount);
  store<u64>(rec + Log.time, now);
  memory.copy(rec + Log.hash, tokenId, ByteLength.randomId);
  memory.copy(rec + Log.nonce, nonce, ByteLength.nonce);
  memory.copy(rec + Log.id, bid, bidLen);
  memory.copy(rec + Log.currency, cur, 3);
  memory.fill(L.R_ZEROS, 0, L.OUTSTANDING_SIZE);
  txBegin();
  logAdd();
  txAdd(L.E_VALUE, L.VB, L.VALUE_SIZE);
  txAdd(slot, L.R_ZEROS, L.OUTSTANDING_SIZE);
  txAdd(L.E_APPLIED + <usize>(applied % L.APPLIED_MAX) * ByteLength.randomId, tokenId, ByteLength.randomId);
  txCommit();
  putBe64(L.OUT_BUF, balance);
  return SW.ok | (8 << 16);
}
