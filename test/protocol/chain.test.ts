// Certificate chains (src/protocol/certificate.ts): at most two certificates (leaf and bank), the
// bounded cache of verified certificate signatures, and issuer-qualified revocation entries.
import { beforeAll, describe, expect, it } from 'vitest';
import { ed25519 } from '../../bindings/index.ts';
import { type CborValue, decode, encode, Tag, Tagged } from '../../src/protocol/cbor.ts';
import {
  CertificateCache,
  issueCertificate,
  parseCertificate,
  revocationKey,
  verifyChain,
} from '../../src/protocol/certificate.ts';
import { PROTECTED_EDDSA, parseSign1, sign1 } from '../../src/protocol/cose.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { ed25519Key } from '../../src/protocol/keys.ts';
import { newSerial } from '../../src/protocol/pki.ts';
import { checkFor, makeSlip, signCheck, verifySlip } from '../../src/protocol/pos.ts';
import { Channel, Claim, Cose, Role } from '../../src/protocol/registry.ts';
import { verifyChecks } from '../../src/protocol/verifier/index.ts';
import { ctx, expectCode, LIMITS, makeWorld, nonce, partyOf, T0, VALID, type World } from './support/world.ts';

let w: World;
beforeAll(() => {
  w = makeWorld();
});

/** A COSE_Sign1 from its parts, with `certificate` (or nothing) in the unprotected header. */
const rawSign1 = (payload: Uint8Array, signature: Uint8Array, certificate?: Uint8Array) =>
  encode(
    new Tagged(Tag.Sign1, [
      PROTECTED_EDDSA,
      new Map(certificate ? [[Cose.kcwt, decode(certificate)]] : []),
      payload,
      signature,
    ]),
  );

describe('chain length: leaf and bank only', () => {
  it('accepts a bank alone (a bank signs its own messages) and an end entity under its bank', () => {
    expect(verifyChain(w.bank.certificate, w.anchors, ctx(w)).subject).toBe('bank-a');
    expect(verifyChain(w.purse.certificate, w.anchors, ctx(w)).subject).toBe('purse-1');
  });

  it('a third certificate is BadCoseStructure (107), before it is parsed, in TS and in Rust', () => {
    // The bank certificate re-wrapped (its header is not signed) to carry a third "certificate"
    // whose claims are not even a map: refused as a chain too long, not for its claims.
    const bank = parseSign1(w.bank.certificate);
    const junk = sign1(encode('not claims'), w.root.secretKey);
    const bankWithThird = rawSign1(bank.payload, bank.signature, junk);
    const c = parseCertificate(w.purse.certificate);
    const claims = {
      issuer: c.issuer,
      subject: c.subject,
      role: c.role,
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      issuedAt: c.issuedAt,
      serial: newSerial(),
      signingKey: c.signingKey,
      limits: LIMITS,
    };
    const purseCert = issueCertificate(claims, w.bank.secretKey, bankWithThird);
    expectCode(() => verifyChain(purseCert, w.anchors, ctx(w)), ErrorCode.BadCoseStructure);
    expectCode(() => parseCertificate(junk), ErrorCode.BadField); // what parsing it would have said

    const slip = verifySlip(
      makeSlip(w.merchant, {
        merchantId: 'shop-1',
        amount: 1,
        currency: 'IDR',
        time: T0,
        terminalId: 't',
        terminalTxId: 1,
        terminalNonce: nonce(1),
        channel: Channel.Pos,
      }),
      ctx(w),
    );
    const check = signCheck({ ...w.purse, certificate: purseCert }, checkFor(slip, 'purse-1', 1, T0));
    expect(verifyChecks([check], { anchors: w.anchors, now: T0 })).toEqual([
      { ok: false, code: ErrorCode.BadCoseStructure },
    ]);
  });

  it('a purse certified by a purse (three certificates) is 107 too', () => {
    const minted = partyOf(w.purse, 'purse-minted', Role.Purse, { limits: LIMITS });
    expectCode(() => verifyChain(minted.certificate, w.anchors, ctx(w)), ErrorCode.BadCoseStructure);
  });
});

describe('CertificateCache', () => {
  it('caches each distinct certificate signature once and is bounded, evicting the least recently used', () => {
    const cache = new CertificateCache(3);
    expect(cache.maxEntries).toBe(3);
    verifyChain(w.purse.certificate, w.anchors, ctx(w, { verifiedCache: cache }));
    expect(cache.size).toBe(2); // bank-a by the root, purse-1 by bank-a
    verifyChain(w.merchant.certificate, w.anchors, ctx(w, { verifiedCache: cache }));
    expect(cache.size).toBe(3); // bank-a again: no new entry
    const bank = parseCertificate(w.bank.certificate);
    const purse = parseCertificate(w.purse.certificate);
    const merchant = parseCertificate(w.merchant.certificate);
    // a fourth entry: bank-a was just used again, so purse-1 is the least recently used and goes
    verifyChain(w.cardholder.certificate, w.anchors, ctx(w, { verifiedCache: cache }));
    expect(cache.size).toBe(3);
    expect(cache.has(purse, bank.signingKey)).toBe(false);
    expect(cache.has(bank, w.root.publicKey)).toBe(true);
    expect(cache.has(merchant, bank.signingKey)).toBe(true);
    expect(cache.has(merchant, w.root.publicKey)).toBe(false);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(new CertificateCache().maxEntries).toBe(4096);
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new CertificateCache(bad)).toThrow(RangeError);
  });

  it('keeps parsed certificates: what parseCertificate gives, from a private copy, bounded', () => {
    const cache = new CertificateCache(2);
    const bytes = w.purse.certificate.slice();
    const parsed = cache.parse(bytes);
    expect(parsed).toEqual(parseCertificate(w.purse.certificate));
    expect(cache.parse(bytes.slice())).toBe(parsed); // the same bytes again: the kept one
    // The caller's buffer changes afterwards: the kept certificate does not, and the changed bytes
    // are parsed (and refused) on their own.
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    expect(parsed.bytes).toEqual(w.purse.certificate);
    expect(cache.parse(bytes).signature).not.toEqual(parsed.signature);
    // A returning chain is taken from the cache: the same leaf object, the same verdicts.
    const first = verifyChain(w.merchant.certificate, w.anchors, ctx(w, { verifiedCache: cache }));
    expect(verifyChain(w.merchant.certificate, w.anchors, ctx(w, { verifiedCache: cache }))).toBe(first);
    expectCode(
      () => verifyChain(w.merchant.certificate, w.anchors, ctx(w, { verifiedCache: cache, now: VALID.notAfter + 1 })),
      ErrorCode.CertificateExpired,
    );
    // Bounded like the signatures: two kept, the least recently used goes.
    cache.parse(w.cardholder.certificate);
    expect(cache.parse(w.merchant.certificate)).not.toBe(first);
  });

  it('a cached signature does not vouch for other claims under it (BadCertificateSignature)', () => {
    const cache = new CertificateCache();
    verifyChain(w.purse.certificate, w.anchors, ctx(w, { verifiedCache: cache }));
    // purse-1's certificate with the bank's signature kept but another key in its claims
    const { payload, signature } = parseSign1(w.purse.certificate);
    const claims = decode(payload) as Map<number, CborValue>;
    claims.set(Claim.cnf, new Map([[Cose.cnfCoseKey, ed25519Key(ed25519.keygen().publicKey)]]));
    const forged = rawSign1(encode(claims), signature, w.bank.certificate);
    expectCode(
      () => verifyChain(forged, w.anchors, ctx(w, { verifiedCache: cache })),
      ErrorCode.BadCertificateSignature,
    );
  });

  it('caches signatures only: validity and revocation are checked on every use', () => {
    const cache = new CertificateCache();
    verifyChain(w.purse.certificate, w.anchors, ctx(w, { verifiedCache: cache }));
    expectCode(
      () => verifyChain(w.purse.certificate, w.anchors, ctx(w, { verifiedCache: cache, now: VALID.notAfter + 1 })),
      ErrorCode.CertificateExpired,
    );
    expectCode(
      () =>
        verifyChain(
          w.purse.certificate,
          w.anchors,
          ctx(w, { verifiedCache: cache, revoked: new Set([revocationKey('bank-a', 'purse-1')]) }),
        ),
      ErrorCode.Revoked,
    );
  });
});
