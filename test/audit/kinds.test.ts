// The docs follow the code: src/bank/README.md § "Audit findings" lists exactly the kinds of
// FINDING_KINDS, in order, each with its description; test/audit/README.md has one row per tamper.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FINDING_KINDS } from '../../src/bank/audit/index.ts';
import { TAMPERS } from './tampers.ts';

const section = (file: string, heading: string) => {
  const text = readFileSync(new URL(file, import.meta.url), 'utf8');
  const start = text.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
};

describe('audit docs', () => {
  it('src/bank/README.md lists every finding kind with what it proves', () => {
    const rows = [
      ...section('../../src/bank/README.md', '## Audit findings').matchAll(/^\| `([a-z_]+)` \| [^|]+ \| (.+) \|$/gm),
    ].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(Object.entries(FINDING_KINDS));
  });
  it('test/audit/README.md has a row for every tamper, in order', () => {
    const rows = [...section('./README.md', '## Tampers → findings').matchAll(/^\| ([^`|][^|]*?) \| `/gm)].map(
      (m) => m[1],
    );
    expect(rows).toEqual(TAMPERS.map((t) => t.name));
  });
});
