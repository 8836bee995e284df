// The deterministic CBOR subset of WIRE.md, read and written in place in linear memory. The reader
// refuses non-shortest heads, indefinite lengths, floats and simple values; map key order is
// enforced by the callers, which expect their keys in one fixed order. Errors set `cborError` to
// the protocol code (100 malformed, 101 not deterministic) and make the reader return false.
import { AMOUNT_MAX, ErrorCode, ID_MAX_LENGTH, MAX_DEPTH, Tag } from './wire';

export let rp: usize = 0;      // read pointer
export let rend: usize = 0;    // end of input
export let hv: u64 = 0;        // value of the last head read
export let cborError: i32 = 0;

export function readerAt(ptr: usize, end: usize): void {
  rp = ptr;
  rend = end;
  cborError = 0;
}

function fail(code: i32): i32 {
  if (cborError == 0) cborError = code;
  return -1;
}

/** Reads one head: returns its major type and sets hv, or -1. */
export function head(): i32 {
  if (rp >= rend) return fail(ErrorCode.MalformedCbor);
  const ib = load<u8>(rp++);
  const major = <i32>(ib >> 5);
  const ai = ib & 31;
  if (major == 7) return fail(ErrorCode.MalformedCbor);
  if (ai < 24) { hv = ai; return major; }
  let n: usize = 0;
  if (ai == 24) n = 1; else if (ai == 25) n = 2; else if (ai == 26) n = 4; else if (ai == 27) n = 8; else return fail(ErrorCode.MalformedCbor);
  if (rp + n > rend) return fail(ErrorCode.MalformedCbor);
  let v: u64 = 0;
  for (let i: usize = 0; i < n; i++) v = (v << 8) | <u64>load<u8>(rp + i);
  rp += n;
  const min: u64 = n == 1 ? 24 : n == 2 ? 0x100 : n == 4 ? 0x10000 : 0x100000000;
  if (v < min) return fail(ErrorCode.NotDeterministic);
  hv = v;
  return major;
}

/** Expects a head of `major`; returns its value or sets an error (check cborError). */
export function expect(major: i32): u64 {
  const m = head();
  if (m < 0) return 0;
  if (m != major) { fail(ErrorCode.BadField); return 0; }
  return hv;
}

/** A byte or text string of `major`: returns its start, sets hv to its length. */
export function str(major: i32): usize {
  const len = expect(major);
  if (cborError != 0) return 0;
  if (len > <u64>(rend - rp)) { fail(ErrorCode.MalformedCbor); return 0; }
  const at = rp;
  rp += <usize>len;
  hv = len;
  return at;
}

export function skip(depth: i32): bool {
  if (depth > MAX_DEPTH) { fail(ErrorCode.MalformedCbor); return false; }
  const m = head();
  if (m < 0) return false;
  const n = hv;
  if (m == 2 || m == 3) {
    if (n > <u64>(rend - rp)) { fail(ErrorCode.MalformedCbor); return false; }
    rp += <usize>n;
  } else if (m == 4 || m == 5) {
    const items = m == 5 ? n * 2 : n;
    if (items > <u64>(rend - rp)) { fail(ErrorCode.MalformedCbor); return false; }
    for (let i: u64 = 0; i < items; i++) if (!skip(depth + 1)) return false;
  } else if (m == 6) {
    if (n != Tag.Sign1 && n != Tag.Sign) { fail(ErrorCode.MalformedCbor); return false; }
    return skip(depth + 1);
  }
  return true;
}

/** Expects the exact bytes [p, p + n) at the read pointer. */
export function literal(p: usize, n: usize): bool {
  if (rp + n > rend || memory.compare(rp, p, n) != 0) return false;
  rp += n;
  return true;
}

/** An unsigned integer at most 2^53 − 1 (WIRE.md integers). */
export function uint(): u64 {
  const v = expect(0);
  if (cborError == 0 && v > AMOUNT_MAX) fail(ErrorCode.BadField);
  return v;
}

/** An identifier: 1 to ID_MAX_LENGTH of [A-Za-z0-9._:-]. Returns its start, hv its length. */
export function ident(): usize {
  const p = str(3);
  if (cborError != 0) return 0;
  const n = <usize>hv;
  if (n < 1 || n > ID_MAX_LENGTH) { fail(ErrorCode.BadField); return 0; }
  for (let i: usize = 0; i < n; i++) {
    const c = load<u8>(p + i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2e || c == 0x5f || c == 0x3a || c == 0x2d;
    if (!ok) { fail(ErrorCode.BadField); return 0; }
  }
  hv = n;
  return p;
}

export function currency(): usize {
  const p = str(3);
  if (cborError != 0) return 0;
  if (hv != 3) { fail(ErrorCode.BadField); return 0; }
  for (let i: usize = 0; i < 3; i++) {
    const c = load<u8>(p + i);
    if (c < 0x41 || c > 0x5a) { fail(ErrorCode.BadField); return 0; }
  }
  return p;
}

/** A body map's next key, which must be `key` (all our body keys are required and in order). */
export function key(k: u64): bool {
  const m = head();
  if (m < 0) return false;
  if (m != 0) { fail(ErrorCode.UnknownField); return false; }
  if (hv < k) { fail(ErrorCode.NotDeterministic); return false; }
  if (hv > k) { fail(ErrorCode.MissingField); return false; }
  return true;
}

// ---------------------------------------------------------------- writer

export let wp: usize = 0;

export function writerAt(ptr: usize): void {
  wp = ptr;
}

export function wHead(major: u8, v: u64): void {
  const m = major << 5;
  if (v < 24) store<u8>(wp++, m | <u8>v);
  else if (v < 0x100) { store<u8>(wp++, m | 24); store<u8>(wp++, <u8>v); }
  else if (v < 0x10000) { store<u8>(wp++, m | 25); store<u16>(wp, bswap<u16>(<u16>v)); wp += 2; }
  else if (v < 0x100000000) { store<u8>(wp++, m | 26); store<u32>(wp, bswap<u32>(<u32>v)); wp += 4; }
  else { store<u8>(wp++, m | 27); store<u64>(wp, bswap<u64>(v)); wp += 8; }
}

export function wBytes(src: usize, n: usize): void {
  memory.copy(wp, src, n);
  wp += n;
}

export function wStr(major: u8, src: usize, n: usize): void {
  wHead(major, <u64>n);
  wBytes(src, n);
}

export function wByte(b: u8): void {
  store<u8>(wp++, b);
}
