#!/usr/bin/env node
// Brings a fresh clone to a runnable state, and does nothing when it already is: npm packages, the
// Rust wasm toolchain, wasm-bindgen-cli at the locked version, the cores, the browser wallet, the
// package's dist/, PC/SC (pcscd, vpcd, opensc, the optional binding) and the other system packages
// tests drive (Chromium, SoftHSM2). `npm test`,
// `npm run demo` and `npm run bench` call it first.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCoreAs } from './build-core-as.mjs';
import { buildCoreRs, CORE_RS_CRATES, stampFile } from './build-core-rs.mjs';
import { buildDist } from './build-dist.mjs';
import { buildWeb, ensureChromium } from './build-web.mjs';
import { ensurePcscBinding, ensurePcscPackages } from './lib/pcsc.mjs';
import { ensurePythonTools } from './lib/python-tools.mjs';
import { hashInputs, run, say } from './lib/run.mjs';
import { ensureSoftHsm } from './lib/softhsm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force-build');

function ensureNpmPackages() {
  const stampFile = join(root, 'node_modules', '.smartcheck-lock-sha256');
  const stamp = hashInputs([join(root, 'package-lock.json')]);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  say('installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root });
  writeFileSync(stampFile, stamp);
}

try {
  ensurePcscPackages(); // before npm: the optional PC/SC binding compiles against libpcsclite-dev
  ensureNpmPackages();
  ensurePcscBinding(root);
  if (force) for (const crate of CORE_RS_CRATES) rmSync(stampFile(root, crate), { force: true });
  buildCoreRs(root, { force });
  buildCoreAs(root, { force });
  buildWeb(root, { force });
  buildDist(root, { force });
  ensureChromium();
  ensurePythonTools(root);
  ensureSoftHsm();
} catch (error) {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
