// The one loader for the project's WebAssembly modules (wasm-bindgen `--target web` glue), in Node,
// browsers and workers: the primitives (bindings/core.ts) and the check verifier
// (src/protocol/verifier/loader.ts) are each one `wasmModule(…)`.
//
// A module is compiled once per process (or page) and cached; each thread instantiates it from
// the compiled WebAssembly.Module, which can be posted to workers, so a pool of N workers compiles
// once and instantiates N times. Nothing is read or compiled before the first compile() or init().

/** What this loader needs of wasm-bindgen's glue for one module. */
export interface WasmGlue {
  initSync(input: { module: WebAssembly.Module }): { memory: WebAssembly.Memory };
}

/** One WebAssembly module: compiled once, instantiated at most once per thread. */
export interface WasmModule<Glue extends WasmGlue> {
  /** Compiles the module once; later calls return the same module. */
  compile(): Promise<WebAssembly.Module>;
  /**
   * Instantiates the module in this thread (once). Pass the module a parent thread compiled to
   * skip compiling again; omit it to compile here.
   */
  init(module?: WebAssembly.Module): Promise<void>;
  /** The instantiated glue; throws if {@link init} has not completed in this thread. */
  exports(): Glue;
  /** The module's linear memory, for tests that check no secret is left behind in it. */
  memory(): WebAssembly.Memory;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * `name` says which module in errors; `wasmUrl` is written by the caller as
 * `new URL('…_bg.wasm', import.meta.url)`, so that bundlers copy the file as an asset.
 */
export function wasmModule<Glue extends WasmGlue>(name: string, glue: Glue, wasmUrl: URL): WasmModule<Glue> {
  let compiled: Promise<WebAssembly.Module> | undefined;
  let instance: { memory: WebAssembly.Memory } | undefined;

  const readBytes = async (): Promise<BufferSource> => {
    // The one place that reads a file: Node loads the module from disk, everything else fetches it.
    if (isNode && wasmUrl.protocol === 'file:') {
      const { readFile } = await import('node:fs/promises');
      return readFile(wasmUrl);
    }
    const response = await fetch(wasmUrl);
    if (!response.ok) throw new Error(`cannot load ${wasmUrl}: HTTP ${response.status}`);
    return response.arrayBuffer();
  };
  const ready = (): { memory: WebAssembly.Memory } => {
    if (!instance) throw new Error(`the ${name} is not initialised: await its init() first`);
    return instance;
  };

  const self: WasmModule<Glue> = {
    compile() {
      compiled ??= readBytes().then((bytes) => WebAssembly.compile(bytes));
      return compiled;
    },
    async init(module) {
      if (instance) return;
      const wasm = module ?? (await self.compile());
      instance ??= glue.initSync({ module: wasm });
    },
    exports() {
      ready();
      return glue;
    },
    memory: () => ready().memory,
  };
  return self;
}
