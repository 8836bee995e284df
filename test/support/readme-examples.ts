// The README's runnable examples: every `ts` block that says what it prints (`// prints: …`), with
// the lines it must print. Read by test/readme.test.ts (against dist/ by the package's own name)
// and test/package/pack.test.ts (against the installed tarball), so both run the same blocks.
import { readFileSync } from 'node:fs';

export interface ReadmeExample {
  source: string;
  expected: string[];
}

export function readmeExamples(readmePath: string): ReadmeExample[] {
  const readme = readFileSync(readmePath, 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1] as string)
    .filter((block) => block.includes('// prints:'))
    .map((source) => ({
      source,
      expected: [...source.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => (m[1] as string).trim()),
    }));
}
