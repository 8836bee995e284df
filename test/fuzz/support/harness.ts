// One fuzz harness for every decoder family: replay the decoder's corpus (test/fuzz/corpus/<name>/),
// then feed it `budget` inputs from the shared mutator through fast-check. The property: the
// decoder returns, or throws its layer's typed error, and nothing else, within CASE_LIMIT_MS; a
// sanity call (a valid input still verifies) runs every SANITY_EVERY inputs and at the end, so a
// WebAssembly trap that poisons later calls shows up. Failures are shrunk by fast-check and, with
// SMARTCHECK_FUZZ_SAVE=1, written to the corpus. Each decoder prints how many inputs it ran.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type ErrorCode, errorDescriptions, ProtocolError } from '../../../src/protocol/errors.ts';
import { inputArb } from './mutate.ts';

export const SLOW = process.env.SMARTCHECK_SLOW === '1';
/** SMARTCHECK_SLOW=1 multiplies every budget by this. */
export const SLOW_FACTOR = 100;
export const SEED = Number(process.env.SMARTCHECK_FUZZ_SEED ?? 20_261_125);
const SAVE = process.env.SMARTCHECK_FUZZ_SAVE === '1';
/** A decode that takes longer than this is a hang (generous: the machine is shared and busy). */
export const CASE_LIMIT_MS = 5_000;
const SANITY_EVERY = 2_000;
const CORPUS = new URL('../corpus/', import.meta.url);

export interface Target {
  /** Decoder id; also the corpus folder name. */
  name: string;
  /** Valid messages the mutants start from. */
  seeds: readonly Uint8Array[];
  /** Inputs in the default run (× SLOW_FACTOR when slow); `slowBudget` overrides the slow count. */
  budget: number;
  /** SMARTCHECK_SLOW=1 runs budget × slowFactor (default SLOW_FACTOR), or slowBudget when set. */
  slowFactor?: number;
  slowBudget?: number;
  /** Runs the decoder; may assert on what it returns; returns a verdict code when it has one. */
  run(bytes: Uint8Array): unknown;
  /** The layer's typed refusal (default: a ProtocolError with a registered code). */
  typed?(error: unknown): boolean;
  /** The code of a typed refusal, for `reaches` (default: ProtocolError.code). */
  codeOf?(error: unknown): number | undefined;
  /** Codes the mutants must reach at least once: the deep layers, not only the CBOR reader. */
  reaches?: readonly number[];
  /** Below this share of refusals the mutations are not reaching the decoder (default 0.5). */
  minRefused?: number;
  /** Inputs between two sanity calls (default SANITY_EVERY). */
  sanityEvery?: number;
  /** A valid input must still work (after a batch of mutants: no poisoned WebAssembly state). */
  sanity?(): unknown;
  /** Mostly type-keeping tree mutations (inputs that must stay well formed to get deep). */
  structured?: boolean;
  /** run() and sanity() return promises (APDUs, HTTP). */
  async?: boolean;
  /** The largest random input (default 96 bytes). */
  maxRandom?: number;
}

export const isProtocolError = (error: unknown): boolean =>
  error instanceof ProtocolError && errorDescriptions[error.code as ErrorCode] !== undefined;
const protocolCode = (error: unknown) => (error instanceof ProtocolError ? error.code : undefined);

export const inputsRun = new Map<string, number>();
export const budgetOf = (t: Pick<Target, 'budget' | 'slowBudget' | 'slowFactor'>) =>
  SLOW ? (t.slowBudget ?? t.budget * (t.slowFactor ?? SLOW_FACTOR)) : t.budget;

const seedOf = (name: string) => (SEED ^ createHash('sha256').update(name).digest().readUInt32BE(0)) >>> 0;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export interface CorpusCase {
  file: string;
  bytes: Uint8Array;
  /** `# expect: any` lets a case decode; every other case must be refused with the typed error. */
  any: boolean;
}

/** test/fuzz/corpus/<name>/*.hex: hex (whitespace ignored), `#` comment lines. */
export function readCorpus(name: string): CorpusCase[] {
  const dir = new URL(`${name}/`, CORPUS);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hex'))
    .sort()
    .map((file) => {
      const text = readFileSync(new URL(file, dir), 'utf8');
      const lines = text.split('\n');
      const any = lines.some((l) => /^#\s*expect:\s*any/.test(l));
      const body = lines
        .filter((l) => !l.startsWith('#'))
        .join('')
        .replace(/\s+/g, '');
      return { file, bytes: new Uint8Array(Buffer.from(body, 'hex')), any };
    });
}

function saveCase(name: string, bytes: Uint8Array, why: string): string {
  const dir = new URL(`${name}/`, CORPUS);
  mkdirSync(dir, { recursive: true });
  const file = `found-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}.hex`;
  writeFileSync(new URL(file, dir), `# found by the fuzzer: ${why.split('\n')[0]}\n${hex(bytes)}\n`);
  return file;
}

interface Outcome {
  refused: boolean;
  code?: number;
}

function settle(t: Target, bytes: Uint8Array, started: number, result: unknown, error?: { thrown: unknown }): Outcome {
  const ms = performance.now() - started;
  if (ms > CASE_LIMIT_MS)
    throw new Error(`${t.name}: one input took ${ms.toFixed(0)} ms (limit ${CASE_LIMIT_MS})\ninput: ${hex(bytes)}`);
  // A returned non-zero code is a refusal too (a verdict rather than an exception).
  if (!error) return typeof result === 'number' ? { refused: result !== 0, code: result } : { refused: false };
  const thrown = error.thrown;
  if (!(t.typed ?? isProtocolError)(thrown)) {
    throw new Error(
      `${t.name}: untyped ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)}\ninput: ${hex(bytes)}`,
      { cause: thrown },
    );
  }
  const code = (t.codeOf ?? protocolCode)(thrown);
  return { refused: true, ...(code !== undefined ? { code } : {}) };
}

function runSync(t: Target, bytes: Uint8Array): Outcome {
  const started = performance.now();
  let result: unknown;
  try {
    result = t.run(bytes);
  } catch (thrown) {
    return settle(t, bytes, started, undefined, { thrown });
  }
  return settle(t, bytes, started, result);
}

async function runAsync(t: Target, bytes: Uint8Array): Promise<Outcome> {
  const started = performance.now();
  let result: unknown;
  try {
    result = await t.run(bytes);
  } catch (thrown) {
    return settle(t, bytes, started, undefined, { thrown });
  }
  return settle(t, bytes, started, result);
}

/** Declares the corpus replay and the fuzz run of each target, and prints the counts at the end. */
export function fuzzFamily(family: string, targets: readonly Target[]): void {
  afterAll(() => {
    const lines = targets.map((t) => `fuzz: ${t.name}: ${inputsRun.get(t.name) ?? 0} inputs`);
    const total = targets.reduce((n, t) => n + (inputsRun.get(t.name) ?? 0), 0);
    console.log(
      `${lines.join('\n')}\nfuzz: ${family} total: ${total} inputs (${SLOW ? 'slow' : 'default'}; seed ${SEED})`,
    );
  });

  describe(`fuzz ${family} (seed ${SEED}${SLOW ? ', slow' : ''})`, () => {
    for (const t of targets) {
      it(`${t.name}: the seeds are valid and the corpus replays`, async () => {
        for (const s of t.seeds.slice(0, 1)) await t.run(s);
        if (t.sanity) await t.sanity();
        const cases = readCorpus(t.name);
        for (const c of cases) {
          const outcome = t.async ? await runAsync(t, c.bytes) : runSync(t, c.bytes);
          if (!c.any) expect(outcome.refused, `${t.name}/${c.file} must be refused`).toBe(true);
        }
        if (t.sanity) await t.sanity();
      });

      const n = budgetOf(t);
      it(`${t.name}: ${n} inputs`, { timeout: SLOW ? 12 * 3_600_000 : 120_000 }, async () => {
        const codes = new Map<number, number>();
        let runs = 0;
        let refused = 0;
        const count = (outcome: Outcome) => {
          runs++;
          if (outcome.refused) refused++;
          if (outcome.code !== undefined) codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
          return t.sanity !== undefined && runs % (t.sanityEvery ?? SANITY_EVERY) === 0;
        };
        const inputs = inputArb(t.seeds, t.maxRandom, t.structured);
        const options = { numRuns: n, seed: seedOf(t.name), endOnFailure: false, verbose: 0 } as const;
        const result = t.async
          ? await fc.check(
              fc.asyncProperty(inputs, async (bytes) => {
                if (count(await runAsync(t, bytes))) await t.sanity?.();
              }),
              options,
            )
          : fc.check(
              fc.property(inputs, (bytes) => {
                if (count(runSync(t, bytes))) t.sanity?.();
              }),
              options,
            );
        inputsRun.set(t.name, runs);
        if (result.failed) {
          const bytes = result.counterexample?.[0] as Uint8Array | undefined;
          const why =
            result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
          const saved = bytes && SAVE ? ` (saved to corpus/${t.name}/${saveCase(t.name, bytes, why)})` : '';
          throw new Error(
            `${t.name} failed after ${result.numRuns} inputs, shrunk ${result.numShrinks}×, seed ${result.seed}${saved}\n${why}\nminimal input: ${bytes ? hex(bytes) : '?'}`,
          );
        }
        if (t.sanity) await t.sanity();
        expect(refused, `${t.name}: share of refused inputs`).toBeGreaterThan(n * (t.minRefused ?? 0.5));
        const seen = [...codes.keys()];
        if (t.reaches)
          console.log(
            `fuzz: ${t.name} codes: ${[...codes]
              .sort((a, b) => a[0] - b[0])
              .map(([c, k]) => `${c}×${k}`)
              .join(' ')}`,
          );
        for (const code of t.reaches ?? []) expect(seen, `${t.name}: codes reached`).toContain(code);
      });
    }
  });
}
