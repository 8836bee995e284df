// Runs the simulator outside vitest (long runs in the background):
//   node --import tsx test/sim/cli.ts <first seed> <seeds> <ops per seed>
// Prints one line per seed and the summary line; exits 1 on the first failure (seed and operation
// named), or with SIM_KEEP_GOING=1 after the last seed, listing the seeds that failed.
import { formatSummary, OPERATION_DEFINITION, type RunResult, runSimulation } from './simulator.ts';

const [first = 1, seeds = 1, ops = 200] = process.argv.slice(2).map(Number);
const results: RunResult[] = [];
console.log(OPERATION_DEFINITION);
let total = 0;
/** SIM_KEEP_GOING=1: a failed seed is reported and the run goes on with the next one. */
const keepGoing = process.env.SIM_KEEP_GOING === '1';
const failures: number[] = [];
for (let seed = first; seed < first + seeds; seed++) {
  try {
    const r = await runSimulation(seed, ops, undefined, (op) =>
      console.log(`  seed ${seed}: ${op} operations done, all checkers held so far`),
    );
    results.push(r);
    total += r.ops;
    console.log(
      `[${new Date().toISOString()}] ${total} ops so far; seed ${seed} (${r.banks} banks): ${r.ops} ops in ${Math.round(r.ms)} ms (${Math.round((r.ops / r.ms) * 1000)} ops/s), trace ${r.traceHash.slice(0, 16)}, captured ${r.checksCaptured}, clones caught ${r.clonesCaught}/${r.clonedPurses}, fraud proofs ${r.fraudProofs}, value captured ${r.valueCaptured}`,
    );
    // per seed, so a long run stopped before its end still reports every fault it injected
    console.log(
      `  faults ${Object.entries(r.faults)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    if (process.env.SIM_TIMING)
      console.log(
        '  ms per kind',
        JSON.stringify(Object.fromEntries(Object.entries(r.msByKind).map(([k, v]) => [k, Math.round(v)]))),
        'ops',
        JSON.stringify(r.opsByKind),
      );
  } catch (error) {
    console.error(String((error as Error).message));
    console.error((error as Error).cause);
    failures.push(seed);
    if (!keepGoing) {
      console.log(formatSummary(results));
      process.exit(1);
    }
  }
}
console.log(formatSummary(results));
if (failures.length) {
  console.log(`FAILED seeds: ${failures.join(', ')}`);
  process.exit(1);
}
