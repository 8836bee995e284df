// Finds (or installs) a Rust toolchain that can build wasm32-unknown-unknown, as TOOLCHAIN.md
// describes: a rustup with the wasm32 target builds normally; otherwise Debian's Rust (rustc-web,
// cargo-web, rust-web-src, lld) builds std itself with -Zbuild-std.
import { existsSync } from 'node:fs';
import { aptInstall } from './apt.mjs';
import { capture } from './run.mjs';

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
  aptInstall(DEBIAN_PACKAGES, {
    why: `no wasm32 Rust toolchain (or \`rustup target add ${TARGET}\`)`,
  });
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
