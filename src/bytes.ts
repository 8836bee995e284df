// The one bytes module of src/ (issue 11): hex, base64, equality, concatenation and big-endian
// integers, for every layer and both runtimes (no Buffer, no node: imports: the browser wallet uses
// it too). Hex and concatenation are @noble/hashes' audited helpers; base64 uses the platform's
// atob/btoa (Node ≥ 16 and every browser), chunked so large inputs do not overflow the call stack.
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';

/** Lower-case hex of `bytes`. */
export const toHex = (bytes: Uint8Array): string => bytesToHex(bytes);

/** The bytes of an even-length hex string; throws a TypeError on anything else. */
export const fromHex = (text: string): Uint8Array => hexToBytes(text);

/** Standard base64 (RFC 4648 §4, padded). */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The bytes of a standard base64 string; throws on a non-string or invalid base64. */
export function fromBase64(text: string): Uint8Array {
  if (typeof text !== 'string') throw new TypeError('expected a base64 string');
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Whether two byte strings are equal. Not constant-time: for public data (hashes, ids, encodings);
 * secrets are compared inside the crypto core.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The parts one after the other, in a new array. */
export const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(...parts);

/** `n` as 8 bytes, big-endian; a RangeError outside 0 … 2⁶⁴ − 1 or for a fraction. */
export function u64(n: number | bigint): Uint8Array {
  const value = BigInt(n);
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw new RangeError(`${n} is not an unsigned 64-bit integer`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value);
  return out;
}

/** UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
