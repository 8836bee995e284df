// Installs Debian packages the project needs at run time (Chromium for the browser tests, the Rust
// wasm toolchain, …): as root directly, otherwise through `sudo -n`; refuses with `why` and the
// command to run by hand when neither is possible. One place, so every installer says the same.
import { capture, run, say } from './run.mjs';

/**
 * `apt-get install`s `packages` (after one `apt-get update`), or throws an Error that starts with
 * `why` and names the packages.
 * @param {string[]} packages
 * @param {{ why: string, recommends?: boolean }} options
 */
export function aptInstall(packages, { why, recommends = true }) {
  const asRoot = process.getuid?.() === 0;
  if (!asRoot && capture('sudo', ['-n', 'true']) === null) {
    throw new Error(`${why}: install ${packages.join(' ')} with apt-get (as root), or run setup as root`);
  }
  say(`installing Debian's ${packages.join(', ')} (${why})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => (asRoot ? run('apt-get', args, { env }) : run('sudo', ['-n', 'apt-get', ...args], { env }));
  apt(['update', '-q']);
  apt(['install', '-y', '-q', ...(recommends ? [] : ['--no-install-recommends']), ...packages]);
}
