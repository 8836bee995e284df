// COSE_Sign1 and CWT certificates (WIRE.md § Signatures, § Certificates) read in place, the chain
// verified from the root down in the order WIRE.md gives, and COSE_Sign1 written for the purse.
import { cborError, expect, head, hv, ident, currency, literal, markError, readerAt, rp, rend, skip, str, uint, writerAt, wHead, wBytes, wp, AMOUNT_MAX } from './cbor';
import { ed25519Sign, ed25519Verify, sha256 } from './crypto';
import { eeWrite, eeWriteU8 } from './eeprom';
import { CACHE_MAX, CERT_LEAF, CERT_TMP, CERT_TOP, DIGEST, E_CACHE, E_CACHE_NEXT, E_ROOTS, E_ROOT_COUNT, ROOT_SIZE, SCRATCH, SCRATCH_MAX } from './layout';

export const ROLE_ROOT: u32 = 1;
export const ROLE_BANK: u32 = 2;
export const ROLE_PURSE: u32 = 3;
export const ROLE_MERCHANT: u32 = 5;

/** A parsed COSE_Sign1 (payload, signature, header certificate) or certificate (plus claims). */
@unmanaged export class Signed {
  payload: usize; payloadLen: usize;
  sig: usize;
  cert: usize; certLen: usize;          // label 13, 0 when absent
  end: usize;
  // claims, for a certificate
  iss: usize; issLen: usize;
  sub: usize; subLen: usize;
  exp: u64; nbf: u64;
  key: usize;                           // 32-byte Ed25519 key
  kx: usize;                            // 32-byte X25519 key, 0 when absent
  role: u32;
  hasLimits: u32;
  cur: usize;
  maxBalance: u64; maxPerCheck: u64; maxOffChecks: u64; maxOffAmount: u64;
}

// bstr(<<{1: -8}>>), the only protected header (WIRE.md).
const PROTECTED: StaticArray<u8> = [0x43, 0xa1, 0x01, 0x27];
// cnf = {1: {1: 1, 3: -8, -1: 6, -2: h'<32>'}} up to the key bytes
const CNF_ED25519: StaticArray<u8> = [0xa1, 0x01, 0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20];
// {1: 1, -1: 4, -2: h'<32>'}
const KEY_X25519: StaticArray<u8> = [0xa3, 0x01, 0x01, 0x20, 0x04, 0x21, 0x58, 0x20];
const SIGNATURE1: StaticArray<u8> = [0x84, 0x6a, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x31, 0x43, 0xa1, 0x01, 0x27, 0x40];

const order: StaticArray<i64> = [1, 2, 4, 5, 6, 7, 8, -65537, -65538, -65539];

export let failCode: i32 = 0;

function refuse(code: i32): bool {
  failCode = code;
  return false;
}

const p = (a: StaticArray<u8>): usize => changetype<usize>(a);

/** Parses a COSE_Sign1 at [ptr, end) into `out`; `whole` requires it to fill the input exactly. */
export function parseSign1(ptr: usize, end: usize, out: Signed, whole: bool): bool {
  readerAt(ptr, end);
  if (head() != 6 || hv != 18) return refuse(cborError != 0 ? cborError : 107);
  if (head() != 4 || hv != 4) return refuse(cborError != 0 ? cborError : 107);
  if (!literal(p(PROTECTED), 4)) {
    // {1: alg} with another alg is 108; any other header 107.
    if (rp + 4 <= rend && load<u8>(rp) == 0x43 && load<u8>(rp + 1) == 0xa1 && load<u8>(rp + 2) == 0x01) return refuse(108);
    return refuse(107);
  }
  const m = head();
  if (m != 5 || hv > 1) return refuse(cborError != 0 ? cborError : 107);
  out.cert = 0;
  out.certLen = 0;
  if (hv == 1) {
    if (head() != 0 || hv != 13) return refuse(cborError != 0 ? cborError : 107);
    const at = rp;
    if (rp >= rend || load<u8>(rp) != 0xd2) return refuse(107);
    if (!skip(0)) return refuse(cborError);
    out.cert = at;
    out.certLen = rp - at;
  }
  out.payload = str(2);
  if (cborError != 0) return refuse(107);
  out.payloadLen = <usize>hv;
  const sig = str(2);
  if (cborError != 0 || hv != 64) return refuse(107);
  out.sig = sig;
  out.end = rp;
  if (whole && rp != end) return refuse(100);
  return true;
}

/** Sig_structure ["Signature1", h'a10127', h'', payload] in SCRATCH; returns its length. */
export function toBeSigned(payload: usize, len: usize): usize {
  if (len + 32 > SCRATCH_MAX) unreachable();
  writerAt(SCRATCH);
  wBytes(p(SIGNATURE1), 17);
  wHead(2, <u64>len);
  wBytes(payload, len);
  return wp - SCRATCH;
}

export function verifySign1(s: Signed, key: usize): bool {
  const n = toBeSigned(s.payload, s.payloadLen);
  return ed25519Verify(s.sig, SCRATCH, n, key) == 1;
}

/**
 * A certificate's signature, remembered once verified: a purse pays the same merchants under the
 * same bank again and again, and each remembered certificate saves an Ed25519 verification. Only
 * the signature is remembered (keyed by what was signed, the key and the signature); validity and
 * roles are checked every time. A torn cache write leaves a digest that matches nothing.
 */
export function verifyCertificateCached(c: Signed, key: usize): bool {
  const n = toBeSigned(c.payload, c.payloadLen);
  memory.copy(SCRATCH + n, key, 32);
  memory.copy(SCRATCH + n + 32, c.sig, 64);
  sha256(SCRATCH, n + 96, DIGEST);
  for (let i: u32 = 0; i < CACHE_MAX; i++) {
    if (memory.compare(E_CACHE + <usize>i * 32, DIGEST, 32) == 0) return true;
  }
  if (ed25519Verify(c.sig, SCRATCH, n, key) != 1) return false;
  const next = <u32>load<u8>(E_CACHE_NEXT) % CACHE_MAX;
  eeWrite(E_CACHE + <usize>next * 32, DIGEST, 32);
  eeWriteU8(E_CACHE_NEXT, <u8>((next + 1) % CACHE_MAX));
  return true;
}

/** Signs `payload` with the key at `seed` into `sigOut`. */
export function signPayload(seed: usize, payload: usize, len: usize, sigOut: usize): void {
  const n = toBeSigned(payload, len);
  ed25519Sign(seed, SCRATCH, n, sigOut);
}

const SIGNATURE: StaticArray<u8> = [0x85, 0x69, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x40, 0x43, 0xa1, 0x01, 0x27, 0x40];

/** Signs `payload` as one signer of a COSE_Sign: ["Signature", h'', h'a10127', h'', payload]. */
export function signPart(seed: usize, payload: usize, len: usize, sigOut: usize): void {
  if (len + 32 > SCRATCH_MAX) unreachable();
  writerAt(SCRATCH);
  wBytes(p(SIGNATURE), 17);
  wHead(2, <u64>len);
  wBytes(payload, len);
  ed25519Sign(seed, SCRATCH, wp - SCRATCH, sigOut);
}

/** Writes a COSE_Signature [h'a10127', {13: cert}, sig] at `out`; returns the end. */
export function writeSignaturePart(out: usize, cert: usize, certLen: usize, sig: usize): usize {
  writerAt(out);
  wHead(4, 3);
  wBytes(p(PROTECTED), 4);
  wHead(5, 1);
  wHead(0, 13);
  wBytes(cert, certLen);
  wHead(2, 64);
  wBytes(sig, 64);
  return wp;
}

/** Writes COSE_Sign1 [h'a10127', {13: cert}, payload, sig] at `out`; returns the end. */
export function writeSign1(out: usize, cert: usize, certLen: usize, payload: usize, len: usize, sig: usize): usize {
  writerAt(out);
  wHead(6, 18);
  wHead(4, 4);
  wBytes(p(PROTECTED), 4);
  wHead(5, 1);
  wHead(0, 13);
  wBytes(cert, certLen);
  wHead(2, <u64>len);
  wBytes(payload, len);
  wHead(2, 64);
  wBytes(sig, 64);
  return wp;
}

function claimKey(): i64 {
  const m = head();
  if (m == 0) return <i64>hv;
  if (m == 1) return -1 - <i64>hv;
  return i64.MIN_VALUE;
}

/** Reads the CWT claims of certificate `c` (its payload), WIRE.md § Certificates order. */
export function parseClaims(c: Signed): bool {
  readerAt(c.payload, c.payload + c.payloadLen);
  if (head() != 5) return refuse(cborError != 0 ? cborError : 106);
  const n = hv;
  if (n > 10) return refuse(105);
  let next = 0;
  c.kx = 0;
  c.hasLimits = 0;
  let seen = 0;
  for (let i: u64 = 0; i < n; i++) {
    const k = claimKey();
    if (cborError != 0) return refuse(cborError);
    let j = next;
    while (j < 10 && order[j] != k) j++;
    if (j == 10) {
      for (let q = 0; q < next; q++) if (order[q] == k) return refuse(101);
      return refuse(105);
    }
    if (j > next && next <= 7) return refuse(104); // a required claim was skipped
    next = j + 1;
    seen = j + 1;
    if (k == 1) { c.iss = ident(); c.issLen = <usize>hv; }
    else if (k == 2) { c.sub = ident(); c.subLen = <usize>hv; }
    else if (k == 4) c.exp = uint();
    else if (k == 5) c.nbf = uint();
    else if (k == 6) uint();
    else if (k == 7) { str(2); if (cborError == 0 && hv != 8) return refuse(106); }
    else if (k == 8) {
      if (!literal(p(CNF_ED25519), 12) || rp + 32 > rend) return refuse(106);
      c.key = rp; readerAt(rp + 32, rend);
    } else if (k == -65537) {
      const r = uint();
      if (cborError == 0 && (r < 1 || r > 5)) return refuse(106);
      c.role = <u32>r;
    } else if (k == -65538) {
      if (!literal(p(KEY_X25519), 8) || rp + 32 > rend) return refuse(106);
      c.kx = rp; readerAt(rp + 32, rend);
    } else {
      if (head() != 5 || hv != 5) return refuse(106);
      for (let f: u64 = 1; f <= 5; f++) {
        if (head() != 0 || hv != f) return refuse(106);
        if (f == 1) c.cur = currency();
        else {
          const v = uint();
          if (f == 2) c.maxBalance = v; else if (f == 3) c.maxPerCheck = v; else if (f == 4) c.maxOffChecks = v; else c.maxOffAmount = v;
        }
        if (cborError != 0) return refuse(106);
      }
      c.hasLimits = 1;
    }
    if (cborError != 0) return refuse(cborError);
  }
  if (seen < 8) return refuse(104);
  if (rp != rend) return refuse(100);
  return true;
}

export function parseCertificate(ptr: usize, len: usize, c: Signed): bool {
  if (!parseSign1(ptr, ptr + len, c, true)) return false;
  return parseClaims(c);
}

/** The key of the trusted root named [id, id + n), or 0. */
export function rootKey(id: usize, n: usize): usize {
  const count = <u32>load<u8>(E_ROOT_COUNT);
  for (let i: u32 = 0; i < count; i++) {
    const r = E_ROOTS + <usize>i * ROOT_SIZE;
    if (<usize>load<u8>(r) == n && memory.compare(r + 1, id, n) == 0) return r + 65;
  }
  return 0;
}

function sameText(a: usize, an: usize, b: usize, bn: usize): bool {
  return an == bn && memory.compare(a, b, an) == 0;
}

function valid(c: Signed, now: u64): bool {
  if (c.nbf > now) return refuse(204);
  if (c.exp < now) return refuse(203);
  return true;
}

/**
 * Verifies a signed message's certificate chain up to a trusted root (WIRE.md § Order of checks,
 * steps 2–5, without revocation, which the card cannot know) and its signature. The leaf is left
 * in CERT_LEAF. `msg` must be parsed already.
 */
export function verifyChainAndSignature(msg: Signed, role: u32, now: u64): bool {
  if (msg.cert == 0) return refuse(208);
  const leaf = changetype<Signed>(CERT_LEAF);
  const top = changetype<Signed>(CERT_TOP);
  if (!parseCertificate(msg.cert, msg.certLen, leaf)) return false;
  let hasTop = false;
  if (leaf.cert != 0) {
    if (!parseCertificate(leaf.cert, leaf.certLen, top)) return false;
    if (top.cert != 0) return refuse(107);
    hasTop = true;
  }
  const highest = hasTop ? top : leaf;
  const anchor = rootKey(highest.iss, highest.issLen);
  if (anchor == 0) return refuse(202);
  if (highest.role != ROLE_BANK) return refuse(205);
  if (hasTop) {
    if (!valid(top, now)) return false;
    if (!verifyCertificateCached(top, anchor)) return refuse(201);
    if (!sameText(leaf.iss, leaf.issLen, top.sub, top.subLen)) return refuse(207);
    if (leaf.role == ROLE_ROOT || leaf.role == ROLE_BANK) return refuse(205);
    if (!valid(leaf, now)) return false;
    if (!verifyCertificateCached(leaf, top.key)) return refuse(201);
  } else {
    if (!valid(leaf, now)) return false;
    if (!verifyCertificateCached(leaf, anchor)) return refuse(201);
  }
  if (leaf.role != role) return refuse(205);
  if (!verifySign1(msg, leaf.key)) return refuse(200);
  return true;
}

export { CERT_TMP, AMOUNT_MAX, expect };
