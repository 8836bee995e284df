// The simulator's one source of decisions: a seeded PRNG (sfc32, seeded through splitmix32).
// Every choice the simulator makes (which operation, which card, which amount, which fault, where
// a power cut lands, which byte is flipped) comes from here, so a seed replays a run exactly.
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Numbers drawn so far (a cheap fingerprint of the decision stream). */
  draws = 0;

  constructor(readonly seed: number) {
    let s = seed >>> 0;
    const splitmix = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
    for (let i = 0; i < 12; i++) this.u32();
    this.draws = 0;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    this.draws++;
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`int(${n}): n must be a positive integer`);
    if (n <= 0x1_0000_0000) {
      // rejection sampling: no modulo bias
      const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
      for (;;) {
        const x = this.u32();
        if (x < limit) return x % n;
      }
    }
    return Math.floor(this.float() * n);
  }

  /** A uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** A float in [0, 1). */
  float(): number {
    return (this.u32() * 0x20_0000 + (this.u32() >>> 11)) / 2 ** 53;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** One of `weights`' keys, with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let x = this.float() * total;
    for (const [k, w] of entries) {
      if (x < w) return k;
      x -= w;
    }
    return (entries[entries.length - 1] as [K, number])[0];
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const x = this.u32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (x >>> (8 * j)) & 0xff;
    }
    return out;
  }

  /** An independent generator for a sub-stream (e.g. one per run), derived from this one. */
  fork(): Prng {
    return new Prng(this.u32());
  }
}
