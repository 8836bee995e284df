// The smartcheck purse applet: ISO 7816-4 APDU dispatch, personalisation, PIN, GET DATA. The host
// writes a command APDU at apduBuffer() and calls process(length); the result packs the response
// data length (at responseBuffer()) in the high 16 bits and the status word in the low 16.

import { checkPurseCertificate } from './certificate';
import { rootKey } from './cose';
import { ed25519Public, ed25519Verify, random, sha256, x25519Public } from './crypto';
import { eeWrite, eeWriteU8, recover, txAdd, txBegin, txCommit } from './eeprom';
import * as L from './layout';
import { refund } from './refund';
import { renewCertificate } from './renewal';
import { be64, internetCheck, loadApply, loadRequest, outstandingList, purchase, readLog, reissue, resendRequest } from './purse';
import { AID, AID_LENGTH, ByteLength, Cla, DataTag, ErrorCode, FciTag, ID_MAX_LENGTH, Ins, Lifecycle, Param, Role, STATUS_SIZE, StatusField, SW, UNBLOCK_DOMAIN, UNBLOCK_DOMAIN_LENGTH } from './wire';

const PIN_TRIES: u8 = 3;

export function apduBuffer(): usize { return L.IN_BUF; }
export function apduMax(): usize { return L.IN_MAX; }
export function responseBuffer(): usize { return L.OUT_BUF; }
export function eepromBase(): usize { return L.EE; }
export function eepromSize(): usize { return L.EE_SIZE; }

/** Power on: RAM is fresh; format a blank EEPROM, redo an interrupted transaction. Returns 1 if it redid one. */
export function powerOn(): i32 {
  memory.fill(L.RAM, 0, L.EE - L.RAM);
  if (load<u32>(L.E_MAGIC) != L.EE_MAGIC) {
    // A blank card: EEPROM arrives zeroed, so only the magic is written.
    store<u32>(L.R_MAGIC, L.EE_MAGIC);
    eeWrite(L.E_MAGIC, L.R_MAGIC, 4);
    return 0;
  }
  return recover() ? 1 : 0;
}

const selected = (): bool => load<u8>(L.R_SELECTED) == 1;
const pinOk = (): bool => load<u8>(L.R_PIN_OK) == 1;
const lifecycle = (): u8 => load<u8>(L.E_LIFECYCLE);

/** Checks that the card is active and the PIN verified in this session. */
function needPin(): i32 {
  if (lifecycle() != Lifecycle.active) return SW.conditionsNotSatisfied;
  if (load<u8>(L.E_TRIES) == 0) return SW.blocked;
  if (!pinOk()) return SW.securityNotSatisfied;
  return 0;
}

/** Runs one command APDU of `len` bytes at apduBuffer(). */
export function transmit(len: usize): i32 {
  chainUsed = 0;
  const result = shape(finish(command(len)));
  // No PIN digits or PIN hash stay in RAM after the command (nor a finished chain's data).
  memory.fill(L.IN_BUF, 0, len < L.IN_MAX ? len : L.IN_MAX);
  if (chainUsed != 0) memory.fill(L.CHAIN, 0, chainUsed);
  memory.fill(L.HASH, 0, ByteLength.hash);
  return result;
}

// This command's data (at IN_BUF, or at CHAIN for the last part of a chain), its length Nc and the
// most response bytes the terminal expects, Ne. Le absent counts as Ne = 256 (65536 after an
// extended Lc), as Java Card's setOutgoing does under T=1.
let data: usize = 0;
let lc: usize = 0;
let ne: usize = 0;
let chainUsed: usize = 0;

/** Lc and Le, short or extended (ISO 7816-4 §5.1); false when the lengths do not add up. */
function parseLengths(len: usize): bool {
  data = L.IN_BUF + 5;
  lc = 0;
  ne = 256;
  if (len == 4) return true;
  const b4 = <usize>load<u8>(L.IN_BUF + 4);
  if (len == 5) { ne = b4 == 0 ? 256 : b4; return true; }
  if (b4 != 0) {
    lc = b4;
    if (len == 5 + lc) return true;
    if (len != 6 + lc) return false;
    const le = <usize>load<u8>(L.IN_BUF + 5 + lc);
    ne = le == 0 ? 256 : le;
    return true;
  }
  const n = (<usize>load<u8>(L.IN_BUF + 5) << 8) | <usize>load<u8>(L.IN_BUF + 6);
  ne = 65536;
  if (len == 7) { if (n != 0) ne = n; return true; }
  lc = n;
  data = L.IN_BUF + 7;
  if (lc == 0) return false;
  if (len == 7 + lc) return true;
  if (len != 9 + lc) return false;
  const le = (<usize>load<u8>(L.IN_BUF + 7 + lc) << 8) | <usize>load<u8>(L.IN_BUF + 8 + lc);
  if (le != 0) ne = le;
  return true;
}

/** 61xx: xx more bytes to read with GET RESPONSE (00: 256 or more). */
const more = (rest: usize): i32 => SW.bytesRemaining | (rest > 255 ? 0 : <i32>rest);

/** Sends at most Ne bytes of a response and keeps the rest for GET RESPONSE (ISO 7816-4 §5.3.4). */
function shape(result: i32): i32 {
  const n = <usize>(result >>> 16);
  if ((result & 0xffff) != SW.ok || n <= ne) return result;
  store<u16>(L.R_PENDING_OFF, <u16>ne);
  store<u16>(L.R_PENDING_LEN, <u16>(n - ne));
  return (<i32>ne << 16) | more(n - ne);
}

/** GET RESPONSE (00 C0 00 00 Le): the next Ne bytes of the response kept by shape(). */
function getResponse(p1: u8, p2: u8): i32 {
  const rest = <usize>load<u16>(L.R_PENDING_LEN);
  if (rest == 0) return SW.conditionsNotSatisfied;
  if (p1 != 0 || p2 != 0) return SW.wrongP1P2;
  if (lc != 0) return SW.wrongLength;
  memory.copy(L.OUT_BUF, L.OUT_BUF + <usize>load<u16>(L.R_PENDING_OFF), rest);
  const n = rest < ne ? rest : ne;
  store<u16>(L.R_PENDING_OFF, <u16>n);
  store<u16>(L.R_PENDING_LEN, <u16>(rest - n));
  return (<i32>n << 16) | (rest > n ? more(rest - n) : SW.ok);
}

function closeChain(): void {
  store<u8>(L.R_CHAINING, 0);
  memory.fill(L.CHAIN, 0, <usize>load<u16>(L.R_CHAIN_LEN));
  store<u16>(L.R_CHAIN_LEN, 0);
}

function command(len: usize): i32 {
  store<u16>(L.R_LAST_ERROR, 0);
  if (len < 4 || !parseLengths(len)) return SW.wrongLength;
  const cla = load<u8>(L.IN_BUF) & ~Cla.chaining;
  const chained = (load<u8>(L.IN_BUF) & Cla.chaining) != 0;
  const ins = load<u8>(L.IN_BUF + 1);
  const p1 = load<u8>(L.IN_BUF + 2);
  const p2 = load<u8>(L.IN_BUF + 3);
  if (ins == Ins.getResponse && !chained && cla == Cla.iso) return getResponse(p1, p2);
  store<u16>(L.R_PENDING_LEN, 0); // any other command drops what was left of the last response
  const iso = ins == Ins.select || ins == Ins.verify || ins == Ins.resetRetryCounter || ins == Ins.getData;
  const own = ins == Ins.generateKeys || ins == Ins.installRoot || ins == Ins.installCertificate || ins == Ins.setPin || ins == Ins.loadRequest || ins == Ins.loadApply || ins == Ins.purchase || ins == Ins.readLog || ins == Ins.reissueCheck || ins == Ins.internetCheck || ins == Ins.refund || ins == Ins.renewCertificate;
  if (cla != Cla.iso && cla != Cla.proprietary) return SW.claNotSupported;
  if (!iso && !own) return SW.insNotSupported;
  if ((iso && cla != Cla.iso) || (own && cla != Cla.proprietary)) return SW.claNotSupported;
  // Command chaining: every part but the last has the CLA bit b5 and is answered 9000; the parts
  // share CLA, INS, P1 and P2; their data is gathered at CHAIN and the last part runs the command.
  const head = <u32>cla | (<u32>ins << 8) | (<u32>p1 << 16) | (<u32>p2 << 24);
  const open = load<u8>(L.R_CHAINING) == 1;
  if (open && load<u32>(L.R_CHAIN_HEAD) != head) { closeChain(); return SW.lastCommandExpected; }
  if (chained || open) {
    const have = <usize>load<u16>(L.R_CHAIN_LEN);
    if (len > L.CHAIN - L.IN_BUF || have + lc > L.CHAIN_MAX) { closeChain(); return SW.wrongLength; }
    memory.copy(L.CHAIN + have, data, lc);
    store<u16>(L.R_CHAIN_LEN, <u16>(have + lc));
    if (chained) {
      store<u8>(L.R_CHAINING, 1);
      store<u32>(L.R_CHAIN_HEAD, head);
      return SW.ok;
    }
    data = L.CHAIN;
    lc = have + lc;
    chainUsed = lc;
    store<u8>(L.R_CHAINING, 0);
    store<u16>(L.R_CHAIN_LEN, 0);
  }
  return dispatch(ins, p1, p2);
}

function dispatch(ins: u8, p1: u8, p2: u8): i32 {
  if (ins == Ins.select) return select(p1, p2, data, lc);
  if (!selected()) return SW.conditionsNotSatisfied;
  switch (ins) {
    case Ins.verify: return verifyPin(p1, p2, data, lc);
    case Ins.resetRetryCounter: return unblock(p1, p2, data, lc);
    case Ins.getData: return getData(p1, p2, lc);
    case Ins.generateKeys: return generateKeys(p1, p2, lc);
    case Ins.installRoot: return installRoot(p1, p2, data, lc);
    case Ins.installCertificate: return installCertificate(p1, p2, data, lc);
    case Ins.setPin: return setPin(p1, p2, data, lc);
  }
  if (ins == Ins.renewCertificate) return renewCertificate(p1, p2, data, lc, needPin());
  if ((p1 != 0 && !(ins == Ins.loadRequest && p1 == Param.loadRequestAgain)) || (p2 != 0 && ins != Ins.readLog)) return SW.wrongP1P2;
  if (ins == Ins.readLog) { if (lc != 0) return SW.wrongLength; }
  else if (lc == 0) return SW.wrongLength;
  // A refund needs no PIN: it only gives back to this purse what it paid, signed by the merchant
  // paid, as an e-purse's "cancel last purchase" at the terminal that sold.
  if (ins == Ins.refund) return lifecycle() == Lifecycle.active ? refund(data, lc) : SW.conditionsNotSatisfied;
  const gate = needPin();
  if (gate != 0) return gate;
  switch (ins) {
    case Ins.loadRequest: return p1 == Param.loadRequestAgain ? resendRequest(data, lc) : loadRequest(data, lc);
    case Ins.loadApply: return loadApply(data, lc);
    case Ins.purchase: return purchase(data, lc);
    case Ins.readLog: return readLog(<u32>p2);
    case Ins.internetCheck: return internetCheck(data, lc);
    default: return reissue(data, lc);
  }
}

/** SELECT by DF name (ISO 7816-4 §11.2.2): P2 00 answers the FCI (6F: 84 AID), P2 0C nothing. */
function select(p1: u8, p2: u8, data: usize, lc: usize): i32 {
  if (p1 != Param.selectByName || (p2 != Param.selectFci && p2 != Param.selectNoData)) return SW.wrongP1P2;
  if (lc != AID_LENGTH) return SW.wrongLength;
  if (memory.compare(data, changetype<usize>(AID), AID_LENGTH) != 0) return SW.applicationNotFound;
  store<u8>(L.R_SELECTED, 1);
  store<u8>(L.R_PIN_OK, 0);
  if (p2 == Param.selectNoData) return SW.ok;
  const o = L.OUT_BUF;
  store<u8>(o, FciTag.template);
  store<u8>(o + 1, <u8>(2 + AID_LENGTH));
  store<u8>(o + 2, FciTag.dfName);
  store<u8>(o + 3, <u8>AID_LENGTH);
  memory.copy(o + 4, changetype<usize>(AID), AID_LENGTH);
  return SW.ok | ((4 + <i32>AID_LENGTH) << 16);
}

/** VERIFY (ISO 7816-4 §11.5.6), P2 = 80: the PIN as ASCII digits; no data asks for the tries left. */
function verifyPin(p1: u8, p2: u8, data: usize, lc: usize): i32 {
  if (p1 != 0 || p2 != Param.pin) return SW.wrongP1P2;
  if (lifecycle() != Lifecycle.active) return SW.conditionsNotSatisfied;
  const tries = load<u8>(L.E_TRIES);
  if (tries == 0) return SW.blocked;
  if (lc == 0) return pinOk() ? SW.ok : SW.pinTries | tries;
  if (lc < 4 || lc > 8) return SW.wrongLength;
  // Decrement first, so a power cut during the comparison costs a try (anti-tearing).
  eeWriteU8(L.E_TRIES, tries - 1);
  sha256(data, lc, L.HASH);
  if (memory.compare(L.HASH, L.E_PIN_HASH, ByteLength.hash) == 0) {
    eeWriteU8(L.E_TRIES, PIN_TRIES);
    store<u8>(L.R_PIN_OK, 1);
    return SW.ok;
  }
  store<u8>(L.R_PIN_OK, 0);
  return tries - 1 == 0 ? SW.blocked : SW.pinTries | (tries - 1);
}

/**
 * RESET RETRY COUNTER, P2 = 80: data = counter (u64 BE) ‖ bank signature (64) [‖ new PIN]. The
 * bank signs "smartcheck/1/unblock" ‖ purse id ‖ counter; the counter must exceed the last one used.
 */
function unblock(p1: u8, p2: u8, data: usize, lc: usize): i32 {
  const PIN: usize = 8 + ByteLength.signature; // the new PIN's offset in the data
  if (p1 != 0 || p2 != Param.pin) return SW.wrongP1P2;
  if (lc != PIN && (lc < PIN + 4 || lc > PIN + 8)) return SW.wrongLength;
  if (lifecycle() != Lifecycle.active) return SW.conditionsNotSatisfied;
  const counter = be64(data);
  if (counter <= be64(L.E_UNBLOCK_CTR)) return SW.wrongData;
  const M: usize = L.BODY; // domain ‖ purse id ‖ counter
  memory.copy(M, changetype<usize>(UNBLOCK_DOMAIN), UNBLOCK_DOMAIN_LENGTH);
  const idLen = <usize>load<u8>(L.E_PURSE_ID);
  memory.copy(M + UNBLOCK_DOMAIN_LENGTH, L.E_PURSE_ID + 1, idLen);
  memory.copy(M + UNBLOCK_DOMAIN_LENGTH + idLen, data, 8);
  if (ed25519Verify(data + 8, M, UNBLOCK_DOMAIN_LENGTH + idLen + 8, L.E_BANK_PK) != 1) { store<u16>(L.R_LAST_ERROR, ErrorCode.BadSignature); return SW.wrongData; }
  store<u8>(L.R_NEW_TRIES, PIN_TRIES);
  txBegin();
  txAdd(L.E_UNBLOCK_CTR, data, 8);
  if (lc > PIN) {
    sha256(data + PIN, lc - PIN, L.HASH);
    txAdd(L.E_PIN_HASH, L.HASH, ByteLength.hash);
  }
  txAdd(L.E_TRIES, L.R_NEW_TRIES, 1);
  txCommit();
  return SW.ok;
}

/** GET DATA (00 CA 00 tag): C1 status, C2 public keys, C3 certificate, C4 last error, C5 purse id, C6 outstanding loads. */
function getData(p1: u8, p2: u8, lc: usize): i32 {
  if (lc != 0) return SW.wrongLength;
  if (p1 != 0) return SW.wrongP1P2;
  const o = L.OUT_BUF;
  if (p2 == DataTag.status) {
    store<u8>(o + StatusField.lifecycle, lifecycle());
    store<u8>(o + StatusField.pinTries, load<u8>(L.E_TRIES));
    store<u8>(o + StatusField.pinVerified, pinOk() ? 1 : 0);
    store<u8>(o + StatusField.roots, <u8>load<u32>(L.E_ROOT_COUNT));
    memory.copy(o + StatusField.valueBlock, L.E_VALUE, L.VALUE_SIZE); // little-endian, as kept
    memory.copy(o + StatusField.refundedTotal, L.E_REFUNDED_LO, 16); // u128 lifetime refunded
    return SW.ok | (<i32>STATUS_SIZE << 16);
  }
  if (p2 == DataTag.publicKeys) {
    if (lifecycle() == Lifecycle.blank) return SW.notFound;
    memory.copy(o, L.E_SIGN_PK, ByteLength.key);
    memory.copy(o + ByteLength.key, L.E_KX_PK, ByteLength.key);
    return SW.ok | (<i32>(ByteLength.key * 2) << 16);
  }
  if (p2 == DataTag.certificate) {
    const n = <usize>load<u16>(L.E_CERT_LEN);
    if (n == 0) return SW.notFound;
    memory.copy(o, L.E_CERT, n);
    return SW.ok | <i32>(n << 16);
  }
  if (p2 == DataTag.lastError) {
    const code = load<u16>(L.R_LAST_REFUSAL); // saved below before it was cleared
    store<u16>(o, bswap<u16>(code));
    return SW.ok | (2 << 16);
  }
  if (p2 == DataTag.outstanding) {
    if (lifecycle() != Lifecycle.active) return SW.conditionsNotSatisfied;
    return outstandingList();
  }
  if (p2 == DataTag.purseId) {
    const n = <usize>load<u8>(L.E_PURSE_ID);
    if (n == 0) return SW.notFound;
    memory.copy(o, L.E_PURSE_ID + 1, n);
    return SW.ok | <i32>(n << 16);
  }
  return SW.notFound;
}

/** Keeps the last refusal's protocol error code for GET DATA C4. */
function finish(result: i32): i32 {
  const sw = result & 0xffff;
  if (sw != SW.ok && (sw & 0xff00) != SW.bytesRemaining) store<u16>(L.R_LAST_REFUSAL, load<u16>(L.R_LAST_ERROR));
  return result;
}

// ------------------------------------------------------------------ personalisation

/** GENERATE KEYS: the purse's Ed25519 and X25519 keys, made on the card; returns both public keys. */
function generateKeys(p1: u8, p2: u8, lc: usize): i32 {
  if (p1 != 0 || p2 != 0) return SW.wrongP1P2;
  if (lc != 0) return SW.wrongLength;
  if (lifecycle() != Lifecycle.blank) return SW.conditionsNotSatisfied;
  const K: usize = L.SCRATCH; // the keys as laid out from E_SIGN_SEED, then the new state
  const seed = K;
  const kxSecret = K + (L.E_KX_SK - L.E_SIGN_SEED);
  random(seed, ByteLength.key);
  ed25519Public(seed, K + (L.E_SIGN_PK - L.E_SIGN_SEED));
  random(kxSecret, ByteLength.key);
  x25519Public(kxSecret, K + (L.E_KX_PK - L.E_SIGN_SEED));
  store<u8>(K + L.KEYS_SIZE, Lifecycle.keysGenerated);
  txBegin();
  txAdd(L.E_SIGN_SEED, K, L.KEYS_SIZE);
  txAdd(L.E_LIFECYCLE, K + L.KEYS_SIZE, 1);
  txCommit();
  memory.fill(K, 0, L.KEYS_SIZE);
  memory.copy(L.OUT_BUF, L.E_SIGN_PK, ByteLength.key);
  memory.copy(L.OUT_BUF + ByteLength.key, L.E_KX_PK, ByteLength.key);
  return SW.ok | (<i32>(ByteLength.key * 2) << 16);
}

/** INSTALL ROOT: data = Ed25519 key (32) ‖ root id. At most ROOTS_MAX, before the PIN is set. */
function installRoot(p1: u8, p2: u8, data: usize, lc: usize): i32 {
  if (p1 != 0 || p2 != 0) return SW.wrongP1P2;
  const KEY = ByteLength.key;
  if (lc < KEY + 1 || lc > KEY + ID_MAX_LENGTH) return SW.wrongLength;
  const lcState = lifecycle();
  if (lcState == Lifecycle.blank || lcState == Lifecycle.active) return SW.conditionsNotSatisfied;
  const count = <u32>load<u8>(L.E_ROOT_COUNT);
  if (rootKey(data + KEY, lc - KEY) != 0) return SW.wrongData;
  if (count >= L.ROOTS_MAX) return SW.fileFull;
  const R: usize = L.SCRATCH; // the new root record, then the new count
  memory.fill(R, 0, L.ROOT_SIZE);
  store<u8>(R + L.Root.idLength, <u8>(lc - KEY));
  memory.copy(R + L.Root.id, data + KEY, lc - KEY);
  memory.copy(R + L.Root.key, data, KEY);
  store<u8>(R + L.ROOT_SIZE, <u8>(count + 1));
  txBegin();
  txAdd(L.E_ROOTS + <usize>count * L.ROOT_SIZE, R, L.ROOT_SIZE);
  txAdd(L.E_ROOT_COUNT, R + L.ROOT_SIZE, 1);
  txCommit();
  return SW.ok;
}

/**
 * INSTALL CERTIFICATE: the purse certificate (with its bank's inside), written once. It must
 * certify this card's keys as a purse with offline limits, under a bank certified by an installed
 * root; the card keeps its purse id, bank id and key, currency and limits from it.
 */
function installCertificate(p1: u8, p2: u8, data: usize, lc: usize): i32 {
  if (p1 != 0 || p2 != 0) return SW.wrongP1P2;
  if (lc == 0 || lc > L.CERT_MAX) return SW.wrongLength;
  if (lifecycle() != Lifecycle.keysGenerated) return SW.conditionsNotSatisfied;
  const code = checkPurseCertificate(data, lc, ErrorCode.BadCertificateSignature, ErrorCode.BadField);
  if (code != 0) { store<u16>(L.R_LAST_ERROR, <u16>code); return SW.wrongData; }
  // After the staged block at PERSO: the certificate's length and the new state.
  const certLen = L.PERSO + L.PERSO_SIZE;
  const state = certLen + 2;
  store<u16>(certLen, <u16>lc);
  store<u8>(state, Lifecycle.certificateInstalled);
  txBegin();
  txAdd(L.E_BANK_PK, L.PERSO, L.PERSO_SIZE);
  txAdd(L.E_CERT_LEN, certLen, 2);
  txAdd(L.E_CERT, data, lc);
  txAdd(L.E_LIFECYCLE, state, 1);
  txCommit();
  return SW.ok;
}

/** SET PIN: 4–8 ASCII digits; activates the card. */
function setPin(p1: u8, p2: u8, data: usize, lc: usize): i32 {
  if (p1 != 0 || p2 != 0) return SW.wrongP1P2;
  if (lc < 4 || lc > 8) return SW.wrongLength;
  if (lifecycle() != Lifecycle.certificateInstalled) return SW.conditionsNotSatisfied;
  for (let i: usize = 0; i < lc; i++) {
    const c = load<u8>(data + i);
    if (c < 0x30 || c > 0x39) return SW.wrongData;
  }
  sha256(data, lc, L.HASH);
  store<u8>(L.R_PIN_STATE, PIN_TRIES);
  store<u8>(L.R_PIN_STATE + 1, Lifecycle.active);
  txBegin();
  txAdd(L.E_PIN_HASH, L.HASH, ByteLength.hash);
  txAdd(L.E_TRIES, L.R_PIN_STATE, 1);
  txAdd(L.E_LIFECYCLE, L.R_PIN_STATE + 1, 1);
  txCommit();
  return SW.ok;
}


