// The primitives' WebAssembly module (core-rs/primitives: Ed25519, SHA-2, HKDF, X25519, HPKE), through
// the one loader. Nothing here knows payments: the check verifier is a module of its own
// (src/protocol/verifier/), never loaded by what imports only the bindings.
import * as glue from '../core-rs/primitives/pkg/smartcheck_core.js';
import { wasmModule } from './loader.ts';

export type Core = typeof glue;

const primitives = wasmModule(
  'smartcheck core',
  glue,
  new URL('../core-rs/primitives/pkg/smartcheck_core_bg.wasm', import.meta.url),
);

/** Compiles the core once; later calls return the same module. */
export const compileCore = (): Promise<WebAssembly.Module> => primitives.compile();

/**
 * Instantiates the core in this thread (once). Pass the module a parent thread compiled to skip
 * compiling again; omit it to compile here.
 */
export const initCore = (module?: WebAssembly.Module): Promise<void> => primitives.init(module);

/** The instantiated core; throws if {@link initCore} has not completed in this thread. */
export const core = (): Core => primitives.exports();

/** The core's linear memory, for tests that check no secret is left behind in it. */
export const coreMemory = (): WebAssembly.Memory => primitives.memory();
