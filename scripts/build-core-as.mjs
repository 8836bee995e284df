// Builds the AssemblyScript card applet (core-as/) into core-as/build/purse.wasm with asc in
// release mode. The applet uses no heap at run time (stub runtime) and keeps its static data at
// 0xA000, above the fixed RAM and EEPROM regions of core-as/assembly/layout.ts. Rebuilt only when
// an input's hash changes, like build-core-rs.mjs.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashInputs, run, say } from './lib/run.mjs';

export const ASC_FLAGS = [
  '--runtime',
  'stub',
  '--memoryBase',
  '40960',
  '--initialMemory',
  '1',
  '--maximumMemory',
  '1',
  '-O3',
  '--shrinkLevel',
  '1',
  '--noAssert',
  '--use',
  'abort=',
];

export function buildCoreAs(root, { force = false } = {}) {
  const out = join(root, 'core-as', 'build');
  const wasm = join(out, 'purse.wasm');
  const stampFile = join(out, '.inputs-sha256');
  const inputs = [
    'core-as/assembly',
    'core-as/tests',
    'scripts/build-core-as.mjs',
    'node_modules/assemblyscript/package.json',
  ].map((p) => join(root, p));
  const stamp = hashInputs(inputs);
  if (!force && existsSync(stampFile) && existsSync(wasm) && readFileSync(stampFile, 'utf8') === stamp) return false;
  say('building core-as (AssemblyScript card applet)');
  mkdirSync(out, { recursive: true });
  const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
  run(
    process.execPath,
    [asc, join(root, 'core-as', 'assembly', 'index.ts'), ...ASC_FLAGS, '-o', wasm, '-t', join(out, 'purse.wat')],
    { cwd: root },
  );
  // The AssemblyScript side of the shared vector tests (core-as/tests/), same flags.
  run(
    process.execPath,
    [asc, join(root, 'core-as', 'tests', 'vectors.ts'), ...ASC_FLAGS, '-o', join(out, 'vectors-test.wasm')],
    { cwd: root },
  );
  writeFileSync(stampFile, stamp);
  say(`core-as: ${statSync(wasm).size} bytes of wasm`);
  return true;
}
