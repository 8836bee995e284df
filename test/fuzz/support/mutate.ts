// The shared mutator: fast-check arbitraries that turn a corpus of VALID messages into hostile
// inputs. A mutant is a corpus index plus 1-4 operations, each a small record (kind, a, b, c) that
// fast-check generates and shrinks (toward fewer operations, kind 0, position 0), so a failure is
// reported minimised. Byte operations: bit flip, interesting byte, insert, delete a run, truncate,
// splice with another message, duplicate a chunk, overwrite with noise, and CBOR head surgery (change
// a major type, a length or value, a non-minimal or indefinite head). Tree operations on the decoded
// message, nested COSE payloads and certificates included (support/cbor-tree.ts): replace a node
// with another type, rename a map key, nest a node deeper, remove or duplicate an entry, resize a
// string. Plus arbitrary bytes, and arbitrary bytes behind an interesting first byte.
import fc from 'fast-check';
import { Embedded, encodeTree, type Node, Raw, slots, TagNode, toTree } from './cbor-tree.ts';

export const INTERESTING = [
  0x00, 0x01, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x3b, 0x40, 0x5f, 0x60, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0,
  0xd2, 0xd8, 0xf4, 0xf6, 0xf7, 0xf9, 0xfa, 0xfb, 0xff,
];

const hex = (s: string) => new Raw(Uint8Array.from(Buffer.from(s, 'hex')));
/** Replacement nodes of every CBOR type, the edge values first. */
const SAMPLES: Node[] = [
  0,
  1,
  -1,
  23,
  24,
  255,
  65_536,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  -(2 ** 53),
  '',
  'x',
  'EUR',
  'a'.repeat(65),
  '\u00e9',
  new Uint8Array(0),
  new Uint8Array(16),
  new Uint8Array(32),
  new Uint8Array(33),
  [],
  [0],
  new Map(),
  new Map<Node, Node>([[0, 0]]),
  new TagNode(18, []),
  new TagNode(98, []),
  new TagNode(1, 0),
  hex('f4'),
  hex('f5'),
  hex('f6'),
  hex('f7'),
  hex('f93c00'),
  hex('fb3ff0000000000000'),
  hex('1b0020000000000000'),
  hex('1bffffffffffffffff'),
  hex('3bffffffffffffffff'),
  hex('1800'),
  hex('5f4101ff'),
  hex('9fff'),
  hex('bfff'),
  hex('c2420100'),
  hex('d818420000'),
];
const KEYS: Node[] = [
  0,
  1,
  2,
  3,
  4,
  5,
  9,
  13,
  33,
  -1,
  -2,
  -8,
  -65537,
  -65540,
  'a',
  '',
  new Uint8Array(1),
  hex('1800'),
  hex('f6'),
];

export interface Op {
  kind: number;
  a: number;
  b: number;
  c: number;
}
export interface Mutant {
  base: number;
  ops: Op[];
}

const BYTE_OPS = 9;
const TREE_OPS = 8;
const opOf = (kind: fc.Arbitrary<number>): fc.Arbitrary<Op> =>
  fc.record({ kind, a: fc.nat(), b: fc.nat(), c: fc.nat() });
export const opArb = opOf(fc.nat(BYTE_OPS + TREE_OPS - 1));
/** Tree operations only, most of them keeping each value's type: for inputs that must stay well formed to get deep. */
export const structuredOpArb = opOf(
  fc.oneof(
    { weight: 1, arbitrary: fc.integer({ min: BYTE_OPS, max: BYTE_OPS + TREE_OPS - 1 }) },
    { weight: 3, arbitrary: fc.constantFrom(BYTE_OPS + 6, BYTE_OPS + 7) },
  ),
);

// ---------------------------------------------------------------- byte operations

/** A deterministic noise byte stream from a number (no global PRNG: mutants replay from their record). */
function noise(seed: number, n: number): number[] {
  let x = (seed | 1) >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push((x >>> 0) & 0xff);
  }
  return out;
}

interface Head {
  at: number;
  size: number;
  major: number;
  arg: bigint;
}

/** The CBOR item heads of `b` (nested CBOR in byte strings included), as far as it parses. */
export function heads(b: Uint8Array, limit = 512): Head[] {
  const out: Head[] = [];
  const item = (pos: number, end: number, depth: number): number => {
    if (pos >= end || out.length >= limit || depth > 24) return -1;
    const first = b[pos] as number;
    const major = first >> 5;
    const info = first & 0x1f;
    let size = 1;
    let arg = BigInt(info);
    if (info >= 24 && info <= 27) {
      const n = 1 << (info - 24);
      if (pos + 1 + n > end) return -1;
      arg = 0n;
      for (let i = 0; i < n; i++) arg = (arg << 8n) | BigInt(b[pos + 1 + i] as number);
      size += n;
    } else if (info > 27) return -1;
    out.push({ at: pos, size, major, arg });
    let next = pos + size;
    if (major === 2 || major === 3) {
      const stop = next + Number(arg);
      if (arg > BigInt(end - next)) return -1;
      if (major === 2 && arg >= 2n) item(next, stop, depth + 1); // nested CBOR, if any
      return stop;
    }
    if (major === 4 || major === 5) {
      const count = Number(arg) * (major === 5 ? 2 : 1);
      for (let i = 0; i < count; i++) {
        next = item(next, end, depth + 1);
        if (next < 0) return -1;
      }
      return next;
    }
    if (major === 6) return item(next, end, depth + 1);
    return next;
  };
  item(0, b.length, 0);
  return out;
}

function encodeHead(major: number, v: bigint, minimal: boolean, widen = 1): number[] {
  const out: number[] = [];
  const m = major << 5;
  const forms: [bigint, number, number][] = [
    [24n, 0, -1],
    [0x100n, 1, 24],
    [0x10000n, 2, 25],
    [0x100000000n, 4, 26],
    [1n << 64n, 8, 27],
  ];
  let index = forms.findIndex(([limit]) => v < limit);
  if (index < 0) index = forms.length - 1;
  if (!minimal) index = Math.min(forms.length - 1, Math.max(1, index + widen));
  const [, n, info] = forms[index] as [bigint, number, number];
  if (info < 0) return [m | Number(v)];
  out.push(m | info);
  for (let i = n - 1; i >= 0; i--) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return out;
}

function headOp(b: number[], op: Op): number[] {
  const all = heads(Uint8Array.from(b));
  if (all.length === 0) return b;
  const h = all[op.a % all.length] as Head;
  let replacement: number[];
  switch (op.b % 4) {
    case 0: // another major type, same argument
      replacement = encodeHead((h.major + 1 + (op.c % 7)) % 8, h.arg, true);
      break;
    case 1: {
      // another argument: a length or value off by one, zero, or at a boundary
      const choices = [
        h.arg + 1n,
        h.arg - 1n,
        0n,
        23n,
        24n,
        255n,
        256n,
        65_535n,
        2n ** 32n - 1n,
        2n ** 53n,
        2n ** 64n - 1n,
        h.arg * 2n,
      ];
      const v = choices[op.c % choices.length] as bigint;
      replacement = encodeHead(h.major, v < 0n ? 0n : v & (2n ** 64n - 1n), true);
      break;
    }
    case 2: // the same value in a longer head than needed
      replacement = encodeHead(h.major, h.arg, false, 1 + (op.c % 3));
      break;
    default: // indefinite length (or a reserved additional info for the other types)
      replacement = [(h.major << 5) | (28 + (op.c % 4))];
  }
  return [...b.slice(0, h.at), ...replacement, ...b.slice(h.at + h.size)];
}

function byteOp(b: number[], op: Op, corpus: readonly Uint8Array[]): number[] {
  const at = b.length ? op.a % (b.length + 1) : 0;
  switch (op.kind) {
    case 0: // bit flip
      if (b.length) b[op.a % b.length] = (b[op.a % b.length] as number) ^ (1 << (op.b % 8));
      return b;
    case 1: // interesting byte
      if (b.length) b[op.a % b.length] = INTERESTING[op.b % INTERESTING.length] as number;
      return b;
    case 2: // insert a byte
      b.splice(at, 0, op.b % 2 ? op.c % 256 : (INTERESTING[op.c % INTERESTING.length] as number));
      return b;
    case 3: // delete a run
      b.splice(at, 1 + (op.b % 16));
      return b;
    case 4: // truncate
      return b.slice(0, at);
    case 5: {
      // splice: a prefix of this and a suffix of another message
      const other = corpus[op.b % corpus.length] as Uint8Array;
      return [...b.slice(0, at), ...other.subarray(op.c % (other.length + 1))];
    }
    case 6: {
      // duplicate a chunk
      const from = b.length ? op.b % b.length : 0;
      b.splice(at, 0, ...b.slice(from, from + 1 + (op.c % 32)));
      return b;
    }
    case 7: // overwrite a chunk with noise
      noise(op.b, 1 + (op.c % 8)).forEach((x, i) => {
        if (at + i < b.length) b[at + i] = x;
      });
      return b;
    default:
      return headOp(b, op);
  }
}

// ---------------------------------------------------------------- tree operations

const clone = (n: Node): Node =>
  n instanceof Uint8Array
    ? n.slice()
    : Array.isArray(n)
      ? n.map(clone)
      : n instanceof Map
        ? new Map([...n].map(([k, v]) => [clone(k), clone(v)]))
        : n instanceof TagNode
          ? new TagNode(n.tag, clone(n.value))
          : n instanceof Embedded
            ? new Embedded(clone(n.inner))
            : n;

/** A message may sit behind a short binary prefix (an APDU header, a u64 time): mutate the CBOR after it. */
function treeOp(bytes: Uint8Array, op: Op): Uint8Array | undefined {
  for (let skip = 0; skip <= 16 && skip < bytes.length; skip++) {
    if (skip > 0 && ((bytes[skip] as number) & 0xe0) < 0x80) continue; // a message starts with an array, map or tag
    const tree = toTree(bytes.subarray(skip));
    if (tree === undefined) continue;
    const out = treeOpOn(tree, op);
    return out && skip ? Uint8Array.from([...bytes.subarray(0, skip), ...out]) : out;
  }
  return undefined;
}

function treeOpOn(tree: Node, op: Op): Uint8Array | undefined {
  const root = { value: tree };
  const all = slots(root);
  const kind = op.kind - BYTE_OPS;
  const pickFrom = <T>(xs: readonly T[], n: number) => xs[n % xs.length] as T;
  switch (kind) {
    case 0: {
      // replace a node with a value of another type
      const slot = pickFrom(all, op.a);
      slot.set(clone(pickFrom(SAMPLES, op.b)));
      break;
    }
    case 1: {
      // rename a map key
      const keys = all.filter((s) => s.mapKeyOf);
      if (!keys.length) return undefined;
      pickFrom(keys, op.a).set(clone(pickFrom(KEYS, op.b)));
      break;
    }
    case 2: {
      // nest a node deeper
      const slot = pickFrom(all, op.a);
      const n = slot.node;
      const wrapped: Node[] = [
        [n],
        new Map<Node, Node>([[0, n]]),
        new TagNode(18, n),
        new TagNode(98, n),
        new Embedded(n),
        [n, n],
      ];
      slot.set(pickFrom(wrapped, op.b));
      break;
    }
    case 3: {
      // remove an array element or map entry
      const removable = all.filter((s) => s.remove);
      if (!removable.length) return undefined;
      pickFrom(removable, op.a).remove?.();
      break;
    }
    case 4: {
      // duplicate: an array element, or a map entry (written raw: a JS Map cannot hold it twice)
      const containers = all.filter((s) => Array.isArray(s.node) || (s.node instanceof Map && s.node.size > 0));
      if (!containers.length) return undefined;
      const slot = pickFrom(containers, op.a);
      if (Array.isArray(slot.node)) {
        const arr = slot.node;
        if (arr.length) arr.splice(op.b % arr.length, 0, clone(arr[op.b % arr.length] as Node));
        else arr.push(0);
      } else {
        const map = slot.node as Map<Node, Node>;
        const entries = [...map];
        const dup = entries[op.b % entries.length] as [Node, Node];
        const out: number[] = [];
        const h = encodeHead(5, BigInt(entries.length + 1), true);
        out.push(...h);
        const all2 = [...entries];
        all2.splice((op.b % entries.length) + (op.c % 2), 0, dup);
        for (const [k, v] of all2) out.push(...encodeTree(k), ...encodeTree(v));
        slot.set(new Raw(Uint8Array.from(out)));
      }
      break;
    }
    case 6: {
      // tweak a value, keeping its type: an integer ±1, ×2, 0 or huge; a string or byte string
      // with one character or bit changed
      const leaves = all.filter(
        (x) => typeof x.node === 'number' || typeof x.node === 'string' || x.node instanceof Uint8Array,
      );
      if (!leaves.length) return undefined;
      const slot = pickFrom(leaves, op.a);
      const n = slot.node;
      if (typeof n === 'number')
        slot.set(pickFrom([n + 1, n - 1, n * 2, 0, 1, Number.MAX_SAFE_INTEGER, n + 86_400 * 400, -n - 1], op.b));
      else if (typeof n === 'string') {
        const at = n.length ? op.b % n.length : 0;
        slot.set(
          n.slice(0, at) +
            String.fromCharCode(pickFrom([0x41 + (op.c % 26), 0x2f, 0x20, 0x7f, 0xe9, 0x30], op.c)) +
            n.slice(at + 1),
        );
      } else if (n instanceof Uint8Array) {
        const b = n.slice();
        if (b.length) b[op.b % b.length] = (b[op.b % b.length] as number) ^ (1 << (op.c % 8));
        slot.set(b);
      }
      break;
    }
    case 7: {
      // swap two values of one type (two ids, two times, two hashes)
      const typeOf = (x: Node) =>
        typeof x === 'number' ? 'n' : typeof x === 'string' ? 's' : x instanceof Uint8Array ? 'b' : '';
      const leaves = all.filter((x) => typeOf(x.node) && !x.mapKeyOf);
      if (leaves.length < 2) return undefined;
      const first = pickFrom(leaves, op.a);
      const same = leaves.filter((x) => x !== first && typeOf(x.node) === typeOf(first.node));
      if (!same.length) return undefined;
      const second = pickFrom(same, op.b);
      const [x, y] = [first.node, second.node];
      first.set(y);
      second.set(x);
      break;
    }
    default: {
      // resize a byte or text string, or grow an array
      const sized = all.filter(
        (s) => s.node instanceof Uint8Array || typeof s.node === 'string' || Array.isArray(s.node),
      );
      if (!sized.length) return undefined;
      const slot = pickFrom(sized, op.a);
      const delta = [-1, 1, -16, 64, 1000][op.b % 5] as number;
      const n = slot.node;
      if (n instanceof Uint8Array)
        slot.set(
          delta < 0 ? n.subarray(0, Math.max(0, n.length + delta)) : Uint8Array.from([...n, ...noise(op.c, delta)]),
        );
      else if (typeof n === 'string')
        slot.set(delta < 0 ? n.slice(0, Math.max(0, n.length + delta)) : n + 'Z'.repeat(delta));
      else if (Array.isArray(n)) {
        if (delta < 0) n.splice(Math.max(0, n.length + delta));
        else n.push(...Array.from({ length: Math.min(delta, 64) }, () => (n.length ? clone(n[0] as Node) : 0)));
      }
    }
  }
  return encodeTree(root.value);
}

/** Applies the operations in order; a tree operation on bytes that no longer decode does nothing. */
export function applyMutant(m: Mutant, corpus: readonly Uint8Array[]): Uint8Array {
  let bytes = corpus[m.base % corpus.length] as Uint8Array;
  for (const op of m.ops) {
    if (op.kind < BYTE_OPS) bytes = Uint8Array.from(byteOp(Array.from(bytes), op, corpus));
    else bytes = treeOp(bytes, op) ?? bytes;
  }
  return bytes;
}

export const mutantArb = (corpus: readonly Uint8Array[], structured = false): fc.Arbitrary<Uint8Array> =>
  fc
    .record({
      base: fc.nat(corpus.length - 1),
      ops: fc.array(structured ? structuredOpArb : opArb, { minLength: 1, maxLength: structured ? 2 : 4 }),
    })
    .map((m) => applyMutant(m, corpus));

/** What the fuzzers feed a decoder: mostly mutants of valid messages, some plain noise. */
export const inputArb = (
  corpus: readonly Uint8Array[],
  maxRandom = 96,
  structured = false,
): fc.Arbitrary<Uint8Array> =>
  structured
    ? fc.oneof({ weight: 3, arbitrary: mutantArb(corpus, true) }, { weight: 1, arbitrary: mutantArb(corpus) })
    : fc.oneof(
        { weight: 80, arbitrary: mutantArb(corpus) },
        { weight: 12, arbitrary: fc.uint8Array({ maxLength: maxRandom }) },
        {
          weight: 8,
          arbitrary: fc
            .tuple(fc.constantFrom(...INTERESTING), fc.uint8Array({ maxLength: 40 }))
            .map(([first, rest]) => Uint8Array.from([first, ...rest])),
        },
      );
