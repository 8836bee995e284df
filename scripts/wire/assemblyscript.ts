// Renders the wire format's groups (model.ts) as AssemblyScript for the card applet: one namespace
// of typed constants per group (asc inlines them), byte patterns as static arrays with their
// lengths, the names as in TypeScript so that one grep finds both. Arrays are @lazy: asc puts only
// the ones the applet uses in its static data.
import type { Constant, Group } from './model.ts';

function number(value: number, hex: boolean): string {
  if (!hex) return String(value);
  return `0x${value.toString(16).padStart(value > 0xff ? 4 : 2, '0')}`;
}

function constant(c: Constant, type: string, hex: boolean, indent: string): string[] {
  if (c.value instanceof Uint8Array) {
    const bytes = [...c.value].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ');
    return [
      ...(c.doc ? [`${indent}/** ${c.doc} */`] : []),
      `${indent}@lazy export const ${c.name}: StaticArray<u8> = [${bytes}];`,
      `${indent}export const ${c.name}_LENGTH: usize = ${c.value.length};`,
    ];
  }
  const line = `${indent}export const ${c.name}: ${type} = ${number(c.value, hex)};`;
  return [c.doc ? `${line} // ${c.doc}` : line];
}

function namespace(group: Group): string[] {
  const type = group.as as string;
  const body = group.constants.flatMap((c) => constant(c, c.as ?? type, group.hex ?? false, '  '));
  if (group.all) {
    // qualified: a bare `sub` would be asc's builtin
    const names = group.constants.map((c) => `${group.name}.${c.name}`).join(', ');
    body.push(
      `  @lazy export const all: StaticArray<${type}> = [${names}]; // every value, in this order`,
      `  export const allLength: i32 = ${group.constants.length};`,
    );
  }
  return [`/** ${group.doc} */`, `export namespace ${group.name} {`, ...body, '}'];
}

/** wire.ts for core-as/assembly/. */
export function renderAssemblyScript(groups: Group[], header: string[]): string {
  const blocks: string[][] = [];
  for (const group of groups) {
    if (group.name === '') {
      const constants = group.constants.filter((c) => c.as);
      if (constants.length) blocks.push(constants.flatMap((c) => constant(c, c.as as string, false, '')));
    } else if (group.as) blocks.push(namespace(group));
  }
  return `${[header.map((l) => `// ${l}`.trimEnd()), ...blocks].map((b) => b.join('\n')).join('\n\n')}\n`;
}
