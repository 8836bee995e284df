// The presentment format (src/protocol/presentment.ts): an acquirer's signed presentment of the
// checks of one issuer's purses in its merchant's deposit, sealed to that issuer, and the issuer's
// signed answer, one outcome per check. Each way a presentment or an answer can be wrong is its
// own typed error.
import { describe, expect, it } from 'vitest';
import { depositedCheckHash, makeDeposit } from '../../src/protocol/capture.ts';
import { parseSign1, signedHash } from '../../src/protocol/cose.ts';
import { open } from '../../src/protocol/envelope.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { presentment } from '../../src/protocol/messages.ts';
import { anchorsOf, certifyBank, certifyParty, createRoot, type Party } from '../../src/protocol/pki.ts';
import { checkFor, makeVerifiedSlip, signCheck } from '../../src/protocol/pos.ts';
import {
  checkIssuer,
  makePresentment,
  makePresentmentAnswer,
  openPresentment,
  sealPresentment,
  verifyPresentment,
  verifyPresentmentAnswer,
} from '../../src/protocol/presentment.ts';
import { BankRole, Channel, MessageType, Role } from '../../src/protocol/registry.ts';
import { LIMITS, T0, VALID } from './support/world.ts';

const scheme = createRoot('SCHEME');
const anchors = anchorsOf(scheme);
const context = { anchors, now: T0 };
const issuer = certifyBank(scheme, 'BANK-A', { ...VALID, bankRoles: BankRole.Issuer });
const acquirer = certifyBank(scheme, 'BANK-B', { ...VALID, bankRoles: BankRole.Acquirer });
const other = certifyBank(scheme, 'BANK-C', { ...VALID, bankRoles: BankRole.Issuer | BankRole.Acquirer });
const purse = certifyParty(issuer, 'P-A', Role.Purse, { ...VALID, limits: LIMITS });
const taxi = certifyParty(acquirer, 'taxi', Role.Merchant, VALID);
const cafe = certifyParty(other, 'cafe', Role.Merchant, VALID);

function check(merchant: Party, serial: number, amount: number): Uint8Array {
  const slip = makeVerifiedSlip(
    merchant,
    {
      merchantId: merchant.id,
      amount,
      currency: LIMITS.currency,
      time: T0,
      terminalId: 't-1',
      terminalTxId: serial,
      terminalNonce: new Uint8Array(16).fill(serial),
      channel: Channel.Pos,
    },
    context,
  );
  return signCheck(purse, checkFor(slip, purse.id, serial, T0));
}

/** The merchant-signed deposit as the acquirer received it (opened from its envelope). */
function signedDeposit(merchant: Party, bank: Party, checks: Uint8Array[]): Uint8Array {
  const sealed = makeDeposit(merchant, bank.certificate, checks, new Uint8Array(16).fill(7), T0);
  return open(MessageType.DepositBatch, bank.kx?.secretKey as Uint8Array, sealed);
}

const checks = [check(taxi, 1, 500), check(taxi, 2, 700)];
const deposit = signedDeposit(taxi, acquirer, checks);
const signed = makePresentment(acquirer, { issuerId: 'BANK-A', deposit, items: [0, 1], time: T0 });

function code(f: () => unknown): number | undefined {
  try {
    f();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
  return undefined;
}

describe('presentment', () => {
  it("names the check's issuer and its certificate from the purse chain", () => {
    const found = checkIssuer(checks[0] as Uint8Array);
    expect(found?.issuerId).toBe('BANK-A');
    expect(found?.certificate).toEqual(issuer.certificate);
  });

  it('seals to the issuer, opens there, and its id is its payload hash', () => {
    const opened = openPresentment(issuer, sealPresentment(issuer.certificate, signed), context);
    expect(opened.presentment.body).toMatchObject({ acquirerId: 'BANK-B', issuerId: 'BANK-A', items: [0, 1] });
    expect(opened.presentment.hash).toEqual(signedHash(parseSign1(signed)));
    expect(opened.deposit.body.merchantId).toBe('taxi');
    // Sealed to another bank's key: not openable by the issuer.
    expect(code(() => openPresentment(issuer, sealPresentment(other.certificate, signed), context))).toBe(
      ErrorCode.EnvelopeOpenFailed,
    );
  });

  it('refuses a wrong recipient, a sender that may not acquire, foreign evidence and bad items', () => {
    expect(code(() => verifyPresentment('BANK-C', signed, context))).toBe(ErrorCode.PresentmentWrongIssuer);
    const byIssuer = makePresentment(issuer, { issuerId: 'BANK-A', deposit, items: [0], time: T0 });
    expect(code(() => verifyPresentment('BANK-A', byIssuer, context))).toBe(ErrorCode.PresenterNotAcquirer);
    // Bank C presents the deposit of a merchant of bank B.
    const notMine = makePresentment(other, { issuerId: 'BANK-A', deposit, items: [0], time: T0 });
    expect(code(() => verifyPresentment('BANK-A', notMine, context))).toBe(ErrorCode.PresentmentEvidenceMismatch);
    const cafeDeposit = signedDeposit(cafe, other, [check(cafe, 3, 100)]);
    const ok = makePresentment(other, { issuerId: 'BANK-A', deposit: cafeDeposit, items: [0], time: T0 });
    expect(verifyPresentment('BANK-A', ok, context).presentment.body.acquirerId).toBe('BANK-C');
    for (const items of [[2], [0, 0], []]) {
      const bad = makePresentment(acquirer, { issuerId: 'BANK-A', deposit, items, time: T0 });
      expect(code(() => verifyPresentment('BANK-A', bad, context))).toBe(ErrorCode.PresentmentEvidenceMismatch);
    }
    const flipped = signed.slice();
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    expect(code(() => verifyPresentment('BANK-A', flipped, context))).toBe(ErrorCode.BadSignature);
  });

  describe('answer', () => {
    const presented = verifyPresentment('BANK-A', signed, context).presentment;
    const items = checks.map((c, i) => ({ checkHash: depositedCheckHash(c), amount: [500, 700][i] as number }));
    const outcomes: [Uint8Array, number, number][] = [
      [items[0]?.checkHash as Uint8Array, 0, 500],
      [items[1]?.checkHash as Uint8Array, ErrorCode.CloneDetected, 0],
    ];
    const answer = makePresentmentAnswer(issuer, presented, outcomes, T0);

    it("verifies against the presentment and the issuer's certificate", () => {
      const verified = verifyPresentmentAnswer(answer, presented, items, context);
      expect(verified.body.outcomes).toEqual(outcomes);
      expect(verified.body.presentmentId).toEqual(presented.hash);
    });

    it('refuses an answer that does not match, or is not the issuer’s', () => {
      const mismatch = (a: Uint8Array, it = items) => code(() => verifyPresentmentAnswer(a, presented, it, context));
      expect(mismatch(makePresentmentAnswer(other, presented, outcomes, T0))).toBe(ErrorCode.PresentmentAnswerMismatch);
      const swapped: [Uint8Array, number, number][] = [outcomes[1] as never, outcomes[0] as never];
      expect(mismatch(makePresentmentAnswer(issuer, presented, swapped, T0))).toBe(ErrorCode.PresentmentAnswerMismatch);
      const overpaid: [Uint8Array, number, number][] = [
        [items[0]?.checkHash as Uint8Array, 0, 501],
        outcomes[1] as never,
      ];
      expect(mismatch(makePresentmentAnswer(issuer, presented, overpaid, T0))).toBe(
        ErrorCode.PresentmentAnswerMismatch,
      );
      const otherPresentment = { ...presented, hash: new Uint8Array(32) };
      expect(code(() => verifyPresentmentAnswer(answer, otherPresentment, items, context))).toBe(
        ErrorCode.PresentmentAnswerMismatch,
      );
      expect(mismatch(answer, items.slice(0, 1))).toBe(ErrorCode.PresentmentAnswerMismatch);
      const flipped = answer.slice();
      flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
      expect(mismatch(flipped)).toBe(ErrorCode.BadSignature);
      expect(() => makePresentmentAnswer(issuer, presented, outcomes.slice(0, 1), T0)).toThrow(RangeError);
    });
  });

  it('is one codec: the body round-trips', () => {
    const body = presentment.decode(parseSign1(signed).payload);
    expect(presentment.decode(presentment.encode(body))).toEqual(body);
  });
});
