// The package's version for `smartcheck --version`, read at run time from the package.json that
// ships with the code: the nearest one named "smartcheck" above this file, so it is found both
// from src/cli/ (run under tsx) and from a compiled dist/cli/ (one version, declared once).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageVersion(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'smartcheck' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of smartcheck above ${from}`);
  }
}
