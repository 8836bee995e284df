// The check verifier's WebAssembly module (core-rs/checks), through the bindings' one loader: it is
// read and compiled on first use only, so importing this file loads nothing.

import { wasmModule } from '../../../bindings/loader.ts';
import * as glue from '../../../core-rs/checks/pkg/smartcheck_checks.js';

export const verifierWasm = wasmModule(
  'check verifier',
  glue,
  new URL('../../../core-rs/checks/pkg/smartcheck_checks_bg.wasm', import.meta.url),
);
