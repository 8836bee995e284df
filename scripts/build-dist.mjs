// Builds the installable package into dist/ (ignored): plain `tsc -p tsconfig.build.json` turns
// bindings/ and src/ into ESM .js with .d.ts and source maps (the `.ts` import specifiers become
// `.js` through `rewriteRelativeImportExtensions`), then the files tsc does not emit are copied
// beside them at the same relative paths: both cores' wasm-bindgen glue and .wasm, the applet's
// .wasm and the bank's SQL migrations. dist/ mirrors the repository, so every
// `new URL('../…', import.meta.url)` in the sources holds in dist/ as it does in a checkout.
// No bundler: the package's modules stay modules, and a user's bundler does the bundling.
// Rebuilt only when an input's hash changes, like the cores.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_RS_CRATES } from './build-core-rs.mjs';
import { hashInputs, run, say } from './lib/run.mjs';

/** Files dist/ needs that tsc does not emit, as paths relative to the repository. */
function assets() {
  const glue = CORE_RS_CRATES.flatMap(({ dir, name }) =>
    [`${name}.js`, `${name}.d.ts`, `${name}_bg.wasm`, `${name}_bg.wasm.d.ts`].map((file) => join(dir, 'pkg', file)),
  );
  return [...glue, join('core-as', 'build', 'purse.wasm'), join('src', 'bank', 'migrations')];
}

export function buildDist(root, { force = false } = {}) {
  const out = join(root, 'dist');
  const stampFile = join(out, '.inputs-sha256');
  const inputs = [
    join(root, 'bindings'),
    join(root, 'src'),
    join(root, 'tsconfig.json'),
    join(root, 'tsconfig.build.json'),
    join(root, 'scripts', 'build-dist.mjs'),
    ...assets().map((path) => join(root, path)),
  ];
  const stamp = hashInputs(inputs);
  if (!force && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  say('building the package into dist/ (tsc -p tsconfig.build.json)');
  rmSync(out, { recursive: true, force: true });
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.build.json')], { cwd: root });
  for (const path of assets()) {
    mkdirSync(join(out, path, '..'), { recursive: true });
    cpSync(join(root, path), join(out, path), { recursive: true });
  }
  writeFileSync(stampFile, stamp);
}
