// Deterministic inputs shared by the suites: signed items from distinct signers (a bank verifies
// checks from many purses, so one key per item), messages of 64..200 bytes.
import { type BatchItem, ed25519 } from '../bindings/index.ts';

export interface Signer {
  seed: Uint8Array;
  publicKey: Uint8Array;
}

export interface SignedItem extends BatchItem {
  /** The signer's seed, for peers that derive their own key format from it. */
  seed: Uint8Array;
}

/** Bytes from a seed-indexed xorshift, so every run signs the same messages. */
export function pseudoBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Message lengths spread evenly over 64..200 bytes. */
export function messageLength(i: number): number {
  return 64 + ((i * 37) % 137);
}

const cache: SignedItem[] = [];

/** The first `n` signed items; signed once by our core and cached for all suites. */
export function signedItems(n: number): SignedItem[] {
  for (let i = cache.length; i < n; i++) {
    const seed = pseudoBytes(32, 1_000_000 + i);
    const { secretKey, publicKey } = ed25519.keygen(seed);
    const message = pseudoBytes(messageLength(i), i);
    cache.push({ seed, publicKey, message, signature: ed25519.sign(message, secretKey) });
  }
  return cache.slice(0, n);
}

/** A copy of `items` with the signature of item `k` corrupted (one flipped bit). */
export function withBadSignature<T extends BatchItem>(items: readonly T[], k: number): T[] {
  return items.map((item, i) => {
    if (i !== k) return item;
    const signature = item.signature.slice();
    signature[7] = (signature[7] as number) ^ 1;
    return { ...item, signature };
  });
}
