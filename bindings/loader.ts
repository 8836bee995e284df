// The one loader for the core-rs WebAssembly module, in Node, browsers and workers.
//
// The module is compiled once per process (or page) and cached; each thread instantiates it from
// the compiled WebAssembly.Module, which can be posted to workers, so a pool of N workers compiles
// once and instantiates N times.
import * as glue from '../core-rs/pkg/smartcheck_core.js';

export type Core = typeof glue;

const wasmUrl = new URL('../core-rs/pkg/smartcheck_core_bg.wasm', import.meta.url);
let compiled: Promise<WebAssembly.Module> | undefined;
let instance: glue.InitOutput | undefined;

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

async function readWasmBytes(): Promise<BufferSource> {
  if (isNode && wasmUrl.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(wasmUrl);
  }
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`cannot load ${wasmUrl}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** Compiles the core once; later calls return the same module. */
export function compileCore(): Promise<WebAssembly.Module> {
  compiled ??= readWasmBytes().then((bytes) => WebAssembly.compile(bytes));
  return compiled;
}

/**
 * Instantiates the core in this thread (once). Pass the module a parent thread compiled to skip
 * compiling again; omit it to compile here.
 */
export async function initCore(module?: WebAssembly.Module): Promise<void> {
  if (instance) return;
  const wasm = module ?? (await compileCore());
  instance ??= glue.initSync({ module: wasm });
}

/** The instantiated core; throws if {@link initCore} has not completed in this thread. */
export function core(): Core {
  if (!instance) throw new Error('smartcheck core is not initialised: await initCore() first');
  return glue;
}

/** The core's linear memory, for tests that check no secret is left behind in it. */
export function coreMemory(): WebAssembly.Memory {
  if (!instance) throw new Error('smartcheck core is not initialised: await initCore() first');
  return instance.memory;
}
