// COSE_Sign1 and CWT certificates (WIRE.md § Signatures, § Certificates) read in place, the chain
// verified from the root down in the order WIRE.md gives, and COSE_Sign1 written for the purse.
import { cborError, head, hv, ident, currency, literal, readerAt, rp, rend, skip, str, uint, writerAt, wHead, wBytes, wp } from './cbor';
import { ed25519Sign, ed25519Verify, sha256 } from './crypto';
import { eeWrite, eeWriteU8 } from './eeprom';
import { CACHE_MAX, CERT_LEAF, CERT_TOP, DIGEST, E_CACHE, E_CACHE_NEXT, E_ROOTS, E_ROOT_COUNT, Root, ROOT_SIZE, SCRATCH, SCRATCH_MAX } from './layout';
import { BankRole, ByteLength, Claim, CNF_ED25519_PREFIX, CNF_ED25519_PREFIX_LENGTH, Cose, ErrorCode, LimitKey, PROTECTED_EDDSA_BSTR, PROTECTED_EDDSA_BSTR_LENGTH, Role, SIG_STRUCTURE1_PREFIX, SIG_STRUCTURE1_PREFIX_LENGTH, SIG_STRUCTURE_PREFIX, SIG_STRUCTURE_PREFIX_LENGTH, Tag, X25519_KEY_PREFIX, X25519_KEY_PREFIX_LENGTH } from './wire';

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
  bankRoles: u32;                       // claim bankRoles, BankRole bits (absent: both)
  hasLimits: u32;
  cur: usize;
  maxBalance: u64; maxPerCheck: u64; maxOffChecks: u64; maxOffAmount: u64;
}

// The claims every certificate has: the first REQUIRED of Claim.all (iss … cnf, role).
const REQUIRED: i32 = 8;

export let failCode: i32 = 0;

function refuse(code: i32): bool {
  failCode = code;
  return false;
}

const p = (a: StaticArray<u8>): usize => changetype<usize>(a);

/** Parses a COSE_Sign1 at [ptr, end) into `out`; `whole` requires it to fill the input exactly. */
export function parseSign1(ptr: usize, end: usize, out: Signed, whole: bool): bool {
  readerAt(ptr, end);
  const malformed = ErrorCode.BadCoseStructure;
  if (head() != 6 || hv != Tag.Sign1) return refuse(cborError != 0 ? cborError : malformed);
  if (head() != 4 || hv != 4) return refuse(cborError != 0 ? cborError : malformed);
  if (!literal(p(PROTECTED_EDDSA_BSTR), PROTECTED_EDDSA_BSTR_LENGTH)) {
    // {1: alg} with another alg is 108 (a 3-byte bstr holding a 1-entry map with the label alg, as
    // PROTECTED_EDDSA_BSTR does: 43 a1 01); any other header 107.
    if (rp + PROTECTED_EDDSA_BSTR_LENGTH <= rend && load<u8>(rp) == 0x43 && load<u8>(rp + 1) == 0xa1 && load<u8>(rp + 2) == <u8>Cose.alg) return refuse(ErrorCode.UnsupportedAlgorithm);
    return refuse(malformed);
  }
  const m = head();
  if (m != 5 || hv > 1) return refuse(cborError != 0 ? cborError : malformed);
  out.cert = 0;
  out.certLen = 0;
  if (hv == 1) {
    if (head() != 0 || hv != <u64>Cose.kcwt) return refuse(cborError != 0 ? cborError : malformed);
    const at = rp;
    if (rp >= rend || load<u8>(rp) != (0xc0 | <u8>Tag.Sign1)) return refuse(malformed); // a COSE_Sign1 certificate
    if (!skip(0)) return refuse(cborError);
    out.cert = at;
    out.certLen = rp - at;
  }
  out.payload = str(2);
  if (cborError != 0) return refuse(malformed);
  out.payloadLen = <usize>hv;
  const sig = str(2);
  if (cborError != 0 || hv != ByteLength.signature) return refuse(malformed);
  out.sig = sig;
  out.end = rp;
  if (whole && rp != end) return refuse(ErrorCode.MalformedCbor);
  return true;
}

/** Sig_structure ["Signature1", h'a10127', h'', payload] in SCRATCH; returns its length. */
export function toBeSigned(payload: usize, len: usize): usize {
  if (len + 32 > SCRATCH_MAX) unreachable();
  writerAt(SCRATCH);
  wBytes(p(SIG_STRUCTURE1_PREFIX), SIG_STRUCTURE1_PREFIX_LENGTH);
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
  const KEY = ByteLength.key;
  const SIGNATURE = ByteLength.signature;
  const HASH = ByteLength.hash;
  memory.copy(SCRATCH + n, key, KEY);
  memory.copy(SCRATCH + n + KEY, c.sig, SIGNATURE);
  sha256(SCRATCH, n + KEY + SIGNATURE, DIGEST);
  for (let i: u32 = 0; i < CACHE_MAX; i++) {
    if (memory.compare(E_CACHE + <usize>i * HASH, DIGEST, HASH) == 0) return true;
  }
  if (ed25519Verify(c.sig, SCRATCH, n, key) != 1) return false;
  const next = <u32>load<u8>(E_CACHE_NEXT) % CACHE_MAX;
  eeWrite(E_CACHE + <usize>next * HASH, DIGEST, HASH);
  eeWriteU8(E_CACHE_NEXT, <u8>((next + 1) % CACHE_MAX));
  return true;
}

/** Signs `payload` with the key at `seed` into `sigOut`. */
export function signPayload(seed: usize, payload: usize, len: usize, sigOut: usize): void {
  const n = toBeSigned(payload, len);
  ed25519Sign(seed, SCRATCH, n, sigOut);
}

/** Signs `payload` as one signer of a COSE_Sign: ["Signature", h'', h'a10127', h'', payload]. */
export function signPart(seed: usize, payload: usize, len: usize, sigOut: usize): void {
  if (len + 32 > SCRATCH_MAX) unreachable();
  writerAt(SCRATCH);
  wBytes(p(SIG_STRUCTURE_PREFIX), SIG_STRUCTURE_PREFIX_LENGTH);
  wHead(2, <u64>len);
  wBytes(payload, len);
  ed25519Sign(seed, SCRATCH, wp - SCRATCH, sigOut);
}

/** Writes a COSE_Signature [h'a10127', {13: cert}, sig] at `out`; returns the end. */
export function writeSignaturePart(out: usize, cert: usize, certLen: usize, sig: usize): usize {
  writerAt(out);
  wHead(4, 3);
  wBytes(p(PROTECTED_EDDSA_BSTR), PROTECTED_EDDSA_BSTR_LENGTH);
  wHead(5, 1);
  wHead(0, <u64>Cose.kcwt);
  wBytes(cert, certLen);
  wHead(2, ByteLength.signature);
  wBytes(sig, ByteLength.signature);
  return wp;
}

/** Writes COSE_Sign1 [h'a10127', {13: cert}, payload, sig] at `out`; returns the end. */
export function writeSign1(out: usize, cert: usize, certLen: usize, payload: usize, len: usize, sig: usize): usize {
  writerAt(out);
  wHead(6, Tag.Sign1);
  wHead(4, 4);
  wBytes(p(PROTECTED_EDDSA_BSTR), PROTECTED_EDDSA_BSTR_LENGTH);
  wHead(5, 1);
  wHead(0, <u64>Cose.kcwt);
  wBytes(cert, certLen);
  wHead(2, <u64>len);
  wBytes(payload, len);
  wHead(2, ByteLength.signature);
  wBytes(sig, ByteLength.signature);
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
  const bad = ErrorCode.BadField;
  if (head() != 5) return refuse(cborError != 0 ? cborError : bad);
  const n = hv;
  if (n > <u64>Claim.allLength) return refuse(ErrorCode.UnknownField);
  let next = 0;
  c.kx = 0;
  c.hasLimits = 0;
  c.bankRoles = BankRole.Issuer | BankRole.Acquirer;
  let seen = 0;
  for (let i: u64 = 0; i < n; i++) {
    const k = claimKey();
    if (cborError != 0) return refuse(cborError);
    let j = next;
    while (j < Claim.allLength && Claim.all[j] != k) j++;
    if (j == Claim.allLength) {
      for (let q = 0; q < next; q++) if (Claim.all[q] == k) return refuse(ErrorCode.NotDeterministic);
      return refuse(ErrorCode.UnknownField);
    }
    if (j > next && next < REQUIRED) return refuse(ErrorCode.MissingField); // a required claim was skipped
    next = j + 1;
    seen = j + 1;
    if (k == Claim.iss) { c.iss = ident(); c.issLen = <usize>hv; }
    else if (k == Claim.sub) { c.sub = ident(); c.subLen = <usize>hv; }
    else if (k == Claim.exp) c.exp = uint();
    else if (k == Claim.nbf) c.nbf = uint();
    else if (k == Claim.iat) uint();
    else if (k == Claim.cti) { str(2); if (cborError == 0 && hv != ByteLength.certificateSerial) return refuse(bad); }
    else if (k == Claim.cnf) {
      if (!literal(p(CNF_ED25519_PREFIX), CNF_ED25519_PREFIX_LENGTH) || rp + ByteLength.key > rend) return refuse(bad);
      c.key = rp; readerAt(rp + ByteLength.key, rend);
    } else if (k == Claim.role) {
      const r = uint();
      if (cborError == 0 && (r < Role.Root || r > Role.Merchant)) return refuse(bad);
      c.role = <u32>r;
    } else if (k == Claim.kxKey) {
      if (!literal(p(X25519_KEY_PREFIX), X25519_KEY_PREFIX_LENGTH) || rp + ByteLength.key > rend) return refuse(bad);
      c.kx = rp; readerAt(rp + ByteLength.key, rend);
    } else if (k == Claim.bankRoles) {
      const r = uint();
      if (cborError == 0 && (c.role != Role.Bank || r == 0 || (r & ~<u64>(BankRole.Issuer | BankRole.Acquirer)) != 0)) return refuse(bad);
      c.bankRoles = <u32>r;
    } else {
      if (head() != 5 || hv != <u64>LimitKey.allLength) return refuse(bad);
      for (let f: u64 = LimitKey.currency; f <= LimitKey.maxOfflineAmount; f++) {
        if (head() != 0 || hv != f) return refuse(bad);
        if (f == LimitKey.currency) c.cur = currency();
        else {
          const v = uint();
          if (f == LimitKey.maxBalance) c.maxBalance = v; else if (f == LimitKey.maxPerCheck) c.maxPerCheck = v; else if (f == LimitKey.maxOfflineChecks) c.maxOffChecks = v; else c.maxOffAmount = v;
        }
        if (cborError != 0) return refuse(bad);
      }
      c.hasLimits = 1;
    }
    if (cborError != 0) return refuse(cborError);
  }
  if (seen < REQUIRED) return refuse(ErrorCode.MissingField);
  if (rp != rend) return refuse(ErrorCode.MalformedCbor);
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
    if (<usize>load<u8>(r + Root.idLength) == n && memory.compare(r + Root.id, id, n) == 0) return r + Root.key;
  }
  return 0;
}

function sameText(a: usize, an: usize, b: usize, bn: usize): bool {
  return an == bn && memory.compare(a, b, an) == 0;
}

function valid(c: Signed, now: u64): bool {
  if (c.nbf > now) return refuse(ErrorCode.CertificateNotYetValid);
  if (c.exp < now) return refuse(ErrorCode.CertificateExpired);
  return true;
}

/**
 * Verifies a signed message's certificate chain up to a trusted root (WIRE.md § Order of checks,
 * steps 2–5, without revocation, which the card cannot know) and its signature. The leaf is left
 * in CERT_LEAF. `msg` must be parsed already.
 */
export function verifyChainAndSignature(msg: Signed, role: u32, now: u64): bool {
  if (msg.cert == 0) return refuse(ErrorCode.MissingCertificate);
  const leaf = changetype<Signed>(CERT_LEAF);
  const top = changetype<Signed>(CERT_TOP);
  if (!parseCertificate(msg.cert, msg.certLen, leaf)) return false;
  let hasTop = false;
  if (leaf.cert != 0) {
    if (!parseCertificate(leaf.cert, leaf.certLen, top)) return false;
    if (top.cert != 0) return refuse(ErrorCode.BadCoseStructure);
    hasTop = true;
  }
  const highest = hasTop ? top : leaf;
  const anchor = rootKey(highest.iss, highest.issLen);
  if (anchor == 0) return refuse(ErrorCode.UnknownIssuer);
  if (highest.role != Role.Bank) return refuse(ErrorCode.WrongRole);
  if (hasTop) {
    if (!valid(top, now)) return false;
    if (!verifyCertificateCached(top, anchor)) return refuse(ErrorCode.BadCertificateSignature);
    if (!sameText(leaf.iss, leaf.issLen, top.sub, top.subLen)) return refuse(ErrorCode.IssuerMismatch);
    if (leaf.role == Role.Root || leaf.role == Role.Bank) return refuse(ErrorCode.WrongRole);
    if ((leaf.role == Role.Purse || leaf.role == Role.Cardholder) && (top.bankRoles & BankRole.Issuer) == 0) return refuse(ErrorCode.NotAnIssuer);
    if (leaf.role == Role.Merchant && (top.bankRoles & BankRole.Acquirer) == 0) return refuse(ErrorCode.NotAnAcquirer);
    if (!valid(leaf, now)) return false;
    if (!verifyCertificateCached(leaf, top.key)) return refuse(ErrorCode.BadCertificateSignature);
  } else {
    if (!valid(leaf, now)) return false;
    if (!verifyCertificateCached(leaf, anchor)) return refuse(ErrorCode.BadCertificateSignature);
  }
  if (leaf.role != role) return refuse(ErrorCode.WrongRole);
  if (!verifySign1(msg, leaf.key)) return refuse(ErrorCode.BadSignature);
  return true;
}
