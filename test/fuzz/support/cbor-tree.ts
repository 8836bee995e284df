// A CBOR tree for structure-aware mutation: valid messages decoded with the project's codec, byte
// strings that hold CBOR (COSE payloads, certificates, signed items inside batches) opened as
// nested trees, and an encoder that writes whatever the mutator left, in the order it left it,
// including raw snippets (floats, simple values, indefinite lengths, non-minimal heads) that the
// project's encoder rightly refuses to write. Re-encoding an unmutated tree gives the input back.
import { type CborValue, decode, Tagged } from '../../../src/protocol/cbor.ts';

/** Bytes written as they are: any item the project's encoder cannot express. */
export class Raw {
  constructor(readonly bytes: Uint8Array) {}
}
/** A byte string whose content is itself a CBOR item (re-encoded, then wrapped). */
export class Embedded {
  constructor(public inner: Node) {}
}
export class TagNode {
  constructor(
    public tag: number,
    public value: Node,
  ) {}
}
export type Node = number | string | Uint8Array | Node[] | Map<Node, Node> | TagNode | Raw | Embedded;

const MAX_EMBED_DEPTH = 4;

/** The tree of a valid message; undefined when the project's decoder refuses the bytes. */
export function toTree(bytes: Uint8Array, depth = 0): Node | undefined {
  let value: CborValue;
  try {
    value = decode(bytes);
  } catch {
    return undefined;
  }
  return fromValue(value, depth);
}

function fromValue(value: CborValue, depth: number): Node {
  if (value instanceof Uint8Array) {
    // A byte string of 2+ bytes that decodes as a container is a nested message.
    if (depth < MAX_EMBED_DEPTH && value.length >= 2 && (value[0] as number) >= 0x80) {
      const inner = toTree(value, depth + 1);
      if (inner !== undefined && typeof inner === 'object' && !(inner instanceof Uint8Array))
        return new Embedded(inner);
    }
    return value;
  }
  if (value instanceof Tagged) return new TagNode(value.tag, fromValue(value.value, depth));
  if (Array.isArray(value)) return value.map((v) => fromValue(v, depth));
  if (value instanceof Map) {
    const out = new Map<Node, Node>();
    for (const [k, v] of value) out.set(k, fromValue(v, depth));
    return out;
  }
  return value;
}

// ---------------------------------------------------------------- encoding (no checks, no sorting)

const utf8 = new TextEncoder();

function head(out: number[], major: number, n: number | bigint): void {
  const m = major << 5;
  const v = BigInt(n);
  if (v < 24n) out.push(m | Number(v));
  else if (v < 0x100n) out.push(m | 24, Number(v));
  else if (v < 0x10000n) out.push(m | 25, Number(v >> 8n), Number(v & 0xffn));
  else if (v < 0x100000000n) out.push(m | 26, ...[24n, 16n, 8n, 0n].map((s) => Number((v >> s) & 0xffn)));
  else out.push(m | 27, ...[56n, 48n, 40n, 32n, 24n, 16n, 8n, 0n].map((s) => Number((v >> s) & 0xffn)));
}

function write(out: number[], node: Node): void {
  if (typeof node === 'number') {
    if (!Number.isInteger(node)) throw new TypeError(`not an integer: ${node}`);
    if (node >= 0) head(out, 0, node);
    else head(out, 1, -1n - BigInt(node));
  } else if (typeof node === 'string') {
    const b = utf8.encode(node);
    head(out, 3, b.length);
    for (const x of b) out.push(x);
  } else if (node instanceof Uint8Array) {
    head(out, 2, node.length);
    for (const x of node) out.push(x);
  } else if (Array.isArray(node)) {
    head(out, 4, node.length);
    for (const item of node) write(out, item);
  } else if (node instanceof Map) {
    head(out, 5, node.size);
    for (const [k, v] of node) {
      write(out, k);
      write(out, v);
    }
  } else if (node instanceof TagNode) {
    head(out, 6, node.tag);
    write(out, node.value);
  } else if (node instanceof Raw) {
    for (const x of node.bytes) out.push(x);
  } else {
    const inner = encodeTree(node.inner);
    head(out, 2, inner.length);
    for (const x of inner) out.push(x);
  }
}

export function encodeTree(node: Node): Uint8Array {
  const out: number[] = [];
  write(out, node);
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------- walking

/** Where a node sits: set() replaces it, remove() takes it out of its container (if it can). */
export interface Slot {
  node: Node;
  set(next: Node): void;
  remove?(): void;
  /** The map it is a key of, and the key (for key mutations). */
  mapKeyOf?: Map<Node, Node>;
}

/** Every node in depth-first order, the root first (nested messages included). */
export function slots(root: { value: Node }): Slot[] {
  const out: Slot[] = [];
  const visit = (node: Node, set: (n: Node) => void, remove?: () => void, mapKeyOf?: Map<Node, Node>) => {
    out.push({ node, set, ...(remove ? { remove } : {}), ...(mapKeyOf ? { mapKeyOf } : {}) });
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        visit(
          item,
          (n) => (node[i] = n),
          () => node.splice(i, 1),
        );
      });
    } else if (node instanceof Map) {
      for (const [k, v] of [...node]) {
        visit(
          k,
          (n) => replaceKey(node, k, n),
          () => node.delete(k),
          node,
        );
        visit(
          v,
          (n) => node.set(k, n),
          () => node.delete(k),
        );
      }
    } else if (node instanceof TagNode) {
      visit(node.value, (n) => (node.value = n));
    } else if (node instanceof Embedded) {
      visit(node.inner, (n) => (node.inner = n));
    }
  };
  visit(root.value, (n) => (root.value = n));
  return out;
}

/** Renames a key in place, keeping the entry's position (so only the key changes). */
function replaceKey(map: Map<Node, Node>, from: Node, to: Node): void {
  const entries = [...map].map(([k, v]): [Node, Node] => [k === from ? to : k, v]);
  map.clear();
  for (const [k, v] of entries) map.set(k, v);
}
