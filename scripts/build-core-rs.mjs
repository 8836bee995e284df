// Builds the two crates of core-rs, each into its own <crate>/pkg/ in the wasm-pack layout (JS glue,
// .d.ts, .wasm, package.json): the same steps `wasm-pack build --target web --release` runs (cargo
// build, wasm-bindgen, wasm-opt), so a user whose rustup has the wasm32 target can use wasm-pack
// instead (`-- --features wasm-exports` for the primitives). Each crate has its own stamp: a crate
// whose inputs did not change is not rebuilt (the check verifier links the primitives, so their
// sources are its inputs too).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { hashInputs, run, say } from './lib/run.mjs';
import { TARGET, wasmCargo } from './lib/rust-wasm.mjs';
import { wasmBindgen } from './lib/wasm-bindgen.mjs';

// Measured in bench/results/wasm-profile.md: -O3 is as fast as -O4 and smaller than no wasm-opt;
// the modules use SIMD (.cargo/config.toml), so wasm-opt must accept it.
const WASM_OPT_FLAGS = [
  '-O3',
  '--enable-bulk-memory',
  '--enable-nontrapping-float-to-int',
  '--enable-sign-ext',
  '--enable-mutable-globals',
  '--enable-simd',
];

/** What goes into every crate's build besides its own sources. */
const SHARED_INPUTS = ['Cargo.toml', 'Cargo.lock', '.cargo/config.toml', 'scripts/build-core-rs.mjs'];

/**
 * The crates, in build order. `features`: the primitives' #[wasm_bindgen] exports are behind a
 * feature only their own build turns on (core-rs/primitives/Cargo.toml says why).
 */
export const CORE_RS_CRATES = [
  {
    dir: 'core-rs/primitives',
    crate: 'smartcheck-core',
    name: 'smartcheck_core',
    features: ['wasm-exports'],
    inputs: ['core-rs/primitives/src', 'core-rs/primitives/Cargo.toml'],
  },
  {
    dir: 'core-rs/checks',
    crate: 'smartcheck-checks',
    name: 'smartcheck_checks',
    features: [],
    inputs: [
      'core-rs/checks/src',
      'core-rs/checks/Cargo.toml',
      'core-rs/primitives/src',
      'core-rs/primitives/Cargo.toml',
    ],
  },
];

/** The stamp file of a crate's package: the hash of the inputs it was built from. */
export const stampFile = (root, crate) => join(root, crate.dir, 'pkg', '.inputs-sha256');

function buildCrate(root, crate, force) {
  const pkg = join(root, crate.dir, 'pkg');
  const wasmOpt = join(root, 'node_modules', '.bin', 'wasm-opt');
  const optimise = existsSync(wasmOpt);
  // A module built while wasm-opt was missing (npm packages not installed yet) is rebuilt once it is there.
  const stamp = `${hashInputs([...crate.inputs, ...SHARED_INPUTS].map((p) => join(root, p)))}${optimise ? '' : ' unoptimised'}`;
  if (!force && existsSync(stampFile(root, crate)) && readFileSync(stampFile(root, crate), 'utf8') === stamp)
    return false;

  const { cargo, args, env } = wasmCargo();
  say(`building ${crate.crate} for ${TARGET}`);
  const features = crate.features.length ? ['--features', crate.features.join(',')] : [];
  run(cargo, ['build', '--release', '--target', TARGET, '-p', crate.crate, ...features, ...args], { cwd: root, env });
  const raw = join(root, 'target', TARGET, 'release', `${crate.name}.wasm`);

  mkdirSync(pkg, { recursive: true });
  run(wasmBindgen(root), ['--target', 'web', '--out-dir', pkg, '--out-name', crate.name, raw]);

  const wasm = join(pkg, `${crate.name}_bg.wasm`);
  if (optimise) run(wasmOpt, [...WASM_OPT_FLAGS, wasm, '-o', wasm]);
  else say(`${crate.crate}: no wasm-opt (npm packages missing): the module is not optimised`);
  const version = readFileSync(join(root, 'Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)?.[1] ?? '0.0.0';
  writeFileSync(
    join(pkg, 'package.json'),
    `${JSON.stringify(
      {
        name: crate.crate,
        version,
        type: 'module',
        files: [`${crate.name}_bg.wasm`, `${crate.name}.js`, `${crate.name}.d.ts`],
        main: `${crate.name}.js`,
        types: `${crate.name}.d.ts`,
        sideEffects: ['./snippets/*'],
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(stampFile(root, crate), stamp);
  const bytes = readFileSync(wasm);
  say(`${crate.crate}: ${statSync(wasm).size} bytes of wasm, ${gzipSync(bytes, { level: 9 }).length} gzipped`);
  return true;
}

/** Builds every crate whose inputs changed (all with `force`); true if any was built. */
export function buildCoreRs(root, { force = false } = {}) {
  let built = false;
  for (const crate of CORE_RS_CRATES) built = buildCrate(root, crate, force) || built;
  return built;
}
