// The bank's signed revocation list: making, verifying, keeping the newest, and using it.
import { beforeAll, describe, expect, it } from 'vitest';
import { acceptCheck } from '../../src/protocol/acceptance.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { revocationList, type RevocationList } from '../../src/protocol/messages.ts';
import { checkFor, makeSlip, signCheck, verifySlip } from '../../src/protocol/pos.ts';
import { Channel, Role } from '../../src/protocol/registry.ts';
import { makeRevocationList, newerList, verifyRevocationList } from '../../src/protocol/revocation.ts';
import { signMessage } from '../../src/protocol/signed.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { T0, ctx, expectCode, flip, makeWorld, nonce, partyOf, type World } from './support/world.ts';

let w: World;
beforeAll(() => {
  w = makeWorld();
});

const input = (over: Partial<{ revoked: string[]; issuedAt: number; nextUpdate: number; listNumber: number }> = {}) => ({
  revoked: ['purse-9', 'purse-1', 'alice', 'purse-1'], issuedAt: T0, nextUpdate: T0 + 86_400, listNumber: 7, ...over,
});
const listOf = (signer: Party, over: Partial<RevocationList> = {}) =>
  signMessage(revocationList, { bankId: signer.id, issuedAt: T0, nextUpdate: T0 + 86_400, revoked: ['a', 'b'], listNumber: 1, ...over }, signer);

describe('happy path', () => {
  it('makes a sorted, deduplicated list and verifies it', () => {
    const list = verifyRevocationList(makeRevocationList(w.bank, input()), ctx(w));
    expect(list.body).toEqual({ bankId: 'bank-a', issuedAt: T0, nextUpdate: T0 + 86_400, revoked: ['alice', 'purse-1', 'purse-9'], listNumber: 7 });
    expect(list.signer.subject).toBe('bank-a');
  });
  it('sorts by code unit (bytewise for identifiers): upper case before lower case, digits first', () => {
    const list = verifyRevocationList(makeRevocationList(w.bank, input({ revoked: ['b', 'B', 'a', '9', 'A-1', 'A.1', 'A:1'] })), ctx(w));
    expect(list.body.revoked).toEqual(['9', 'A-1', 'A.1', 'A:1', 'B', 'a', 'b']);
  });
  it('an empty list is a list', () => {
    expect(verifyRevocationList(makeRevocationList(w.bank, input({ revoked: [] })), ctx(w)).body.revoked).toEqual([]);
  });
  it('a terminal holding the list refuses a revoked purse offline', () => {
    const list = verifyRevocationList(makeRevocationList(w.bank, input()), ctx(w));
    const slip = verifySlip(makeSlip(w.merchant, { merchantId: 'shop-1', amount: 1_000, currency: 'IDR', time: T0, terminalId: 't', terminalTxId: 1, terminalNonce: nonce(1), channel: Channel.Pos }), ctx(w));
    const check = signCheck(w.purse, checkFor(slip, 'purse-1', 1, T0));
    expect(acceptCheck(check, slip, { anchors: w.anchors, now: T0, revocationList: list.body }).code).toBe(ErrorCode.Revoked);
    expect(acceptCheck(check, slip, { anchors: w.anchors, now: T0 }).decision).toBe('accept');
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
    expectCode(() => verifyRevocationList(listOf(w.bank), ctx(w, { now: T0 + 400 * 86_400 })), ErrorCode.CertificateExpired);
    expectCode(() => verifyRevocationList(listOf(w.bank), ctx(w, { now: T0 - 2 * 86_400 })), ErrorCode.CertificateNotYetValid);
    expectCode(() => verifyRevocationList(listOf(w.bank), ctx(w, { revoked: new Set(['bank-a']) })), ErrorCode.Revoked);
  });
  it('a "bank" certificate issued by a merchant (WrongRole)', () => {
    const fake = partyOf(w.merchant, 'bank-a', Role.Merchant);
    expectCode(() => verifyRevocationList(listOf(fake), ctx(w)), ErrorCode.WrongRole);
  });
  it('something that is not a revocation list (WrongMessageType)', () => {
    const slipByBank = makeSlip(w.bank, { merchantId: 'bank-a', amount: 1, currency: 'IDR', time: T0, terminalId: 't', terminalTxId: 1, terminalNonce: nonce(1), channel: Channel.Pos });
    expectCode(() => verifyRevocationList(slipByBank, ctx(w)), ErrorCode.WrongMessageType);
  });
});

describe('newerList', () => {
  const v = (listNumber: number, signer: Party = w.bank) => verifyRevocationList(makeRevocationList(signer, input({ listNumber })), ctx(w));
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
