// Protocol 3, spending on the Internet: slip (channel 1) → check request → purse signature →
// cardholder approval (COSE_Sign, purse first) sealed to the merchant → shop's verdict.
import { beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, Tagged } from '../../src/protocol/cbor.ts';
import { revocationKey } from '../../src/protocol/certificate.ts';
import { assembleMulti, parseMulti, signMulti, signPart } from '../../src/protocol/cose.ts';
import { seal } from '../../src/protocol/envelope.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import {
  acceptInternetCheck,
  approveInternetCheck,
  type InternetCheckDraft,
  makeCheckRequest,
  makeInternetSlip,
  signInternetCheck,
  verifyInternetCheck,
} from '../../src/protocol/internet.ts';
import {
  type DigitalCheck,
  digitalCheck,
  digitalCheckRequest,
  type PurchaseSlip,
} from '../../src/protocol/messages.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { makeSlip, signCheck, verifySlip } from '../../src/protocol/pos.ts';
import { Channel, MessageType, Role } from '../../src/protocol/registry.ts';
import {
  ctx,
  EXPIRED,
  expectCode,
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
beforeAll(() => {
  w = makeWorld();
});

const slipBody = (over: Partial<Omit<PurchaseSlip, 'channel'>> = {}): Omit<PurchaseSlip, 'channel'> => ({
  merchantId: 'shop-1',
  amount: 30_000,
  currency: 'IDR',
  time: T0,
  terminalId: 'web-1',
  terminalTxId: 1,
  terminalNonce: nonce(1),
  ...over,
});

const signing = (serial = 1, extra = {}) => ({ ...ctx(w), serial, time: T0 + 5, ...extra });

/** The whole flow up to the sealed check, for `merchant` (default shop-1). */
function pay(
  o: {
    merchant?: Party;
    purse?: Party;
    cardholder?: Party;
    slip?: Partial<Omit<PurchaseSlip, 'channel'>>;
    serial?: number;
  } = {},
) {
  const merchant = o.merchant ?? w.merchant;
  const slip = makeInternetSlip(merchant, slipBody({ merchantId: merchant.id, ...o.slip }));
  const draft = signInternetCheck(
    o.purse ?? w.purse,
    makeCheckRequest(slip, (o.cardholder ?? w.cardholder).id),
    signing(o.serial ?? 1),
  );
  const { envelope, check } = approveInternetCheck(o.cardholder ?? w.cardholder, draft, ctx(w));
  return { slip, verifiedSlip: verifySlip(slip, ctx(w)), draft, envelope, check };
}

const policy = (extra = {}) => ({ anchors: w.anchors, now: T0 + 10, ...extra });
const sealTo = (merchant: Party, signed: Uint8Array) => seal(MessageType.InternetCheck, merchant.kx!.publicKey, signed);

function checkBody(over: Partial<DigitalCheck> = {}): DigitalCheck {
  return {
    slipHash: new Uint8Array(32),
    amount: 30_000,
    currency: 'IDR',
    merchantId: 'shop-1',
    purseId: 'purse-1',
    serial: 1,
    time: T0,
    channel: Channel.Internet,
    ...over,
  };
}

describe('happy path', () => {
  it('pays on the Internet: two signatures, purse first, sealed to the merchant, accepted', () => {
    const { slip, verifiedSlip, draft, envelope, check } = pay();
    expect(verifiedSlip.body.channel).toBe(Channel.Internet);
    expect(draft.check).toMatchObject({
      amount: 30_000,
      currency: 'IDR',
      merchantId: 'shop-1',
      purseId: 'purse-1',
      serial: 1,
      time: T0 + 5,
      channel: Channel.Internet,
    });
    expect(draft.slip).toEqual(slip);
    expect(check.signer.subject).toBe('purse-1');
    expect(check.cardholder.subject).toBe('alice');
    const parsed = parseMulti(check.bytes, 2);
    expect(parsed.signers).toHaveLength(2);

    const verdict = acceptInternetCheck(w.merchant, envelope, verifiedSlip, policy());
    expect(verdict).toMatchObject({ decision: 'accept', genuine: true, revocationListAgeS: null });
    expect(verdict.code).toBeUndefined();
    expect(verdict.check?.body).toEqual(draft.check);
    expect(verdict.check?.hash).toEqual(check.hash);
    expect(verdict.limits).toEqual([
      { name: 'certified max per check', limit: LIMITS.maxPerCheck, amount: 30_000, ok: true },
    ]);
  });

  it('the check request round-trips, and the two-step COSE_Sign equals a one-step signMulti', () => {
    const slip = makeInternetSlip(w.merchant, slipBody());
    expect(digitalCheckRequest.decode(makeCheckRequest(slip, 'alice'))).toEqual({ slip, cardholderId: 'alice' });
    const payload = digitalCheck.encode(checkBody());
    expect(assembleMulti(payload, [signPart(payload, w.purse), signPart(payload, w.cardholder)])).toEqual(
      signMulti(payload, [w.purse, w.cardholder]),
    );
  });
});

describe('signInternetCheck refuses', () => {
  const request = (slip: Uint8Array) => makeCheckRequest(slip, 'alice');
  it('a POS slip (WrongChannel)', () => {
    const pos = makeSlip(w.merchant, { ...slipBody(), channel: Channel.Pos });
    expectCode(() => signInternetCheck(w.purse, request(pos), signing()), ErrorCode.WrongChannel);
  });
  it('a tampered slip (BadSignature)', () => {
    expectCode(
      () => signInternetCheck(w.purse, request(flip(makeInternetSlip(w.merchant, slipBody()), -1)), signing()),
      ErrorCode.BadSignature,
    );
  });
  it('a slip signed by a purse (WrongRole)', () => {
    expectCode(
      () =>
        signInternetCheck(w.purse, request(makeInternetSlip(w.purse, slipBody({ merchantId: 'purse-1' }))), signing()),
      ErrorCode.WrongRole,
    );
  });
  it('a slip naming another merchant than its signer (SubjectMismatch)', () => {
    expectCode(
      () =>
        signInternetCheck(
          w.purse,
          request(makeInternetSlip(w.merchant, slipBody({ merchantId: 'shop-b' }))),
          signing(),
        ),
      ErrorCode.SubjectMismatch,
    );
  });
  it('a merchant under an unknown root (UnknownIssuer)', () => {
    const rogue = partyOf(w.rogueBank, 'shop-1', Role.Merchant);
    expectCode(
      () => signInternetCheck(w.purse, request(makeInternetSlip(rogue, slipBody())), signing()),
      ErrorCode.UnknownIssuer,
    );
  });
  it('expired, not yet valid and revoked merchants', () => {
    const old = partyOf(w.bank, 'shop-old', Role.Merchant, EXPIRED);
    expectCode(
      () => signInternetCheck(w.purse, request(makeInternetSlip(old, slipBody({ merchantId: 'shop-old' }))), signing()),
      ErrorCode.CertificateExpired,
    );
    const early = partyOf(w.bank, 'shop-early', Role.Merchant, NOT_YET_VALID);
    expectCode(
      () =>
        signInternetCheck(w.purse, request(makeInternetSlip(early, slipBody({ merchantId: 'shop-early' }))), signing()),
      ErrorCode.CertificateNotYetValid,
    );
    expectCode(
      () =>
        signInternetCheck(
          w.purse,
          request(makeInternetSlip(w.merchant, slipBody())),
          signing(1, { revoked: new Set([revocationKey('bank-a', 'shop-1')]) }),
        ),
      ErrorCode.Revoked,
    );
  });
  it('a serial below 1 (BadField)', () => {
    expectCode(
      () => signInternetCheck(w.purse, request(makeInternetSlip(w.merchant, slipBody())), signing(0)),
      ErrorCode.BadField,
    );
  });
  it("another currency than the purse's (CurrencyMismatch), an amount above its limit per check (LimitExceeded)", () => {
    expectCode(
      () => signInternetCheck(w.purse, request(makeInternetSlip(w.merchant, slipBody({ currency: 'EUR' }))), signing()),
      ErrorCode.CurrencyMismatch,
    );
    expectCode(
      () =>
        signInternetCheck(
          w.purse,
          request(makeInternetSlip(w.merchant, slipBody({ amount: LIMITS.maxPerCheck + 1 }))),
          signing(),
        ),
      ErrorCode.LimitExceeded,
    );
  });
  it('something that is not a check request (WrongMessageType, BadField, MalformedCbor)', () => {
    expectCode(
      () => signInternetCheck(w.purse, digitalCheck.encode(checkBody()), signing()),
      ErrorCode.WrongMessageType,
    );
    expectCode(
      () => signInternetCheck(w.purse, makeInternetSlip(w.merchant, slipBody()), signing()),
      ErrorCode.BadField,
    );
    expectCode(() => signInternetCheck(w.purse, new Uint8Array([0x1c]), signing()), ErrorCode.MalformedCbor);
  });
});

describe('approveInternetCheck refuses', () => {
  let draft: InternetCheckDraft;
  beforeAll(() => {
    draft = signInternetCheck(w.purse, makeCheckRequest(makeInternetSlip(w.merchant, slipBody()), 'alice'), signing());
  });
  it('an altered payload: the purse signature no longer verifies (BadSignature)', () => {
    const payload = digitalCheck.encode({ ...draft.check, amount: 1 });
    expectCode(() => approveInternetCheck(w.cardholder, { ...draft, payload }, ctx(w)), ErrorCode.BadSignature);
  });
  it("a first signature that is not a purse's (WrongRole)", () => {
    expectCode(
      () =>
        approveInternetCheck(w.cardholder, { ...draft, purseSignature: signPart(draft.payload, w.merchant) }, ctx(w)),
      ErrorCode.WrongRole,
    );
  });
  it('an approver that is not a cardholder (WrongRole)', () => {
    expectCode(() => approveInternetCheck(w.merchant, draft, ctx(w)), ErrorCode.WrongRole);
  });
  it('a cardholder of another bank than the purse (IssuerMismatch)', () => {
    expectCode(() => approveInternetCheck(w.cardholderB, draft, ctx(w)), ErrorCode.IssuerMismatch);
  });
  it('expired, not yet valid and revoked cardholders', () => {
    expectCode(
      () => approveInternetCheck(partyOf(w.bank, 'carol', Role.Cardholder, EXPIRED), draft, ctx(w)),
      ErrorCode.CertificateExpired,
    );
    expectCode(
      () => approveInternetCheck(partyOf(w.bank, 'dave', Role.Cardholder, NOT_YET_VALID), draft, ctx(w)),
      ErrorCode.CertificateNotYetValid,
    );
    expectCode(
      () => approveInternetCheck(w.cardholder, draft, ctx(w, { revoked: new Set([revocationKey('bank-a', 'alice')]) })),
      ErrorCode.Revoked,
    );
  });
  it('a cardholder under an unknown root (UnknownIssuer)', () => {
    expectCode(
      () => approveInternetCheck(partyOf(w.rogueBank, 'alice', Role.Cardholder), draft, ctx(w)),
      ErrorCode.UnknownIssuer,
    );
  });
  it('a check for another slip than the one shown (SlipMismatch)', () => {
    const other = makeInternetSlip(w.merchant, slipBody({ terminalTxId: 2 }));
    expectCode(() => approveInternetCheck(w.cardholder, { ...draft, slip: other }, ctx(w)), ErrorCode.SlipMismatch);
  });
  it('a merchant without a key-exchange key (MissingField)', () => {
    const noKx = partyOf(w.bank, 'shop-nokx', Role.Merchant, { withKx: false });
    const d = signInternetCheck(
      w.purse,
      makeCheckRequest(makeInternetSlip(noKx, slipBody({ merchantId: 'shop-nokx' })), 'alice'),
      signing(),
    );
    expectCode(() => approveInternetCheck(w.cardholder, d, ctx(w)), ErrorCode.MissingField);
  });
});

describe('verifyInternetCheck refuses', () => {
  const payload = () => digitalCheck.encode(checkBody());
  it('a POS check (BadCoseStructure) and a COSE_Sign with one signature (BadCoseStructure)', () => {
    expectCode(
      () => verifyInternetCheck(signCheck(w.purse, checkBody({ channel: Channel.Pos })), ctx(w)),
      ErrorCode.BadCoseStructure,
    );
    expectCode(() => verifyInternetCheck(signMulti(payload(), [w.purse]), ctx(w)), ErrorCode.BadCoseStructure);
  });
  it('signatures in the wrong order (WrongRole)', () => {
    expectCode(() => verifyInternetCheck(signMulti(payload(), [w.cardholder, w.purse]), ctx(w)), ErrorCode.WrongRole);
  });
  it('a signature without a certificate (MissingCertificate)', () => {
    const p = payload();
    const bare = decode(signPart(p, w.cardholder)) as [Uint8Array, Map<number, unknown>, Uint8Array];
    const part = encode([bare[0], new Map(), bare[2]]);
    expectCode(
      () => verifyInternetCheck(assembleMulti(p, [signPart(p, w.purse), part]), ctx(w)),
      ErrorCode.MissingCertificate,
    );
    expectCode(
      () => verifyInternetCheck(assembleMulti(p, [part, signPart(p, w.purse)]), ctx(w)),
      ErrorCode.MissingCertificate,
    );
  });
  it('a cardholder signature that does not verify (BadSignature)', () => {
    const p = payload();
    const other = digitalCheck.encode(checkBody({ serial: 2 }));
    expectCode(
      () => verifyInternetCheck(assembleMulti(p, [signPart(p, w.purse), signPart(other, w.cardholder)]), ctx(w)),
      ErrorCode.BadSignature,
    );
  });
  it('a check naming another purse than its signer (SubjectMismatch)', () => {
    expectCode(
      () =>
        verifyInternetCheck(
          signMulti(digitalCheck.encode(checkBody({ purseId: 'purse-2' })), [w.purse, w.cardholder]),
          ctx(w),
        ),
      ErrorCode.SubjectMismatch,
    );
  });
  it('a doubly signed check for the POS channel (WrongChannel), serial 0 (BadField)', () => {
    expectCode(
      () =>
        verifyInternetCheck(
          signMulti(digitalCheck.encode(checkBody({ channel: Channel.Pos })), [w.purse, w.cardholder]),
          ctx(w),
        ),
      ErrorCode.WrongChannel,
    );
    expectCode(
      () =>
        verifyInternetCheck(signMulti(digitalCheck.encode(checkBody({ serial: 0 })), [w.purse, w.cardholder]), ctx(w)),
      ErrorCode.BadField,
    );
  });
  it('a purse under an unknown root (UnknownIssuer)', () => {
    const rogue = partyOf(w.rogueBank, 'purse-1', Role.Purse, { limits: LIMITS });
    expectCode(() => verifyInternetCheck(signMulti(payload(), [rogue, w.cardholder]), ctx(w)), ErrorCode.UnknownIssuer);
  });
  it('not a COSE structure at all (MalformedCbor, BadCoseStructure)', () => {
    expectCode(() => verifyInternetCheck(new Uint8Array([0xff]), ctx(w)), ErrorCode.MalformedCbor);
    expectCode(() => verifyInternetCheck(encode(new Tagged(98, [])), ctx(w)), ErrorCode.BadCoseStructure);
  });
});

describe('acceptInternetCheck refuses, with the first failing rule', () => {
  it('an envelope sealed to another merchant (EnvelopeOpenFailed)', () => {
    const { check, verifiedSlip } = pay();
    const verdict = acceptInternetCheck(w.merchant, sealTo(w.merchantB, check.bytes), verifiedSlip, policy());
    expect(verdict).toMatchObject({ decision: 'refuse', code: ErrorCode.EnvelopeOpenFailed, genuine: false });
  });
  it('an envelope of another step (WrongEnvelopeStep)', () => {
    const { check, verifiedSlip } = pay();
    const deposit = seal(MessageType.DepositBatch, w.merchant.kx!.publicKey, check.bytes);
    expect(acceptInternetCheck(w.merchant, deposit, verifiedSlip, policy()).code).toBe(ErrorCode.WrongEnvelopeStep);
  });
  it('a check for another merchant (WrongMerchant), even sealed to this one', () => {
    const b = pay({ merchant: w.merchantB });
    const { verifiedSlip } = pay();
    const verdict = acceptInternetCheck(w.merchant, sealTo(w.merchant, b.check.bytes), verifiedSlip, policy());
    expect(verdict).toMatchObject({ decision: 'refuse', code: ErrorCode.WrongMerchant, genuine: true });
    expect(acceptInternetCheck(w.merchant, sealTo(w.merchant, b.check.bytes), b.verifiedSlip, policy()).code).toBe(
      ErrorCode.WrongMerchant,
    );
  });
  it('a check for another slip of this shop (SlipMismatch)', () => {
    const a = pay({ slip: { terminalTxId: 7 } });
    const { verifiedSlip } = pay({ slip: { terminalTxId: 8 } });
    expect(acceptInternetCheck(w.merchant, a.envelope, verifiedSlip, policy()).code).toBe(ErrorCode.SlipMismatch);
  });
  it("an amount above the shop's own ceiling (LimitExceeded)", () => {
    const { envelope, verifiedSlip } = pay();
    const verdict = acceptInternetCheck(w.merchant, envelope, verifiedSlip, policy({ terminalMaxPerCheck: 29_999 }));
    expect(verdict.code).toBe(ErrorCode.LimitExceeded);
    expect(verdict.limits.map((l) => l.ok)).toEqual([true, false]);
  });
  it('a check seen before (DuplicateCheck)', () => {
    const { envelope, verifiedSlip } = pay({ serial: 42 });
    const verdict = acceptInternetCheck(
      w.merchant,
      envelope,
      verifiedSlip,
      policy({ seen: (p: string, s: number) => p === 'purse-1' && s === 42 }),
    );
    expect(verdict.code).toBe(ErrorCode.DuplicateCheck);
  });
  it('a stale or missing revocation list (StaleRevocationList), a revoked purse (Revoked)', () => {
    const { envelope, verifiedSlip } = pay();
    const list = { bankId: 'bank-a', issuedAt: T0 - 7200, nextUpdate: T0, revoked: ['purse-1'], listNumber: 3 };
    expect(acceptInternetCheck(w.merchant, envelope, verifiedSlip, policy({ revocationMaxAgeS: 3600 })).code).toBe(
      ErrorCode.StaleRevocationList,
    );
    expect(
      acceptInternetCheck(
        w.merchant,
        envelope,
        verifiedSlip,
        policy({ revocationLists: [list], revocationMaxAgeS: 3600 }),
      ).code,
    ).toBe(ErrorCode.StaleRevocationList);
    const verdict = acceptInternetCheck(w.merchant, envelope, verifiedSlip, policy({ revocationLists: [list] }));
    expect(verdict).toMatchObject({ code: ErrorCode.Revoked, revocationListAgeS: 7210 });
  });
  it("certificates expired or not yet valid at the shop's time", () => {
    const { envelope, verifiedSlip } = pay();
    expect(acceptInternetCheck(w.merchant, envelope, verifiedSlip, policy({ now: T0 + 400 * 86_400 })).code).toBe(
      ErrorCode.CertificateExpired,
    );
    expect(acceptInternetCheck(w.merchant, envelope, verifiedSlip, policy({ now: T0 - 2 * 86_400 })).code).toBe(
      ErrorCode.CertificateNotYetValid,
    );
  });
  it('a check whose purse and cardholder come from different banks (IssuerMismatch)', () => {
    const { verifiedSlip, draft } = pay();
    const mixed = assembleMulti(draft.payload, [draft.purseSignature, signPart(draft.payload, w.cardholderB)]);
    expect(acceptInternetCheck(w.merchant, sealTo(w.merchant, mixed), verifiedSlip, policy()).code).toBe(
      ErrorCode.IssuerMismatch,
    );
  });
  it('a tampered check (BadSignature) and a foreign purse (UnknownIssuer)', () => {
    const { verifiedSlip, check, draft } = pay();
    expect(
      acceptInternetCheck(w.merchant, sealTo(w.merchant, flip(check.bytes, -1)), verifiedSlip, policy()).code,
    ).toBe(ErrorCode.BadSignature);
    const rogue = partyOf(w.rogueBank, 'purse-1', Role.Purse, { limits: LIMITS });
    const forged = assembleMulti(draft.payload, [
      signPart(draft.payload, rogue),
      signPart(draft.payload, w.cardholder),
    ]);
    expect(acceptInternetCheck(w.merchant, sealTo(w.merchant, forged), verifiedSlip, policy()).code).toBe(
      ErrorCode.UnknownIssuer,
    );
  });
});
