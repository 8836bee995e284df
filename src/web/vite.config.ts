// Vite config for the browser wallet. The page imports the bindings and the card straight from the
// repository (../../bindings, ../card), so the build root is this folder and the file system may be
// read from the repository root. The two cores are fetched at run time through
// `new URL('…wasm', import.meta.url)` in bindings/loader.ts and src/card/applet.ts, which Vite
// turns into hashed asset files. Top-level await (bindings/index.ts) needs es2022 or later, in the
// page and in the module workers.
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * The bindings and the card import `node:` modules only on their Node paths (reading the .wasm
 * from disk, worker_threads), behind a runtime check. In the page such an import must never run:
 * it resolves to a module that throws, instead of Vite's generic stub and its warnings.
 */
function nodeBuiltinsThrow(): Plugin {
  const prefix = '\0browser-has-no:';
  return {
    name: 'smartcheck-node-builtins-throw',
    enforce: 'pre',
    resolveId: (id) => (id.startsWith('node:') ? prefix + id : null),
    load: (id) =>
      id.startsWith(prefix)
        ? `throw new Error(${JSON.stringify(`${id.slice(prefix.length)} is not available in a browser`)});`
        : null,
  };
}

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  plugins: [nodeBuiltinsThrow()],
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The cores are assets of their own: never inline them as data: URLs.
    assetsInlineLimit: 0,
    sourcemap: true,
    reportCompressedSize: false,
  },
  worker: { format: 'es', plugins: () => [nodeBuiltinsThrow()] },
  server: { fs: { allow: [repo] } },
});
