// Which entry points a browser bundle can take: from each entry's compiled module in dist/ (the
// `default` target in package.json's `exports`), follow its relative imports and list every `node:`
// module and Node-only package (the HTTP server, the databases' drivers) reached. A browser-safe entry may reach one only through a dynamic `import()` that runs in
// Node alone (the cores' and the applet's .wasm read from disk, the pool's worker_threads): those
// few are listed below, so a new one, or any static `import … from 'node:…'`, fails here.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BROWSER_SAFE = ['.', './pool', './protocol', './card', './wallet', './merchant', './net'];
const NODE_ONLY = ['./shop', './bank', './card/file-store', './merchant/file-store'];
/** Dependencies that run only in Node: fastify and its plugins, the PostgreSQL and PGlite drivers. */
const NODE_PACKAGES = ['fastify', '@fastify/static', '@fastify/cors', 'pg', '@electric-sql/pglite'];
const nodeOnly = (specifier: string) =>
  specifier.startsWith('node:') || NODE_PACKAGES.some((p) => specifier === p || specifier.startsWith(`${p}/`));
/** The dynamic `import('node:…')`s a browser-safe entry may reach: each behind a "running in Node?" test. */
const NODE_FALLBACKS = [
  'dist/bindings/loader.js → node:fs/promises',
  'dist/bindings/pool/spawn.js → node:worker_threads',
  'dist/src/card/applet.js → node:fs/promises',
];

// tsc writes each top-level statement from column 0: `import … from '…'`, `export … from '…'`, `import '…'`.
const STATIC = /^(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

interface NodeEdge {
  edge: string;
  dynamic: boolean;
}

/** Every `node:` module or Node-only package the module at `entry` (a path in the repository) reaches, and how. */
function nodeModulesReached(entry: string): NodeEdge[] {
  const found: NodeEdge[] = [];
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(join(root, file), 'utf8');
    for (const [pattern, dynamic] of [
      [STATIC, false],
      [DYNAMIC, true],
    ] as const) {
      for (const match of source.matchAll(pattern)) {
        const specifier = match[1] ?? match[2];
        if (specifier === undefined) continue;
        if (nodeOnly(specifier)) found.push({ edge: `${file} → ${specifier}`, dynamic });
        else if (specifier.startsWith('.'))
          queue.push(relative(root, normalize(join(root, dirname(file), specifier))).replaceAll('\\', '/'));
      }
    }
  }
  return found;
}

const exportsMap = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports as Record<
  string,
  { default: string } | string
>;
function entryFile(subpath: string): string {
  const target = exportsMap[subpath];
  if (typeof target !== 'object') throw new Error(`no conditional export ${subpath}`);
  return target.default.replace(/^\.\//, '');
}

describe('browser-safe entry points (dist/)', () => {
  it('dist/ is built', () => {
    expect(existsSync(join(root, 'dist', 'bindings', 'index.js')), 'run `npm run build` first').toBe(true);
  });

  it('every public entry is classified', () => {
    const entries = Object.keys(exportsMap).filter((k) => k !== './package.json');
    expect([...entries].sort()).toEqual([...BROWSER_SAFE, ...NODE_ONLY].sort());
  });

  for (const subpath of BROWSER_SAFE) {
    it(`${subpath} reaches nothing Node-only but the guarded fallbacks`, () => {
      const reached = nodeModulesReached(entryFile(subpath));
      expect(reached.filter((r) => !r.dynamic).map((r) => r.edge)).toEqual([]);
      for (const { edge } of reached) expect(NODE_FALLBACKS).toContain(edge);
    });
  }

  for (const subpath of NODE_ONLY) {
    it(`${subpath} is Node-only: it imports node: modules or Node-only packages`, () => {
      expect(nodeModulesReached(entryFile(subpath)).some((r) => !r.dynamic)).toBe(true);
    });
  }
});
