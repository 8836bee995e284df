// Finds (or installs) a Rust toolchain that can build wasm32-unknown-unknown, as TOOLCHAIN.md
// describes: a rustup with the wasm32 target builds normally; otherwise Debian's Rust (rustc-web,
// cargo-web, rust-web-src, lld) builds std itself with -Zbuild-std.
import { existsSync } from 'node:fs';
import { capture, run, say } from './run.mjs';

const TARGET = 'wasm32-unknown-unknown';
const DEBIAN_PACKAGES = ['rustc-web', 'cargo-web', 'rust-web-src', 'lld-22'];

function rustupHasTarget() {
  const installed = capture('rustup', ['target', 'list', '--installed']);
  return installed?.split('\n').includes(TARGET);
}

function debianToolchainPresent() {
  return (
    existsSync('/usr/bin/cargo') && existsSync('/usr/bin/rustc') && existsSync('/usr/lib/rustlib/src/rust/library')
  );
}

function installDebianToolchain() {
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  if (asRoot.length && capture('sudo', ['-n', 'true']) === null) {
    throw new Error(
      `no wasm32 Rust toolchain: run as root, or install ${DEBIAN_PACKAGES.join(' ')} with apt-get, or \`rustup target add ${TARGET}\``,
    );
  }
  say(`installing Debian's Rust wasm toolchain (${DEBIAN_PACKAGES.join(', ')})`);
  const apt = (args, options = {}) =>
    asRoot.length ? run('sudo', ['-n', 'apt-get', ...args], options) : run('apt-get', args, options);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  apt(['update', '-q']);
  apt(['install', '-y', '-q', ...DEBIAN_PACKAGES].map(String), { env });
}

/**
 * Returns how to invoke cargo for a wasm32 release build: the command, extra arguments and the
 * environment. Installs Debian's toolchain when neither option is present.
 */
export function wasmCargo() {
  if (rustupHasTarget()) return { cargo: 'cargo', args: [], env: process.env };
  if (!debianToolchainPresent()) installDebianToolchain();
  return {
    cargo: '/usr/bin/cargo',
    args: ['-Zbuild-std=std,panic_abort'],
    env: { ...process.env, PATH: `/usr/bin:${process.env.PATH}`, RUSTC: '/usr/bin/rustc', RUSTC_BOOTSTRAP: '1' },
  };
}

export { TARGET };
