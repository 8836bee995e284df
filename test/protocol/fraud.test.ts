// Fraud proofs: two genuine checks of one purse with one serial prove a clone, offline, for ever.
import { beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate, parseCertificate } from '../../src/protocol/certificate.ts';
import { signedHash, signMulti } from '../../src/protocol/cose.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { makeFraudProof, verifyFraudProof } from '../../src/protocol/fraud.ts';
import {
  approveInternetCheck,
  makeCheckRequest,
  makeInternetSlip,
  signInternetCheck,
} from '../../src/protocol/internet.ts';
import { type DigitalCheck, digitalCheck, fraudProof } from '../../src/protocol/messages.ts';
import { newSerial, type Party } from '../../src/protocol/pki.ts';
import { checkFor, makeSlip, signCheck, verifySlip } from '../../src/protocol/pos.ts';
import { Channel, Role } from '../../src/protocol/registry.ts';
import {
  ctx,
  DAY,
  expectCode,
  flip,
  LIMITS,
  makeWorld,
  nonce,
  partyOf,
  T0,
  VALID,
  type World,
} from './support/world.ts';

let w: World;
beforeAll(() => {
  w = makeWorld();
});

/** A POS check by `purse` with `serial`, for a slip of `txId` (different tx: a different check). */
function pos(serial: number, txId: number, o: { purse?: Party; time?: number } = {}): Uint8Array {
  const purse = o.purse ?? w.purse;
  const slip = verifySlip(
    makeSlip(w.merchant, {
      merchantId: 'shop-1',
      amount: 1_000 + txId,
      currency: 'IDR',
      time: T0,
      terminalId: 'bus-3',
      terminalTxId: txId,
      terminalNonce: nonce(txId),
      channel: Channel.Pos,
    }),
    ctx(w),
  );
  return signCheck(purse, checkFor(slip, purse.id, serial, o.time ?? T0));
}

function internet(serial: number, txId: number): Uint8Array {
  const slip = makeInternetSlip(w.merchant, {
    merchantId: 'shop-1',
    amount: 2_000 + txId,
    currency: 'IDR',
    time: T0,
    terminalId: 'web',
    terminalTxId: txId,
    terminalNonce: nonce(txId),
  });
  const draft = signInternetCheck(w.purse, makeCheckRequest(slip, 'alice'), { ...ctx(w), serial, time: T0 });
  return approveInternetCheck(w.cardholder, draft, ctx(w)).check.bytes;
}

const fraudCtx = () => ({ anchors: w.anchors });

describe('happy path', () => {
  it('two POS checks with one serial prove a clone', () => {
    const a = pos(5, 1);
    const b = pos(5, 2);
    const evidence = verifyFraudProof(makeFraudProof(a, b), fraudCtx());
    expect(evidence.purseId).toBe('purse-1');
    expect(evidence.bankId).toBe('bank-a');
    expect(evidence.serial).toBe(5);
    // the hashes are the checks' payload hashes (WIRE.md § Hashes), in the proof's order
    expect(new Set(evidence.hashes.map((h) => Buffer.from(h).toString('hex')))).toEqual(
      new Set([a, b].map((c) => Buffer.from(signedHash(c)).toString('hex'))),
    );
  });
  it('works for Internet checks (COSE_Sign) and for a POS check against an Internet one', () => {
    expect(verifyFraudProof(makeFraudProof(internet(6, 1), internet(6, 2)), fraudCtx()).serial).toBe(6);
    expect(verifyFraudProof(makeFraudProof(pos(7, 1), internet(7, 2)), fraudCtx()).serial).toBe(7);
  });
  it('one pair gives one proof, whatever the order', () => {
    const a = pos(5, 1);
    const b = pos(5, 2);
    expect(makeFraudProof(a, b)).toEqual(makeFraudProof(b, a));
  });
  it('an old proof still verifies after the purse certificate expired (revocation is not consulted)', () => {
    const proof = makeFraudProof(pos(5, 1), pos(5, 2));
    expect(verifyFraudProof(proof, { anchors: w.anchors, now: T0 + 3 * 365 * DAY }).serial).toBe(5);
  });
  it('a proof whose checks are dated within the clock skew of now verifies', () => {
    expect(
      verifyFraudProof(makeFraudProof(pos(5, 1, { time: T0 + 200 }), pos(5, 2)), { anchors: w.anchors, now: T0 })
        .serial,
    ).toBe(5);
  });
});

describe('not a fraud proof (NotAFraudProof)', () => {
  const refused = (
    proof: Uint8Array,
    inner?: ErrorCode,
    context: Parameters<typeof verifyFraudProof>[1] = fraudCtx(),
  ) => {
    const error = expectCode(() => verifyFraudProof(proof, context), ErrorCode.NotAFraudProof);
    if (inner !== undefined) expect(error.detail).toMatch(new RegExp(`^${inner}:`));
  };
  const raw = (first: Uint8Array, second: Uint8Array) => fraudProof.encode({ first, second });

  it('the same check twice', () => {
    const a = pos(5, 1);
    expectCode(() => makeFraudProof(a, a), ErrorCode.NotAFraudProof);
    refused(raw(a, a));
  });
  it('two serials', () => {
    refused(makeFraudProof(pos(5, 1), pos(6, 2)));
  });
  it('two purses', () => {
    const other = partyOf(w.bank, 'purse-2', Role.Purse, { limits: LIMITS });
    refused(makeFraudProof(pos(5, 1), pos(5, 2, { purse: other })));
  });
  it('one purse id with two signing keys (a re-personalised card is not a clone)', () => {
    const renewed = partyOf(w.bank, 'purse-1', Role.Purse, { limits: LIMITS });
    refused(makeFraudProof(pos(5, 1), pos(5, 2, { purse: renewed })));
  });
  it('one check under two certificates of the same key (different bytes, one payload)', () => {
    const a = pos(5, 1);
    const cert = parseCertificate(w.purse.certificate);
    const second = issueCertificate(
      { ...cert, serial: newSerial(), issuedAt: T0 },
      w.bank.secretKey,
      w.bank.certificate,
    );
    const rewrapped = pos(5, 1, { purse: { ...w.purse, certificate: second } });
    expect(rewrapped).not.toEqual(a);
    refused(makeFraudProof(a, rewrapped));
  });
  it('a forged check (BadSignature inside)', () => {
    refused(makeFraudProof(pos(5, 1), flip(pos(5, 2), -1)), ErrorCode.BadSignature);
  });
  it('a check from a purse under an unknown root (UnknownIssuer inside)', () => {
    const rogue = partyOf(w.rogueBank, 'purse-1', Role.Purse, { limits: LIMITS });
    refused(makeFraudProof(pos(5, 1), pos(5, 2, { purse: rogue })), ErrorCode.UnknownIssuer);
  });
  it("a check dated outside its certificate's validity (CertificateExpired / NotYetValid inside)", () => {
    refused(makeFraudProof(pos(5, 1), pos(5, 2, { time: VALID.notAfter + 1 })), ErrorCode.CertificateExpired);
    refused(makeFraudProof(pos(5, 1), pos(5, 2, { time: VALID.notBefore - 1 })), ErrorCode.CertificateNotYetValid);
  });
  it('a check dated after now (beyond the skew), when now is given (MessageExpired inside)', () => {
    refused(makeFraudProof(pos(5, 1), pos(5, 2, { time: T0 + 301 })), ErrorCode.MessageExpired, {
      anchors: w.anchors,
      now: T0,
    });
  });
  it('a doubly signed check whose signers do not fit (WrongRole inside)', () => {
    const payload = digitalCheck.encode(checkBody());
    refused(makeFraudProof(pos(5, 1), signMulti(payload, [w.cardholder, w.purse])), ErrorCode.WrongRole);
  });
  it('a check naming another purse than its signer (SubjectMismatch inside)', () => {
    refused(
      makeFraudProof(pos(5, 1), signCheck(w.purse, checkBody({ purseId: 'purse-2', channel: Channel.Pos }))),
      ErrorCode.SubjectMismatch,
    );
  });
  it('bytes that are not a proof or not checks', () => {
    refused(new Uint8Array([0xff]), ErrorCode.MalformedCbor);
    refused(digitalCheck.encode(checkBody()), ErrorCode.WrongMessageType);
    refused(raw(pos(5, 1), new Uint8Array([1, 2, 3])), ErrorCode.MalformedCbor);
    refused(raw(pos(5, 1), w.purse.certificate));
  });
});

function checkBody(over: Partial<DigitalCheck> = {}): DigitalCheck {
  return {
    slipHash: new Uint8Array(32),
    amount: 1,
    currency: 'IDR',
    merchantId: 'shop-1',
    purseId: 'purse-1',
    serial: 5,
    time: T0,
    channel: Channel.Internet,
    ...over,
  };
}
