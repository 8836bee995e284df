// Renders the wire format's groups (model.ts) as Rust: constants in one module per group, the error
// codes as an enum. The text is what rustfmt writes (no formatting pass is needed) and every item
// is documented, for the crate's `missing_docs = "deny"`.
import type { Constant, Group } from './model.ts';

const WIDTH = 100;

/** `kxKey` → `KX_KEY`, `ValueToken` → `VALUE_TOKEN`, `algEdDSA` → `ALG_EDDSA`, `FORMAT_VERSION` unchanged. */
export const screaming = (name: string): string =>
  name
    .replace(/EdDSA/g, 'Eddsa') // one word
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
const snake = (name: string) => screaming(name).toLowerCase();

/** A doc comment wrapped at WIDTH columns, first letter upper-case, ending with a full stop. */
function doc(text: string, indent: string): string[] {
  const sentence = text.replace(/^./, (c) => c.toUpperCase()).replace(/([^.])$/, '$1.');
  const lines: string[] = [];
  let line = '';
  for (const word of sentence.split(' ')) {
    if (line && `${indent}/// ${line} ${word}`.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l) => `${indent}/// ${l}`);
}

/**
 * `head [items];` as rustfmt lays it out: on one line if it fits, else one item per line, or, when
 * every item is short (at most 10 characters), as many per line as fit.
 */
function array(head: string, items: string[], indent: string): string[] {
  const oneLine = `${indent}${head}[${items.join(', ')}];`;
  if (oneLine.length <= WIDTH) return [oneLine];
  const inner = `${indent}    `;
  const rows: string[] = [];
  if (items.every((item) => item.length <= 10)) {
    let row = '';
    for (const item of items) {
      const next = row ? `${row} ${item},` : `${item},`;
      if (row && inner.length + next.length > WIDTH) {
        rows.push(row);
        row = `${item},`;
      } else row = next;
    }
    rows.push(row);
  } else rows.push(...items.map((item) => `${item},`));
  return [`${indent}${head}[`, ...rows.map((r) => `${inner}${r}`), `${indent}];`];
}

const hexByte = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

function constant(c: Constant, type: string, indent: string): string[] {
  const name = screaming(c.name);
  if (c.value instanceof Uint8Array)
    return [
      ...doc(c.doc, indent),
      ...array(`pub const ${name}: [u8; ${c.value.length}] = `, [...c.value].map(hexByte), indent),
    ];
  return [...doc(c.doc, indent), `${indent}pub const ${name}: ${type} = ${c.value};`];
}

function errorEnum(group: Group, titles: ReadonlyMap<number, string>): string[] {
  const lines = [
    ...doc(group.doc, ''),
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    '#[repr(u16)]',
    `pub enum ${group.name} {`,
  ];
  let hundred = -1;
  for (const c of group.constants) {
    const h = Math.floor((c.value as number) / 100);
    if (h !== hundred && titles.has(h)) lines.push(`    // ${h}xx: ${titles.get(h)}`);
    hundred = h;
    lines.push(...doc(c.doc, '    '), `    ${c.name} = ${c.value},`);
  }
  return [
    ...lines,
    '}',
    '',
    `impl ${group.name} {`,
    '    /// Every code, in the order of the registry.',
    ...array(
      `pub const ALL: [${group.name}; ${group.constants.length}] = `,
      group.constants.map((c) => `${group.name}::${c.name}`),
      '    ',
    ),
    '',
    '    /// The stable number.',
    '    pub fn code(self) -> u16 {',
    '        self as u16',
    '    }',
    '}',
  ];
}

function module(group: Group): string[] {
  const type = group.rust as string;
  const body = group.constants.flatMap((c) => constant(c, c.rust ?? type, '    '));
  if (group.all) {
    const names = group.constants.map((c) => screaming(c.name));
    body.push(
      '    /// Every value, in this order.',
      ...array(`pub const ALL: [${type}; ${names.length}] = `, names, '    '),
    );
  }
  return [...doc(group.doc, ''), `pub mod ${snake(group.name)} {`, ...body, '}'];
}

/** wire.rs: `titles` are the error groups' titles by hundred (from the registry's comments). */
export function renderRust(groups: Group[], titles: ReadonlyMap<number, string>, header: string[]): string {
  const blocks: string[][] = [];
  for (const group of groups) {
    if (group.rust === 'enum') blocks.push(errorEnum(group, titles));
    else if (group.name === '')
      blocks.push(...group.constants.filter((c) => c.rust).map((c) => constant(c, c.rust as string, '')));
    else if (group.rust) blocks.push(module(group));
  }
  return `${[header.map((l) => `//! ${l}`.trimEnd()), ...blocks].map((b) => b.join('\n')).join('\n\n')}\n`;
}
