// The finding kinds are documented: src/bank/README.md § "Audit findings" lists exactly the kinds
// of FINDING_KINDS, in the same order, each with its description.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FINDING_KINDS } from '../../src/bank/audit/index.ts';

describe('finding kinds', () => {
  it('src/bank/README.md lists every kind with what it proves', () => {
    const readme = readFileSync(new URL('../../src/bank/README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Audit findings'), readme.indexOf('\n## ', readme.indexOf('## Audit findings') + 1));
    const rows = [...section.matchAll(/^\| `([a-z_]+)` \| [^|]+ \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(Object.entries(FINDING_KINDS));
  });
});
