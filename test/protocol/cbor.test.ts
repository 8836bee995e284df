// Our deterministic CBOR codec (src/protocol/cbor.ts) against cborg as the independent
// implementation, RFC 8949 Appendix A known answers, and every way a decoder must refuse.

import { Tagged as CborgTagged, decode as cborgDecode, encode as cborgEncode, rfc8949EncodeOptions } from 'cborg';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CborValue, decode, encode, Tag, Tagged } from '../../src/protocol/cbor.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { digitalCheck, purchaseSlip } from '../../src/protocol/messages.ts';
import { makePki, purchase } from '../support/protocol-pki.ts';
import { hex, toHex } from '../support/vectors.ts';

const MAX = Number.MAX_SAFE_INTEGER;
const NUM_RUNS = 300;

// ------------------------------------------------------------------ helpers

/** Our value → cborg's: our Tagged becomes cborg's Tagged (the only difference in data model). */
function toCborg(v: CborValue): unknown {
  if (v instanceof Tagged) return new CborgTagged(v.tag, toCborg(v.value));
  if (Array.isArray(v)) return v.map(toCborg);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, toCborg(x)]));
  return v;
}

/** Either library's value → one plain shape for deep equality (tags as {tag, value}, bytes copied). */
function plain(v: unknown): unknown {
  if (v instanceof Tagged || v instanceof CborgTagged) return { tag: v.tag, value: plain(v.value) };
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, plain(x)]));
  if (v instanceof Uint8Array) return { bytes: toHex(v) };
  return v;
}

function dropLeadingBom(v: CborValue): CborValue {
  if (typeof v === 'string') return v.startsWith('\uFEFF') ? v.slice(1) : v;
  if (v instanceof Tagged) return new Tagged(v.tag, dropLeadingBom(v.value));
  if (Array.isArray(v)) return v.map(dropLeadingBom);
  if (v instanceof Map)
    return new Map(
      [...v].map(([k, x]) => [typeof k === 'string' ? (dropLeadingBom(k) as string) : k, dropLeadingBom(x)]),
    );
  return v;
}

const CBORG_STRICT = {
  useMaps: true,
  tags: CborgTagged.preserve(Tag.Sign1, Tag.Sign),
  strict: true,
  rejectDuplicateMapKeys: true,
  allowIndefinite: false,
  allowUndefined: false,
} as const;

/** Decoding `input` throws exactly a ProtocolError with `code`. */
function refuses(input: Uint8Array | string, code: ErrorCode) {
  const bytes = typeof input === 'string' ? hex(input) : input;
  let error: unknown;
  try {
    decode(bytes);
  } catch (e) {
    error = e;
  }
  expect(error, `decode(${toHex(bytes)}) should throw`).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).code, `decode(${toHex(bytes)}): ${(error as Error).message}`).toBe(code);
}

// ------------------------------------------------------------------ arbitraries of our data model

const boundaries = [0, 1, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, MAX].flatMap((n) => [
  n,
  Math.max(-n - 1, -MAX),
  -n || 0,
]);
const int = fc.oneof(
  fc.integer({ min: -30, max: 30 }),
  fc.integer({ min: -70_000, max: 70_000 }),
  fc.integer({ min: -MAX, max: MAX }),
  fc.constantFrom(...boundaries),
);
const text = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom('\uFEFF', '\uFEFFx', 'ü', '水', '𐅑'),
);
const bytesArb = fc.oneof(fc.uint8Array({ maxLength: 30 }), fc.uint8Array({ minLength: 250, maxLength: 300 }));
// Keys never start with U+FEFF here, so stripping it on cborg's side cannot merge two keys; the BOM
// as a key is covered by its own test below.
const key = fc.oneof(
  int,
  text.filter((s) => !s.startsWith('\uFEFF')),
);

const { value } = fc.letrec<{
  value: CborValue;
  array: CborValue[];
  map: Map<number | string, CborValue>;
  tagged: Tagged;
}>((tie) => ({
  value: fc.oneof(
    { maxDepth: 6, depthIdentifier: 'cbor' },
    int,
    bytesArb,
    text,
    tie('array'),
    tie('map'),
    tie('tagged'),
  ),
  array: fc.array(tie('value'), { maxLength: 5, depthIdentifier: 'cbor' }),
  map: fc
    .uniqueArray(fc.tuple(key, tie('value')), { selector: ([k]) => k, maxLength: 5, depthIdentifier: 'cbor' })
    .map((entries) => new Map(entries)),
  tagged: fc.tuple(fc.constantFrom(Tag.Sign1, Tag.Sign), tie('value')).map(([tag, v]) => new Tagged(tag, v)),
}));

// ------------------------------------------------------------------ properties against cborg

describe('agreement with cborg (independent implementation)', () => {
  it('our encoding equals cborg encode(value, rfc8949EncodeOptions)', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(toHex(encode(v))).toBe(toHex(cborgEncode(toCborg(v), rfc8949EncodeOptions)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('cborg (strict, useMaps, tags 18/98) decodes our encoding to the same value', () => {
    fc.assert(
      fc.property(value, (v) => {
        // cborg (6.1.5) drops a leading U+FEFF from text, as TextDecoder does by default; ours keeps it.
        expect(plain(cborgDecode(encode(v), CBORG_STRICT))).toEqual(plain(dropLeadingBom(v)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('decode(encode(x)) deep-equals x, and each decoded Tagged keeps its exact bytes', () => {
    const tagsHaveTheirBytes = (v: CborValue): void => {
      if (v instanceof Tagged) {
        expect(toHex(v.bytes as Uint8Array)).toBe(toHex(encode(v)));
        tagsHaveTheirBytes(v.value);
      } else if (Array.isArray(v)) v.forEach(tagsHaveTheirBytes);
      else if (v instanceof Map) [...v.values()].forEach(tagsHaveTheirBytes);
    };
    fc.assert(
      fc.property(value, (v) => {
        const back = decode(encode(v));
        expect(plain(back)).toEqual(plain(v));
        tagsHaveTheirBytes(back);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('encode(decode(b)) === b for every b we produce, and for every b cborg produces', () => {
    fc.assert(
      fc.property(value, (v) => {
        const ours = encode(v);
        expect(toHex(encode(decode(ours)))).toBe(toHex(ours));
        const theirs = cborgEncode(toCborg(v), rfc8949EncodeOptions);
        expect(toHex(encode(decode(theirs)))).toBe(toHex(theirs));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('real messages: a signed check and a slip read the same with cborg', () => {
    const { check, slipBytes } = purchase(makePki());
    for (const bytes of [check, slipBytes]) {
      const ours = decode(bytes);
      expect(plain(cborgDecode(bytes, CBORG_STRICT))).toEqual(plain(ours));
      expect(toHex(cborgEncode(toCborg(ours), rfc8949EncodeOptions))).toBe(toHex(bytes));
    }
  });
});

// ------------------------------------------------------------------ RFC 8949 Appendix A

describe('RFC 8949 Appendix A, the subset smartcheck uses', () => {
  const m = (entries: [number | string, CborValue][]) => new Map(entries);
  const vectors: [string, CborValue, string][] = [
    ['0', 0, '00'],
    ['1', 1, '01'],
    ['10', 10, '0a'],
    ['23', 23, '17'],
    ['24', 24, '1818'],
    ['25', 25, '1819'],
    ['100', 100, '1864'],
    ['1000', 1000, '1903e8'],
    ['1000000', 1_000_000, '1a000f4240'],
    ['1000000000000', 1_000_000_000_000, '1b000000e8d4a51000'],
    ['-1', -1, '20'],
    ['-10', -10, '29'],
    ['-100', -100, '3863'],
    ['-1000', -1000, '3903e7'],
    ["h''", new Uint8Array(0), '40'],
    ["h'01020304'", hex('01020304'), '4401020304'],
    ['""', '', '60'],
    ['"a"', 'a', '6161'],
    ['"IETF"', 'IETF', '6449455446'],
    ['"\\"\\\\"', '"\\', '62225c'],
    ['"\\u00fc"', '\u00fc', '62c3bc'],
    ['"\\u6c34"', '\u6c34', '63e6b0b4'],
    ['"\\ud800\\udd51"', '\ud800\udd51', '64f0908591'],
    ['[]', [], '80'],
    ['[1, 2, 3]', [1, 2, 3], '83010203'],
    ['[1, [2, 3], [4, 5]]', [1, [2, 3], [4, 5]], '8301820203820405'],
    [
      '[1, 2, ..., 25]',
      Array.from({ length: 25 }, (_, i) => i + 1),
      '98190102030405060708090a0b0c0d0e0f101112131415161718181819',
    ],
    ['{}', m([]), 'a0'],
    [
      '{1: 2, 3: 4}',
      m([
        [1, 2],
        [3, 4],
      ]),
      'a201020304',
    ],
    [
      '{"a": 1, "b": [2, 3]}',
      m([
        ['a', 1],
        ['b', [2, 3]],
      ]),
      'a26161016162820203',
    ],
    ['["a", {"b": "c"}]', ['a', m([['b', 'c']])], '826161a161626163'],
    [
      '{"a": "A", ..., "e": "E"}',
      m([
        ['a', 'A'],
        ['b', 'B'],
        ['c', 'C'],
        ['d', 'D'],
        ['e', 'E'],
      ]),
      'a56161614161626142616361436164614461656145',
    ],
  ];
  for (const [name, v, h] of vectors) {
    it(`${name} ↔ ${h}`, () => {
      expect(toHex(encode(v))).toBe(h);
      expect(plain(decode(hex(h)))).toEqual(plain(v));
    });
  }

  // Appendix A items outside the subset: every one is refused as malformed.
  const outside: [string, string][] = [
    ['18446744073709551615', '1bffffffffffffffff'],
    ['18446744073709551616 (bignum)', 'c249010000000000000000'],
    ['-18446744073709551616', '3bffffffffffffffff'],
    ['-18446744073709551617 (bignum)', 'c349010000000000000000'],
    ['0.0', 'f90000'],
    ['-0.0', 'f98000'],
    ['1.0', 'f93c00'],
    ['1.1', 'fb3ff199999999999a'],
    ['1.5', 'f93e00'],
    ['65504.0', 'f97bff'],
    ['100000.0', 'fa47c35000'],
    ['3.4028234663852886e+38', 'fa7f7fffff'],
    ['1.0e+300', 'fb7e37e43c8800759c'],
    ['5.960464477539063e-8', 'f90001'],
    ['0.00006103515625', 'f90400'],
    ['-4.0', 'f9c400'],
    ['-4.1', 'fbc010666666666666'],
    ['Infinity (half)', 'f97c00'],
    ['NaN (half)', 'f97e00'],
    ['-Infinity (half)', 'f9fc00'],
    ['Infinity (single)', 'fa7f800000'],
    ['NaN (single)', 'fa7fc00000'],
    ['Infinity (double)', 'fb7ff0000000000000'],
    ['NaN (double)', 'fb7ff8000000000000'],
    ['false', 'f4'],
    ['true', 'f5'],
    ['null', 'f6'],
    ['undefined', 'f7'],
    ['simple(16)', 'f0'],
    ['simple(255)', 'f8ff'],
    ['0("2013-03-21T20:04:00Z")', 'c074323031332d30332d32315432303a30343a30305a'],
    ['1(1363896240)', 'c11a514b67b0'],
    ['1(1363896240.5)', 'c1fb41d452d9ec200000'],
    ["23(h'01020304')", 'd74401020304'],
    ["24(h'6449455446')", 'd818456449455446'],
    ['32("http://www.example.com")', 'd82076687474703a2f2f7777772e6578616d706c652e636f6d'],
    ["(_ h'0102', h'030405')", '5f42010243030405ff'],
    ['(_ "strea", "ming")', '7f657374726561646d696e67ff'],
    ['[_ ]', '9fff'],
    ['[_ 1, [2, 3], [_ 4, 5]]', '9f018202039f0405ffff'],
    ['[1, [2, 3], [_ 4, 5]]', '83018202039f0405ff'],
    ['{_ "a": 1, "b": [_ 2, 3]}', 'bf61610161629f0203ffff'],
    ['{_ "Fun": true, "Amt": -2}', 'bf6346756ef563416d7421ff'],
  ];
  for (const [name, h] of outside) {
    it(`refuses ${name} (${h}) as malformed`, () => refuses(h, ErrorCode.MalformedCbor));
  }
});

// ------------------------------------------------------------------ refusals

describe('decoding refuses what is not the deterministic encoding of the subset', () => {
  it('non-shortest integers, for each head size and each major type that has an argument', () => {
    // [major type initial byte base, trailing content so the item is otherwise complete]
    const majors: [string, number, (n: number) => string][] = [
      ['unsigned', 0x00, () => ''],
      ['negative', 0x20, () => ''],
      ['byte string length', 0x40, (n) => '00'.repeat(n)],
      ['text string length', 0x60, (n) => '61'.repeat(n)],
      ['array length', 0x80, (n) => '00'.repeat(n)],
      ['map length', 0xa0, (n) => Array.from({ length: n }, (_, i) => `${i.toString(16).padStart(2, '0')}00`).join('')],
    ];
    const heads: [number, number, number][] = [
      // [additional info, argument size in bytes, largest value that has a shorter form]
      [24, 1, 23],
      [25, 2, 0xff],
      [26, 4, 0xffff],
      [27, 8, 0xffffffff],
    ];
    for (const [, base, content] of majors) {
      for (const [info, size, value] of heads) {
        for (const n of [0, 1, value].filter((x) => x <= (base >= 0x40 ? 23 : x))) {
          const arg = n.toString(16).padStart(size * 2, '0');
          refuses(`${(base | info).toString(16)}${arg}${content(n)}`, ErrorCode.NotDeterministic);
        }
      }
    }
    // The smallest value of each size is accepted.
    expect(decode(hex('1818'))).toBe(24);
    expect(decode(hex('190100'))).toBe(256);
    expect(decode(hex('1a00010000'))).toBe(65_536);
    expect(decode(hex('1b0000000100000000'))).toBe(2 ** 32);
    expect(decode(hex('3b0000000100000000'))).toBe(-(2 ** 32) - 1);
    // A non-shortest tag number for a tag we use.
    refuses('d81280', ErrorCode.NotDeterministic);
    refuses('d9001280', ErrorCode.NotDeterministic);
  });

  it('indefinite lengths and reserved additional information', () => {
    for (const h of [
      '5f4100ff',
      '5fff',
      '7f6161ff',
      '7fff',
      '9f00ff',
      '9fff',
      'bf0000ff',
      'bfff',
      'ff',
      '1f',
      '3f',
      'df00',
    ])
      refuses(h, ErrorCode.MalformedCbor);
    for (const base of [0x00, 0x20, 0x40, 0x60, 0x80, 0xa0, 0xc0, 0xe0]) {
      for (const info of [28, 29, 30])
        refuses(`${(base | info).toString(16)}00000000000000000000`, ErrorCode.MalformedCbor);
    }
  });

  it('floats of every width, including zero and other values whose bits look like a short integer', () => {
    for (const h of [
      'f90000',
      'f90001',
      'f900ff',
      'f93c00',
      'fa00000000',
      'fa000000ff',
      'fa3f800000',
      'fb0000000000000000',
      'fb00000000000000ff',
      'fb3ff0000000000000',
    ]) {
      refuses(h, ErrorCode.MalformedCbor);
    }
  });

  it('simple values false, true, null, undefined and the others, in every form', () => {
    for (let i = 0; i < 24; i++) refuses((0xe0 + i).toString(16), ErrorCode.MalformedCbor);
    for (const h of ['f800', 'f814', 'f817', 'f818', 'f820', 'f8ff']) refuses(h, ErrorCode.MalformedCbor);
  });

  it('unsorted keys (including length-first order, which is not RFC 8949 order) and duplicate keys', () => {
    refuses('a203040102', ErrorCode.NotDeterministic); // {3: 4, 1: 2}
    refuses('a2616201616100', ErrorCode.NotDeterministic); // {"b": 1, "a": 0}
    refuses('a2616100010a', ErrorCode.NotDeterministic); // {"a": 0, 1: 10}: ints sort before text
    refuses('a22000181800', ErrorCode.NotDeterministic); // {-1: 0, 24: 0}: RFC 7049 length-first order
    expect(plain(decode(hex('a21818002000')))).toEqual(
      plain(
        new Map([
          [24, 0],
          [-1, 0],
        ]),
      ),
    );
    expect(
      toHex(
        encode(
          new Map([
            [-1, 0],
            [24, 0],
          ]),
        ),
      ),
    ).toBe('a21818002000');
    refuses('a201000101', ErrorCode.NotDeterministic);
    refuses('a2616100616101', ErrorCode.NotDeterministic);
    refuses('a3010002000100', ErrorCode.NotDeterministic); // duplicate after a sorted pair
    refuses('a1ff00', ErrorCode.MalformedCbor); // the break byte is not a key
  });

  it('map keys other than integers and text', () => {
    for (const h of ['a1410000', 'a18000', 'a1a000', 'a1d28000', 'a1f400']) refuses(h, ErrorCode.MalformedCbor);
  });

  it('tags other than 18 and 98', () => {
    for (const tag of [0, 1, 2, 3, 17, 19, 23, 24, 32, 55_799, 97, 99, 61]) {
      const head =
        tag < 24
          ? (0xc0 | tag).toString(16)
          : tag < 256
            ? `d8${tag.toString(16).padStart(2, '0')}`
            : `d9${tag.toString(16).padStart(4, '0')}`;
      refuses(`${head}00`, ErrorCode.MalformedCbor);
    }
    expect(decode(hex('d280'))).toBeInstanceOf(Tagged);
    expect(decode(hex('d86280'))).toBeInstanceOf(Tagged);
  });

  it('trailing bytes', () => {
    refuses('0000', ErrorCode.MalformedCbor);
    refuses('80ff', ErrorCode.MalformedCbor);
    const { check } = purchase(makePki());
    for (const tail of ['00', 'ff', '80', check.subarray(0, 1)]) {
      refuses(new Uint8Array([...check, ...(typeof tail === 'string' ? hex(tail) : tail)]), ErrorCode.MalformedCbor);
    }
    refuses(new Uint8Array([...check, ...check]), ErrorCode.MalformedCbor);
  });

  it('truncation at every byte of several messages', () => {
    const pki = makePki();
    const { check, slipBytes, body } = purchase(pki);
    const messages = [
      check,
      slipBytes,
      digitalCheck.encode(body),
      purchaseSlip.encode(purchase(pki).slip.body),
      pki.purse.certificate,
      encode([1, 'two', hex('03'), new Map([[4, [5]]])]),
    ];
    let cases = 0;
    for (const m of messages) {
      for (let n = 0; n < m.length; n++, cases++) refuses(m.subarray(0, n), ErrorCode.MalformedCbor);
    }
    expect(cases).toBeGreaterThan(1500);
  });

  it('invalid UTF-8 in text strings', () => {
    const bad = [
      'ff',
      '80',
      'c328',
      'c0af',
      'c080',
      'e080af',
      'eda080',
      'edbfbf',
      'f4908080',
      'f880808080',
      'e282',
      'f09f98',
      'fe',
      'c3',
    ];
    for (const b of bad) refuses(`${(0x60 + b.length / 2).toString(16)}${b}`, ErrorCode.MalformedCbor);
  });

  it('a byte order mark is text like any other: kept, and re-encoded to the same bytes', () => {
    for (const h of ['63efbbbf', '65efbbbf6162', '6461efbbbf']) {
      const s = decode(hex(h));
      expect(typeof s).toBe('string');
      expect(toHex(encode(s))).toBe(h);
    }
    expect(decode(hex('65efbbbf6162'))).toBe('\uFEFFab');
    const twoKeys = new Map([
      ['', 1],
      ['\uFEFF', 2],
    ]);
    expect(toHex(encode(twoKeys))).toBe('a2600163efbbbf02');
    expect(plain(decode(encode(twoKeys)))).toEqual(plain(twoKeys));
  });

  it('integers beyond 2^53-1, lengths beyond 2^53-1 and lengths beyond the input', () => {
    refuses('1b0020000000000000', ErrorCode.MalformedCbor); // 2^53
    refuses('1bffffffffffffffff', ErrorCode.MalformedCbor);
    refuses('3b001fffffffffffff', ErrorCode.MalformedCbor); // -(2^53)
    refuses('3b0020000000000000', ErrorCode.MalformedCbor);
    expect(decode(hex('1b001fffffffffffff'))).toBe(MAX);
    expect(decode(hex('3b001ffffffffffffe'))).toBe(-MAX);
    for (const base of ['5b', '7b', '9b', 'bb', 'db']) refuses(`${base}0020000000000000`, ErrorCode.MalformedCbor);
    for (const h of ['5a7fffffff', '7a7fffffff', '9a7fffffff', 'ba7fffffff', '9b001fffffffffffff', '4201', '830102'])
      refuses(h, ErrorCode.MalformedCbor);
  });

  it('nesting deeper than the limit (16), by arrays, maps and tags', () => {
    const nest = (depth: number, open: string) => `${open.repeat(depth)}00`;
    expect(() => decode(hex(nest(16, '81')))).not.toThrow();
    refuses(nest(17, '81'), ErrorCode.MalformedCbor);
    refuses(nest(17, 'a100'), ErrorCode.MalformedCbor);
    refuses(nest(17, 'd2'), ErrorCode.MalformedCbor);
    refuses(nest(1000, '81'), ErrorCode.MalformedCbor);
    refuses('81'.repeat(100_000), ErrorCode.MalformedCbor);
  });

  it('empty input', () => refuses('', ErrorCode.MalformedCbor));

  it('a programmer error (not bytes) is a TypeError, not a protocol outcome', () => {
    for (const x of [null, undefined, 'a0', [0xa0], new ArrayBuffer(1)])
      expect(() => decode(x as never)).toThrow(TypeError);
  });
});

describe('encoding refuses values outside the data model (programmer errors)', () => {
  const cases: [string, unknown][] = [
    ['2^53', 2 ** 53],
    ['-(2^53)', -(2 ** 53)],
    ['1.5', 1.5],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['a bigint', 1n],
    ['null', null],
    ['undefined', undefined],
    ['true', true],
    ['an object', { a: 1 }],
    ['tag 24', new Tagged(24, 0)],
    ['a lone high surrogate', '\uD800'],
    ['a lone low surrogate', 'a\uDC00b'],
    ['a byte-string map key', new Map([[new Uint8Array(1) as never, 0]])],
    ['an array map key', new Map([[[] as never, 0]])],
    ['nesting deeper than 16', JSON.parse('['.repeat(18) + ']'.repeat(18))],
    ['a nested bad value', [1, new Map([[1, 1.5]])]],
  ];
  for (const [name, v] of cases) it(name, () => expect(() => encode(v as CborValue)).toThrow(TypeError));

  it('accepts the deepest value it can also decode', () => {
    const deep = JSON.parse('['.repeat(17) + ']'.repeat(17));
    expect(decode(encode(deep))).toEqual(deep);
  });
});
