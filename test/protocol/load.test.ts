// Protocol 1, loading value: purse request → bank checks → value token → purse credit, once.
import { beforeAll, describe, expect, it } from 'vitest';
import { revocationKey } from '../../src/protocol/certificate.ts';
import { parseSign1, sign1 } from '../../src/protocol/cose.ts';
import { open, seal } from '../../src/protocol/envelope.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import {
  APPLIED_TOKENS_MAX,
  applyValueToken,
  issueValueToken,
  type LoadRequestContext,
  newPurseState,
  OUTSTANDING_LOADS_MAX,
  openLoadRequest,
  type PurseState,
  requestValue,
} from '../../src/protocol/load.ts';
import { type ValueToken, type ValueTokenRequest, valueToken, valueTokenRequest } from '../../src/protocol/messages.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { AMOUNT_MAX, MessageType, Role } from '../../src/protocol/registry.ts';
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
  purseWithoutBankCertificate,
  T0,
  type World,
} from './support/world.ts';

let w: World;
beforeAll(() => {
  w = makeWorld();
});

const tokenId = (fill: number) => new Uint8Array(16).fill(fill);

function bankCtx(extra: Partial<LoadRequestContext> = {}): LoadRequestContext {
  return { ...ctx(w), nonceSeen: () => false, maxSkewS: 300, ...extra };
}

/** A request body as the purse would make it, for tests that forge or alter one. */
function requestBody(over: Partial<ValueTokenRequest> = {}): ValueTokenRequest {
  return {
    purseId: 'purse-1',
    bankId: 'bank-a',
    amount: 50_000,
    currency: 'IDR',
    nonce: nonce(1),
    purseCounter: 1,
    time: T0,
    ...over,
  };
}

const sealRequest = (signer: Party, body: ValueTokenRequest, to: Party = w.bank) =>
  seal(MessageType.ValueTokenRequest, to.kx!.publicKey, signMessage(valueTokenRequest, body, signer));

const sealToken = (signer: Party, body: ValueToken, to: Party = w.purse) =>
  seal(MessageType.ValueToken, to.kx!.publicKey, signMessage(valueToken, body, signer));

/** A purse with one outstanding request of 50 000 IDR (nonce 1) and the bank's verified view of it. */
function requested(amount = 50_000, n = nonce(1), state: PurseState = newPurseState('IDR'), purse = w.purse) {
  const { state: next, envelope } = requestValue(state, purse, { amount, currency: 'IDR', now: T0, nonce: n });
  return { state: next, envelope, verified: openLoadRequest(w.bank, envelope, bankCtx()) };
}

describe('happy path', () => {
  it('loads value: request, bank checks, token, credit', () => {
    const start = newPurseState('IDR');
    const { state, envelope, request } = requestValue(start, w.purse, {
      amount: 50_000,
      currency: 'IDR',
      now: T0,
      nonce: nonce(7),
    });
    expect(request).toMatchObject({
      purseId: 'purse-1',
      bankId: 'bank-a',
      amount: 50_000,
      currency: 'IDR',
      purseCounter: 1,
      time: T0,
    });
    expect(state.counter).toBe(1);
    expect(state.outstanding).toHaveLength(1);
    expect(state.balance).toBe(0);
    expect(start).toStrictEqual(newPurseState('IDR'));

    const seen = new Set<string>();
    const verified = openLoadRequest(
      w.bank,
      envelope,
      bankCtx({ nonceSeen: (n) => seen.has(Buffer.from(n).toString('hex')) }),
    );
    expect(verified.body.nonce).toEqual(nonce(7));
    expect(verified.signer.subject).toBe('purse-1');
    seen.add(Buffer.from(verified.body.nonce).toString('hex'));

    const token = issueValueToken(w.bank, verified, tokenId(9), T0 + 1);
    const applied = applyValueToken(state, w.purse, token, ctx(w));
    expect(applied.credited).toBe(50_000);
    expect(applied.state.balance).toBe(50_000);
    expect(applied.state.outstanding).toHaveLength(0);
    expect(applied.state.appliedTokenIds).toEqual([tokenId(9)]);
    expect(applied.state.counter).toBe(1);
    expect(applied.token.body.tokenId).toEqual(tokenId(9));
  });

  it('counts requests and keeps several loads outstanding, each applied with its own token', () => {
    const a = requested(10_000, nonce(1));
    const b = requested(20_000, nonce(2), a.state);
    expect(b.state.counter).toBe(2);
    expect(b.verified.body.purseCounter).toBe(2);
    const tb = applyValueToken(b.state, w.purse, issueValueToken(w.bank, b.verified, tokenId(2), T0), ctx(w));
    const ta = applyValueToken(tb.state, w.purse, issueValueToken(w.bank, a.verified, tokenId(1), T0), ctx(w));
    expect(ta.state.balance).toBe(30_000);
    expect(ta.state.outstanding).toHaveLength(0);
  });

  it('reissuing the same token (a lost reply) is harmless: it applies once', () => {
    const { state, verified } = requested();
    const first = applyValueToken(state, w.purse, issueValueToken(w.bank, verified, tokenId(5), T0), ctx(w));
    expectRefused(
      first.state,
      (s) => applyValueToken(s, w.purse, issueValueToken(w.bank, verified, tokenId(5), T0 + 60), ctx(w)),
      ErrorCode.TokenAlreadyApplied,
    );
  });
});

describe('requestValue refuses', () => {
  it('amount 0 or not an integer (BadField)', () => {
    expectRefused(
      newPurseState('IDR'),
      (s) => requestValue(s, w.purse, { amount: 0, currency: 'IDR', now: T0, nonce: nonce(1) }),
      ErrorCode.BadField,
    );
    expectRefused(
      newPurseState('IDR'),
      (s) => requestValue(s, w.purse, { amount: 1.5, currency: 'IDR', now: T0, nonce: nonce(1) }),
      ErrorCode.BadField,
    );
  });
  it('a nonce that is not 16 bytes (BadField)', () => {
    expectRefused(
      newPurseState('IDR'),
      (s) => requestValue(s, w.purse, { amount: 1, currency: 'IDR', now: T0, nonce: new Uint8Array(15) }),
      ErrorCode.BadField,
    );
  });
  it('another currency (CurrencyMismatch)', () => {
    expectRefused(
      newPurseState('IDR'),
      (s) => requestValue(s, w.purse, { amount: 1, currency: 'EUR', now: T0, nonce: nonce(1) }),
      ErrorCode.CurrencyMismatch,
    );
    expectRefused(
      newPurseState('EUR'),
      (s) => requestValue(s, w.purse, { amount: 1, currency: 'EUR', now: T0, nonce: nonce(1) }),
      ErrorCode.CurrencyMismatch,
    );
  });
  it('a load that would pass the certified maximum balance, outstanding loads included (LimitExceeded)', () => {
    expectRefused(
      newPurseState('IDR'),
      (s) => requestValue(s, w.purse, { amount: LIMITS.maxBalance + 1, currency: 'IDR', now: T0, nonce: nonce(1) }),
      ErrorCode.LimitExceeded,
    );
    const { state } = requested(600_000);
    expectRefused(
      state,
      (s) => requestValue(s, w.purse, { amount: 400_001, currency: 'IDR', now: T0, nonce: nonce(2) }),
      ErrorCode.LimitExceeded,
    );
    expect(
      requestValue(state, w.purse, { amount: 400_000, currency: 'IDR', now: T0, nonce: nonce(2) }).state.outstanding,
    ).toHaveLength(2);
  });
  it(`more than ${OUTSTANDING_LOADS_MAX} outstanding loads (LimitExceeded)`, () => {
    let state = newPurseState('IDR');
    for (let i = 0; i < OUTSTANDING_LOADS_MAX; i++)
      state = requestValue(state, w.purse, { amount: 1, currency: 'IDR', now: T0, nonce: nonce(i) }).state;
    expectRefused(
      state,
      (s) => requestValue(s, w.purse, { amount: 1, currency: 'IDR', now: T0, nonce: nonce(99) }),
      ErrorCode.LimitExceeded,
    );
  });
  it('a nonce already outstanding (ReplayedNonce)', () => {
    const { state } = requested(1, nonce(3));
    expectRefused(
      state,
      (s) => requestValue(s, w.purse, { amount: 1, currency: 'IDR', now: T0, nonce: nonce(3) }),
      ErrorCode.ReplayedNonce,
    );
  });
  it('sums that overflow (AmountOverflow), for a purse without certified limits', () => {
    const free = partyOf(w.bank, 'purse-free', Role.Purse);
    const state = {
      ...newPurseState('IDR'),
      outstanding: [{ nonce: nonce(1), amount: AMOUNT_MAX, currency: 'IDR', counter: 1, time: T0 }],
    };
    expectRefused(
      state,
      (s) => requestValue(s, free, { amount: 1, currency: 'IDR', now: T0, nonce: nonce(2) }),
      ErrorCode.AmountOverflow,
    );
  });
  it('a purse certificate without its bank certificate (MissingCertificate)', () => {
    const lone = purseWithoutBankCertificate(w.bank, 'purse-lone');
    expectRefused(
      newPurseState('IDR'),
      (s) => requestValue(s, lone, { amount: 1, currency: 'IDR', now: T0, nonce: nonce(1) }),
      ErrorCode.MissingCertificate,
    );
  });
});

describe('openLoadRequest refuses', () => {
  it('an envelope sealed to another bank (EnvelopeOpenFailed)', () => {
    const { envelope } = requestValue(newPurseState('IDR'), w.purse, {
      amount: 1,
      currency: 'IDR',
      now: T0,
      nonce: nonce(1),
    });
    expectCode(() => openLoadRequest(w.bankB, envelope, bankCtx()), ErrorCode.EnvelopeOpenFailed);
  });
  it('a tampered envelope (EnvelopeOpenFailed)', () => {
    const { envelope } = requestValue(newPurseState('IDR'), w.purse, {
      amount: 1,
      currency: 'IDR',
      now: T0,
      nonce: nonce(1),
    });
    // -3: the last ciphertext byte (key 5, the step, follows it).
    expectCode(() => openLoadRequest(w.bank, flip(envelope, -3), bankCtx()), ErrorCode.EnvelopeOpenFailed);
  });
  it('an envelope of another step (WrongEnvelopeStep), and a relabelled one (EnvelopeOpenFailed)', () => {
    const token = sealToken(
      w.bank,
      {
        purseId: 'purse-1',
        bankId: 'bank-a',
        amount: 1,
        currency: 'IDR',
        nonce: nonce(1),
        tokenId: tokenId(1),
        time: T0,
      },
      w.bank,
    );
    expectCode(() => openLoadRequest(w.bank, token, bankCtx()), ErrorCode.WrongEnvelopeStep);
    // The step field says "load request" but the HPKE info was the value token's: it does not open.
    const relabelled = token.slice();
    relabelled[relabelled.length - 1] = MessageType.ValueTokenRequest;
    expectCode(() => openLoadRequest(w.bank, relabelled, bankCtx()), ErrorCode.EnvelopeOpenFailed);
  });
  it('bytes that are not an envelope (MalformedCbor)', () => {
    expectCode(() => openLoadRequest(w.bank, new Uint8Array([0xff]), bankCtx()), ErrorCode.MalformedCbor);
  });
  it('a request signed by a merchant (WrongRole)', () => {
    expectCode(
      () => openLoadRequest(w.bank, sealRequest(w.merchant, requestBody({ purseId: 'shop-1' })), bankCtx()),
      ErrorCode.WrongRole,
    );
  });
  it('a request whose signature does not verify (BadSignature)', () => {
    const signed = signMessage(valueTokenRequest, requestBody(), w.purse);
    const bad = flip(signed, -1);
    expectCode(
      () => openLoadRequest(w.bank, seal(MessageType.ValueTokenRequest, w.bank.kx!.publicKey, bad), bankCtx()),
      ErrorCode.BadSignature,
    );
  });
  it('a request without a certificate (MissingCertificate)', () => {
    const bare = sign1(valueTokenRequest.encode(requestBody()), w.purse.secretKey);
    expectCode(
      () => openLoadRequest(w.bank, seal(MessageType.ValueTokenRequest, w.bank.kx!.publicKey, bare), bankCtx()),
      ErrorCode.MissingCertificate,
    );
  });
  it('a purse under an unknown root (UnknownIssuer)', () => {
    const rogue = partyOf(w.rogueBank, 'purse-1', Role.Purse, { limits: LIMITS });
    expectCode(() => openLoadRequest(w.bank, sealRequest(rogue, requestBody()), bankCtx()), ErrorCode.UnknownIssuer);
  });
  it('expired, not yet valid and revoked purse certificates', () => {
    const old = partyOf(w.bank, 'purse-old', Role.Purse, { ...EXPIRED, limits: LIMITS });
    expectCode(
      () => openLoadRequest(w.bank, sealRequest(old, requestBody({ purseId: 'purse-old' })), bankCtx()),
      ErrorCode.CertificateExpired,
    );
    const early = partyOf(w.bank, 'purse-early', Role.Purse, { ...NOT_YET_VALID, limits: LIMITS });
    expectCode(
      () => openLoadRequest(w.bank, sealRequest(early, requestBody({ purseId: 'purse-early' })), bankCtx()),
      ErrorCode.CertificateNotYetValid,
    );
    expectCode(
      () =>
        openLoadRequest(
          w.bank,
          sealRequest(w.purse, requestBody()),
          bankCtx({ revoked: new Set([revocationKey('bank-a', 'purse-1')]) }),
        ),
      ErrorCode.Revoked,
    );
  });
  it('a purse certificate issued by another purse: a chain of three certificates (BadCoseStructure)', () => {
    const minted = partyOf(w.purse, 'purse-minted', Role.Purse, { limits: LIMITS });
    expectCode(
      () => openLoadRequest(w.bank, sealRequest(minted, requestBody({ purseId: 'purse-minted' })), bankCtx()),
      ErrorCode.BadCoseStructure,
    );
  });
  it('a request for another purse than its signer (SubjectMismatch)', () => {
    expectCode(
      () => openLoadRequest(w.bank, sealRequest(w.purse, requestBody({ purseId: 'purse-2' })), bankCtx()),
      ErrorCode.SubjectMismatch,
    );
  });
  it("a request naming another bank, or from another bank's purse (WrongBank)", () => {
    expectCode(
      () => openLoadRequest(w.bank, sealRequest(w.purse, requestBody({ bankId: 'bank-b' })), bankCtx()),
      ErrorCode.WrongBank,
    );
    expectCode(
      () => openLoadRequest(w.bank, sealRequest(w.purseB, requestBody({ purseId: 'purse-b' })), bankCtx()),
      ErrorCode.WrongBank,
    );
  });
  it('amount 0 (BadField), another currency (CurrencyMismatch), above the maximum balance (LimitExceeded)', () => {
    expectCode(
      () => openLoadRequest(w.bank, sealRequest(w.purse, requestBody({ amount: 0 })), bankCtx()),
      ErrorCode.BadField,
    );
    expectCode(
      () => openLoadRequest(w.bank, sealRequest(w.purse, requestBody({ currency: 'EUR' })), bankCtx()),
      ErrorCode.CurrencyMismatch,
    );
    expectCode(
      () => openLoadRequest(w.bank, sealRequest(w.purse, requestBody({ amount: LIMITS.maxBalance + 1 })), bankCtx()),
      ErrorCode.LimitExceeded,
    );
  });
  it('a request too old or too far in the future (MessageExpired)', () => {
    expectCode(
      () => openLoadRequest(w.bank, sealRequest(w.purse, requestBody({ time: T0 - 301 })), bankCtx()),
      ErrorCode.MessageExpired,
    );
    expectCode(
      () => openLoadRequest(w.bank, sealRequest(w.purse, requestBody({ time: T0 + 301 })), bankCtx()),
      ErrorCode.MessageExpired,
    );
    expect(openLoadRequest(w.bank, sealRequest(w.purse, requestBody({ time: T0 - 300 })), bankCtx()).body.time).toBe(
      T0 - 300,
    );
  });
  it('a replayed nonce (ReplayedNonce)', () => {
    const { envelope } = requestValue(newPurseState('IDR'), w.purse, {
      amount: 1,
      currency: 'IDR',
      now: T0,
      nonce: nonce(4),
    });
    const seen = new Set<string>();
    const nonceSeen = (n: Uint8Array) => seen.has(Buffer.from(n).toString('hex'));
    const first = openLoadRequest(w.bank, envelope, bankCtx({ nonceSeen }));
    seen.add(Buffer.from(first.body.nonce).toString('hex'));
    expectCode(() => openLoadRequest(w.bank, envelope, bankCtx({ nonceSeen })), ErrorCode.ReplayedNonce);
  });
});

describe('issueValueToken', () => {
  it('refuses a purse certificate without a key-exchange key (MissingField)', () => {
    const noKx = partyOf(w.bank, 'purse-nokx', Role.Purse, { limits: LIMITS, withKx: false });
    const { verified } = requested(1, nonce(1), newPurseState('IDR'), noKx);
    expectCode(() => issueValueToken(w.bank, verified, tokenId(1), T0), ErrorCode.MissingField);
  });
  it('refuses a token id that is not 16 bytes (BadField)', () => {
    const { verified } = requested();
    expectCode(() => issueValueToken(w.bank, verified, new Uint8Array(8), T0), ErrorCode.BadField);
  });
  it('seals to the purse: the bank cannot open its own token', () => {
    const { verified } = requested();
    const token = issueValueToken(w.bank, verified, tokenId(1), T0);
    expectCode(() => open(MessageType.ValueToken, w.bank.kx!.secretKey, token), ErrorCode.EnvelopeOpenFailed);
    expect(
      valueToken.decode(parseSign1(open(MessageType.ValueToken, w.purse.kx!.secretKey, token)).payload).amount,
    ).toBe(50_000);
  });
});

describe('applyValueToken refuses, leaving the state unchanged', () => {
  let state: PurseState;
  let verified: Verified<ValueTokenRequest>;
  const tokenBody = (over: Partial<ValueToken> = {}): ValueToken => ({
    purseId: 'purse-1',
    bankId: 'bank-a',
    amount: 50_000,
    currency: 'IDR',
    nonce: nonce(1),
    tokenId: tokenId(1),
    time: T0,
    ...over,
  });
  beforeAll(() => {
    ({ state, verified } = requested());
  });

  it('a token applied twice (TokenAlreadyApplied)', () => {
    const token = issueValueToken(w.bank, verified, tokenId(1), T0);
    const once = applyValueToken(state, w.purse, token, ctx(w));
    expectRefused(once.state, (s) => applyValueToken(s, w.purse, token, ctx(w)), ErrorCode.TokenAlreadyApplied);
  });
  it('a token whose id fell out of the remembered window still applies only once (NonceMismatch)', () => {
    const token = issueValueToken(w.bank, verified, tokenId(1), T0);
    const once = applyValueToken(state, w.purse, token, ctx(w));
    const forgetful = {
      ...once.state,
      appliedTokenIds: Array.from({ length: APPLIED_TOKENS_MAX }, (_, i) => tokenId(100 + i)),
    };
    expectRefused(forgetful, (s) => applyValueToken(s, w.purse, token, ctx(w)), ErrorCode.NonceMismatch);
  });
  it('remembers at most APPLIED_TOKENS_MAX token ids', () => {
    const full = { ...state, appliedTokenIds: Array.from({ length: APPLIED_TOKENS_MAX }, (_, i) => tokenId(100 + i)) };
    const next = applyValueToken(full, w.purse, issueValueToken(w.bank, verified, tokenId(1), T0), ctx(w)).state;
    expect(next.appliedTokenIds).toHaveLength(APPLIED_TOKENS_MAX);
    expect(next.appliedTokenIds.at(-1)).toEqual(tokenId(1));
  });
  it('a token for a nonce that is not outstanding (NonceMismatch)', () => {
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, sealToken(w.bank, tokenBody({ nonce: nonce(2) })), ctx(w)),
      ErrorCode.NonceMismatch,
    );
  });
  it('a token for another purse (WrongPurse)', () => {
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, sealToken(w.bank, tokenBody({ purseId: 'purse-2' })), ctx(w)),
      ErrorCode.WrongPurse,
    );
  });
  it('another amount (BadField) or currency (CurrencyMismatch) than requested', () => {
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, sealToken(w.bank, tokenBody({ amount: 50_001 })), ctx(w)),
      ErrorCode.BadField,
    );
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, sealToken(w.bank, tokenBody({ currency: 'EUR' })), ctx(w)),
      ErrorCode.CurrencyMismatch,
    );
  });
  it('a credit above the certified maximum balance (LimitExceeded)', () => {
    expectRefused(
      { ...state, balance: LIMITS.maxBalance - 49_999 },
      (s) => applyValueToken(s, w.purse, issueValueToken(w.bank, verified, tokenId(1), T0), ctx(w)),
      ErrorCode.LimitExceeded,
    );
  });
  it('a credit that overflows (AmountOverflow), for a purse without certified limits', () => {
    const free = partyOf(w.bank, 'purse-free', Role.Purse);
    const r = requested(1, nonce(1), newPurseState('IDR'), free);
    expectRefused(
      { ...r.state, balance: AMOUNT_MAX },
      (s) => applyValueToken(s, free, issueValueToken(w.bank, r.verified, tokenId(1), T0), ctx(w)),
      ErrorCode.AmountOverflow,
    );
  });
  it("a token from a bank other than the purse's own (WrongBank)", () => {
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, sealToken(w.bankB, tokenBody({ bankId: 'bank-b' })), ctx(w)),
      ErrorCode.WrongBank,
    );
  });
  it('a token naming another bank than its signer (SubjectMismatch)', () => {
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, sealToken(w.bank, tokenBody({ bankId: 'bank-b' })), ctx(w)),
      ErrorCode.SubjectMismatch,
    );
  });
  it('a token signed by a merchant or a purse (WrongRole)', () => {
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, sealToken(w.merchant, tokenBody()), ctx(w)),
      ErrorCode.WrongRole,
    );
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, sealToken(w.purse, tokenBody()), ctx(w)),
      ErrorCode.WrongRole,
    );
  });
  it('a token with a bad signature (BadSignature)', () => {
    const forged = flip(signMessage(valueToken, tokenBody(), w.bank), -1);
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, seal(MessageType.ValueToken, w.purse.kx!.publicKey, forged), ctx(w)),
      ErrorCode.BadSignature,
    );
  });
  it('a token from an impostor bank under an unknown root (UnknownIssuer)', () => {
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, sealToken(w.rogueBank, tokenBody()), ctx(w)),
      ErrorCode.UnknownIssuer,
    );
  });
  it('a token from an expired, not yet valid or revoked bank', () => {
    const token = issueValueToken(w.bank, verified, tokenId(1), T0);
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, token, ctx(w, { now: T0 + 366 * 86_400 })),
      ErrorCode.CertificateExpired,
    );
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, token, ctx(w, { now: T0 - 2 * 86_400 })),
      ErrorCode.CertificateNotYetValid,
    );
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, token, ctx(w, { revoked: new Set([revocationKey('root', 'bank-a')]) })),
      ErrorCode.Revoked,
    );
  });
  it('a token sealed to another purse (EnvelopeOpenFailed)', () => {
    expectRefused(
      state,
      (s) => applyValueToken(s, w.purse, sealToken(w.bank, tokenBody(), w.purseB), ctx(w)),
      ErrorCode.EnvelopeOpenFailed,
    );
  });
  it('an envelope of another step (WrongEnvelopeStep)', () => {
    const { envelope } = requestValue(newPurseState('IDR'), w.purse, {
      amount: 1,
      currency: 'IDR',
      now: T0,
      nonce: nonce(1),
    });
    expectRefused(state, (s) => applyValueToken(s, w.purse, envelope, ctx(w)), ErrorCode.WrongEnvelopeStep);
  });
  it('a token that is not a value token (WrongMessageType)', () => {
    const wrong = seal(
      MessageType.ValueToken,
      w.purse.kx!.publicKey,
      signMessage(valueTokenRequest, requestBody(), w.bank),
    );
    expectRefused(state, (s) => applyValueToken(s, w.purse, wrong, ctx(w)), ErrorCode.WrongMessageType);
  });
});
