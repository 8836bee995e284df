// wasm-bindgen's CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock. It is
// built once, from scripts/wasm-bindgen-cli and its committed lock file, into .tools/ (ignored)
// and reused.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, run, say } from './run.mjs';

export function lockedVersion(root, crate) {
  const lock = readFileSync(join(root, 'Cargo.lock'), 'utf8');
  const match = lock.match(new RegExp(`name = "${crate}"\\nversion = "([^"]+)"`));
  if (!match) throw new Error(`${crate} is not in Cargo.lock`);
  return match[1];
}

const CLI_CRATE = join('scripts', 'wasm-bindgen-cli');

/** The CLI version scripts/wasm-bindgen-cli/Cargo.toml pins (`wasm-bindgen-cli = { version = "=X" … }`). */
function pinnedCliVersion(root) {
  const manifest = readFileSync(join(root, CLI_CRATE, 'Cargo.toml'), 'utf8');
  const match = manifest.match(/^wasm-bindgen-cli = \{ version = "=([^"]+)"/m);
  if (!match) throw new Error(`${CLI_CRATE}/Cargo.toml pins no wasm-bindgen-cli version`);
  return match[1];
}

/**
 * Returns the path of a wasm-bindgen CLI whose version equals the locked crate's, building it once
 * from scripts/wasm-bindgen-cli with that crate's committed Cargo.lock (see its Cargo.toml for why).
 */
export function wasmBindgen(root) {
  const version = lockedVersion(root, 'wasm-bindgen');
  const pinned = pinnedCliVersion(root);
  if (pinned !== version) {
    throw new Error(
      `wasm-bindgen ${version} is in Cargo.lock but ${CLI_CRATE} pins the CLI at ${pinned}: set both to the same version (and run \`cargo update\` in ${CLI_CRATE})`,
    );
  }
  const tools = join(root, '.tools');
  const bin = join(tools, 'bin', 'wasm-bindgen');
  if (existsSync(bin) && capture(bin, ['--version'])?.trim() === `wasm-bindgen ${version}`) return bin;
  say(`building wasm-bindgen-cli ${version} (once; cached in .tools/)`);
  run('cargo', ['install', '--path', join(root, CLI_CRATE), '--locked', '--root', tools, '--force']);
  return bin;
}
