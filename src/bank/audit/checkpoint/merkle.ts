// A Merkle tree hash in the manner of RFC 6962 (Certificate Transparency) § 2.1: a leaf is
// SHA-256(0x00 ‖ data), an inner node SHA-256(0x01 ‖ left ‖ right) (the prefixes keep a leaf from
// passing for a node), the empty tree SHA-256(""). Built as the leaves stream in, in position
// order, holding one hash per level (O(log n) memory): complete subtrees are merged as soon as two
// of the same size meet, and the unfinished right edge is folded at the end, which gives exactly
// RFC 6962's MTH (left subtree = the largest power of two smaller than n).
import { sha256 } from '../../../../bindings/index.ts';
import { concat } from '../../../bytes.ts';

/** What a leaf's data is prefixed with before hashing. */
export const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE = Uint8Array.of(0x01);

export const leafHash = (data: Uint8Array): Uint8Array => sha256(concat(LEAF_PREFIX, data));
export const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => sha256(concat(NODE, left, right));

export class MerkleBuilder {
  /** Complete subtrees, left to right, strictly decreasing sizes. */
  private readonly stack: { hash: Uint8Array; size: number }[] = [];
  count = 0;

  /** Adds a leaf by its hash (leafHash of its data). */
  add(leaf: Uint8Array): void {
    let top = { hash: leaf, size: 1 };
    for (let below = this.stack.at(-1); below && below.size === top.size; below = this.stack.at(-1)) {
      this.stack.pop();
      top = { hash: nodeHash(below.hash, top.hash), size: below.size * 2 };
    }
    this.stack.push(top);
    this.count++;
  }

  /** The tree hash of the leaves so far. */
  root(): Uint8Array {
    if (this.stack.length === 0) return sha256(new Uint8Array(0));
    let hash = (this.stack.at(-1) as { hash: Uint8Array }).hash;
    for (let i = this.stack.length - 2; i >= 0; i--)
      hash = nodeHash((this.stack[i] as { hash: Uint8Array }).hash, hash);
    return hash;
  }
}
