// Builds core-rs into core-rs/pkg/ in the wasm-pack layout (JS glue, .d.ts, .wasm, package.json):
// the same steps `wasm-pack build --target web --release` runs (cargo build, wasm-bindgen,
// wasm-opt), so a user whose rustup has the wasm32 target can use wasm-pack instead.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashInputs, run, say } from './lib/run.mjs';
import { TARGET, wasmCargo } from './lib/rust-wasm.mjs';
import { wasmBindgen } from './lib/wasm-bindgen.mjs';

const NAME = 'smartcheck_core';
// Measured in bench/results/wasm-profile.md: -O3 is as fast as -O4 and smaller than no wasm-opt;
// the module uses SIMD (.cargo/config.toml), so wasm-opt must accept it.
const WASM_OPT_FLAGS = [
  '-O3',
  '--enable-bulk-memory',
  '--enable-nontrapping-float-to-int',
  '--enable-sign-ext',
  '--enable-mutable-globals',
  '--enable-simd',
];

export function buildCoreRs(root, { force = false } = {}) {
  const pkg = join(root, 'core-rs', 'pkg');
  const stampFile = join(pkg, '.inputs-sha256');
  const inputs = [
    'core-rs/src',
    'core-rs/Cargo.toml',
    'Cargo.toml',
    'Cargo.lock',
    '.cargo/config.toml',
    'scripts/build-core-rs.mjs',
  ].map((p) => join(root, p));
  const stamp = hashInputs(inputs);
  if (!force && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return false;

  const { cargo, args, env } = wasmCargo();
  say(`building core-rs for ${TARGET}`);
  run(cargo, ['build', '--release', '--target', TARGET, '-p', 'smartcheck-core', ...args], { cwd: root, env });
  const raw = join(root, 'target', TARGET, 'release', `${NAME}.wasm`);

  const bindgen = wasmBindgen(root);
  mkdirSync(pkg, { recursive: true });
  run(bindgen, ['--target', 'web', '--out-dir', pkg, '--out-name', NAME, raw]);

  const wasm = join(pkg, `${NAME}_bg.wasm`);
  const wasmOpt = join(root, 'node_modules', '.bin', 'wasm-opt');
  if (existsSync(wasmOpt)) {
    run(wasmOpt, [...WASM_OPT_FLAGS, wasm, '-o', wasm]);
  }
  const crate = readFileSync(join(root, 'core-rs', 'Cargo.toml'), 'utf8');
  const version = crate.match(/^version = "([^"]+)"/m)?.[1] ?? '0.0.0';
  writeFileSync(
    join(pkg, 'package.json'),
    `${JSON.stringify(
      {
        name: 'smartcheck-core',
        version,
        type: 'module',
        files: [`${NAME}_bg.wasm`, `${NAME}.js`, `${NAME}.d.ts`],
        main: `${NAME}.js`,
        types: `${NAME}.d.ts`,
        sideEffects: ['./snippets/*'],
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(stampFile, stamp);
  say(`core-rs: ${statSync(wasm).size} bytes of wasm`);
  return true;
}
