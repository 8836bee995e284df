// The import graph of the repository and the layer rules it must obey (issue 11, README
// "Architecture"). Imports are read with TypeScript's own pre-processor, so `import type`,
// re-exports and dynamic `import()` all count; relative specifiers are resolved to repository paths.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';

export interface Edge {
  /** Importing file, relative to the repository root with `/` separators. */
  from: string;
  /** A repository path for a relative import, the bare specifier otherwise (`pg`, `node:fs`). */
  to: string;
}

export interface LayerRule {
  name: string;
  /** Files this rule is about (a path prefix). */
  from: string;
  /** Forbidden targets: repository path prefixes (`src/bank/`) or package names (`pg`, `node:fs`). */
  forbid: readonly string[];
}

const SOURCE = /\.(ts|mts|mjs|js)$/;

function walk(root: string, dir: string, out: string[]): string[] {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(root, path, out);
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every import edge of the source files under `dirs` (repository-relative folders). */
export function importGraph(root: string, dirs: readonly string[]): Edge[] {
  const edges: Edge[] = [];
  for (const file of dirs.flatMap((d) => walk(root, d, []))) {
    const info = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      const to = fileName.startsWith('.')
        ? relative(root, normalize(join(root, dirname(file), fileName)))
            .split('\\')
            .join('/')
        : fileName;
      edges.push({ from: file, to });
    }
  }
  return edges;
}

/** A bare specifier's package (`@scope/name/sub` → `@scope/name`, `pg/lib` → `pg`). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

function matches(target: string, forbidden: string): boolean {
  if (forbidden.endsWith('/')) return target.startsWith(forbidden);
  return packageOf(target) === forbidden;
}

/** The edges that break a rule, each with the rule's name. */
export function violations(edges: readonly Edge[], rules: readonly LayerRule[]): string[] {
  const found: string[] = [];
  for (const rule of rules) {
    for (const edge of edges) {
      if (!edge.from.startsWith(rule.from)) continue;
      const hit = rule.forbid.find((f) => matches(edge.to, f));
      if (hit) found.push(`${rule.name}: ${edge.from} imports ${edge.to}`);
    }
  }
  return found;
}

const ROLES = [
  'src/bank/',
  'src/card/',
  'src/merchant/',
  'src/wallet/',
  'src/shop/',
  'src/cli/',
  'src/web/',
  'src/demo/',
];
/** Packages and Node modules that do I/O: files, sockets, processes, databases, servers. */
const IO = [
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
  'node:worker_threads',
  'node:dgram',
  'pg',
  '@electric-sql/pglite',
  'fastify',
  '@fastify/cors',
  '@fastify/static',
];
const LEDGER = ['src/bank/', 'pg', '@electric-sql/pglite'];

export const LAYER_RULES: readonly LayerRule[] = [
  {
    name: 'the protocol layer imports no role and no I/O',
    from: 'src/protocol/',
    forbid: [...ROLES, 'src/net/', ...IO],
  },
  { name: 'bindings import nothing from src', from: 'bindings/', forbid: ['src/'] },
  {
    name: 'the bank imports no card, merchant or wallet',
    from: 'src/bank/',
    forbid: ['src/card/', 'src/merchant/', 'src/wallet/'],
  },
  { name: 'the merchant reaches the bank only through src/net', from: 'src/merchant/', forbid: ['src/bank/'] },
  { name: 'the card knows no ledger', from: 'src/card/', forbid: LEDGER },
  // Its coprocessor is the primitives' module (bindings/); the check verifier is the bank's.
  { name: 'the card loads no check verifier', from: 'src/card/', forbid: ['src/protocol/verifier/'] },
];
