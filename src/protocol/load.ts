// Protocol 1, loading value: the purse's value-token request, the bank's checks and its value
// token, and the purse crediting the token. Pure functions: no I/O, no clock (time is an
// argument), no storage (the purse state is a plain immutable object, returned anew; the bank's
// nonce store is a query it passes in).
import { equalBytes } from '../bytes.ts';
import { type OfflineLimits, parseCertificate } from './certificate.ts';
import { open, seal } from './envelope.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { addAmounts, bytes } from './fields.ts';
import { type ValueToken, type ValueTokenRequest, valueToken, valueTokenRequest } from './messages.ts';
import type { Party } from './pki.ts';
import { AMOUNT_MAX, ByteLength, MessageType, Role } from './registry.ts';
import { type SecretKey, signMessage, type Verified, type VerifyContext, verifyMessage } from './signed.ts';

/** A load the purse asked for and has not yet been credited. */
export interface OutstandingLoad {
  readonly nonce: Uint8Array;
  readonly amount: number;
  readonly currency: string;
  /** The purse counter the request carried. */
  readonly counter: number;
  readonly time: number;
}

/** The purse's last purchase, kept so that the merchant can refund (cancel) it: see refund.ts. */
export interface LastPurchase {
  readonly serial: number;
  readonly amount: number;
  readonly currency: string;
  readonly merchantId: string;
  /** SHA-256 of the signed check, when the purse saw it whole (POS; an Internet check is finished by the cardholder). */
  readonly checkHash?: Uint8Array;
  readonly refunded: boolean;
}

/** What the purse remembers between protocol steps. Never mutated: every step returns a new one. */
export interface PurseState {
  readonly balance: number;
  readonly currency: string;
  /** Loads requested so far (the value-token request's purse counter). */
  readonly counter: number;
  readonly outstanding: readonly OutstandingLoad[];
  /** Token ids applied, newest last, at most APPLIED_TOKENS_MAX of them. */
  readonly appliedTokenIds: readonly Uint8Array[];
  readonly lastPurchase?: LastPurchase;
}
/** The name the loading protocol knows the purse state by. */
export type PurseLoadState = PurseState;

/** A purse keeps at most this many loads outstanding; a further request is refused (LimitExceeded). */
export const OUTSTANDING_LOADS_MAX = 8;
/**
 * Applied token ids remembered. A token older than this window is still refused, since its nonce
 * left the outstanding list when it was applied (NonceMismatch instead of TokenAlreadyApplied).
 */
export const APPLIED_TOKENS_MAX = 64;

export function newPurseState(currency: string, balance = 0): PurseState {
  return { balance, currency, counter: 0, outstanding: [], appliedTokenIds: [] };
}

/** What the purse knows about itself from its certificate: its bank and its certified limits. */
export function purseProfile(purse: Pick<Party, 'certificate'>): {
  purseId: string;
  bankId: string;
  bankKxKey?: Uint8Array;
  limits?: OfflineLimits;
} {
  const cert = parseCertificate(purse.certificate);
  const bank = cert.issuerCertificate ? parseCertificate(cert.issuerCertificate) : undefined;
  return {
    purseId: cert.subject,
    bankId: cert.issuer,
    ...(bank?.kxKey ? { bankKxKey: bank.kxKey } : {}),
    ...(cert.limits ? { limits: cert.limits } : {}),
  };
}

export const kxSecretOf = (party: Pick<Party, 'id' | 'kx'>): Uint8Array => {
  if (!party.kx) throw new TypeError(`${party.id} has no key-exchange key`);
  return party.kx.secretKey;
};

/** Refuses a credit that would overflow or pass the certified maximum balance. */
export function creditedBalance(state: PurseState, amount: number, limits: OfflineLimits | undefined): number {
  const balance = addAmounts(state.balance, amount);
  const max = limits?.maxBalance ?? AMOUNT_MAX;
  if (balance > max)
    throw new ProtocolError(ErrorCode.LimitExceeded, `balance ${balance} above the certified maximum ${max}`);
  return balance;
}

export interface LoadRequestInput {
  amount: number;
  currency: string;
  now: number;
  /** 16 fresh random bytes. */
  nonce: Uint8Array;
}

/**
 * Purse: a value-token request signed by the purse and sealed to its bank's key-exchange key (taken
 * from the bank certificate inside the purse certificate). Refused when the currency is not the
 * purse's, or when the balance plus every outstanding load plus this one would pass the certified
 * maximum (the bank debits the account before the purse can refuse the token).
 */
export function requestValue(
  state: PurseState,
  purse: Party,
  input: LoadRequestInput,
): { state: PurseState; envelope: Uint8Array; request: ValueTokenRequest } {
  const profile = purseProfile(purse);
  const nonce = bytes(ByteLength.nonce).read(input.nonce, 'nonce');
  if (!Number.isSafeInteger(input.amount) || input.amount < 1)
    throw new ProtocolError(ErrorCode.BadField, 'amount must be ≥ 1');
  if (input.currency !== state.currency)
    throw new ProtocolError(ErrorCode.CurrencyMismatch, `purse holds ${state.currency}, asked ${input.currency}`);
  if (profile.limits && profile.limits.currency !== input.currency)
    throw new ProtocolError(ErrorCode.CurrencyMismatch, `purse limits are in ${profile.limits.currency}`);
  if (state.outstanding.length >= OUTSTANDING_LOADS_MAX)
    throw new ProtocolError(ErrorCode.LimitExceeded, `${state.outstanding.length} loads outstanding`);
  if (state.outstanding.some((o) => equalBytes(o.nonce, nonce)))
    throw new ProtocolError(ErrorCode.ReplayedNonce, 'nonce already outstanding');
  const reserved = state.outstanding.reduce((sum, o) => addAmounts(sum, o.amount), input.amount);
  creditedBalance(state, reserved, profile.limits);
  if (!profile.bankKxKey)
    throw new ProtocolError(
      ErrorCode.MissingCertificate,
      'the purse certificate carries no bank certificate with a key-exchange key',
    );
  const counter = state.counter + 1;
  const request: ValueTokenRequest = {
    purseId: profile.purseId,
    bankId: profile.bankId,
    amount: input.amount,
    currency: input.currency,
    nonce,
    purseCounter: counter,
    time: input.now,
  };
  const envelope = seal(
    MessageType.ValueTokenRequest,
    profile.bankKxKey,
    signMessage(valueTokenRequest, request, purse),
  );
  const load: OutstandingLoad = {
    nonce: nonce.slice(),
    amount: input.amount,
    currency: input.currency,
    counter,
    time: input.now,
  };
  return { state: { ...state, counter, outstanding: [...state.outstanding, load] }, envelope, request };
}

export interface LoadRequestContext extends VerifyContext {
  /** True when this nonce was already used in a request the bank has seen. */
  nonceSeen: (nonce: Uint8Array) => boolean;
  /** Largest accepted difference between the request's time and `now`, seconds. */
  maxSkewS: number;
}

/**
 * Bank: opens a value-token request and checks the purse's chain, role and signature, that the
 * purse signed for itself, is one of this bank's purses and asked this bank, the time and the nonce.
 * The time is checked before the nonce, so the bank needs to remember nonces for 2 × maxSkewS only.
 */
export function openLoadRequest(
  bank: Party<SecretKey>,
  envelope: Uint8Array,
  context: LoadRequestContext,
): Verified<ValueTokenRequest> {
  const signed = open(MessageType.ValueTokenRequest, kxSecretOf(bank), envelope);
  const verified = verifyMessage(valueTokenRequest, signed, [Role.Purse], context);
  const { body, signer } = verified;
  if (body.purseId !== signer.subject)
    throw new ProtocolError(ErrorCode.SubjectMismatch, `request for ${body.purseId} signed by ${signer.subject}`);
  if (body.bankId !== bank.id) throw new ProtocolError(ErrorCode.WrongBank, `request for bank ${body.bankId}`);
  if (signer.issuer !== bank.id) throw new ProtocolError(ErrorCode.WrongBank, `purse issued by ${signer.issuer}`);
  if (body.amount < 1) throw new ProtocolError(ErrorCode.BadField, 'amount must be ≥ 1');
  if (signer.limits && signer.limits.currency !== body.currency)
    throw new ProtocolError(ErrorCode.CurrencyMismatch, `purse limits are in ${signer.limits.currency}`);
  if (signer.limits && body.amount > signer.limits.maxBalance)
    throw new ProtocolError(
      ErrorCode.LimitExceeded,
      `amount above the certified maximum balance ${signer.limits.maxBalance}`,
    );
  if (Math.abs(context.now - body.time) > context.maxSkewS)
    throw new ProtocolError(ErrorCode.MessageExpired, `request time ${body.time}, now ${context.now}`);
  if (context.nonceSeen(body.nonce)) throw new ProtocolError(ErrorCode.ReplayedNonce, 'value-token request nonce');
  return verified;
}

/**
 * Bank: the value token for a verified request (after it debited the account), signed by the
 * bank and sealed to the purse's certified key-exchange key. Sending the same token again (same id)
 * is how a bank answers a purse that lost the first reply.
 */
export function issueValueToken(
  bank: Party<SecretKey>,
  request: Verified<ValueTokenRequest>,
  tokenId: Uint8Array,
  now: number,
): Uint8Array {
  const purseKx = request.signer.kxKey;
  if (!purseKx)
    throw new ProtocolError(
      ErrorCode.MissingField,
      `purse certificate of ${request.signer.subject} has no key-exchange key`,
    );
  const token: ValueToken = {
    purseId: request.body.purseId,
    bankId: bank.id,
    amount: request.body.amount,
    currency: request.body.currency,
    nonce: request.body.nonce,
    tokenId,
    time: now,
  };
  return seal(MessageType.ValueToken, purseKx, signMessage(valueToken, token, bank));
}

/**
 * Purse: opens a value token and credits it, once. The token must be signed by the purse's own
 * bank, name this purse, answer an outstanding nonce with the same amount and currency, and fit
 * under the certified maximum balance.
 */
export function applyValueToken(
  state: PurseState,
  purse: Party,
  envelope: Uint8Array,
  context: VerifyContext,
): { state: PurseState; credited: number; token: Verified<ValueToken> } {
  const profile = purseProfile(purse);
  const signed = open(MessageType.ValueToken, kxSecretOf(purse), envelope);
  const verified = verifyMessage(valueToken, signed, [Role.Bank], context);
  const { body, signer } = verified;
  if (signer.subject !== profile.bankId)
    throw new ProtocolError(ErrorCode.WrongBank, `token from ${signer.subject}, purse issued by ${profile.bankId}`);
  if (body.bankId !== signer.subject)
    throw new ProtocolError(ErrorCode.SubjectMismatch, `token names bank ${body.bankId}, signed by ${signer.subject}`);
  if (body.purseId !== profile.purseId) throw new ProtocolError(ErrorCode.WrongPurse, body.purseId);
  if (state.appliedTokenIds.some((t) => equalBytes(t, body.tokenId)))
    throw new ProtocolError(ErrorCode.TokenAlreadyApplied);
  const load = state.outstanding.find((o) => equalBytes(o.nonce, body.nonce));
  if (!load) throw new ProtocolError(ErrorCode.NonceMismatch, 'no outstanding request with this nonce');
  if (body.currency !== load.currency || body.currency !== state.currency)
    throw new ProtocolError(ErrorCode.CurrencyMismatch, `token in ${body.currency}, request in ${load.currency}`);
  if (body.amount !== load.amount)
    throw new ProtocolError(ErrorCode.BadField, `token amount ${body.amount}, request amount ${load.amount}`);
  const balance = creditedBalance(state, body.amount, profile.limits);
  const next: PurseState = {
    ...state,
    balance,
    outstanding: state.outstanding.filter((o) => o !== load),
    appliedTokenIds: [...state.appliedTokenIds, body.tokenId.slice()].slice(-APPLIED_TOKENS_MAX),
  };
  return { state: next, credited: body.amount, token: verified };
}
