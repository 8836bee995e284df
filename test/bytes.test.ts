// src/bytes.ts against Node's Buffer (an independent implementation) and RFC 4648's vectors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, equalBytes, fromBase64, fromHex, toBase64, toHex, u64, utf8 } from '../src/bytes.ts';

const RFC4648 = [
  ['', ''],
  ['f', 'Zg=='],
  ['fo', 'Zm8='],
  ['foo', 'Zm9v'],
  ['foob', 'Zm9vYg=='],
  ['fooba', 'Zm9vYmE='],
  ['foobar', 'Zm9vYmFy'],
] as const;

describe('src/bytes.ts', () => {
  it.each(RFC4648)('base64 of %j is %j (RFC 4648 §10)', (text, encoded) => {
    expect(toBase64(utf8(text))).toBe(encoded);
    expect(new TextDecoder().decode(fromBase64(encoded))).toBe(text);
  });

  it('hex and base64 round-trip and agree with Buffer (large inputs too)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100_000 }), (bytes) => {
        expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
        expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
        expect(fromHex(toHex(bytes))).toEqual(bytes);
        expect(fromBase64(toBase64(bytes))).toEqual(bytes);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses malformed hex and base64', () => {
    expect(() => fromHex('abc')).toThrow();
    expect(() => fromHex('zz')).toThrow();
    expect(() => fromBase64('%%%')).toThrow();
    expect(() => fromBase64(42 as unknown as string)).toThrow(TypeError);
  });

  it('equalBytes compares length and content', () => {
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('concat puts the parts one after the other', () => {
    expect(concat(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('u64 is big-endian over the whole range and refuses what does not fit', () => {
    expect(u64(0x0102030405060708n)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    expect(u64(2 ** 53 - 1)).toEqual(Uint8Array.from(Buffer.from('001fffffffffffff', 'hex')));
    expect(u64(0xffff_ffff_ffff_ffffn)).toEqual(new Uint8Array(8).fill(0xff));
    expect(() => u64(-1)).toThrow(RangeError);
    expect(() => u64(2n ** 64n)).toThrow(RangeError);
    expect(() => u64(1.5)).toThrow(RangeError);
  });
});
