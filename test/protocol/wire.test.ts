// The generated wire constants (scripts/gen-wire.ts): each generated file is exactly what the
// generator writes from the registry now, and the registry holds what the generated code relies on.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASSEMBLYSCRIPT_PATH, ERROR_DOC_PATH, RUST_PATH, renderWire } from '../../scripts/gen-wire.ts';
import { wireGroups } from '../../scripts/wire/model.ts';
import { screaming } from '../../scripts/wire/rust.ts';
import * as messages from '../../src/protocol/messages.ts';
import {
  LOG_RECORD_SIZE,
  LogRecordField,
  STATUS_SIZE,
  StatusField,
  VALUE_BLOCK_SIZE,
  ValueBlock,
} from '../../src/protocol/purse-apdu.ts';
import { ID_MAX_LENGTH } from '../../src/protocol/registry.ts';

describe('generated wire files', () => {
  const files = renderWire();

  it('are wire.rs, the applet wire.ts and docs/errors.md', () => {
    expect([...files.keys()]).toEqual([RUST_PATH, ASSEMBLYSCRIPT_PATH, ERROR_DOC_PATH]);
  });

  for (const [path, text] of files) {
    it(`${relative(process.cwd(), path)} is what the generator writes now (else run \`npx tsx scripts/gen-wire.ts\`)`, () => {
      expect(readFileSync(path, 'utf8')).toBe(text);
    });
  }

  it('name every constant once per namespace, in both languages', () => {
    for (const group of wireGroups()) {
      const names = group.constants.map((c) => c.name);
      expect(new Set(names).size, group.name).toBe(names.length);
      expect(new Set(names.map(screaming)).size, group.name).toBe(names.length);
    }
  });

  it('are declared generated and not to be edited, at the top', () => {
    for (const [path, text] of files) {
      const top = text.split('\n', 12).map((line) => line.replace(/^\/\/!? ?/, ''));
      expect(top.join(' '), path).toMatch(/Generated .*`npx tsx scripts\/gen-wire\.ts`.*do not edit/);
    }
  });
});

describe('the registry holds what the parsers rely on', () => {
  it("every message's keys are 2, 3, … in order: the card reads bodies key by key (0 type, 1 version)", () => {
    for (const codec of Object.values(messages)) {
      const keys = Object.values(codec.keys);
      expect(keys, codec.name).toEqual(keys.map((_, i) => i + 2));
    }
  });

  it('the card records: fields in order, inside their record, the id wide enough for any identifier', () => {
    const inside = (fields: Record<string, number>, size: number) => {
      const offsets = Object.values(fields);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(Math.max(...offsets)).toBeLessThan(size);
    };
    inside(ValueBlock, VALUE_BLOCK_SIZE);
    inside(StatusField, STATUS_SIZE);
    inside(LogRecordField, LOG_RECORD_SIZE);
    expect(StatusField.refundedTotal).toBe(StatusField.valueBlock + VALUE_BLOCK_SIZE);
    expect(LogRecordField.currency - LogRecordField.id).toBe(ID_MAX_LENGTH);
    expect(LOG_RECORD_SIZE - LogRecordField.currency).toBeGreaterThanOrEqual(3);
  });
});
