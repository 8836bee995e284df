// Evidence for HARNESS.md: the same operations timed by benchmark.js, tinybench and a plain
// hrtime loop, in one process, interleaved in rotating order so drift on a busy machine is shared.
// Run: npx tsx bench/harness-check.ts [--quick] [--time-ms 300] [--rounds 2]

import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import Benchmark from 'benchmark';
import { ed25519, sha256, sha512, x25519 } from '../bindings/index.ts';
import { type Measurement, mustBe } from './harness.ts';
import * as h from './harness-compare.ts';

const quick = process.argv.includes('--quick');
const arg = (flag: string, fallback: number) => {
  const i = process.argv.indexOf(flag);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const timeMs = arg('--time-ms', quick ? 150 : 1000);
const rounds = arg('--rounds', quick ? 1 : 3);

const data = new Uint8Array(200).fill(7);
const keys = ed25519.keygen(new Uint8Array(32).fill(1));
const msg = new Uint8Array(128).fill(9);
const sig = ed25519.sign(msg, keys.secretKey);
mustBe(ed25519.verify(sig, msg, keys.publicKey), 'ours verify');
const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Chacha20Poly1305(),
});
const recipient = await suite.kem.deserializePublicKey(x25519.keygen().publicKey.slice().buffer);
const pt = new Uint8Array(1024);

const fmt = (m: Measurement) =>
  `${m.usPerOp.toFixed(3).padStart(9)} µs ±${m.rmePct.toFixed(1).padStart(4)}% (${m.samples} samples)`;

async function compare(name: string, sync: (() => unknown) | undefined, async?: () => Promise<unknown>): Promise<void> {
  console.log(`\n${name}`);
  const runs: Array<[string, () => Measurement | Promise<Measurement>]> = sync
    ? [
        ['benchmark.js', () => h.withBenchmarkJs(sync, timeMs)],
        ['benchmark.js minTime 250 ms', () => h.withBenchmarkJs(sync, timeMs * 3, 250)],
        ['tinybench 1 call/sample', () => h.withTinybench(sync, timeMs)],
        ['tinybench 64 calls/sample', () => h.withTinybench(sync, timeMs, 64)],
        ['hrtime loop', () => h.withHrtime(sync, timeMs)],
      ]
    : [
        ['benchmark.js deferred', () => h.withBenchmarkJsDeferred(async!, timeMs)],
        ['tinybench async', () => h.withTinybenchAsync(async!, timeMs)],
        ['hrtime loop (await)', () => h.withHrtimeAsync(async!, timeMs)],
      ];
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < runs.length; k++) {
      const [label, run] = runs[(k + r) % runs.length]!;
      console.log(`  round ${r + 1} ${label.padEnd(26)} ${fmt(await run())}`);
    }
  }
}

// No warm-up in benchmark.js: time a function nobody has called yet, then the same one again.
{
  const cold = () => sha512(data);
  console.log('\nsha512 200 B (ours), never called before: benchmark.js cold, then warm, then hrtime');
  for (const [label, m] of [
    ['benchmark.js cold', h.withBenchmarkJs(cold, timeMs)],
    ['benchmark.js warm', h.withBenchmarkJs(cold, timeMs)],
    ['hrtime loop', h.withHrtime(cold, timeMs)],
  ] as const) {
    console.log(`  ${label.padEnd(28)} ${fmt(m)}`);
  }
}

await compare('sha256 200 B (ours)', () => sha256(data));
await compare('ed25519 verify 128 B (ours)', () => ed25519.verify(sig, msg, keys.publicKey));
// The floor each harness adds to an async call: an async function that does nothing.
await compare('empty async function', undefined, async () => undefined);
await compare('@hpke/core seal 1 KiB (async)', undefined, () => suite.seal({ recipientPublicKey: recipient }, pt));

// The decompilation trap: give benchmark.js a `setup` and it rebuilds `fn` from its source text,
// outside this module's scope, so `data` and the imported `sha256` no longer resolve.
const trap = new Benchmark({ setup: () => {}, fn: () => sha256(data), maxTime: 0.05 });
trap.run({ async: false });
console.log(
  `\nbenchmark.js with setup(): error = ${trap.error ? String(trap.error) : 'none'}; hz = ${trap.hz.toFixed(0)}`,
);
console.log(
  `benchmark.js timer: minTime chosen = ${((Benchmark.options.minTime ?? 0) * 1e6).toFixed(1)} µs; support.decompilation = ${Benchmark.support.decompilation}`,
);
