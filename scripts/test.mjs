#!/usr/bin/env node
// `npm test` after setup: the Rust tests natively (cargo test, against the shared vectors), then
// every TypeScript test (vitest). Ends with one plain "N passed, N failed" line over both.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const totals = { passed: 0, failed: 0 };

function step(name, command, args, count) {
  process.stderr.write(`\n[test] ${name}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 256 << 20,
  });
  process.stdout.write(result.stdout ?? '');
  const counted = count(result.stdout ?? '');
  totals.passed += counted.passed;
  totals.failed += counted.failed;
  return result.status === 0;
}

const cargoCounts = (out) => {
  const counted = { passed: 0, failed: 0 };
  for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    counted.passed += Number(m[1]);
    counted.failed += Number(m[2]);
  }
  return counted;
};

mkdirSync(join(root, '.cache'), { recursive: true });
const vitestJson = join(root, '.cache', 'vitest-results.json');
const vitestCounts = () => {
  try {
    const r = JSON.parse(readFileSync(vitestJson, 'utf8'));
    return { passed: r.numPassedTests, failed: r.numFailedTests };
  } catch {
    return { passed: 0, failed: 1 };
  }
};

const extra = process.argv.slice(2);
const ok = [
  step('rust', 'cargo', ['test', '-p', 'smartcheck-core', '-p', 'smartcheck-checks', '--quiet'], cargoCounts),
  step(
    'typescript',
    join(root, 'node_modules', '.bin', 'vitest'),
    ['run', '--reporter=default', '--reporter=json', `--outputFile=${vitestJson}`, ...extra],
    vitestCounts,
  ),
].every(Boolean);

console.log(`\nsmartcheck: ${totals.passed} passed, ${totals.failed} failed`);
process.exit(ok && totals.failed === 0 && totals.passed > 0 ? 0 : 1);
