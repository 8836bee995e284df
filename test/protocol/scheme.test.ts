// A scheme of several banks: one root certifies banks whose certificates say what they may
// certify (claim bankRoles): issuers certify purses and cardholders, acquirers merchants. The
// chain check (TypeScript and the Rust check verifier alike) refuses a bank certifying outside
// its roles with a typed error, and a terminal of one bank accepts the cards of another issuer.
import { describe, expect, it } from 'vitest';
import { acceptCheck } from '../../src/protocol/acceptance.ts';
import { encode } from '../../src/protocol/cbor.ts';
import {
  type CertificateClaims,
  issueCertificate,
  parseCertificate,
  verifyChain,
} from '../../src/protocol/certificate.ts';
import { sign1 } from '../../src/protocol/cose.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { anchorsOf, certifyBank, certifyParty, createRoot, newSerial, type Party } from '../../src/protocol/pki.ts';
import { checkFor, makeVerifiedSlip, signCheck } from '../../src/protocol/pos.ts';
import { BankRole, Channel, Claim, Role } from '../../src/protocol/registry.ts';
import { makeRevocationList, verifyRevocationList } from '../../src/protocol/revocation.ts';
import { verifyChecks } from '../../src/protocol/verifier/index.ts';
import { LIMITS, T0, VALID } from './support/world.ts';

type EndRole = typeof Role.Purse | typeof Role.Cardholder | typeof Role.Merchant;

const scheme = createRoot('SCHEME');
const anchors = anchorsOf(scheme);
const issuer = certifyBank(scheme, 'BANK-A', { ...VALID, bankRoles: BankRole.Issuer });
const acquirer = certifyBank(scheme, 'BANK-B', { ...VALID, bankRoles: BankRole.Acquirer });
const both = certifyBank(scheme, 'BANK-C', { ...VALID, bankRoles: BankRole.Issuer | BankRole.Acquirer });
const purseA = certifyParty(issuer, 'P-A', Role.Purse, { ...VALID, limits: LIMITS });
const cardholderA = certifyParty(issuer, 'alice', Role.Cardholder, VALID);
const shopB = certifyParty(acquirer, 'shop-b', Role.Merchant, VALID);

/** What certifyParty refuses to make: `role` certified by `bank` all the same, signed with its key. */
function forged(bank: Party, subject: string, role: EndRole): Uint8Array {
  const signer = certifyParty(both, subject, role, VALID);
  const claims: CertificateClaims = { ...parseCertificate(signer.certificate), issuer: bank.id };
  return issueCertificate(claims, bank.secretKey, bank.certificate);
}

function code(f: () => unknown): number | undefined {
  try {
    f();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
  return undefined;
}

const chain = (certificate: Uint8Array) => verifyChain(certificate, anchors, { now: T0 });

/** A POS check of purse A paying shop B. */
function purchase(purse: Party = purseA) {
  const slip = makeVerifiedSlip(
    shopB,
    {
      merchantId: shopB.id,
      amount: 1_000,
      currency: LIMITS.currency,
      time: T0,
      terminalId: 'T-B',
      terminalTxId: 1,
      terminalNonce: new Uint8Array(16).fill(1),
      channel: Channel.Pos,
    },
    { anchors, now: T0 },
  );
  return { slip, check: signCheck(purse, checkFor(slip, purse.id, 1, T0)) };
}

describe('a scheme: one root, banks with roles', () => {
  it('a bank certificate carries its roles; a bank under its own root has none (both)', () => {
    expect(parseCertificate(issuer.certificate).bankRoles).toBe(BankRole.Issuer);
    expect(parseCertificate(acquirer.certificate).bankRoles).toBe(BankRole.Acquirer);
    expect(parseCertificate(both.certificate).bankRoles).toBe(3);
    expect(parseCertificate(certifyBank(scheme, 'BANK-D', VALID).certificate).bankRoles).toBeUndefined();
  });

  it("every bank's parties verify up to the one scheme root", () => {
    expect(chain(purseA.certificate)).toMatchObject({ subject: 'P-A', issuer: 'BANK-A', role: Role.Purse });
    expect(chain(cardholderA.certificate)).toMatchObject({ subject: 'alice', issuer: 'BANK-A' });
    expect(chain(shopB.certificate)).toMatchObject({ subject: 'shop-b', issuer: 'BANK-B' });
    expect(chain(certifyParty(both, 'P-C', Role.Purse, VALID).certificate).issuer).toBe('BANK-C');
    expect(chain(certifyParty(both, 'shop-c', Role.Merchant, VALID).certificate).issuer).toBe('BANK-C');
  });

  it('an acquirer-only bank cannot certify purses or cardholders, an issuer-only bank no merchant', () => {
    expect(code(() => certifyParty(acquirer, 'P-B', Role.Purse, VALID))).toBe(ErrorCode.NotAnIssuer);
    expect(code(() => certifyParty(acquirer, 'bob', Role.Cardholder, VALID))).toBe(ErrorCode.NotAnIssuer);
    expect(code(() => certifyParty(issuer, 'shop-a', Role.Merchant, VALID))).toBe(ErrorCode.NotAnAcquirer);
  });

  it('the chain check refuses what a bank certified outside its roles (335, 336)', () => {
    expect(code(() => chain(forged(acquirer, 'P-B', Role.Purse)))).toBe(ErrorCode.NotAnIssuer);
    expect(code(() => chain(forged(acquirer, 'bob', Role.Cardholder)))).toBe(ErrorCode.NotAnIssuer);
    expect(code(() => chain(forged(issuer, 'shop-a', Role.Merchant)))).toBe(ErrorCode.NotAnAcquirer);
  });

  it('the Rust check verifier agrees: a foreign purse accepted, a purse of an acquirer-only bank refused', () => {
    const good = purchase().check;
    const rogue = forged(acquirer, 'P-B', Role.Purse);
    const rogueCheck = purchase({ ...purseA, id: 'P-B', certificate: rogue }).check;
    const [ok, refused] = verifyChecks([good, rogueCheck], { anchors, now: T0 });
    expect(ok).toMatchObject({ ok: true, purseId: 'P-A', merchantId: 'shop-b' });
    expect(refused).toEqual({ ok: false, code: ErrorCode.NotAnIssuer });
  });

  it('bankRoles is a non-empty set of known roles, in a bank certificate only (106)', () => {
    for (const bankRoles of [0, 4, 7])
      expect(code(() => certifyBank(scheme, 'BANK-X', { ...VALID, bankRoles }))).toBe(ErrorCode.BadField);
    const purseClaims = parseCertificate(purseA.certificate);
    expect(code(() => issueCertificate({ ...purseClaims, bankRoles: 1 }, issuer.secretKey))).toBe(ErrorCode.BadField);
    // Decoded too: claims written by hand with a bad value.
    const bankClaims = parseCertificate(issuer.certificate);
    const claims = new Map<number, unknown>([
      [Claim.iss, bankClaims.issuer],
      [Claim.sub, bankClaims.subject],
      [Claim.exp, bankClaims.notAfter],
      [Claim.nbf, bankClaims.notBefore],
      [Claim.iat, bankClaims.issuedAt],
      [Claim.cti, newSerial()],
      [
        Claim.cnf,
        new Map([
          [
            1,
            new Map<number, unknown>([
              [1, 1],
              [3, -8],
              [-1, 6],
              [-2, bankClaims.signingKey],
            ]),
          ],
        ]),
      ],
      [Claim.role, Role.Bank],
      [Claim.bankRoles, 8],
    ]);
    const bad = sign1(encode(claims as never), scheme.secretKey);
    expect(code(() => parseCertificate(bad))).toBe(ErrorCode.BadField);
  });

  it('a terminal of bank B accepts a card of bank A offline, with both issuers’ lists held', () => {
    const listA = verifyRevocationList(
      makeRevocationList(issuer, { revoked: [], issuedAt: T0 - 60, nextUpdate: T0 + 3_600, listNumber: 1 }),
      { anchors, now: T0 },
    ).body;
    const listB = verifyRevocationList(
      makeRevocationList(acquirer, { revoked: ['P-A'], issuedAt: T0 - 60, nextUpdate: T0 + 3_600, listNumber: 1 }),
      { anchors, now: T0 },
    ).body;
    const { slip, check } = purchase();
    const policy = { anchors, now: T0, revocationMaxAgeS: 600 };
    // B's list naming "P-A" revokes nothing of bank A's.
    expect(acceptCheck(check, slip, { ...policy, revocationLists: [listA, listB] })).toMatchObject({
      decision: 'accept',
      revocationListAgeS: 60,
    });
    // Without A's own list the card of A is not accepted: its issuer's list is missing.
    expect(acceptCheck(check, slip, { ...policy, revocationLists: [listB] })).toMatchObject({
      decision: 'refuse',
      code: ErrorCode.StaleRevocationList,
      genuine: true,
      revocationListAgeS: null,
    });
    const revokedA = verifyRevocationList(
      makeRevocationList(issuer, { revoked: ['P-A'], issuedAt: T0 - 30, nextUpdate: T0 + 3_600, listNumber: 2 }),
      { anchors, now: T0 },
    ).body;
    expect(acceptCheck(check, slip, { ...policy, revocationLists: [revokedA, listB] }).code).toBe(ErrorCode.Revoked);
  });

  it('the freshness bound applies per issuer list: A stale refuses A’s cards only', () => {
    const bothBank = both;
    const purseC = certifyParty(bothBank, 'P-C', Role.Purse, { ...VALID, limits: LIMITS });
    const list = (bank: Party, issuedAt: number) =>
      verifyRevocationList(makeRevocationList(bank, { revoked: [], issuedAt, nextUpdate: T0 + 3_600, listNumber: 1 }), {
        anchors,
        now: T0,
      }).body;
    const lists = [list(issuer, T0 - 7_200), list(bothBank, T0 - 60)];
    const policy = { anchors, now: T0, revocationMaxAgeS: 3_600, revocationLists: lists };
    const a = purchase();
    const c = purchase(purseC);
    expect(acceptCheck(a.check, a.slip, policy)).toMatchObject({
      code: ErrorCode.StaleRevocationList,
      revocationListAgeS: 7_200,
    });
    expect(acceptCheck(c.check, c.slip, policy)).toMatchObject({ decision: 'accept', revocationListAgeS: 60 });
  });
});
