// The bank's signed revocation list: making, verifying, keeping the newest, and using it.
import { beforeAll, describe, expect, it } from 'vitest';
import { acceptCheck } from '../../src/protocol/acceptance.ts';
import { revocationKey } from '../../src/protocol/certificate.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { type RevocationList, revocationList } from '../../src/protocol/messages.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { checkFor, makeSlip, signCheck, verifyCheck, verifySlip } from '../../src/protocol/pos.ts';
import { Channel, Role } from '../../src/protocol/registry.ts';
import { makeRevocationList, newerList, revokedSet, verifyRevocationList } from '../../src/protocol/revocation.ts';
import { signMessage } from '../../src/protocol/signed.ts';
import { verifyChecks } from '../../src/protocol/verifier/index.ts';
import { ctx, expectCode, flip, LIMITS, makeWorld, nonce, partyOf, T0, type World } from './support/world.ts';

let w: World;
beforeAll(() => {
  w = makeWorld();
});

const input = (
  over: Partial<{ revoked: string[]; issuedAt: number; nextUpdate: number; listNumber: number }> = {},
) => ({
  revoked: ['purse-9', 'purse-1', 'alice', 'purse-1'],
  issuedAt: T0,
  nextUpdate: T0 + 86_400,
  listNumber: 7,
  ...over,
});
const listOf = (signer: Party, over: Partial<RevocationList> = {}) =>
  signMessage(
    revocationList,
    { bankId: signer.id, issuedAt: T0, nextUpdate: T0 + 86_400, revoked: ['a', 'b'], listNumber: 1, ...over },
    signer,
  );

describe('happy path', () => {
  it('makes a sorted, deduplicated list and verifies it', () => {
    const list = verifyRevocationList(makeRevocationList(w.bank, input()), ctx(w));
    expect(list.body).toEqual({
      bankId: 'bank-a',
      issuedAt: T0,
      nextUpdate: T0 + 86_400,
      revoked: ['alice', 'purse-1', 'purse-9'],
      listNumber: 7,
    });
    expect(list.signer.subject).toBe('bank-a');
  });
  it('sorts by code unit (bytewise for identifiers): upper case before lower case, digits first', () => {
    const list = verifyRevocationList(
      makeRevocationList(w.bank, input({ revoked: ['b', 'B', 'a', '9', 'A-1', 'A.1', 'A:1'] })),
      ctx(w),
    );
    expect(list.body.revoked).toEqual(['9', 'A-1', 'A.1', 'A:1', 'B', 'a', 'b']);
  });
  it('an empty list is a list', () => {
    expect(verifyRevocationList(makeRevocationList(w.bank, input({ revoked: [] })), ctx(w)).body.revoked).toEqual([]);
  });
  it('a terminal holding the list refuses a revoked purse offline', () => {
    const list = verifyRevocationList(makeRevocationList(w.bank, input()), ctx(w));
    const slip = verifySlip(
      makeSlip(w.merchant, {
        merchantId: 'shop-1',
        amount: 1_000,
        currency: 'IDR',
        time: T0,
        terminalId: 't',
        terminalTxId: 1,
        terminalNonce: nonce(1),
        channel: Channel.Pos,
      }),
      ctx(w),
    );
    const check = signCheck(w.purse, checkFor(slip, 'purse-1', 1, T0));
    expect(acceptCheck(check, slip, { anchors: w.anchors, now: T0, revocationLists: [list.body] }).code).toBe(
      ErrorCode.Revoked,
    );
    expect(acceptCheck(check, slip, { anchors: w.anchors, now: T0 }).decision).toBe('accept');
  });
});

describe('revocation is per issuing bank', () => {
  const slipOf = (merchant: Party, txId: number) =>
    verifySlip(
      makeSlip(merchant, {
        merchantId: merchant.id,
        amount: 1_000,
        currency: 'IDR',
        time: T0,
        terminalId: 't',
        terminalTxId: txId,
        terminalNonce: nonce(txId),
        channel: Channel.Pos,
      }),
      ctx(w),
    );
  /** A check by bank A's purse-1 and one by bank B's purse of the same id, each with its slip. */
  const twoPurse1s = () => {
    const purseAtB = partyOf(w.bankB, 'purse-1', Role.Purse, { limits: LIMITS });
    const slipA = slipOf(w.merchant, 11);
    const slipB = slipOf(w.merchantB, 12);
    return {
      a: { slip: slipA, check: signCheck(w.purse, checkFor(slipA, 'purse-1', 1, T0)) },
      b: { slip: slipB, check: signCheck(purseAtB, checkFor(slipB, 'purse-1', 1, T0)) },
    };
  };

  it('revocationKey and revokedSet qualify each subject by the bank whose list names it', () => {
    expect(revocationKey('bank-a', 'purse-1')).toBe('bank-a/purse-1');
    const listA = verifyRevocationList(
      makeRevocationList(w.bank, input({ revoked: ['purse-1', 'alice'] })),
      ctx(w),
    ).body;
    const listB = verifyRevocationList(makeRevocationList(w.bankB, input({ revoked: ['bob'] })), ctx(w)).body;
    expect(revokedSet([listA, listB])).toEqual(new Set(['bank-a/alice', 'bank-a/purse-1', 'bank-b/bob']));
    expect(revokedSet([])).toEqual(new Set());
  });

  it("bank A's list never revokes bank B's purse of the same id (acceptCheck, verifyCheck)", () => {
    const { a, b } = twoPurse1s();
    const listA = verifyRevocationList(makeRevocationList(w.bank, input({ revoked: ['purse-1'] })), ctx(w)).body;
    expect(acceptCheck(a.check, a.slip, { anchors: w.anchors, now: T0, revocationLists: [listA] }).code).toBe(
      ErrorCode.Revoked,
    );
    expect(acceptCheck(b.check, b.slip, { anchors: w.anchors, now: T0, revocationLists: [listA] }).decision).toBe(
      'accept',
    );
    const listB = verifyRevocationList(makeRevocationList(w.bankB, input({ revoked: ['purse-1'] })), ctx(w)).body;
    expect(acceptCheck(a.check, a.slip, { anchors: w.anchors, now: T0, revocationLists: [listB] }).decision).toBe(
      'accept',
    );
    expect(acceptCheck(b.check, b.slip, { anchors: w.anchors, now: T0, revocationLists: [listB] }).code).toBe(
      ErrorCode.Revoked,
    );
    expect(verifyCheck(b.check, ctx(w, { revoked: revokedSet([listA]) })).body.purseId).toBe('purse-1');
    expectCode(() => verifyCheck(b.check, ctx(w, { revoked: revokedSet([listA, listB]) })), ErrorCode.Revoked);
    // a bare subject id is not an entry: it revokes nothing
    expect(verifyCheck(a.check, ctx(w, { revoked: new Set(['purse-1']) })).body.purseId).toBe('purse-1');
  });

  it("bank A's entry never revokes bank B's purse of the same id in the Rust batch verifier either", () => {
    const { a, b } = twoPurse1s();
    const codes = (revoked: string[]) =>
      verifyChecks([a.check, b.check], { anchors: w.anchors, now: T0, revoked }).map((v) => (v.ok ? 0 : v.code));
    expect(codes([revocationKey('bank-a', 'purse-1')])).toEqual([ErrorCode.Revoked, 0]);
    expect(codes([revocationKey('bank-b', 'purse-1')])).toEqual([0, ErrorCode.Revoked]);
    expect(codes([revocationKey('bank-a', 'purse-2'), revocationKey('bank-c', 'purse-1')])).toEqual([0, 0]);
    expect(() => codes(['purse-1'])).toThrow(/issuer\/subject/);
  });

  it("a bank's certificate is revoked by its issuer, the root, not by the bank's own list", () => {
    const { a } = twoPurse1s();
    const ownList = verifyRevocationList(makeRevocationList(w.bank, input({ revoked: ['bank-a'] })), ctx(w)).body;
    expect(acceptCheck(a.check, a.slip, { anchors: w.anchors, now: T0, revocationLists: [ownList] }).decision).toBe(
      'accept',
    );
    expectCode(
      () => verifyCheck(a.check, ctx(w, { revoked: new Set([revocationKey('root', 'bank-a')]) })),
      ErrorCode.Revoked,
    );
  });
});

describe('makeRevocationList refuses', () => {
  it('a next update before the issue time (BadField)', () => {
    expectCode(() => makeRevocationList(w.bank, input({ nextUpdate: T0 - 1 })), ErrorCode.BadField);
  });
  it('a subject that is not an identifier (BadField)', () => {
    expectCode(() => makeRevocationList(w.bank, input({ revoked: ['not an id'] })), ErrorCode.BadField);
  });
});

describe('verifyRevocationList refuses', () => {
  it('a list that is not sorted, or has duplicates (BadField)', () => {
    expectCode(() => verifyRevocationList(listOf(w.bank, { revoked: ['b', 'a'] }), ctx(w)), ErrorCode.BadField);
    expectCode(() => verifyRevocationList(listOf(w.bank, { revoked: ['a', 'a'] }), ctx(w)), ErrorCode.BadField);
  });
  it('a next update before the issue time (BadField)', () => {
    expectCode(() => verifyRevocationList(listOf(w.bank, { nextUpdate: T0 - 1 }), ctx(w)), ErrorCode.BadField);
  });
  it('a list signed by a merchant (WrongRole)', () => {
    expectCode(() => verifyRevocationList(listOf(w.merchant), ctx(w)), ErrorCode.WrongRole);
  });
  it('a list naming another bank than its signer (SubjectMismatch)', () => {
    expectCode(() => verifyRevocationList(listOf(w.bank, { bankId: 'bank-b' }), ctx(w)), ErrorCode.SubjectMismatch);
  });
  it('a tampered list (BadSignature)', () => {
    expectCode(() => verifyRevocationList(flip(listOf(w.bank), -1), ctx(w)), ErrorCode.BadSignature);
  });
  it('a list from an impostor bank under an unknown root (UnknownIssuer)', () => {
    expectCode(() => verifyRevocationList(listOf(w.rogueBank), ctx(w)), ErrorCode.UnknownIssuer);
  });
  it('a list from an expired, not yet valid or revoked bank', () => {
    expectCode(
      () => verifyRevocationList(listOf(w.bank), ctx(w, { now: T0 + 400 * 86_400 })),
      ErrorCode.CertificateExpired,
    );
    expectCode(
      () => verifyRevocationList(listOf(w.bank), ctx(w, { now: T0 - 2 * 86_400 })),
      ErrorCode.CertificateNotYetValid,
    );
    expectCode(
      () => verifyRevocationList(listOf(w.bank), ctx(w, { revoked: new Set([revocationKey('root', 'bank-a')]) })),
      ErrorCode.Revoked,
    );
  });
  it('a "bank" certificate issued by a merchant: a chain of three certificates (BadCoseStructure)', () => {
    const fake = partyOf(w.merchant, 'bank-a', Role.Merchant);
    expectCode(() => verifyRevocationList(listOf(fake), ctx(w)), ErrorCode.BadCoseStructure);
  });
  it('something that is not a revocation list (WrongMessageType)', () => {
    const slipByBank = makeSlip(w.bank, {
      merchantId: 'bank-a',
      amount: 1,
      currency: 'IDR',
      time: T0,
      terminalId: 't',
      terminalTxId: 1,
      terminalNonce: nonce(1),
      channel: Channel.Pos,
    });
    expectCode(() => verifyRevocationList(slipByBank, ctx(w)), ErrorCode.WrongMessageType);
  });
});

describe('newerList', () => {
  const v = (listNumber: number, signer: Party = w.bank) =>
    verifyRevocationList(makeRevocationList(signer, input({ listNumber })), ctx(w));
  it('keeps the higher list number of the same bank', () => {
    const l7 = v(7);
    const l8 = v(8);
    expect(newerList(undefined, l7)).toBe(l7);
    expect(newerList(l7, l8)).toBe(l8);
    expect(newerList(l8, l7)).toBe(l8);
    expect(newerList(l7, v(7))).toBe(l7);
  });
  it('refuses to compare lists of two banks (WrongBank)', () => {
    expectCode(() => newerList(v(1), v(2, w.bankB)), ErrorCode.WrongBank);
  });
});
