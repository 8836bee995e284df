// Settlement statements (src/protocol/settlement.ts, settlement-scheme.ts): signed by a bank of the
// scheme, the two banks' views of a cycle mirror each other, the offer carries the references the
// statement hashes; a flipped byte, a truncation, a wrong key, a wrong party each refused with its
// typed code; across the scheme the nets sum to 0 per currency.
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/protocol/cbor.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import type { SettlementStatement } from '../../src/protocol/messages.ts';
import { anchorsOf, certifyBank, createRoot } from '../../src/protocol/pki.ts';
import {
  checkAgrees,
  encodeOffer,
  makeStatement,
  mirror,
  openOffer,
  type PresentedReference,
  referencesHash,
  verifyStatement,
} from '../../src/protocol/settlement.ts';
import { checkSchemePositions } from '../../src/protocol/settlement-scheme.ts';

const NOW = 1_700_000_000;
const validity = { notBefore: NOW - 86_400, notAfter: NOW + 365 * 86_400 };
const root = createRoot('SCHEME');
const other = createRoot('OTHER-SCHEME');
const ctx = { anchors: anchorsOf(root), now: NOW };
const bankA = certifyBank(root, 'BANK-A', validity);
const bankB = certifyBank(root, 'BANK-B', validity);
const bankC = certifyBank(root, 'BANK-C', validity);
const outsider = certifyBank(other, 'BANK-B', validity);

const refs: PresentedReference[] = [
  ['EUR', 'aa01'],
  ['USD', 'aa01'],
  ['EUR', 'bb02'],
];
const ofA: SettlementStatement = {
  bankId: 'BANK-A',
  counterparty: 'BANK-B',
  cycle: 1,
  cutoff: NOW,
  lines: [
    ['EUR', 700, 200, 500],
    ['USD', 0, 300, -300],
  ],
  referencesHash: referencesHash(refs),
};
const ofB = mirror(ofA);

const codeOf = (f: () => unknown): number | string => {
  try {
    f();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
  return 'no error';
};

describe('a settlement statement', () => {
  const signed = makeStatement(bankA, ofA);

  it('round trip: verifies under the scheme root, signed by the bank it names', () => {
    const v = verifyStatement(signed, ctx);
    expect(v.body).toEqual(ofA);
    expect(v.signer.subject).toBe('BANK-A');
  });

  it('the same statement signs to the same bytes (closing twice gives the same statement)', () => {
    expect(Buffer.from(makeStatement(bankA, ofA)).equals(Buffer.from(signed))).toBe(true);
  });

  it('every single flipped byte is refused with a typed error, never accepted', () => {
    for (let i = 0; i < signed.length; i++) {
      const bad = signed.slice();
      bad[i] = (bad[i] as number) ^ 0x01;
      expect(typeof codeOf(() => verifyStatement(bad, ctx)), `byte ${i}`).toBe('number');
    }
  });

  it('a flipped signature byte: BadSignature (200)', () => {
    const bad = signed.slice();
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0x80;
    expect(codeOf(() => verifyStatement(bad, ctx))).toBe(ErrorCode.BadSignature);
  });

  it('every truncation is refused', () => {
    for (let n = 0; n < signed.length; n++)
      expect(typeof codeOf(() => verifyStatement(signed.subarray(0, n), ctx)), `${n} bytes`).toBe('number');
  });

  it("another scheme's bank: UnknownIssuer (202); the bank naming another: StatementWrongParty (347)", () => {
    expect(codeOf(() => verifyStatement(makeStatement(outsider, ofB), ctx))).toBe(ErrorCode.UnknownIssuer);
    expect(codeOf(() => verifyStatement(makeStatement(bankC, ofB), ctx))).toBe(ErrorCode.StatementWrongParty);
  });

  it('ill-formed lines are refused when signed and when read: a wrong net, unsorted or repeated currencies, cycle 0', () => {
    const wrongNet: SettlementStatement = { ...ofA, lines: [['EUR', 700, 200, 400]] };
    const unsorted: SettlementStatement = { ...ofA, lines: [...ofA.lines].reverse() };
    const repeated: SettlementStatement = {
      ...ofA,
      lines: [ofA.lines[0], ofA.lines[0]] as SettlementStatement['lines'],
    };
    for (const s of [wrongNet, unsorted, repeated, { ...ofA, cycle: 0 }])
      expect(codeOf(() => makeStatement(bankA, s))).toBe(ErrorCode.BadField);
    expect(codeOf(() => makeStatement(bankA, { ...ofA, counterparty: 'BANK-A' }))).toBe(ErrorCode.StatementWrongParty);
  });
});

describe("two banks' views of one cycle", () => {
  it('the mirror agrees; the mirror of the mirror is the statement', () => {
    expect(() => checkAgrees(ofA, ofB)).not.toThrow();
    expect(mirror(ofB)).toEqual(ofA);
  });

  it('another amount, net or references: StatementMismatch (345); another cycle or cutoff: 348; another pair: 347', () => {
    const changed = (s: Partial<SettlementStatement>) => codeOf(() => checkAgrees(ofA, { ...ofB, ...s }));
    expect(changed({ lines: [['EUR', 200, 700, -500]] })).toBe(ErrorCode.StatementMismatch);
    expect(
      changed({
        lines: [
          ['EUR', 200, 701, -501],
          ['USD', 300, 0, 300],
        ],
      }),
    ).toBe(ErrorCode.StatementMismatch);
    expect(changed({ referencesHash: referencesHash(refs.slice(1)) })).toBe(ErrorCode.StatementMismatch);
    expect(changed({ cycle: 2 })).toBe(ErrorCode.StatementCycleConflict);
    expect(changed({ cutoff: NOW + 1 })).toBe(ErrorCode.StatementCycleConflict);
    expect(changed({ bankId: 'BANK-C' })).toBe(ErrorCode.StatementWrongParty);
  });

  it('the references hash does not depend on their order or repetition', () => {
    expect(referencesHash([...refs].reverse())).toEqual(referencesHash([...refs, refs[0] as PresentedReference]));
    expect(referencesHash(refs)).not.toEqual(referencesHash([['EUR', 'aa01']]));
  });
});

describe('an offer: the statement and its references', () => {
  const offer = encodeOffer({ statement: makeStatement(bankA, ofA), references: refs });

  it('opens to the verified statement and the sorted references', () => {
    const o = openOffer(offer, ctx);
    expect(o.body).toEqual(ofA);
    expect(o.references).toEqual([
      ['EUR', 'aa01'],
      ['USD', 'aa01'],
      ['EUR', 'bb02'],
    ]);
  });

  it('references other than those hashed: StatementMismatch (345); not an offer: BadField (106)', () => {
    const fewer = encodeOffer({ statement: makeStatement(bankA, ofA), references: refs.slice(1) });
    expect(codeOf(() => openOffer(fewer, ctx))).toBe(ErrorCode.StatementMismatch);
    expect(codeOf(() => openOffer(encode([1, 2]), ctx))).toBe(ErrorCode.BadField);
    expect(codeOf(() => openOffer(offer.subarray(0, offer.length - 1), ctx))).toBe(ErrorCode.MalformedCbor);
  });
});

describe('the scheme: every pair agrees and the nets sum to 0 per currency', () => {
  const ofAC: SettlementStatement = { ...ofA, counterparty: 'BANK-C', lines: [['EUR', 0, 120, -120]] };
  const all = [
    makeStatement(bankA, ofA),
    makeStatement(bankB, ofB),
    makeStatement(bankA, ofAC),
    makeStatement(bankC, mirror(ofAC)),
  ];

  it('positions per bank', () => {
    const p = checkSchemePositions(all, ctx);
    expect(p.pairs).toBe(2);
    expect(Object.fromEntries(p.banks.get('BANK-A') ?? [])).toEqual({ EUR: 380, USD: -300 });
    expect(Object.fromEntries(p.banks.get('BANK-B') ?? [])).toEqual({ EUR: -500, USD: 300 });
    expect(Object.fromEntries(p.banks.get('BANK-C') ?? [])).toEqual({ EUR: 120 });
  });

  it("a pair's statement missing, two of one bank, or two that disagree: SchemeNetNotZero (349)", () => {
    expect(codeOf(() => checkSchemePositions(all.slice(1), ctx))).toBe(ErrorCode.SchemeNetNotZero);
    expect(codeOf(() => checkSchemePositions([all[0], all[0], ...all.slice(2)] as Uint8Array[], ctx))).toBe(
      ErrorCode.SchemeNetNotZero,
    );
    const lying = makeStatement(bankB, { ...ofB, lines: [['EUR', 700, 200, 500]] });
    expect(codeOf(() => checkSchemePositions([all[0] as Uint8Array, lying, ...all.slice(2)], ctx))).toBe(
      ErrorCode.SchemeNetNotZero,
    );
  });
});
