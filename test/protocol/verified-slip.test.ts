// makeVerifiedSlip: the terminal's slip signed and handed back as verifySlip would give it, with no
// signature verification. The verify binding is wrapped to record what it is asked to verify.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ed25519 } from '../../bindings/index.ts';
import { equalBytes } from '../../src/bytes.ts';
import { CertificateCache, revocationKey, verifyChain } from '../../src/protocol/certificate.ts';
import { parseSign1 } from '../../src/protocol/cose.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { makeSlip, makeVerifiedSlip, verifySlip } from '../../src/protocol/pos.ts';
import type { VerifyContext } from '../../src/protocol/signed.ts';
import { LONG, makePki, NOW, slipBody } from '../support/protocol-pki.ts';

/** Every message the Ed25519 verify binding was asked about since the last reset (copied at call time). */
const verified = vi.hoisted(() => [] as Uint8Array[]);
vi.mock('../../bindings/ed25519.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../bindings/ed25519.ts')>();
  return {
    ...actual,
    verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) {
      verified.push(message.slice());
      return actual.verify(signature, message, publicKey);
    },
  };
});

const pki = makePki();
const context: VerifyContext = { anchors: pki.anchors, now: NOW };

function codeOf(f: () => unknown): number | string {
  try {
    f();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return 'no error';
}

beforeEach(() => {
  verified.length = 0;
});

describe('makeVerifiedSlip', () => {
  it('verifies no signature once the merchant chain is cached (as in the terminal)', () => {
    const verifiedCache = new CertificateCache();
    verifyChain(pki.merchant.certificate, pki.anchors, { ...context, verifiedCache });
    expect(verified.length).toBeGreaterThan(0); // the binding is the one being watched
    verified.length = 0;
    makeVerifiedSlip(pki.merchant, slipBody(pki.merchant), { ...context, verifiedCache });
    expect(verified).toEqual([]);
  });

  it('never verifies the slip signature itself, even with a cold certificate cache', () => {
    const slip = makeVerifiedSlip(pki.merchant, slipBody(pki.merchant), context);
    const toBeSigned = parseSign1(slip.bytes).toBeSigned;
    expect(verified.length).toBe(2); // the merchant's and the bank's certificates
    expect(verified.some((m) => equalBytes(m, toBeSigned))).toBe(false);
  });

  it('gives exactly what verifySlip gives for its bytes, and the bytes makeSlip makes', () => {
    const body = slipBody(pki.merchant);
    const slip = makeVerifiedSlip(pki.merchant, body, context);
    expect(slip.bytes).toEqual(makeSlip(pki.merchant, body));
    expect(slip).toEqual(verifySlip(slip.bytes, context));
    expect(slip.body).toEqual(body);
  });

  it('refuses what verifySlip would refuse, with the same code', () => {
    const other = makePki('c', 70);
    const wrongKey = { secretKey: pki.purse.secretKey, certificate: pki.merchant.certificate };
    const cases: [string, Parameters<typeof makeSlip>[0], VerifyContext, ErrorCode][] = [
      ['a purse', pki.purse, context, ErrorCode.WrongRole],
      ['a bank', pki.bank, context, ErrorCode.WrongRole],
      ['a merchant of an unknown root', other.merchant, context, ErrorCode.UnknownIssuer],
      ['an expired merchant', pki.merchant, { ...context, now: LONG.notAfter + 1 }, ErrorCode.CertificateExpired],
      [
        'a revoked merchant',
        pki.merchant,
        { ...context, revoked: new Set([revocationKey(pki.bank.id, pki.merchant.id)]) },
        ErrorCode.Revoked,
      ],
      ['a secret key that is not the certified one', wrongKey, context, ErrorCode.BadSignature],
    ];
    for (const [what, signer, ctx, code] of cases) {
      const body = slipBody(pki.merchant);
      expect(
        codeOf(() => verifySlip(makeSlip(signer, body), ctx)),
        what,
      ).toBe(code);
      expect(
        codeOf(() => makeVerifiedSlip(signer, body, ctx)),
        what,
      ).toBe(code);
    }
  });

  it('a key held by the core (KeySigner) signs the same bytes; one not certified is refused the same way', () => {
    const body = slipBody(pki.merchant);
    const signer = {
      signingKey: ed25519.SigningKey.fromSecretKey(pki.merchant.secretKey),
      certificate: pki.merchant.certificate,
    };
    const slip = makeVerifiedSlip(signer, body, context);
    expect(slip).toEqual(makeVerifiedSlip(pki.merchant, body, context));
    expect(slip).toEqual(verifySlip(slip.bytes, context));
    const wrongKey = {
      signingKey: ed25519.SigningKey.fromSecretKey(pki.purse.secretKey),
      certificate: pki.merchant.certificate,
    };
    expect(codeOf(() => makeVerifiedSlip(wrongKey, body, context))).toBe(ErrorCode.BadSignature);
  });
});
