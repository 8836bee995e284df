// The README's protocol example runs as written and prints what the README says it does.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);

describe('README', () => {
  it('the offline POS example runs and accepts the check', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    const example = blocks.find((b) => b.includes('acceptCheck('));
    expect(example, 'README has the POS example').toBeDefined();
    mkdirSync(new URL('.cache/', root), { recursive: true });
    const file = new URL('.cache/readme-pos-example.ts', root);
    writeFileSync(file, (example as string).replaceAll("'./src/", "'../src/").replaceAll("'./bindings/", "'../bindings/"));
    const out = execFileSync(new URL('node_modules/.bin/tsx', root).pathname, [file.pathname], { encoding: 'utf8' });
    expect(out.trim()).toBe('accept');
  });
});
