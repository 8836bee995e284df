#!/usr/bin/env node
// `npm run check`: the guardrails CI enforces before any test runs (issue 11). Every step runs even
// when an earlier one fails, so one CI run lists every kind of break; the exit code is 1 if any did.
//
//   types        tsc --noEmit over the TypeScript (src, bindings, bench, test, scripts) and, with
//                checkJs, over the .mjs build and bench scripts
//   biome        formatter and linter in CI mode (nothing is written; biome.json says why Biome)
//   rustfmt      cargo fmt --check over the workspace and the fuzz crate
//   clippy       cargo clippy --all-targets -D warnings over the workspace and the fuzz crate, so the
//                denies in the crates' [lints] tables stop the build
//   generated    the files generated from the protocol registry (scripts/gen-wire.ts: the Rust and
//                AssemblyScript constants, docs/errors.md) are what the generator writes now
//   layers       the import-graph test of the layer rules (test/structure/)
//
// `npm test` runs it after setup; `node scripts/check.mjs --only types,biome` runs a subset.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const fuzzManifest = ['--manifest-path', join(root, 'core-rs', 'fuzz', 'Cargo.toml')];
// The fuzz crate is its own workspace: keep its check artefacts inside the ignored target/.
const fuzzTarget = ['--target-dir', join(root, 'target', 'fuzz-check')];

/** @type {Record<string, [string, string[]][]>} */
const STEPS = {
  types: [
    [bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']],
    [bin('tsc'), ['--noEmit', '-p', 'tsconfig.js.json']],
  ],
  biome: [[bin('biome'), ['ci', '--error-on-warnings', '--max-diagnostics=50', '.']]],
  rustfmt: [
    ['cargo', ['fmt', '--all', '--check']],
    ['cargo', ['fmt', '--check', ...fuzzManifest]],
  ],
  clippy: [
    ['cargo', ['clippy', '--quiet', '--workspace', '--all-targets', '--', '-D', 'warnings']],
    ['cargo', ['clippy', '--quiet', '--all-targets', ...fuzzManifest, ...fuzzTarget, '--', '-D', 'warnings']],
  ],
  generated: [[process.execPath, ['--import', 'tsx', 'scripts/gen-wire.ts', '--check']]],
  layers: [[bin('vitest'), ['run', '--reporter=dot', 'test/structure']]],
};

const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const failed = [];
for (const [name, commands] of Object.entries(STEPS)) {
  if (only && !only.includes(name)) continue;
  const started = Date.now();
  process.stderr.write(`\n[check] ${name}\n`);
  for (const [command, args] of commands) {
    const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) {
      process.stderr.write(`[check] ${name}: ${command} ${args.join(' ')} failed\n`);
      failed.push(name);
      break;
    }
  }
  process.stderr.write(`[check] ${name}: ${failed.at(-1) === name ? 'FAILED' : 'ok'} (${Date.now() - started} ms)\n`);
}
process.stderr.write(failed.length ? `\n[check] failed: ${failed.join(', ')}\n` : '\n[check] all guardrails hold\n');
process.exit(failed.length ? 1 : 0);
