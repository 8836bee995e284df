// Shared helpers for the pool tests: a seeded PRNG, random batches with known bad positions,
// fixture worker URLs, a bounded wait and a live-thread counter.
import { readdirSync } from 'node:fs';
import { type BatchItem, ed25519, type KeyPair } from '../../bindings/index.ts';

/** mulberry32: a tiny seeded PRNG, so a failing random test replays from its printed seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(256));
  return { next, int, bytes };
}
export type Rand = ReturnType<typeof prng>;

/** A fresh seed per run (printed in every assertion message), or SMARTCHECK_SEED to replay one. */
export function freshSeed(): number {
  const fixed = process.env.SMARTCHECK_SEED;
  return fixed ? Number(fixed) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

/** The kinds of damage done to an item; each one makes it invalid. */
export const corruptions = [
  'flip-signature-bit',
  'wrong-message',
  'wrong-key',
  'short-signature',
  'long-signature',
  'short-key',
  'message-not-bytes',
  'signature-not-bytes',
  'key-not-bytes',
  'null-item',
] as const;

function corrupt(item: BatchItem, kind: (typeof corruptions)[number], other: KeyPair, rand: Rand): BatchItem {
  const { message, signature, publicKey } = item;
  switch (kind) {
    case 'flip-signature-bit': {
      const s = signature.slice();
      s[rand.int(64)]! ^= 1 << rand.int(8);
      return { message, signature: s, publicKey };
    }
    case 'wrong-message': {
      if (message.length === 0) return { message: Uint8Array.of(rand.int(256)), signature, publicKey };
      const m = message.slice();
      m[rand.int(m.length)]! ^= 1 + rand.int(255);
      return { message: m, signature, publicKey };
    }
    case 'wrong-key':
      return { message, signature, publicKey: other.publicKey };
    case 'short-signature':
      return { message, signature: signature.slice(0, 63), publicKey };
    case 'long-signature':
      return { message, signature: Uint8Array.of(...signature, 0), publicKey };
    case 'short-key':
      return { message, signature, publicKey: publicKey.slice(1) };
    case 'message-not-bytes':
      return { message: Array.from(message) as unknown as Uint8Array, signature, publicKey };
    case 'signature-not-bytes':
      return { message, signature: signature.buffer.slice(0) as unknown as Uint8Array, publicKey };
    case 'key-not-bytes':
      return { message, signature, publicKey: Buffer.from(publicKey).toString('hex') as unknown as Uint8Array };
    case 'null-item':
      return null as unknown as BatchItem;
  }
}

/**
 * `n` items signed under a few seeded keys, messages of 0..300 bytes (some as views into a shared
 * buffer, some as Node Buffers); items at random positions (rate `badRate`, plus `alsoBad`) are
 * damaged in a random way. Returns the items and the sorted positions that were damaged.
 */
export function randomBatch(seed: number, n: number, badRate: number, alsoBad: number[] = []) {
  const rand = prng(seed);
  const keys = Array.from({ length: 5 }, () => ed25519.keygen(rand.bytes(32)));
  const shared = rand.bytes(400);
  const items: BatchItem[] = [];
  for (let i = 0; i < n; i++) {
    const len = rand.int(301);
    const style = rand.int(3);
    const start = rand.int(100);
    const message =
      style === 0 ? rand.bytes(len) : style === 1 ? shared.subarray(start, start + len) : Buffer.from(rand.bytes(len));
    const k = rand.int(keys.length);
    const key = keys[k]!;
    items.push({ message, signature: ed25519.sign(message, key.secretKey), publicKey: key.publicKey });
  }
  const bad = new Set(alsoBad.filter((i) => i >= 0 && i < n));
  for (let i = 0; i < n; i++) if (rand.next() < badRate) bad.add(i);
  for (const i of bad) {
    const kind = corruptions[rand.int(corruptions.length)]!;
    const other = keys.find((key) => key.publicKey !== items[i]!.publicKey)!;
    items[i] = corrupt(items[i]!, kind, other, rand);
  }
  return { items, bad: [...bad].sort((a, b) => a - b) };
}

/** URL of a worker script in test/fixtures/. */
export const fixture = (name: string): URL => new URL(`../fixtures/${name}`, import.meta.url);

/** Settles like `promise`, or rejects with "hung" after `ms`: turns a hang into a failure. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung: ${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a promise settled to, for asserting on rejections without unhandled-rejection noise. */
export async function outcome<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** OS threads of this process (Linux), or undefined where /proc is not available. */
export function liveThreads(): number | undefined {
  try {
    return readdirSync('/proc/self/task').length;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (up to `ms`) until the thread count is back at or below `target`; returns the last count. */
export async function threadsSettle(target: number, ms = 2000): Promise<number | undefined> {
  const deadline = Date.now() + ms;
  let now = liveThreads();
  while (now !== undefined && now > target && Date.now() < deadline) {
    await sleep(20);
    now = liveThreads();
  }
  return now;
}
