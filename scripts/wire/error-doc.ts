// Renders docs/errors.md from the error registry (src/protocol/errors.ts): one table per hundred,
// titled by the registry's own group comments ("// 1xx: ..."), which wire.rs repeats in its enum.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ErrorCode, errorDescriptions } from '../../src/protocol/errors.ts';

const REGISTRY_PATH = fileURLToPath(new URL('../../src/protocol/errors.ts', import.meta.url));

/** Group titles from the registry's comments, e.g. `// 2xx: signatures and certificates`. */
export function errorGroupTitles(source = readFileSync(REGISTRY_PATH, 'utf8')): Map<number, string> {
  const titles = new Map<number, string>();
  for (const m of source.matchAll(/^\s*\/\/\s*(\d)xx:\s*(.+?)\s*$/gm)) titles.set(Number(m[1]), m[2] as string);
  return titles;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');
const capital = (s: string) => s.replace(/^./, (c) => c.toUpperCase());

export function renderErrorDoc(registrySource?: string): string {
  const titles = errorGroupTitles(registrySource);
  const entries = (Object.entries(ErrorCode) as [string, number][]).sort((a, b) => a[1] - b[1]);
  const lines = [
    '# smartcheck error codes',
    '',
    'Every protocol outcome that is not a success carries one of these codes (`ProtocolError.code` in',
    'TypeScript, the same numbers in the Rust check verifier, in the card applet and in capture',
    'receipts). A code is never reused or renumbered.',
    '',
    'Generated from `src/protocol/errors.ts` by `npx tsx scripts/gen-wire.ts`, with the Rust and',
    "AssemblyScript constants (`ErrorCode` in `core-rs/checks/src/wire.rs` and the applet's",
    '`core-as/assembly/wire.ts`); do not edit by hand. `test/protocol/wire.test.ts` fails when this file',
    'differs from what the generator writes.',
  ];
  let group = -1;
  for (const [name, code] of entries) {
    const hundred = Math.floor(code / 100);
    if (hundred !== group) {
      group = hundred;
      const title = titles.get(hundred);
      lines.push(
        '',
        `## ${hundred}xx: ${title ? capital(title) : 'other'}`,
        '',
        '| code | name | meaning |',
        '|---:|---|---|',
      );
    }
    lines.push(`| ${code} | \`${name}\` | ${cell(errorDescriptions[code as ErrorCode])} |`);
  }
  return `${lines.join('\n')}\n`;
}
