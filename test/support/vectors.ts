// Reads the shared vector files in test/vectors/ (the same files core-rs/tests read).
import { readFileSync } from 'node:fs';

// biome-ignore lint/suspicious/noExplicitAny: untyped JSON by default, as JSON.parse gives; callers name a type when they want one
export function vectors<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export interface WycheproofTest {
  tcId: number;
  comment: string;
  result: 'valid' | 'invalid' | 'acceptable';
  [field: string]: unknown;
}

export interface WycheproofGroup {
  tests: WycheproofTest[];
  [field: string]: unknown;
}

/** Every test of a Wycheproof file with its group. */
export function wycheproof(name: string): { group: WycheproofGroup; test: WycheproofTest }[] {
  const file = vectors<{ testGroups: WycheproofGroup[]; numberOfTests: number }>(name);
  const all = file.testGroups.flatMap((group) => group.tests.map((test) => ({ group, test })));
  if (all.length !== file.numberOfTests)
    throw new Error(`${name}: ${all.length} tests, header says ${file.numberOfTests}`);
  return all;
}

/** Small seeded PRNG (mulberry32) so random tests replay from their seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
    bytes: (n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
  };
}
