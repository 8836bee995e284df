// Every `ts` block of the README that says what it prints (`// prints: …`) runs as written with tsx,
// and prints exactly that, line by line: the README's API examples cannot drift from the code. They
// import the package by its names (`smartcheck`, `smartcheck/protocol`, …): run from a file inside
// the repository, Node resolves those through package.json's `exports` to the package itself
// (self-reference), that is to the built dist/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readmeExamples } from './support/readme-examples.ts';

const root = new URL('../', import.meta.url);
const examples = readmeExamples(fileURLToPath(new URL(process.env.README_FILE ?? 'README.md', root)));

describe('README examples', () => {
  it('has the POS terminal, protocol and crypto examples, importing the package names', () => {
    expect(examples.some((e) => e.source.includes('new Terminal('))).toBe(true);
    expect(examples.some((e) => e.source.includes('acceptCheck('))).toBe(true);
    expect(examples.some((e) => e.source.includes('hpke.seal('))).toBe(true);
    for (const { source } of examples) {
      expect(source).toMatch(/from 'smartcheck(\/[a-z-]+)*'/);
      expect(source).not.toMatch(/from '\.\.?\//);
    }
  });
  examples.forEach(({ source, expected }, index) => {
    const title = (source.split('\n').find((l) => l.includes('import {')) ?? '').slice(0, 60);
    it(`example ${index + 1} prints what it says (${title})`, () => {
      expect(existsSync(new URL('dist/bindings/index.js', root)), 'no dist/: run `npm run build` first').toBe(true);
      mkdirSync(new URL('.cache/', root), { recursive: true });
      const file = new URL(`.cache/readme-example-${index + 1}.ts`, root);
      writeFileSync(file, source);
      const out = execFileSync(new URL('node_modules/.bin/tsx', root).pathname, [file.pathname], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(out.trim().split('\n')).toEqual(expected);
    }, 150_000);
  });
});
