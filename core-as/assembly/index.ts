// The smartcheck purse applet: ISO 7816-4 APDU dispatch, personalisation, PIN, GET DATA. The host
// writes a command APDU at apduBuffer() and calls process(length); the result packs the response
// data length (at responseBuffer()) in the high 16 bits and the status word in the low 16.

import { failCode, parseCertificate, ROLE_BANK, ROLE_PURSE, rootKey, Signed, verifySign1 } from './cose';
import { ed25519Public, ed25519Verify, random, sha256, x25519Public } from './crypto';
import { eeWrite, eeWriteU8, recover, txAdd, txBegin, txCommit } from './eeprom';
import * as L from './layout';
import { refund } from './refund';
import { be64, internetCheck, loadApply, loadRequest, outstandingList, purchase, readLog, reissue, resendRequest } from './purse';
import * as S from './sw';


const PIN_TRIES: u8 = 3;
// AID: F0 (proprietary, unregistered) "SMCHK" 01
const AID: StaticArray<u8> = [0xf0, 0x53, 0x4d, 0x43, 0x48, 0x4b, 0x01];

export function apduBuffer(): usize { return L.IN_BUF; }
export function apduMax(): usize { return L.IN_MAX; }
export function responseBuffer(): usize { return L.OUT_BUF; }
export function eepromBase(): usize { return L.EE; }
export function eepromSize(): usize { return L.EE_SIZE; }

/** Power on: RAM is fresh; format a blank EEPROM, redo an interrupted transaction. Returns 1 if it redid one. */
export function powerOn(): i32 {
  memory.fill(0x1000, 0, L.EE - 0x1000);
  if (load<u32>(L.E_MAGIC) != L.EE_MAGIC) {
    // A blank card: EEPROM arrives zeroed, so only the magic is written.
    store<u32>(0x6fe0, L.EE_MAGIC);
    eeWrite(L.E_MAGIC, 0x6fe0, 4);
    return 0;
  }
  return recover() ? 1 : 0;
}

const selected = (): bool => load<u8>(L.R_SELECTED) == 1;
const pinOk = (): bool => load<u8>(L.R_PIN_OK) == 1;
const lifecycle = (): u8 => load<u8>(L.E_LIFECYCLE);

/** Checks that the card is active and the PIN verified in this session. */
function needPin(): i32 {
  if (lifecycle() != L.Lifecycle.Active) return S.SW_CONDITIONS;
  if (load<u8>(L.E_TRIES) == 0) return S.SW_BLOCKED;
  if (!pinOk()) return S.SW_SECURITY;
  return 0;
}

/** Runs one command APDU of `len` bytes at apduBuffer(). */
export function transmit(len: usize): i32 {
  const result = finish(dispatch(len));
  // No PIN digits or PIN hash stay in RAM after the command.
  memory.fill(L.IN_BUF, 0, len < L.IN_MAX ? len : L.IN_MAX);
  memory.fill(L.HASH, 0, 32);
  return result;
}

function dispatch(len: usize): i32 {
  store<u16>(L.R_LAST_ERROR, 0);
  if (len < 4) return S.SW_WRONG_LENGTH;
  const cla = load<u8>(L.IN_BUF);
  const ins = load<u8>(L.IN_BUF + 1);
  const p1 = load<u8>(L.IN_BUF + 2);
  const p2 = load<u8>(L.IN_BUF + 3);
  // Lc / Le, short or extended (ISO 7816-4 §5.1); Le is accepted and not enforced.
  let data: usize = L.IN_BUF + 5;
  let lc: usize = 0;
  if (len == 4 || len == 5) { lc = 0; }
  else if (load<u8>(L.IN_BUF + 4) != 0) {
    lc = <usize>load<u8>(L.IN_BUF + 4);
    if (len != 5 + lc && len != 6 + lc) return S.SW_WRONG_LENGTH;
  } else if (len == 7) { lc = 0; }
  else {
    lc = (<usize>load<u8>(L.IN_BUF + 5) << 8) | <usize>load<u8>(L.IN_BUF + 6);
    data = L.IN_BUF + 7;
    if (lc == 0 || (len != 7 + lc && len != 9 + lc)) return S.SW_WRONG_LENGTH;
  }
  const iso = ins == 0xa4 || ins == 0x20 || ins == 0x2c || ins == 0xca;
  const own = ins == 0x12 || ins == 0x14 || ins == 0x16 || ins == 0x18 || ins == 0x50 || ins == 0x52 || ins == 0x54 || ins == 0x56 || ins == 0x58 || ins == 0x5a || ins == 0x5c;
  if (cla != 0x00 && cla != 0x80) return S.SW_CLA;
  if (!iso && !own) return S.SW_INS;
  if ((iso && cla != 0x00) || (own && cla != 0x80)) return S.SW_CLA;
  if (ins == 0xa4) return select(p1, p2, data, lc);
  if (!selected()) return S.SW_CONDITIONS;
  switch (ins) {
    case 0x20: return verifyPin(p1, p2, data, lc);
    case 0x2c: return unblock(p1, p2, data, lc);
    case 0xca: return getData(p1, p2, lc);
    case 0x12: return generateKeys(p1, p2, lc);
    case 0x14: return installRoot(p1, p2, data, lc);
    case 0x16: return installCertificate(p1, p2, data, lc);
    case 0x18: return setPin(p1, p2, data, lc);
  }
  if ((p1 != 0 && !(ins == 0x50 && p1 == 1)) || (p2 != 0 && ins != 0x56)) return S.SW_WRONG_P1P2;
  if (ins == 0x56) { if (lc != 0) return S.SW_WRONG_LENGTH; }
  else if (lc == 0) return S.SW_WRONG_LENGTH;
  // A refund needs no PIN: it only gives back to this purse what it paid, signed by the merchant
  // paid, as an e-purse's "cancel last purchase" at the terminal that sold.
  if (ins == 0x5c) return lifecycle() == L.Lifecycle.Active ? refund(data, lc) : S.SW_CONDITIONS;
  const gate = needPin();
  if (gate != 0) return gate;
  switch (ins) {
    case 0x50: return p1 == 1 ? resendRequest(data, lc) : loadRequest(data, lc);
    case 0x52: return loadApply(data, lc);
    case 0x54: return purchase(data, lc);
    case 0x56: return readLog(<u32>p2);
    case 0x5a: return internetCheck(data, lc);
    default: return reissue(data, lc);
  }
}

function select(p1: u8, p2: u8, data: usize, lc: usize): i32 {
  if (p1 != 0x04 || p2 != 0x00) return S.SW_WRONG_P1P2;
  if (lc != 7) return S.SW_WRONG_LENGTH;
  if (memory.compare(data, changetype<usize>(AID), 7) != 0) return S.SW_NOT_FOUND;
  store<u8>(L.R_SELECTED, 1);
  store<u8>(L.R_PIN_OK, 0);
  return S.SW_OK;
}

/** VERIFY (ISO 7816-4 §11.5.6), P2 = 80: the PIN as ASCII digits; no data asks for the tries left. */
function verifyPin(p1: u8, p2: u8, data: usize, lc: usize): i32 {
  if (p1 != 0 || p2 != 0x80) return S.SW_WRONG_P1P2;
  if (lifecycle() != L.Lifecycle.Active) return S.SW_CONDITIONS;
  const tries = load<u8>(L.E_TRIES);
  if (tries == 0) return S.SW_BLOCKED;
  if (lc == 0) return pinOk() ? S.SW_OK : S.SW_PIN_TRIES | tries;
  if (lc < 4 || lc > 8) return S.SW_WRONG_LENGTH;
  // Decrement first, so a power cut during the comparison costs a try (anti-tearing).
  eeWriteU8(L.E_TRIES, tries - 1);
  sha256(data, lc, L.HASH);
  if (memory.compare(L.HASH, L.E_PIN_HASH, 32) == 0) {
    eeWriteU8(L.E_TRIES, PIN_TRIES);
    store<u8>(L.R_PIN_OK, 1);
    return S.SW_OK;
  }
  store<u8>(L.R_PIN_OK, 0);
  return tries - 1 == 0 ? S.SW_BLOCKED : S.SW_PIN_TRIES | (tries - 1);
}

const UNBLOCK_PREFIX: StaticArray<u8> = [0x73, 0x6d, 0x61, 0x72, 0x74, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x2f, 0x31, 0x2f, 0x75, 0x6e, 0x62, 0x6c, 0x6f, 0x63, 0x6b]; // "smartcheck/1/unblock"

/**
 * RESET RETRY COUNTER, P2 = 80: data = counter (u64 BE) ‖ bank signature (64) [‖ new PIN]. The
 * bank signs "smartcheck/1/unblock" ‖ purse id ‖ counter; the counter must exceed the last one used.
 */
function unblock(p1: u8, p2: u8, data: usize, lc: usize): i32 {
  if (p1 != 0 || p2 != 0x80) return S.SW_WRONG_P1P2;
  if (lc != 72 && (lc < 76 || lc > 80)) return S.SW_WRONG_LENGTH;
  if (lifecycle() != L.Lifecycle.Active) return S.SW_CONDITIONS;
  const counter = be64(data);
  if (counter <= be64(L.E_UNBLOCK_CTR)) return S.SW_WRONG_DATA;
  const M: usize = L.BODY;
  memory.copy(M, changetype<usize>(UNBLOCK_PREFIX), 20);
  const idLen = <usize>load<u8>(L.E_PURSE_ID);
  memory.copy(M + 20, L.E_PURSE_ID + 1, idLen);
  memory.copy(M + 20 + idLen, data, 8);
  if (ed25519Verify(data + 8, M, 28 + idLen, L.E_BANK_PK) != 1) { store<u16>(L.R_LAST_ERROR, 200); return S.SW_WRONG_DATA; }
  store<u8>(L.HASH - 1, PIN_TRIES);
  txBegin();
  txAdd(L.E_UNBLOCK_CTR, data, 8);
  if (lc > 72) {
    sha256(data + 72, lc - 72, L.HASH);
    txAdd(L.E_PIN_HASH, L.HASH, 32);
  }
  txAdd(L.E_TRIES, L.HASH - 1, 1);
  txCommit();
  return S.SW_OK;
}

/** GET DATA (00 CA 00 tag): C1 status, C2 public keys, C3 certificate, C4 last error, C5 purse id, C6 outstanding loads. */
function getData(p1: u8, p2: u8, lc: usize): i32 {
  if (lc != 0) return S.SW_WRONG_LENGTH;
  if (p1 != 0) return S.SW_WRONG_P1P2;
  const o = L.OUT_BUF;
  if (p2 == 0xc1) {
    store<u8>(o, lifecycle());
    store<u8>(o + 1, load<u8>(L.E_TRIES));
    store<u8>(o + 2, pinOk() ? 1 : 0);
    store<u8>(o + 3, <u8>load<u32>(L.E_ROOT_COUNT));
    memory.copy(o + 4, L.E_VALUE, L.VALUE_SIZE); // little-endian u64s, layout.ts
    memory.copy(o + 4 + L.VALUE_SIZE, L.E_REFUNDED_LO, 16); // u128 lifetime refunded
    return S.SW_OK | ((4 + <i32>L.VALUE_SIZE + 16) << 16);
  }
  if (p2 == 0xc2) {
    if (lifecycle() == L.Lifecycle.Blank) return S.SW_NOT_FOUND;
    memory.copy(o, L.E_SIGN_PK, 32);
    memory.copy(o + 32, L.E_KX_PK, 32);
    return S.SW_OK | (64 << 16);
  }
  if (p2 == 0xc3) {
    const n = <usize>load<u16>(L.E_CERT_LEN);
    if (n == 0) return S.SW_NOT_FOUND;
    memory.copy(o, L.E_CERT, n);
    return S.SW_OK | <i32>(n << 16);
  }
  if (p2 == 0xc4) {
    const code = load<u16>(L.R_LAST_ERROR + 16); // saved below before it was cleared
    store<u16>(o, bswap<u16>(code));
    return S.SW_OK | (2 << 16);
  }
  if (p2 == 0xc6) {
    if (lifecycle() != L.Lifecycle.Active) return S.SW_CONDITIONS;
    return outstandingList();
  }
  if (p2 == 0xc5) {
    const n = <usize>load<u8>(L.E_PURSE_ID);
    if (n == 0) return S.SW_NOT_FOUND;
    memory.copy(o, L.E_PURSE_ID + 1, n);
    return S.SW_OK | <i32>(n << 16);
  }
  return S.SW_NOT_FOUND;
}

/** Keeps the last refusal's protocol error code for GET DATA C4. */
function finish(result: i32): i32 {
  const sw = result & 0xffff;
  if (sw != S.SW_OK) store<u16>(L.R_LAST_ERROR + 16, load<u16>(L.R_LAST_ERROR));
  return result;
}

// ------------------------------------------------------------------ personalisation

/** GENERATE KEYS: the purse's Ed25519 and X25519 keys, made on the card; returns both public keys. */
function generateKeys(p1: u8, p2: u8, lc: usize): i32 {
  if (p1 != 0 || p2 != 0) return S.SW_WRONG_P1P2;
  if (lc != 0) return S.SW_WRONG_LENGTH;
  if (lifecycle() != L.Lifecycle.Blank) return S.SW_CONDITIONS;
  const K: usize = L.SCRATCH;
  random(K, 32);
  ed25519Public(K, K + 32);
  random(K + 64, 32);
  x25519Public(K + 64, K + 96);
  store<u8>(K + 128, L.Lifecycle.KeysGenerated);
  txBegin();
  txAdd(L.E_SIGN_SEED, K, 128);
  txAdd(L.E_LIFECYCLE, K + 128, 1);
  txCommit();
  memory.fill(K, 0, 128);
  memory.copy(L.OUT_BUF, L.E_SIGN_PK, 32);
  memory.copy(L.OUT_BUF + 32, L.E_KX_PK, 32);
  return S.SW_OK | (64 << 16);
}

/** INSTALL ROOT: data = Ed25519 key (32) ‖ root id. At most ROOTS_MAX, before the PIN is set. */
function installRoot(p1: u8, p2: u8, data: usize, lc: usize): i32 {
  if (p1 != 0 || p2 != 0) return S.SW_WRONG_P1P2;
  if (lc < 33 || lc > 96) return S.SW_WRONG_LENGTH;
  const lcState = lifecycle();
  if (lcState == L.Lifecycle.Blank || lcState == L.Lifecycle.Active) return S.SW_CONDITIONS;
  const count = <u32>load<u8>(L.E_ROOT_COUNT);
  if (rootKey(data + 32, lc - 32) != 0) return S.SW_WRONG_DATA;
  if (count >= L.ROOTS_MAX) return S.SW_FILE_FULL;
  const R: usize = L.SCRATCH;
  memory.fill(R, 0, L.ROOT_SIZE);
  store<u8>(R, <u8>(lc - 32));
  memory.copy(R + 1, data + 32, lc - 32);
  memory.copy(R + 65, data, 32);
  store<u8>(R + L.ROOT_SIZE, <u8>(count + 1));
  txBegin();
  txAdd(L.E_ROOTS + <usize>count * L.ROOT_SIZE, R, L.ROOT_SIZE);
  txAdd(L.E_ROOT_COUNT, R + L.ROOT_SIZE, 1);
  txCommit();
  return S.SW_OK;
}

/**
 * INSTALL CERTIFICATE: the purse certificate (with its bank's inside), written once. It must
 * certify this card's keys as a purse with offline limits, under a bank certified by an installed
 * root; the card keeps its purse id, bank id and key, currency and limits from it.
 */
function installCertificate(p1: u8, p2: u8, data: usize, lc: usize): i32 {
  if (p1 != 0 || p2 != 0) return S.SW_WRONG_P1P2;
  if (lc == 0 || lc > L.CERT_MAX) return S.SW_WRONG_LENGTH;
  if (lifecycle() != L.Lifecycle.KeysGenerated) return S.SW_CONDITIONS;
  const leaf = changetype<Signed>(L.CERT_LEAF);
  const top = changetype<Signed>(L.CERT_TOP);
  const bad = (code: i32): i32 => { store<u16>(L.R_LAST_ERROR, <u16>code); return S.SW_WRONG_DATA; };
  if (!parseCertificate(data, lc, leaf)) return bad(failCode);
  if (leaf.cert == 0) return bad(208);
  if (!parseCertificate(leaf.cert, leaf.certLen, top)) return bad(failCode);
  if (top.cert != 0) return bad(107);
  const anchor = rootKey(top.iss, top.issLen);
  if (anchor == 0) return bad(202);
  if (top.role != ROLE_BANK || leaf.role != ROLE_PURSE) return bad(205);
  if (leaf.issLen != top.subLen || memory.compare(leaf.iss, top.sub, leaf.issLen) != 0) return bad(207);
  if (!verifySign1(top, anchor) || !verifySign1(leaf, top.key)) return bad(201);
  if (memory.compare(leaf.key, L.E_SIGN_PK, 32) != 0) return bad(106);
  if (leaf.kx == 0 || memory.compare(leaf.kx, L.E_KX_PK, 32) != 0) return bad(106);
  if (leaf.hasLimits == 0) return bad(104);
  const P: usize = L.SCRATCH + 0x800; // [bank pk 32, purse id 65, bank id 65, currency 3, pad, limits 32]
  memory.fill(P, 0, 0xd0);
  memory.copy(P, top.key, 32);
  store<u8>(P + 32, <u8>leaf.subLen);
  memory.copy(P + 33, leaf.sub, leaf.subLen);
  store<u8>(P + 97, <u8>leaf.issLen);
  memory.copy(P + 98, leaf.iss, leaf.issLen);
  memory.copy(P + 162, leaf.cur, 3);
  store<u64>(P + 168, leaf.maxBalance);
  store<u64>(P + 176, leaf.maxPerCheck);
  store<u64>(P + 184, leaf.maxOffChecks);
  store<u64>(P + 192, leaf.maxOffAmount);
  store<u16>(P + 200, <u16>lc);
  store<u8>(P + 202, L.Lifecycle.CertificateInstalled);
  txBegin();
  txAdd(L.E_BANK_PK, P, 0xc8); // bank pk ‖ purse id ‖ bank id ‖ currency ‖ pad ‖ limits, as laid out
  txAdd(L.E_CERT_LEN, P + 200, 2);
  txAdd(L.E_CERT, data, lc);
  txAdd(L.E_LIFECYCLE, P + 202, 1);
  txCommit();
  return S.SW_OK;
}

/** SET PIN: 4–8 ASCII digits; activates the card. */
function setPin(p1: u8, p2: u8, data: usize, lc: usize): i32 {
  if (p1 != 0 || p2 != 0) return S.SW_WRONG_P1P2;
  if (lc < 4 || lc > 8) return S.SW_WRONG_LENGTH;
  if (lifecycle() != L.Lifecycle.CertificateInstalled) return S.SW_CONDITIONS;
  for (let i: usize = 0; i < lc; i++) {
    const c = load<u8>(data + i);
    if (c < 0x30 || c > 0x39) return S.SW_WRONG_DATA;
  }
  sha256(data, lc, L.HASH);
  store<u8>(L.HASH + 32, PIN_TRIES);
  store<u8>(L.HASH + 33, L.Lifecycle.Active);
  txBegin();
  txAdd(L.E_PIN_HASH, L.HASH, 32);
  txAdd(L.E_TRIES, L.HASH + 32, 1);
  txAdd(L.E_LIFECYCLE, L.HASH + 33, 1);
  txCommit();
  return S.SW_OK;
}


