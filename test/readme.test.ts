// Every `ts` block of the README that says what it prints (`// prints: …`) runs as written with tsx,
// and prints exactly that, line by line: the README's API examples cannot drift from the code.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const readme = readFileSync(new URL(process.env.README_FILE ?? 'README.md', root), 'utf8');
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
  .map((m) => m[1] as string)
  .filter((b) => b.includes('// prints:'));

describe('README examples', () => {
  it('has the POS terminal, protocol and crypto examples', () => {
    expect(examples.some((b) => b.includes('new Terminal('))).toBe(true);
    expect(examples.some((b) => b.includes('acceptCheck('))).toBe(true);
    expect(examples.some((b) => b.includes('hpke.seal('))).toBe(true);
  });
  examples.forEach((example, index) => {
    const title = (example.split('\n').find((l) => l.includes('import {')) ?? '').slice(0, 60);
    it(`example ${index + 1} prints what it says (${title})`, () => {
      const expected = [...example.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => (m[1] as string).trim());
      mkdirSync(new URL('.cache/', root), { recursive: true });
      const file = new URL(`.cache/readme-example-${index + 1}.ts`, root);
      writeFileSync(file, example.replaceAll("'./src/", "'../src/").replaceAll("'./bindings/", "'../bindings/"));
      const out = execFileSync(new URL('node_modules/.bin/tsx', root).pathname, [file.pathname], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(out.trim().split('\n')).toEqual(expected);
    }, 150_000);
  });
});
