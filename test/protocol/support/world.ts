// A small world for protocol tests: one root, bank A (with a merchant, a purse with limits and a
// cardholder), bank B under the same root, and impostors under a root nobody trusts. Plus the
// helpers every protocol test uses: expect a typed error, freeze a state and prove it unchanged.
import { expect } from 'vitest';
import { ed25519, x25519 } from '../../../bindings/index.ts';
import { decode, encode, Tag, Tagged } from '../../../src/protocol/cbor.ts';
import { issueCertificate, type OfflineLimits, parseCertificate } from '../../../src/protocol/certificate.ts';
import { PROTECTED_EDDSA, parseSign1 } from '../../../src/protocol/cose.ts';
import { type ErrorCode, ProtocolError } from '../../../src/protocol/errors.ts';
import {
  anchorsOf,
  certifyBank,
  certifyParty,
  createRoot,
  newSerial,
  type Party,
  type Root,
} from '../../../src/protocol/pki.ts';
import { Cose, Role } from '../../../src/protocol/registry.ts';
import type { VerifyContext } from '../../../src/protocol/signed.ts';

/** The tests' "now": certificates are valid from a day before to a year after. */
export const T0 = 1_750_000_000;
export const DAY = 86_400;
export const VALID = { notBefore: T0 - DAY, notAfter: T0 + 365 * DAY };
export const EXPIRED = { notBefore: T0 - 400 * DAY, notAfter: T0 - DAY };
export const NOT_YET_VALID = { notBefore: T0 + DAY, notAfter: T0 + 365 * DAY };

export const LIMITS: OfflineLimits = {
  currency: 'IDR',
  maxBalance: 1_000_000,
  maxPerCheck: 200_000,
  maxOfflineChecks: 10,
  maxOfflineAmount: 500_000,
};

type EndRole = typeof Role.Purse | typeof Role.Cardholder | typeof Role.Merchant;

export interface World {
  root: Root;
  bank: Party;
  merchant: Party;
  purse: Party;
  cardholder: Party;
  /** A second bank under the same root, with its own merchant, purse and cardholder. */
  bankB: Party;
  merchantB: Party;
  purseB: Party;
  cardholderB: Party;
  /** A root nobody trusts, and a bank under it that claims bank A's id. */
  rogueRoot: Root;
  rogueBank: Party;
  anchors: ReturnType<typeof anchorsOf>;
}

export function makeWorld(): World {
  const root = createRoot('root');
  const bank = certifyBank(root, 'bank-a', VALID);
  const bankB = certifyBank(root, 'bank-b', VALID);
  const rogueRoot = createRoot('rogue-root');
  const rogueBank = certifyBank(rogueRoot, 'bank-a', VALID);
  return {
    root,
    bank,
    merchant: certifyParty(bank, 'shop-1', Role.Merchant, VALID),
    purse: certifyParty(bank, 'purse-1', Role.Purse, { ...VALID, limits: LIMITS }),
    cardholder: certifyParty(bank, 'alice', Role.Cardholder, VALID),
    bankB,
    merchantB: certifyParty(bankB, 'shop-b', Role.Merchant, VALID),
    purseB: certifyParty(bankB, 'purse-b', Role.Purse, { ...VALID, limits: LIMITS }),
    cardholderB: certifyParty(bankB, 'bob', Role.Cardholder, VALID),
    rogueRoot,
    rogueBank,
    anchors: anchorsOf(root),
  };
}

/** Another party certified by `issuer` (any party: a bank, or to test chains, one that is not). */
export function partyOf(
  issuer: Party,
  id: string,
  role: EndRole,
  o: { notBefore?: number; notAfter?: number; limits?: OfflineLimits; withKx?: boolean } = {},
): Party {
  return certifyParty(issuer, id, role, { ...VALID, ...o });
}

/** A purse whose certificate does not carry its bank's certificate (so it cannot find the bank's key). */
export function purseWithoutBankCertificate(bank: Party, id: string): Party {
  const sign = ed25519.keygen();
  const kx = x25519.keygen();
  const certificate = issueCertificate(
    {
      issuer: bank.id,
      subject: id,
      role: Role.Purse,
      ...VALID,
      issuedAt: VALID.notBefore,
      serial: newSerial(),
      signingKey: sign.publicKey,
      kxKey: kx.publicKey,
      limits: LIMITS,
    },
    bank.secretKey,
  );
  return { id, secretKey: sign.secretKey, publicKey: sign.publicKey, certificate, kx };
}

/**
 * `party` with a reissued certificate: same subject, role, keys and limits, a new serial and other
 * dates, signed by the same bank (`bank`), which rides along as usual.
 */
export function reissued(bank: Party, party: Party, o: { notBefore?: number; notAfter?: number } = {}): Party {
  const c = parseCertificate(party.certificate);
  const notBefore = o.notBefore ?? c.notBefore + 60;
  const certificate = issueCertificate(
    {
      issuer: c.issuer,
      subject: c.subject,
      role: c.role,
      notBefore,
      notAfter: o.notAfter ?? c.notAfter,
      issuedAt: notBefore,
      serial: newSerial(),
      signingKey: c.signingKey,
      ...(c.kxKey ? { kxKey: c.kxKey } : {}),
      ...(c.limits ? { limits: c.limits } : {}),
    },
    bank.secretKey,
    bank.certificate,
  );
  return { ...party, certificate };
}

/** The same COSE_Sign1 (payload and signature untouched) with `certificate` in its unsigned header. */
export function rewrap(signed: Uint8Array, certificate: Uint8Array): Uint8Array {
  const { payload, signature } = parseSign1(signed);
  return encode(
    new Tagged(Tag.Sign1, [PROTECTED_EDDSA, new Map([[Cose.kcwt, decode(certificate)]]), payload, signature]),
  );
}

export const ctx = (w: World, extra: Partial<VerifyContext> = {}): VerifyContext => ({
  anchors: w.anchors,
  now: T0,
  ...extra,
});

export const nonce = (fill: number): Uint8Array => new Uint8Array(16).fill(fill);

/** Runs `f`, which must throw a ProtocolError with `code`; returns the error. */
export function expectCode(f: () => unknown, code: ErrorCode): ProtocolError {
  let thrown: unknown;
  try {
    f();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ProtocolError ${code}`).toBeInstanceOf(ProtocolError);
  expect((thrown as ProtocolError).code, (thrown as ProtocolError).message).toBe(code);
  return thrown as ProtocolError;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** `f(state)` must refuse with `code` and leave `state` deep-equal to what it was (it is frozen, too). */
export function expectRefused<S>(state: S, f: (s: S) => unknown, code: ErrorCode): ProtocolError {
  const before = structuredClone(state);
  const error = expectCode(() => f(deepFreeze(state)), code);
  expect(state).toStrictEqual(before);
  return error;
}

/** A copy of `bytes` with one byte flipped at `index` (negative: from the end). */
export function flip(bytes: Uint8Array, index: number): Uint8Array {
  const out = bytes.slice();
  const i = index < 0 ? out.length + index : index;
  out[i] = (out[i] as number) ^ 0x01;
  return out;
}
