// Builds the browser wallet (src/web/) with Vite into src/web/dist/ (ignored), which the shop
// server can serve as static files. Rebuilt only when an input's hash changes, like the cores: the
// page's own files, everything it imports from the repository (bindings, src/), both cores' built
// .wasm and glue, and the versions of Vite and comlink (bundled). Vite runs in a child process so
// setup stays plain Node.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_RS_CRATES } from './build-core-rs.mjs';
import { aptInstall } from './lib/apt.mjs';
import { hashInputs, run, say } from './lib/run.mjs';

/** Every input of the page, without its output folder (src/web/dist). */
function webInputs(root) {
  const src = join(root, 'src');
  const fromSrc = readdirSync(src)
    .filter((name) => name !== 'web')
    .map((name) => join(src, name));
  const fromWeb = readdirSync(join(src, 'web'))
    .filter((name) => name !== 'dist')
    .map((name) => join(src, 'web', name));
  return [
    ...fromWeb,
    ...fromSrc,
    join(root, 'bindings'),
    ...CORE_RS_CRATES.map((crate) => join(root, crate.dir, 'pkg')),
    join(root, 'core-as', 'build', 'purse.wasm'),
    join(root, 'scripts', 'build-web.mjs'),
    // Its sideEffects list decides what the bundler may drop (the cores' init, the CSS).
    join(root, 'package.json'),
    join(root, 'node_modules', 'vite', 'package.json'),
    join(root, 'node_modules', 'comlink', 'package.json'),
  ];
}

export function buildWeb(root, { force = false } = {}) {
  const out = join(root, 'src', 'web', 'dist');
  const stampFile = join(out, '.inputs-sha256');
  const stamp = hashInputs(webInputs(root));
  if (
    !force &&
    existsSync(stampFile) &&
    existsSync(join(out, 'index.html')) &&
    readFileSync(stampFile, 'utf8') === stamp
  )
    return false;
  say('building the browser wallet (vite → src/web/dist)');
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  run(process.execPath, [vite, 'build', '--config', join(root, 'src', 'web', 'vite.config.ts')], { cwd: root });
  writeFileSync(stampFile, stamp);
  return true;
}

const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * The browser tests drive Debian's `chromium` through playwright-core (never a browser downloaded
 * by `playwright install`). Installs it with apt-get when missing: as root, or through `sudo -n`.
 * CHROMIUM_PATH names another executable and skips the check.
 */
export function ensureChromium() {
  if (process.env.CHROMIUM_PATH) {
    if (!existsSync(process.env.CHROMIUM_PATH))
      throw new Error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH}: no such file`);
    return;
  }
  if (CHROMIUM_PATHS.some((p) => existsSync(p))) return;
  aptInstall(['chromium'], { why: 'no Chromium for the browser tests (or set CHROMIUM_PATH)', recommends: false });
}

// `node scripts/build-web.mjs [--force]` builds it on its own.
if (import.meta.url === `file://${process.argv[1]}`) {
  const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
  buildWeb(root, { force: process.argv.includes('--force') });
}
