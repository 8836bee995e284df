// `smartcheck --version` prints the version of the package.json beside the code, and the
// function behind it finds that file from a compiled dist/cli/ as from src/cli/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../src/cli/version.ts';
import { run } from './support.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('smartcheck --version', () => {
  it("prints package.json's version and exits 0 (-V too)", async () => {
    const [long, short] = await Promise.all([run(['--version'], tmpdir()), run(['-V'], tmpdir())]);
    expect(long).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    expect(short).toEqual(long);
  });

  it('walks up to the nearest package.json named smartcheck (a dependency’s own package.json is skipped)', () => {
    const root = mkdtempSync(join(tmpdir(), 'smartcheck-version-'));
    try {
      mkdirSync(join(root, 'dist/cli'), { recursive: true });
      writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'smartcheck', version: '9.8.7' }));
      writeFileSync(join(root, 'dist/package.json'), JSON.stringify({ type: 'module' }));
      expect(packageVersion(join(root, 'dist/cli/version.js'))).toBe('9.8.7');
      writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'other', version: '1.0.0' }));
      expect(() => packageVersion(join(root, 'dist/cli/version.js'))).toThrow(/no package\.json of smartcheck/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
