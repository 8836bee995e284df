// The one CBOR codec, written for smartcheck's subset of CBOR: unsigned and negative integers up
// to 2^53-1, byte and text strings, arrays, maps, and tags 18 / 98 (COSE). Encoding is
// deterministic (RFC 8949 §4.2.1: shortest forms, definite lengths, map keys in bytewise order of
// their encodings). Decoding accepts only that encoding: a non-shortest integer or length, an
// unsorted or duplicate key, an indefinite length, a float, a simple value, another tag or trailing
// bytes are all refused while reading, with no re-encoding pass. It is written here rather than
// taken from a general library because general decoders cannot enforce key order (cborg says so)
// and were 5–10× slower on our messages; the tests read every message with cborg as the
// independent decoder.
import { ErrorCode, ProtocolError } from './errors.ts';

/** A tagged item. `bytes` is the item's complete encoding when it was decoded (not copied). */
export class Tagged {
  constructor(
    readonly tag: number,
    readonly value: CborValue,
    readonly bytes?: Uint8Array,
  ) {}
}

/** Tags smartcheck uses: COSE_Sign1 (18) and COSE_Sign (98). */
export const Tag = Object.freeze({ Sign1: 18, Sign: 98 });
const ALLOWED_TAGS = new Set<number>([Tag.Sign1, Tag.Sign]);

export type CborValue = number | string | Uint8Array | CborValue[] | Map<number | string, CborValue> | Tagged;

/** Deepest nesting a decoder accepts (and the encoder writes): the same in every decoder. */
export const MAX_DEPTH = 16;
const utf8 = new TextEncoder();
// ignoreBOM: a leading U+FEFF is text like any other; the default would strip it, so two
// encodings would decode to one string and re-encode differently.
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** A lone surrogate: TextEncoder would silently write U+FFFD in its place. */
const LONE_SURROGATE = /\p{Surrogate}/u;

// ---------------------------------------------------------------- encoding

class Writer {
  private buf = new Uint8Array(256);
  length = 0;
  private reserve(n: number) {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  head(major: number, n: number) {
    this.reserve(9);
    const m = major << 5;
    if (n < 24) this.buf[this.length++] = m | n;
    else if (n < 0x100) {
      this.buf[this.length++] = m | 24;
      this.buf[this.length++] = n;
    } else if (n < 0x10000) {
      this.buf[this.length++] = m | 25;
      this.buf[this.length++] = n >>> 8;
      this.buf[this.length++] = n & 0xff;
    } else if (n < 0x100000000) {
      this.buf[this.length++] = m | 26;
      new DataView(this.buf.buffer).setUint32(this.length, n);
      this.length += 4;
    } else {
      this.buf[this.length++] = m | 27;
      const view = new DataView(this.buf.buffer);
      view.setUint32(this.length, Math.floor(n / 0x100000000));
      view.setUint32(this.length + 4, n >>> 0);
      this.length += 8;
    }
  }
  bytes(b: Uint8Array) {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** Writes an ASCII-only string as a text string (no TextEncoder call); false if not ASCII. */
  ascii(text: string): boolean {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
    this.head(3, text.length);
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.length++] = text.charCodeAt(i);
    return true;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function write(w: Writer, value: CborValue, depth: number): void {
  if (depth > MAX_DEPTH) throw new TypeError('CBOR nesting too deep');
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`cannot encode ${value}: integers up to 2^53-1 only`);
    if (value >= 0) w.head(0, value);
    else w.head(1, -1 - value);
  } else if (typeof value === 'string') {
    if (!w.ascii(value)) {
      if (LONE_SURROGATE.test(value))
        throw new TypeError('cannot encode a string with a lone surrogate (not Unicode text)');
      const b = utf8.encode(value);
      w.head(3, b.length);
      w.bytes(b);
    }
  } else if (value instanceof Uint8Array) {
    w.head(2, value.length);
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.head(4, value.length);
    for (const item of value) write(w, item, depth + 1);
  } else if (value instanceof Map) {
    const keys = [...value.keys()];
    for (const key of keys)
      if (typeof key !== 'number' && typeof key !== 'string') throw new TypeError('map keys must be integers or text');
    keys.sort(compareKeys);
    for (let i = 1; i < keys.length; i++)
      if (compareKeys(keys[i - 1] as number | string, keys[i] as number | string) === 0)
        throw new TypeError('duplicate map key');
    w.head(5, keys.length);
    for (const key of keys) {
      write(w, key, depth + 1);
      write(w, value.get(key) as CborValue, depth + 1);
    }
  } else if (value instanceof Tagged) {
    if (!ALLOWED_TAGS.has(value.tag)) throw new TypeError(`tag ${value.tag} is not used by smartcheck`);
    w.head(6, value.tag);
    write(w, value.value, depth + 1);
  } else {
    throw new TypeError(`cannot encode ${value === null ? 'null' : typeof value}`);
  }
}

/**
 * Bytewise order of the keys' encodings, without encoding them: unsigned integers ascending
 * (a longer head starts with a larger byte), then negative integers descending (major type 1),
 * then text strings by their encoded bytes (major type 3).
 */
function compareKeys(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a >= 0 && b >= 0) return a - b;
    if (a < 0 && b < 0) return b - a;
    return a >= 0 ? -1 : 1;
  }
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return compareBytes(encode(a), encode(b));
}

export function encode(value: CborValue): Uint8Array {
  const w = new Writer();
  write(w, value, 0);
  return w.result();
}

// ---------------------------------------------------------------- decoding

const malformed = (why: string): never => {
  throw new ProtocolError(ErrorCode.MalformedCbor, why);
};
const notDeterministic = (why: string): never => {
  throw new ProtocolError(ErrorCode.NotDeterministic, why);
};

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  /** Reads a head into `major` and `arg` (fields, not a tuple: no allocation per item). Enforces the shortest form. */
  major = 0;
  arg = 0;
  head(): void {
    const b = this.buf;
    if (this.pos >= b.length) malformed('unexpected end');
    const initial = b[this.pos++] as number;
    const major = initial >> 5;
    const info = initial & 0x1f;
    // Before the shortest-form rule, which would call a float 0.0 (f90000) "not deterministic".
    if (major === 7)
      malformed(info === 31 ? 'indefinite length (break)' : 'floats and simple values are not used by smartcheck');
    this.major = major;
    if (info < 24) {
      this.arg = info;
      return;
    }
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) malformed(info === 31 ? 'indefinite length' : `reserved additional information ${info}`);
    if (this.pos + size > b.length) malformed('unexpected end');
    let n = 0;
    for (let i = 0; i < size; i++) n = n * 256 + (b[this.pos++] as number);
    if (n > Number.MAX_SAFE_INTEGER) malformed('integer beyond 2^53-1');
    const min = size === 1 ? 24 : size === 2 ? 0x100 : size === 4 ? 0x10000 : 0x100000000;
    if (n < min) notDeterministic('integer or length not in its shortest form');
    this.arg = n;
  }

  take(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) malformed('unexpected end');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  item(depth: number): CborValue {
    if (depth > MAX_DEPTH) malformed('nesting too deep');
    const start = this.pos;
    this.head();
    const n = this.arg;
    switch (this.major) {
      case 0:
        return n;
      case 1:
        if (n === Number.MAX_SAFE_INTEGER) malformed('integer beyond -(2^53-1)');
        return -1 - n;
      case 2:
        return this.take(n);
      case 3: {
        const raw = this.take(n);
        // Identifiers and codes are short ASCII: skip TextDecoder's per-call cost for them.
        if (n <= 64) {
          let text = '';
          for (let i = 0; i < n; i++) {
            const c = raw[i] as number;
            if (c >= 0x80) {
              text = '';
              break;
            }
            text += String.fromCharCode(c);
          }
          if (text.length === n) return text;
        }
        try {
          return utf8Strict.decode(raw);
        } catch {
          return malformed('text string is not UTF-8');
        }
      }
      case 4: {
        if (n > this.buf.length - this.pos) malformed('array longer than the input');
        const out: CborValue[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.item(depth + 1);
        return out;
      }
      case 5: {
        if (n > this.buf.length - this.pos) malformed('map longer than the input');
        const out = new Map<number | string, CborValue>();
        let previous: Uint8Array | undefined;
        for (let i = 0; i < n; i++) {
          const keyStart = this.pos;
          const key = this.item(depth + 1);
          if (typeof key !== 'number' && typeof key !== 'string') malformed('map keys must be integers or text');
          const keyBytes = this.buf.subarray(keyStart, this.pos);
          if (previous && compareBytes(previous, keyBytes) >= 0)
            notDeterministic('map keys not in bytewise order, or duplicated');
          previous = keyBytes;
          out.set(key as number | string, this.item(depth + 1));
        }
        return out;
      }
      case 6: {
        if (!ALLOWED_TAGS.has(n)) malformed(`tag ${n} is not used by smartcheck`);
        const value = this.item(depth + 1);
        return new Tagged(n, value, this.buf.subarray(start, this.pos));
      }
      default:
        return malformed('floats and simple values are not used by smartcheck');
    }
  }
}

/** Decodes exactly one deterministic CBOR item; anything else is a ProtocolError (100 or 101). */
export function decode(bytes: Uint8Array): CborValue {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes: expected Uint8Array');
  const reader = new Reader(bytes);
  const value = reader.item(0);
  if (reader.pos !== bytes.length) malformed('trailing bytes');
  return value;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}
