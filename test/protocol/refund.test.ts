// Refund (cancel) of the purse's last purchase: the merchant signs, the purse credits once.
import { beforeAll, describe, expect, it } from 'vitest';
import { revocationKey } from '../../src/protocol/certificate.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import {
  approveInternetCheck,
  makeCheckRequest,
  makeInternetSlip,
  signInternetCheck,
} from '../../src/protocol/internet.ts';
import { newPurseState, type PurseState } from '../../src/protocol/load.ts';
import { type DigitalCheck, type Refund, refund } from '../../src/protocol/messages.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { checkFor, makeSlip, signCheck, verifyCheck, verifySlip } from '../../src/protocol/pos.ts';
import { applyRefund, makeRefund, recordPurchase } from '../../src/protocol/refund.ts';
import { AMOUNT_MAX, Channel, Role } from '../../src/protocol/registry.ts';
import { signMessage, type Verified } from '../../src/protocol/signed.ts';
import {
  ctx,
  EXPIRED,
  expectCode,
  expectRefused,
  flip,
  LIMITS,
  makeWorld,
  NOT_YET_VALID,
  nonce,
  partyOf,
  T0,
  type World,
} from './support/world.ts';

let w: World;
let check: Verified<DigitalCheck>;
let paid: PurseState;

/** A POS purchase of `amount` at `merchant` by `purse`, serial 5, verified as the terminal would. */
function purchase(amount = 12_000, merchant: Party = w.merchant, purse: Party = w.purse): Verified<DigitalCheck> {
  const slip = verifySlip(
    makeSlip(merchant, {
      merchantId: merchant.id,
      amount,
      currency: 'IDR',
      time: T0,
      terminalId: 'pos-1',
      terminalTxId: 9,
      terminalNonce: nonce(9),
      channel: Channel.Pos,
    }),
    ctx(w),
  );
  return verifyCheck(signCheck(purse, checkFor(slip, purse.id, 5, T0)), ctx(w));
}

beforeAll(() => {
  w = makeWorld();
  check = purchase();
  paid = recordPurchase(newPurseState('IDR', 100_000), check.body, check.hash);
});

const refundOf = (signer: Party, over: Partial<Refund> = {}) =>
  signMessage(
    refund,
    {
      checkHash: check.hash,
      purseId: 'purse-1',
      amount: 12_000,
      currency: 'IDR',
      merchantId: signer.id,
      serial: 5,
      time: T0 + 60,
      ...over,
    },
    signer,
  );

describe('happy path', () => {
  it('pays, then refunds the last purchase once', () => {
    expect(paid.balance).toBe(88_000);
    expect(paid.lastPurchase).toEqual({
      serial: 5,
      amount: 12_000,
      currency: 'IDR',
      merchantId: 'shop-1',
      checkHash: check.hash,
      refunded: false,
    });
    const r = makeRefund(w.merchant, check, T0 + 60);
    const { state, credited, refund: verified } = applyRefund(paid, w.purse, r, ctx(w));
    expect(credited).toBe(12_000);
    expect(state.balance).toBe(100_000);
    expect(state.lastPurchase?.refunded).toBe(true);
    expect(verified.body).toMatchObject({ purseId: 'purse-1', serial: 5, merchantId: 'shop-1', amount: 12_000 });
    expect(paid.balance).toBe(88_000);
  });

  it('refunds an Internet purchase, which the purse knows without the final hash', () => {
    const slip = makeInternetSlip(w.merchant, {
      merchantId: 'shop-1',
      amount: 7_000,
      currency: 'IDR',
      time: T0,
      terminalId: 'web',
      terminalTxId: 3,
      terminalNonce: nonce(3),
    });
    const draft = signInternetCheck(w.purse, makeCheckRequest(slip, 'alice'), { ...ctx(w), serial: 6, time: T0 });
    const state = recordPurchase(newPurseState('IDR', 10_000), draft.check);
    const { check: internet } = approveInternetCheck(w.cardholder, draft, ctx(w));
    const r = makeRefund(w.merchant, internet, T0 + 60);
    expect(applyRefund(state, w.purse, r, ctx(w)).state.balance).toBe(10_000);
  });
});

describe('recordPurchase refuses', () => {
  it('more than the balance (InsufficientFunds), another currency (CurrencyMismatch)', () => {
    expectRefused(newPurseState('IDR', 11_999), (s) => recordPurchase(s, check.body), ErrorCode.InsufficientFunds);
    expectRefused(newPurseState('EUR', 100_000), (s) => recordPurchase(s, check.body), ErrorCode.CurrencyMismatch);
  });
});

describe('makeRefund refuses', () => {
  it('a check paid to another merchant (WrongMerchant)', () => {
    expectCode(() => makeRefund(w.merchantB, check, T0), ErrorCode.WrongMerchant);
  });
});

describe('applyRefund refuses, leaving the state unchanged', () => {
  it('a refund applied twice (RefundAlreadyApplied)', () => {
    const r = makeRefund(w.merchant, check, T0 + 60);
    const once = applyRefund(paid, w.purse, r, ctx(w)).state;
    expectRefused(once, (s) => applyRefund(s, w.purse, r, ctx(w)), ErrorCode.RefundAlreadyApplied);
    expectRefused(
      once,
      (s) => applyRefund(s, w.purse, makeRefund(w.merchant, check, T0 + 120), ctx(w)),
      ErrorCode.RefundAlreadyApplied,
    );
  });
  it("a refund of another purse's check (WrongPurse)", () => {
    const theirs = purchase(12_000, w.merchant, partyOf(w.bank, 'purse-2', Role.Purse, { limits: LIMITS }));
    expectRefused(
      paid,
      (s) => applyRefund(s, w.purse, makeRefund(w.merchant, theirs, T0), ctx(w)),
      ErrorCode.WrongPurse,
    );
  });
  it('a refund from a merchant that was not paid (WrongMerchant)', () => {
    expectRefused(paid, (s) => applyRefund(s, w.purse, refundOf(w.merchantB), ctx(w)), ErrorCode.WrongMerchant);
  });
  it('a refund of a check that is not the last purchase (UnknownCheck)', () => {
    expectRefused(
      paid,
      (s) => applyRefund(s, w.purse, refundOf(w.merchant, { serial: 4 }), ctx(w)),
      ErrorCode.UnknownCheck,
    );
    expectRefused(
      paid,
      (s) => applyRefund(s, w.purse, refundOf(w.merchant, { checkHash: new Uint8Array(32) }), ctx(w)),
      ErrorCode.UnknownCheck,
    );
    expectRefused(
      newPurseState('IDR', 5),
      (s) => applyRefund(s, w.purse, refundOf(w.merchant), ctx(w)),
      ErrorCode.UnknownCheck,
    );
  });
  it('another amount (BadField) or currency (CurrencyMismatch) than paid', () => {
    expectRefused(
      paid,
      (s) => applyRefund(s, w.purse, refundOf(w.merchant, { amount: 12_001 }), ctx(w)),
      ErrorCode.BadField,
    );
    expectRefused(
      paid,
      (s) => applyRefund(s, w.purse, refundOf(w.merchant, { currency: 'EUR' }), ctx(w)),
      ErrorCode.CurrencyMismatch,
    );
  });
  it('a credit above the certified maximum balance (LimitExceeded)', () => {
    expectRefused(
      { ...paid, balance: LIMITS.maxBalance - 11_999 },
      (s) => applyRefund(s, w.purse, refundOf(w.merchant), ctx(w)),
      ErrorCode.LimitExceeded,
    );
  });
  it('a credit that overflows (AmountOverflow), for a purse without certified limits', () => {
    const free = partyOf(w.bank, 'purse-free', Role.Purse);
    const c = purchase(12_000, w.merchant, free);
    const state = { ...recordPurchase(newPurseState('IDR', 12_000), c.body, c.hash), balance: AMOUNT_MAX };
    expectRefused(state, (s) => applyRefund(s, free, makeRefund(w.merchant, c, T0), ctx(w)), ErrorCode.AmountOverflow);
  });
  it('a refund naming another merchant than its signer (SubjectMismatch)', () => {
    expectRefused(
      paid,
      (s) => applyRefund(s, w.purse, refundOf(w.merchantB, { merchantId: 'shop-1' }), ctx(w)),
      ErrorCode.SubjectMismatch,
    );
  });
  it('a refund signed by a purse (WrongRole)', () => {
    expectRefused(
      paid,
      (s) => applyRefund(s, w.purse, refundOf(w.purse, { merchantId: 'shop-1' }), ctx(w)),
      ErrorCode.WrongRole,
    );
  });
  it('a tampered refund (BadSignature)', () => {
    expectRefused(paid, (s) => applyRefund(s, w.purse, flip(refundOf(w.merchant), -1), ctx(w)), ErrorCode.BadSignature);
  });
  it('a merchant under an unknown root (UnknownIssuer)', () => {
    expectRefused(
      paid,
      (s) => applyRefund(s, w.purse, refundOf(partyOf(w.rogueBank, 'shop-1', Role.Merchant)), ctx(w)),
      ErrorCode.UnknownIssuer,
    );
  });
  it('expired, not yet valid and revoked merchants', () => {
    const r = refundOf(w.merchant);
    expectRefused(
      paid,
      (s) => applyRefund(s, w.purse, r, ctx(w, { now: T0 + 400 * 86_400 })),
      ErrorCode.CertificateExpired,
    );
    expectRefused(
      paid,
      (s) => applyRefund(s, w.purse, refundOf(partyOf(w.bank, 'shop-1', Role.Merchant, NOT_YET_VALID)), ctx(w)),
      ErrorCode.CertificateNotYetValid,
    );
    expectRefused(
      paid,
      (s) => applyRefund(s, w.purse, refundOf(partyOf(w.bank, 'shop-1', Role.Merchant, EXPIRED)), ctx(w)),
      ErrorCode.CertificateExpired,
    );
    expectRefused(
      paid,
      (s) => applyRefund(s, w.purse, r, ctx(w, { revoked: new Set([revocationKey('bank-a', 'shop-1')]) })),
      ErrorCode.Revoked,
    );
  });
  it('something that is not a refund (WrongRole for a check, WrongMessageType for a slip)', () => {
    expectRefused(paid, (s) => applyRefund(s, w.purse, check.bytes, ctx(w)), ErrorCode.WrongRole);
    const slip = makeSlip(w.merchant, {
      merchantId: 'shop-1',
      amount: 1,
      currency: 'IDR',
      time: T0,
      terminalId: 't',
      terminalTxId: 1,
      terminalNonce: nonce(1),
      channel: Channel.Pos,
    });
    expectRefused(paid, (s) => applyRefund(s, w.purse, slip, ctx(w)), ErrorCode.WrongMessageType);
  });
});
