// Generates, from the protocol registry (src/protocol/: WIRE.md § Constants says which file declares
// what), every file that repeats the wire format's constants in another language or for people:
// the Rust check verifier's constants, the card applet's, docs/errors.md and docs/apdu.md (the
// applet's APDU specification, from its command table src/protocol/apdu-commands.ts). The parsers stay per
// language; their constants come from here, so none is typed by hand twice.
// test/protocol/wire.test.ts and `npm run check` fail while a generated file is stale.
//
//   npx tsx scripts/gen-wire.ts          (writes the files)
//   npx tsx scripts/gen-wire.ts --check  (exits 1, naming them, if any is not up to date)
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderApduDoc } from './wire/apdu-doc.ts';
import { renderAssemblyScript } from './wire/assemblyscript.ts';
import { errorGroupTitles, renderErrorDoc } from './wire/error-doc.ts';
import { wireGroups } from './wire/model.ts';
import { renderRust } from './wire/rust.ts';

const at = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
export const RUST_PATH = at('core-rs/checks/src/wire.rs');
export const ASSEMBLYSCRIPT_PATH = at('core-as/assembly/wire.ts');
export const ERROR_DOC_PATH = at('docs/errors.md');
export const APDU_DOC_PATH = at('docs/apdu.md');
const ROOT = at('');

const HEADER = [
  "The wire format's constants. Generated from the protocol registry (src/protocol/) by",
  '`npx tsx scripts/gen-wire.ts`: do not edit. To add or change a constant, edit the registry and',
  'run the generator (src/protocol/WIRE.md § Constants); test/protocol/wire.test.ts fails while',
  'this file is stale.',
];

/** Each generated file's path and the text the registry gives it now. */
export function renderWire(): Map<string, string> {
  const groups = wireGroups();
  return new Map([
    [RUST_PATH, renderRust(groups, errorGroupTitles(), HEADER)],
    [ASSEMBLYSCRIPT_PATH, renderAssemblyScript(groups, HEADER)],
    [ERROR_DOC_PATH, renderErrorDoc()],
    [APDU_DOC_PATH, renderApduDoc()],
  ]);
}

const current = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // missing: stale
  }
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = renderWire();
  if (process.argv.includes('--check')) {
    const stale = [...files].filter(([path, text]) => current(path) !== text).map(([path]) => relative(ROOT, path));
    if (stale.length) {
      console.error(`stale: ${stale.join(', ')}: run \`npx tsx scripts/gen-wire.ts\``);
      process.exit(1);
    }
  } else {
    for (const [path, text] of files) {
      writeFileSync(path, text);
      console.log(`wrote ${relative(ROOT, path)}`);
    }
  }
}
