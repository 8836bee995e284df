#!/usr/bin/env node
// The `smartcheck` command. Installed from the package it runs the compiled CLI (dist/src/cli/),
// with no loader: tsx is a devDependency and is not there. In a checkout, where the sources are,
// it runs them through tsx instead, so that what runs is what was just edited (and what the CLI
// tests check), never a dist/ built before the last change.
import { existsSync } from 'node:fs';

// URLs, not literal specifiers: the type check (tsconfig.js.json) must not need dist/ to exist.
const sources = new URL('../src/cli/index.ts', import.meta.url);
const compiled = new URL('../dist/src/cli/index.js', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import(compiled.href);
}
