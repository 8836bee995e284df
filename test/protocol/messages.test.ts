// Every message codec of src/protocol/messages.ts against the field tables of WIRE.md, written out
// again here as the independent description: round trips on generated values, then every missing,
// extra, ill-typed and ill-sized field, wrong type and wrong version, each with its typed code.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CborValue, decode, encode, Tagged } from '../../src/protocol/cbor.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import type { MessageCodec } from '../../src/protocol/message.ts';
import * as messages from '../../src/protocol/messages.ts';
import { MessageType } from '../../src/protocol/registry.ts';
import { toHex } from '../support/vectors.ts';

const MAX = Number.MAX_SAFE_INTEGER;
const NUM_RUNS = 60;
const b = (n: number, fill = 0xab) => new Uint8Array(n).fill(fill);

// ------------------------------------------------------------------ field kinds, as WIRE.md says

interface Kind {
  arb: fc.Arbitrary<unknown>;
  /** Values of the wrong type, size or range: each must be refused with BadField (106). */
  bad: [string, CborValue][];
  amount?: boolean;
}

const notScalar: [string, CborValue][] = [
  ['an array', []],
  ['a map', new Map()],
  ['a tagged item', new Tagged(18, 0)],
];
const idArb = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
const uintBad: [string, CborValue][] = [
  ['-1', -1],
  ['-(2^53-1)', -MAX],
  ['text "1"', '1'],
  ["h'01'", new Uint8Array([1])],
  ...notScalar,
];
const idBad: [string, CborValue][] = [
  ['empty text', ''],
  ['65 characters', 'a'.repeat(65)],
  ['a space', 'a b'],
  ['a slash', 'a/b'],
  ['non-ASCII', 'bänk'],
  ['an integer', 7],
  ['bytes', new Uint8Array([0x61])],
  ...notScalar,
];

const K = {
  id: { arb: idArb, bad: idBad } as Kind,
  uint: { arb: fc.oneof(fc.nat(1000), fc.maxSafeNat()), bad: uintBad } as Kind,
  amount: { arb: fc.oneof(fc.nat(100_000), fc.maxSafeNat(), fc.constant(MAX)), bad: uintBad, amount: true } as Kind,
  currency: {
    arb: fc.stringMatching(/^[A-Z]{3}$/),
    bad: [
      ['lower case', 'eur'],
      ['4 letters', 'EURO'],
      ['2 letters', 'EU'],
      ['empty', ''],
      ['a digit', 'E1R'],
      ['non-ASCII', 'EÜR'],
      ['numeric 978', 978],
      ["h'455552'", new Uint8Array([0x45, 0x55, 0x52])],
      ...notScalar,
    ],
  } as Kind,
  bytes: (n: number): Kind => ({
    arb: fc.uint8Array({ minLength: n, maxLength: n }),
    bad: [
      [`${n - 1} bytes`, b(n - 1)],
      [`${n + 1} bytes`, b(n + 1)],
      ['0 bytes', b(0)],
      [`text of ${n}`, 'x'.repeat(n)],
      ['an integer', 0],
      ['an array', []],
      ['a tagged bstr', new Tagged(18, b(n))],
    ],
  }),
  signed: {
    arb: fc.uint8Array({ maxLength: 120 }),
    bad: [['64 KiB + 1', b(64 * 1024 + 1)], ['text', 'x'], ['an integer', 0], ...notScalar],
  } as Kind,
  channel: {
    arb: fc.constantFrom(0, 1),
    bad: [['2', 2], ['3', 3], ['-1', -1], ['text', 'pos'], ["h'00'", new Uint8Array(1)], ...notScalar],
  } as Kind,
  checks: {
    arb: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 4 }),
    bad: [
      ["h'00'", new Uint8Array(1)],
      ['a map', new Map()],
      ['an integer item', [0]],
      ['a text item', ['x']],
      ['an item of 64 KiB + 1', [b(64 * 1024 + 1)]],
      ['100 001 items', new Array(100_001).fill(b(0))],
    ],
  } as Kind,
  outcomes: {
    arb: fc.array(
      fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.oneof(fc.constant(0), fc.nat(500)), fc.maxSafeNat()),
      { maxLength: 4 },
    ),
    bad: [
      ['an integer', 0],
      ['one bare tuple', [b(32), 0, 0]],
      ['a tuple of 2', [[b(32), 0]]],
      ['a tuple of 4', [[b(32), 0, 0, 0]]],
      ['a 31-byte hash', [[b(31), 0, 0]]],
      ['a text hash', [['x'.repeat(32), 0, 0]]],
      ['a negative code', [[b(32), -1, 0]]],
      ['a text credited amount', [[b(32), 0, '1']]],
      ['a negative credited amount', [[b(32), 0, -5]]],
      ['100 001 items', new Array(100_001).fill([b(32), 0, 0])],
    ],
  } as Kind,
  revoked: {
    // WIRE.md: sorted, no duplicates.
    arb: fc.uniqueArray(idArb, { maxLength: 5 }).map((ids) => ids.sort()),
    bad: [
      ['text', 'a'],
      ['an empty id', ['']],
      ['an integer item', [1]],
      ['a bytes item', [new Uint8Array([0x61])]],
      ['a map', new Map()],
      ['1 000 001 items', new Array(1_000_001).fill('a')],
    ],
  } as Kind,
  suite: {
    arb: fc.constant([32, 1, 3]),
    bad: [
      ['two items', [32, 1]],
      ['four items', [32, 1, 3, 0]],
      ['kem 33', [33, 1, 3]],
      ['kdf 2', [32, 2, 3]],
      ['aead 1', [32, 1, 1]],
      ['kem -32', [-32, 1, 3]],
      ['text', 'x'],
      ["h'200103'", new Uint8Array([32, 1, 3])],
      ['a map', new Map()],
    ],
  } as Kind,
  ciphertext: { arb: fc.uint8Array({ maxLength: 200 }), bad: [['text', 'x'], ['an integer', 0], ...notScalar] } as Kind,
  lines: {
    // The codec reads any lines of the right shape; verifyStatement checks their order and nets.
    arb: fc.array(
      fc.tuple(fc.stringMatching(/^[A-Z]{3}$/), fc.maxSafeNat(), fc.maxSafeNat(), fc.integer({ min: -MAX, max: MAX })),
      { maxLength: 3 },
    ),
    bad: [
      ['an integer', 0],
      ['one bare line', ['EUR', 1, 0, 1]],
      ['a line of 3', [['EUR', 1, 0]]],
      ['a line of 5', [['EUR', 1, 0, 1, 0]]],
      ['a lower-case currency', [['eur', 1, 0, 1]]],
      ['a negative owed', [['EUR', -1, 0, -1]]],
      ['a text net', [['EUR', 1, 0, '1']]],
      ['a bytes net', [['EUR', 1, 0, new Uint8Array([1])]]],
      ['1 001 lines', new Array(1_001).fill(['EUR', 0, 0, 0])],
    ],
  } as Kind,
  /** A presentment's items: indices into its deposit. */
  items: {
    arb: fc.array(fc.nat(1000), { maxLength: 4 }),
    bad: [
      ['an integer', 0],
      ['a negative item', [-1]],
      ['a text item', ['1']],
      ['a bytes item', [new Uint8Array(1)]],
      ['a map', new Map()],
      ['100 001 items', new Array(100_001).fill(0)],
    ],
  } as Kind,
};

interface Spec {
  codec: MessageCodec<unknown>;
  type: number;
  fields: Record<string, [key: number, kind: Kind]>;
}

const specs: Spec[] = [
  {
    codec: messages.valueTokenRequest,
    type: 1,
    fields: {
      purseId: [2, K.id],
      bankId: [3, K.id],
      amount: [4, K.amount],
      currency: [5, K.currency],
      nonce: [6, K.bytes(16)],
      purseCounter: [7, K.uint],
      time: [8, K.uint],
    },
  },
  {
    codec: messages.valueToken,
    type: 2,
    fields: {
      purseId: [2, K.id],
      bankId: [3, K.id],
      amount: [4, K.amount],
      currency: [5, K.currency],
      nonce: [6, K.bytes(16)],
      tokenId: [7, K.bytes(16)],
      time: [8, K.uint],
    },
  },
  {
    codec: messages.purchaseSlip,
    type: 3,
    fields: {
      merchantId: [2, K.id],
      amount: [3, K.amount],
      currency: [4, K.currency],
      time: [5, K.uint],
      terminalId: [6, K.id],
      terminalTxId: [7, K.uint],
      terminalNonce: [8, K.bytes(16)],
      channel: [9, K.channel],
    },
  },
  {
    codec: messages.digitalCheck,
    type: 4,
    fields: {
      slipHash: [2, K.bytes(32)],
      amount: [3, K.amount],
      currency: [4, K.currency],
      merchantId: [5, K.id],
      purseId: [6, K.id],
      serial: [7, K.uint],
      time: [8, K.uint],
      channel: [9, K.channel],
    },
  },
  { codec: messages.digitalCheckRequest, type: 5, fields: { slip: [2, K.signed], cardholderId: [3, K.id] } },
  {
    codec: messages.depositBatch,
    type: 7,
    fields: { merchantId: [2, K.id], batchId: [3, K.bytes(16)], checks: [4, K.checks], time: [5, K.uint] },
  },
  {
    codec: messages.captureReceipt,
    type: 8,
    fields: {
      merchantId: [2, K.id],
      batchId: [3, K.bytes(16)],
      outcomes: [4, K.outcomes],
      totalCredited: [5, K.amount],
      time: [6, K.uint],
    },
  },
  {
    codec: messages.revocationList,
    type: 9,
    fields: {
      bankId: [2, K.id],
      issuedAt: [3, K.uint],
      nextUpdate: [4, K.uint],
      revoked: [5, K.revoked],
      listNumber: [6, K.uint],
    },
  },
  {
    codec: messages.refund,
    type: 10,
    fields: {
      checkHash: [2, K.bytes(32)],
      purseId: [3, K.id],
      amount: [4, K.amount],
      currency: [5, K.currency],
      merchantId: [6, K.id],
      serial: [7, K.uint],
      time: [8, K.uint],
    },
  },
  { codec: messages.fraudProof, type: 11, fields: { first: [2, K.signed], second: [3, K.signed] } },
  {
    codec: messages.envelope,
    type: 12,
    fields: { suite: [2, K.suite], enc: [3, K.bytes(32)], ciphertext: [4, K.ciphertext], step: [5, K.uint] },
  },
  {
    codec: messages.settlementStatement,
    type: 16,
    fields: {
      bankId: [2, K.id],
      counterparty: [3, K.id],
      cycle: [4, K.uint],
      cutoff: [5, K.uint],
      lines: [6, K.lines],
      referencesHash: [7, K.bytes(32)],
    },
  },
  {
    codec: messages.presentment,
    type: 13,
    fields: {
      acquirerId: [2, K.id],
      issuerId: [3, K.id],
      deposit: [4, K.ciphertext],
      items: [5, K.items],
      time: [6, K.uint],
    },
  },
  {
    codec: messages.presentmentAnswer,
    type: 14,
    fields: {
      issuerId: [2, K.id],
      acquirerId: [3, K.id],
      presentmentId: [4, K.bytes(32)],
      outcomes: [5, K.outcomes],
      time: [6, K.uint],
    },
  },
];

// ------------------------------------------------------------------ helpers

const arbitraryOf = (spec: Spec) =>
  fc.record(Object.fromEntries(Object.entries(spec.fields).map(([name, [, kind]]) => [name, kind.arb])));
/** One valid message, the same on every run. */
const sampleOf = (spec: Spec) => fc.sample(arbitraryOf(spec), { seed: 42, numRuns: 1 })[0] as Record<string, unknown>;

function codeOf(f: () => unknown): number | string {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    return `not a ProtocolError: ${String(e)}`;
  }
  return 'no error';
}

/** The sample's body as a CBOR map, changed by `edit`, re-encoded, then decoded by the codec. */
function decodeEdited(spec: Spec, edit: (body: Map<number | string, CborValue>) => void): number | string {
  const body = decode(spec.codec.encode(sampleOf(spec))) as Map<number | string, CborValue>;
  edit(body);
  const bytes = encode(body);
  return codeOf(() => spec.codec.decode(bytes));
}

// ------------------------------------------------------------------ tests

describe('the table covers every codec', () => {
  it('every MessageCodec exported by messages.ts has a spec here, with its registry type', () => {
    const exported = (Object.values(messages) as unknown[]).filter(
      (v): v is MessageCodec<unknown> => typeof v === 'object' && v !== null && 'decode' in v && 'type' in v,
    );
    expect(new Set(specs.map((s) => s.codec))).toEqual(new Set(exported));
    for (const s of specs) expect(s.codec.type).toBe(s.type);
    const types = Object.values(MessageType).filter((t) => t !== MessageType.InternetCheck); // 6 is a COSE_Sign of a type-4 body
    expect(specs.map((s) => s.type).sort((x, y) => x - y)).toEqual(types);
  });
});

for (const spec of specs) {
  const { codec } = spec;
  const entries = Object.entries(spec.fields);

  describe(`${codec.name} (type ${spec.type})`, () => {
    it('round trip: decode(encode(m)) deep-equals m, re-encoding is byte-identical, keys are those of WIRE.md', () => {
      const wireKeys = [0, 1, ...entries.map(([, [key]]) => key)].sort((x, y) => x - y);
      fc.assert(
        fc.property(arbitraryOf(spec), (m) => {
          const bytes = codec.encode(m as never);
          const back = codec.decode(bytes);
          expect(back).toEqual(m);
          expect(toHex(codec.encode(back))).toBe(toHex(bytes));
          const body = decode(bytes) as Map<number, CborValue>;
          expect([...body.keys()]).toEqual(wireKeys);
          expect(body.get(0)).toBe(spec.type);
          expect(body.get(1)).toBe(1);
          expect(codec.read(body)).toEqual(m);
        }),
        { numRuns: NUM_RUNS },
      );
    });

    it('every field removed: MissingField (104); type removed: 102; version removed: 103', () => {
      for (const [name, [key]] of entries)
        expect(
          decodeEdited(spec, (m) => m.delete(key)),
          name,
        ).toBe(ErrorCode.MissingField);
      expect(decodeEdited(spec, (m) => m.delete(0))).toBe(ErrorCode.WrongMessageType);
      expect(decodeEdited(spec, (m) => m.delete(1))).toBe(ErrorCode.UnsupportedVersion);
    });

    it('an extra key: UnknownField (105)', () => {
      const top = Math.max(...entries.map(([, [key]]) => key));
      for (const extra of [top + 1, 99, 65_536, -1, -65_537, 'x', '2']) {
        expect(
          decodeEdited(spec, (m) => m.set(extra, 0)),
          `key ${String(extra)}`,
        ).toBe(ErrorCode.UnknownField);
      }
    });

    it('each field of the wrong type, size or range: BadField (106)', () => {
      let cases = 0;
      for (const [name, [key, kind]] of entries) {
        for (const [what, value] of kind.bad) {
          expect(
            decodeEdited(spec, (m) => m.set(key, value)),
            `${name} = ${what}`,
          ).toBe(ErrorCode.BadField);
          cases++;
        }
      }
      expect(cases).toBeGreaterThanOrEqual(entries.length * 5);
    });

    it('message type changed: WrongMessageType (102)', () => {
      const others = [
        ...Array.from({ length: 14 }, (_, i) => i).filter((t) => t !== spec.type),
        255,
        65_536,
        -1,
        'x',
        String(spec.type),
        new Uint8Array([spec.type]),
      ];
      for (const t of others)
        expect(
          decodeEdited(spec, (m) => m.set(0, t)),
          `type ${String(t)}`,
        ).toBe(ErrorCode.WrongMessageType);
      // A valid message of another type, read by this codec.
      const other = specs.find((s) => s !== spec) as Spec;
      expect(codeOf(() => codec.decode(other.codec.encode(sampleOf(other))))).toBe(ErrorCode.WrongMessageType);
    });

    it('format version other than 1: UnsupportedVersion (103)', () => {
      for (const v of [2, 0, 3, 255, -1, '1', new Uint8Array([1])])
        expect(
          decodeEdited(spec, (m) => m.set(1, v)),
          `version ${String(v)}`,
        ).toBe(ErrorCode.UnsupportedVersion);
    });

    it('a body that is not a map: BadField (106); bytes that are not deterministic CBOR: 100/101', () => {
      for (const body of [[spec.type, 1], spec.type, 'x', new Uint8Array(0), new Tagged(18, [])] as CborValue[]) {
        expect(codeOf(() => codec.decode(encode(body)))).toBe(ErrorCode.BadField);
        expect(codeOf(() => codec.read(body))).toBe(ErrorCode.BadField);
      }
      const bytes = codec.encode(sampleOf(spec) as never);
      expect(codeOf(() => codec.decode(new Uint8Array([...bytes, 0])))).toBe(ErrorCode.MalformedCbor);
      expect(codeOf(() => codec.decode(bytes.subarray(0, bytes.length - 1)))).toBe(ErrorCode.MalformedCbor);
      // The map head in a non-shortest form (a 1-byte length where the count is < 24).
      const longHead = new Uint8Array([0xb8, (bytes[0] as number) & 0x1f, ...bytes.subarray(1)]);
      expect(codeOf(() => codec.decode(longHead))).toBe(ErrorCode.NotDeterministic);
    });

    const amountFields = entries.filter(([, [, kind]]) => kind.amount);
    if (amountFields.length > 0) {
      it('amounts above 2^53-1 cannot be encoded, nor decoded', () => {
        for (const [name, [key]] of amountFields) {
          for (const tooBig of [2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e300, Infinity, MAX + 0.5]) {
            const m = { ...sampleOf(spec), [name]: tooBig };
            expect(
              codeOf(() => codec.encode(m as never)),
              `${name} = ${tooBig}`,
            ).toBe(ErrorCode.BadField);
          }
          // The largest amount is fine; one more, written by hand into the bytes, is malformed CBOR.
          const bytes = codec.encode({ ...sampleOf(spec), [name]: MAX } as never);
          expect((codec.decode(bytes) as Record<string, unknown>)[name]).toBe(MAX);
          const at = toHex(bytes).indexOf(`${key.toString(16).padStart(2, '0')}1b001fffffffffffff`);
          expect(at % 2).toBe(0);
          const edited = Buffer.from(bytes);
          edited.writeUInt8(0x20, at / 2 + 3); // 1b 00 1f ff… → 1b 00 20 ff…: more than 2^53 - 1
          expect(codeOf(() => codec.decode(new Uint8Array(edited)))).toBe(ErrorCode.MalformedCbor);
        }
      });
    }
  });
}

describe('amounts inside arrays (capture receipt outcomes)', () => {
  it('a credited amount above 2^53-1 cannot be encoded', () => {
    const receipt = { merchantId: 'm', batchId: b(16), outcomes: [[b(32), 0, 2 ** 53]], totalCredited: 0, time: 0 };
    expect(codeOf(() => messages.captureReceipt.encode(receipt as never))).toBe(ErrorCode.BadField);
  });
});
