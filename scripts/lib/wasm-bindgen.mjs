// wasm-bindgen's CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock. It is
// built once from crates.io into .tools/ (ignored) and reused.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, run, say } from './run.mjs';

export function lockedVersion(root, crate) {
  const lock = readFileSync(join(root, 'Cargo.lock'), 'utf8');
  const match = lock.match(new RegExp(`name = "${crate}"\\nversion = "([^"]+)"`));
  if (!match) throw new Error(`${crate} is not in Cargo.lock`);
  return match[1];
}

/** Returns the path of a wasm-bindgen CLI whose version equals the locked crate's. */
export function wasmBindgen(root) {
  const version = lockedVersion(root, 'wasm-bindgen');
  const tools = join(root, '.tools');
  const bin = join(tools, 'bin', 'wasm-bindgen');
  if (existsSync(bin) && capture(bin, ['--version'])?.trim() === `wasm-bindgen ${version}`) return bin;
  say(`building wasm-bindgen-cli ${version} (once; cached in .tools/)`);
  const base = ['install', 'wasm-bindgen-cli', '--version', `=${version}`, '--root', tools, '--force'];
  try {
    run('cargo', [...base, '--locked']);
  } catch {
    // The CLI's own lock file can name a dependency version the registry no longer serves; then
    // resolve its dependencies afresh rather than fail.
    say('locked install failed; retrying with fresh dependency resolution');
    run('cargo', base);
  }
  return bin;
}
