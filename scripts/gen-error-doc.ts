// Generates docs/errors.md from the error registry (src/protocol/errors.ts): one table per hundred,
// titled by the registry's own group comments ("// 1xx: ..."). test/protocol/error-doc.test.ts
// checks that the committed file is exactly what this writes, so the document cannot go stale.
//
//   npx tsx scripts/gen-error-doc.ts          (writes docs/errors.md)
//   npx tsx scripts/gen-error-doc.ts --check  (exits 1 if docs/errors.md is not up to date)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCode, errorDescriptions } from '../src/protocol/errors.ts';

export const ERROR_DOC_PATH = fileURLToPath(new URL('../docs/errors.md', import.meta.url));
const REGISTRY_PATH = fileURLToPath(new URL('../src/protocol/errors.ts', import.meta.url));

/** Group titles from the registry's comments, e.g. `// 2xx: signatures and certificates`. */
function groupTitles(source: string): Map<number, string> {
  const titles = new Map<number, string>();
  for (const m of source.matchAll(/^\s*\/\/\s*(\d)xx:\s*(.+?)\s*$/gm))
    titles.set(
      Number(m[1]),
      (m[2] as string).replace(/^./, (c) => c.toUpperCase()),
    );
  return titles;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function renderErrorDoc(registrySource = readFileSync(REGISTRY_PATH, 'utf8')): string {
  const titles = groupTitles(registrySource);
  const entries = (Object.entries(ErrorCode) as [string, number][]).sort((a, b) => a[1] - b[1]);
  const lines = [
    '# smartcheck error codes',
    '',
    'Every protocol outcome that is not a success carries one of these codes (`ProtocolError.code` in',
    'TypeScript, the same numbers in the Rust check verifier and in capture receipts). A code is never',
    'reused or renumbered.',
    '',
    'Generated from `src/protocol/errors.ts` by `npx tsx scripts/gen-error-doc.ts`; do not edit by hand.',
    '`test/protocol/error-doc.test.ts` fails when this file differs from what the generator writes.',
  ];
  let group = -1;
  for (const [name, code] of entries) {
    const hundred = Math.floor(code / 100);
    if (hundred !== group) {
      group = hundred;
      lines.push(
        '',
        `## ${hundred}xx: ${titles.get(hundred) ?? 'other'}`,
        '',
        '| code | name | meaning |',
        '|---:|---|---|',
      );
    }
    lines.push(`| ${code} | \`${name}\` | ${cell(errorDescriptions[code as ErrorCode])} |`);
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const doc = renderErrorDoc();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(ERROR_DOC_PATH, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== doc) {
      console.error('docs/errors.md is stale: run `npx tsx scripts/gen-error-doc.ts`');
      process.exit(1);
    }
  } else {
    mkdirSync(dirname(ERROR_DOC_PATH), { recursive: true });
    writeFileSync(ERROR_DOC_PATH, doc);
    console.log(`wrote ${ERROR_DOC_PATH}`);
  }
}
