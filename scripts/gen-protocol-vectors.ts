// Generates test/vectors/protocol/checks.json: signed POS and Internet digital checks (WIRE.md type 4) with the
// verdict every verifier must reach: the TypeScript protocol layer (src/protocol/pos.ts), the Rust
// batch verifier (core-rs/checks/) and the card applet. Everything comes from fixed seeds and
// fixed certificate serials and Ed25519 signatures are deterministic, so running this again writes
// the same bytes; test/protocol/vectors.test.ts checks that the committed file is what it writes.
//
//   npx tsx scripts/gen-protocol-vectors.ts          (writes the file)
//   npx tsx scripts/gen-protocol-vectors.ts --check  (exits 1 if the file is not up to date)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ed25519, sha256, x25519 } from '../bindings/index.ts';
import { type CborValue, decode, encode, Tag, Tagged } from '../src/protocol/cbor.ts';
import { issueCertificate, type OfflineLimits, revocationKey, type TrustAnchors } from '../src/protocol/certificate.ts';
import { assembleMulti, PROTECTED_EDDSA, sign1, signedHash, signPart } from '../src/protocol/cose.ts';
import { ErrorCode, ProtocolError } from '../src/protocol/errors.ts';
import { verifyInternetCheck } from '../src/protocol/internet.ts';
import { type DigitalCheck, digitalCheck } from '../src/protocol/messages.ts';
import { checkFor, makeSlip, signCheck, verifyCheck, verifySlip } from '../src/protocol/pos.ts';
import { BankRole, Channel, Role } from '../src/protocol/registry.ts';
import type { Signer, Verified, VerifyContext } from '../src/protocol/signed.ts';

export const VECTORS_PATH = fileURLToPath(new URL('../test/vectors/protocol/checks.json', import.meta.url));

const NOW = 1_780_000_000; // 2026-05-28T20:26:40Z
const DAY = 86_400;
const VALID = { notBefore: NOW - 30 * DAY, notAfter: NOW + 365 * DAY };
/** BANK-A revokes its purse P-A-REVOKED; BANK-B's purse of the same id stays valid. */
const REVOKED = [revocationKey('BANK-A', 'P-A-REVOKED')];

export interface OkFields {
  purseId: string;
  serial: number;
  amount: number;
  currency: string;
  merchantId: string;
  slipHash: string;
  channel: number;
  checkHash: string;
}
export interface VectorCase {
  name: string;
  check: string;
  expected: { ok: OkFields } | { error: number };
}
export interface CheckVectors {
  source: string;
  notes: string[];
  anchors: { id: string; publicKey: string }[];
  now: number;
  revoked: string[];
  cases: VectorCase[];
}

/**
 * The TypeScript verdict on a check, by its kind: a COSE_Sign (tag 98, CBOR d8 62) is an Internet
 * check (verifyInternetCheck), anything else a POS check (verifyCheck). As the core decides.
 */
export function verifyAnyCheck(check: Uint8Array, context: VerifyContext): Verified<DigitalCheck> {
  return check[0] === 0xd8 && check[1] === 0x62 ? verifyInternetCheck(check, context) : verifyCheck(check, context);
}

const utf8 = new TextEncoder();
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
/** A fixed 32-byte seed or 8-byte serial per label: SHA-256 of a domain-separated name. */
const seedOf = (label: string) => sha256(utf8.encode(`smartcheck/vectors/seed/${label}`));
const serialOf = (label: string) => sha256(utf8.encode(`smartcheck/vectors/serial/${label}`)).slice(0, 8);

interface Party extends Signer {
  id: string;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

interface CertOptions {
  notBefore?: number;
  notAfter?: number;
  limits?: OfflineLimits;
  /** Claimed issuer name, when it should differ from the signing party's id. */
  issuerName?: string;
  /** Signs with this key instead of the issuer's. */
  signWith?: Uint8Array;
  /** Certificate role, when it should differ from the default for the call. */
  role?: Role;
  /** Leaves the issuer's certificate out of the header. */
  noIssuerCertificate?: boolean;
  /** Label of the certificate serial, when it should differ from the subject id (a reissue). */
  serialLabel?: string;
  /** A bank of a scheme: what it may certify (claim bankRoles, a bit set of BankRole). */
  bankRoles?: number;
}

function certify(
  issuer: { id: string; secretKey: Uint8Array; certificate?: Uint8Array },
  id: string,
  role: Role,
  o: CertOptions = {},
): Party {
  const keys = ed25519.keygen(seedOf(id));
  const kx = role === Role.Cardholder ? undefined : x25519.keygen(seedOf(`${id}/kx`));
  const notBefore = o.notBefore ?? VALID.notBefore;
  const certificate = issueCertificate(
    {
      issuer: o.issuerName ?? issuer.id,
      subject: id,
      role: o.role ?? role,
      notBefore,
      notAfter: o.notAfter ?? VALID.notAfter,
      issuedAt: notBefore,
      serial: serialOf(o.serialLabel ?? id),
      signingKey: keys.publicKey,
      ...(kx ? { kxKey: kx.publicKey } : {}),
      ...(o.limits ? { limits: o.limits } : {}),
      ...(o.bankRoles !== undefined ? { bankRoles: o.bankRoles } : {}),
    },
    o.signWith ?? issuer.secretKey,
    o.noIssuerCertificate ? undefined : issuer.certificate,
  );
  return { id, secretKey: keys.secretKey, publicKey: keys.publicKey, certificate };
}

const root = (id: string) => ({ id, ...ed25519.keygen(seedOf(id)) });
const limits = (currency: string): OfflineLimits => ({
  currency,
  maxBalance: 500_00,
  maxPerCheck: 150_00,
  maxOfflineChecks: 10,
  maxOfflineAmount: 300_00,
});

/** A CBOR map written with its entries in the given order (to build non-deterministic bodies). */
function rawMap(entries: [number, Uint8Array][]): Uint8Array {
  if (entries.length >= 24) throw new RangeError('rawMap: fewer than 24 entries only');
  return concat(Uint8Array.of(0xa0 | entries.length), ...entries.map(([k, v]) => concat(encode(k), v)));
}

/** The entries of a check body, encoded one by one, in key order. */
function bodyEntries(body: DigitalCheck): [number, Uint8Array][] {
  const map = new Map<number, CborValue>([
    [0, 4],
    [1, 1],
    [2, body.slipHash],
    [3, body.amount],
    [4, body.currency],
    [5, body.merchantId],
    [6, body.purseId],
    [7, body.serial],
    [8, body.time],
    [9, body.channel],
  ]);
  return [...map].map(([k, v]) => [k, encode(v)]);
}

/** A COSE_Sign1 built field by field, for structures sign1() would never write. */
function rawSign1(
  protectedBytes: Uint8Array,
  unprotected: Map<number, CborValue>,
  payload: Uint8Array,
  signature: Uint8Array,
): Uint8Array {
  return encode(new Tagged(Tag.Sign1, [protectedBytes, unprotected, payload, signature]));
}

/** An unprotected header carrying `certificate` (label 13, as a CBOR item). */
const withCert = (certificate: Uint8Array) => new Map<number, CborValue>([[13, decode(certificate)]]);

export function buildVectors(): CheckVectors {
  // ---------------------------------------------------------------- the PKI
  const root1 = root('ROOT-1');
  const root2 = root('ROOT-2');
  const root9 = root('ROOT-9'); // not a trust anchor
  const rootS = root('ROOT-S'); // a scheme: one root over an issuer-only and an acquirer-only bank
  const anchors: TrustAnchors = new Map([
    [root1.id, root1.publicKey],
    [root2.id, root2.publicKey],
    [rootS.id, rootS.publicKey],
  ]);

  const bankA = certify(root1, 'BANK-A', Role.Bank);
  const bankB = certify(root2, 'BANK-B', Role.Bank);
  const bankX = certify(root9, 'BANK-X', Role.Bank);
  const bankAExpired = certify(root1, 'BANK-A', Role.Bank, { notBefore: NOW - 400 * DAY, notAfter: NOW - DAY });
  const bankABadSig = certify(root1, 'BANK-A', Role.Bank, { signWith: ed25519.keygen(seedOf('not ROOT-1')).secretKey });

  const bankIssuer = certify(rootS, 'BANK-S-ISS', Role.Bank, { bankRoles: BankRole.Issuer });
  const bankAcquirer = certify(rootS, 'BANK-S-ACQ', Role.Bank, { bankRoles: BankRole.Acquirer });

  const merchantA = certify(bankA, 'M-SHOP-1', Role.Merchant);
  const merchantS = certify(bankAcquirer, 'M-SHOP-S', Role.Merchant);
  const merchantB = certify(bankB, 'M-SHOP-2', Role.Merchant);

  const purse = (bank: Party, id: string, currency: string, o: CertOptions = {}) =>
    certify(bank, id, Role.Purse, { limits: limits(currency), ...o });
  const pA1 = purse(bankA, 'P-A1', 'EUR');
  const pA2 = purse(bankA, 'P-A2', 'EUR');
  const pB1 = purse(bankB, 'P-B1', 'USD');
  const pB2 = purse(bankB, 'P-B2', 'USD');
  const pExpired = purse(bankA, 'P-A-EXPIRED', 'EUR', { notBefore: NOW - 400 * DAY, notAfter: NOW - DAY });
  const pFuture = purse(bankA, 'P-A-FUTURE', 'EUR', { notBefore: NOW + DAY, notAfter: NOW + 365 * DAY });
  const pRevoked = purse(bankA, 'P-A-REVOKED', 'EUR');
  const pSameIdAtB = purse(bankB, 'P-A-REVOKED', 'USD');
  const pA1Reissued = purse(bankA, 'P-A1', 'EUR', { serialLabel: 'P-A1/reissued', notBefore: NOW - 10 * DAY });
  const pWrongKey = purse(bankA, 'P-A-FORGED', 'EUR', { signWith: ed25519.keygen(seedOf('not BANK-A')).secretKey });
  const pUnknownRoot = purse(bankX, 'P-X1', 'EUR');
  const pIssuerMismatch = purse(bankA, 'P-A-MISNAMED', 'EUR', { issuerName: 'BANK-Z' });
  const pUnderExpiredBank = purse(bankAExpired, 'P-A3', 'EUR');
  const pUnderForgedBank = purse(bankABadSig, 'P-A4', 'EUR');
  const pUnderRoot = certify(root1, 'P-ROOTED', Role.Purse, { limits: limits('EUR') });
  const pUnderMerchant = certify(merchantA, 'P-VIA-MERCHANT', Role.Purse, { limits: limits('EUR') });
  const pS1 = purse(bankIssuer, 'P-S1', 'EUR');
  const pUnderAcquirer = purse(bankAcquirer, 'P-S-ROGUE', 'EUR');
  const cA1 = certify(bankA, 'C-A1', Role.Cardholder);
  const cB1 = certify(bankB, 'C-B1', Role.Cardholder);
  const cExpired = certify(bankA, 'C-A-EXPIRED', Role.Cardholder, { notBefore: NOW - 400 * DAY, notAfter: NOW - DAY });
  const cWrongKey = certify(bankA, 'C-A-FORGED', Role.Cardholder, {
    signWith: ed25519.keygen(seedOf('not BANK-A')).secretKey,
  });

  // ---------------------------------------------------------------- slips and checks
  const context = { anchors, now: NOW, revoked: new Set(REVOKED) };
  let txId = 0;
  const slip = (merchant: Party, amount: number, currency: string) =>
    verifySlip(
      makeSlip(merchant, {
        merchantId: merchant.id,
        amount,
        currency,
        time: NOW - 60,
        terminalId: `T-${merchant.id}`,
        terminalTxId: ++txId,
        terminalNonce: sha256(utf8.encode(`nonce ${txId}`)).slice(0, 16),
        channel: Channel.Pos,
      }),
      context,
    );
  const bodyFor = (merchant: Party, purseId: string, serial: number, amount = 12_34, currency = 'EUR') =>
    checkFor(slip(merchant, amount, currency), purseId, serial, NOW - 30);

  const cases: VectorCase[] = [];
  /** An Internet check (COSE_Sign): the body signed by each signer in turn (purse, cardholder). */
  const internet = (body: DigitalCheck, ...signers: Signer[]) => {
    const payload = digitalCheck.encode(body);
    return assembleMulti(
      payload,
      signers.map((s) => signPart(payload, s)),
    );
  };
  const internetBody = (purseId: string, serial: number) => ({
    ...bodyFor(merchantA, purseId, serial),
    channel: Channel.Internet,
  });
  const ok = (name: string, signer: Party, body: DigitalCheck, signed?: Uint8Array) => {
    const check = signed ?? signCheck(signer, body);
    const fields: OkFields = {
      purseId: body.purseId,
      serial: body.serial,
      amount: body.amount,
      currency: body.currency,
      merchantId: body.merchantId,
      slipHash: toHex(body.slipHash),
      channel: body.channel,
      checkHash: toHex(signedHash(check)),
    };
    cases.push({ name, check: toHex(check), expected: { ok: fields } });
  };
  const bad = (name: string, code: ErrorCode, check: Uint8Array) =>
    cases.push({ name, check: toHex(check), expected: { error: code } });
  /** Signs an arbitrary payload as the purse would (its certificate in the header). */
  const signRaw = (signer: Party, payload: Uint8Array) => sign1(payload, signer.secretKey, signer.certificate);

  // Valid checks: several purses, both banks, POS channel.
  ok('valid: P-A1 (BANK-A under ROOT-1) pays M-SHOP-1, EUR', pA1, bodyFor(merchantA, pA1.id, 1));
  ok('valid: P-A1 second check, next serial', pA1, bodyFor(merchantA, pA1.id, 2, 99_99));
  ok('valid: P-A2 pays M-SHOP-1', pA2, bodyFor(merchantA, pA2.id, 7, 1));
  ok('valid: P-B1 (BANK-B under ROOT-2) pays M-SHOP-2, USD', pB1, bodyFor(merchantB, pB1.id, 1, 5_00, 'USD'));
  ok('valid: P-B2 pays M-SHOP-2, USD', pB2, bodyFor(merchantB, pB2.id, 3, 150_00, 'USD'));
  ok(
    'valid: P-A1 pays M-SHOP-2 (purse and merchant at different banks)',
    pA1,
    bodyFor(merchantB, pA1.id, 3, 42, 'EUR'),
  );
  ok(
    'valid: largest amount (2^53 - 1) and a serial above 2^32',
    pA2,
    bodyFor(merchantA, pA2.id, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER),
  );
  ok('valid: amount 0', pB1, bodyFor(merchantB, pB1.id, 2, 0, 'USD'));
  // The check hash is the payload's: the same check under another valid certificate for the same
  // key (a reissue) is the same check, with the same hash.
  const rewrapped = bodyFor(merchantA, pA1.id, 20);
  ok('hash: P-A1 check, serial 20, under its first certificate', pA1, rewrapped);
  ok(
    'hash: the same check re-wrapped under a reissued P-A1 certificate (same key): same checkHash',
    pA1Reissued,
    rewrapped,
  );
  ok(
    "revocation: BANK-B's purse P-A-REVOKED is not revoked by BANK-A's entry",
    pSameIdAtB,
    bodyFor(merchantB, pSameIdAtB.id, 1, 7_00, 'USD'),
  );

  const good = signCheck(pA1, bodyFor(merchantA, pA1.id, 10));
  const goodBody = bodyFor(merchantA, pA1.id, 11);

  // 2xx: signatures and certificates.
  const flipped = good.slice();
  flipped[flipped.length - 10] = (flipped[flipped.length - 10] as number) ^ 0x01;
  bad('signature: one byte of the check signature flipped', ErrorCode.BadSignature, flipped);
  bad(
    'signature: check signed by another purse key under P-A1 certificate',
    ErrorCode.BadSignature,
    sign1(digitalCheck.encode(goodBody), pA2.secretKey, pA1.certificate),
  );
  bad(
    'certificate: purse certificate signed by a key other than BANK-A',
    ErrorCode.BadCertificateSignature,
    signCheck(pWrongKey, bodyFor(merchantA, pWrongKey.id, 1)),
  );
  bad(
    'certificate: bank certificate signature does not verify under ROOT-1',
    ErrorCode.BadCertificateSignature,
    signCheck(pUnderForgedBank, bodyFor(merchantA, pUnderForgedBank.id, 1)),
  );
  bad(
    'certificate: chain ends at ROOT-9, not a trust anchor',
    ErrorCode.UnknownIssuer,
    signCheck(pUnknownRoot, bodyFor(merchantA, pUnknownRoot.id, 1)),
  );
  bad(
    'certificate: purse certificate expired',
    ErrorCode.CertificateExpired,
    signCheck(pExpired, bodyFor(merchantA, pExpired.id, 1)),
  );
  bad(
    'certificate: bank certificate expired',
    ErrorCode.CertificateExpired,
    signCheck(pUnderExpiredBank, bodyFor(merchantA, pUnderExpiredBank.id, 1)),
  );
  bad(
    'certificate: purse certificate not yet valid',
    ErrorCode.CertificateNotYetValid,
    signCheck(pFuture, bodyFor(merchantA, pFuture.id, 1)),
  );
  bad(
    'role: check signed by a merchant certificate',
    ErrorCode.WrongRole,
    signRaw(merchantA, digitalCheck.encode({ ...goodBody, purseId: merchantA.id })),
  );
  bad(
    'role: check signed by the bank itself',
    ErrorCode.WrongRole,
    signRaw(bankA, digitalCheck.encode({ ...goodBody, purseId: bankA.id })),
  );
  bad(
    'role: purse certified directly by a root',
    ErrorCode.WrongRole,
    signCheck(pUnderRoot, bodyFor(merchantA, pUnderRoot.id, 1)),
  );
  bad(
    'chain: three certificates (purse certified by a merchant under BANK-A)',
    ErrorCode.BadCoseStructure,
    signCheck(pUnderMerchant, bodyFor(merchantA, pUnderMerchant.id, 1)),
  );
  bad(
    "revocation: BANK-A's purse P-A-REVOKED, on BANK-A's list",
    ErrorCode.Revoked,
    signCheck(pRevoked, bodyFor(merchantA, pRevoked.id, 1)),
  );
  bad(
    'certificate: purse certificate names BANK-Z but is signed by BANK-A',
    ErrorCode.IssuerMismatch,
    signCheck(pIssuerMismatch, bodyFor(merchantA, pIssuerMismatch.id, 1)),
  );
  bad(
    'certificate: no certificate in the unprotected header',
    ErrorCode.MissingCertificate,
    sign1(digitalCheck.encode(goodBody), pA1.secretKey),
  );
  bad(
    'subject: check names purse P-A2 but is signed by P-A1',
    ErrorCode.SubjectMismatch,
    signCheck(pA1, { ...goodBody, purseId: pA2.id }),
  );

  // 1xx: structure and encoding.
  const entries = bodyEntries(goodBody);
  const swapped = [...entries];
  [swapped[2], swapped[3]] = [swapped[3] as [number, Uint8Array], swapped[2] as [number, Uint8Array]];
  bad(
    'encoding: check body map keys not sorted (signed as is)',
    ErrorCode.NotDeterministic,
    signRaw(pA1, rawMap(swapped)),
  );
  const longAmount = entries.map(([k, v]): [number, Uint8Array] =>
    k === 3 ? [k, Uint8Array.of(0x1a, 0, 0, 0x04, 0xd2)] : [k, v],
  );
  bad(
    'encoding: amount 1234 in a 4-byte integer (signed as is)',
    ErrorCode.NotDeterministic,
    signRaw(pA1, rawMap(longAmount)),
  );
  bad(
    'encoding: COSE_Sign1 array length in a 1-byte argument',
    ErrorCode.NotDeterministic,
    concat(good.subarray(0, 1), Uint8Array.of(0x98, 0x04), good.subarray(2)),
  );
  bad('encoding: truncated by one byte', ErrorCode.MalformedCbor, good.subarray(0, good.length - 1));
  bad('encoding: truncated to half', ErrorCode.MalformedCbor, good.subarray(0, good.length >> 1));
  bad('encoding: a trailing byte', ErrorCode.MalformedCbor, concat(good, Uint8Array.of(0)));
  bad('encoding: not tagged as COSE_Sign1', ErrorCode.BadCoseStructure, good.subarray(1));
  const bodyWith = (change: (m: Map<number, CborValue>) => void) => {
    const m = decode(digitalCheck.encode(goodBody)) as Map<number, CborValue>;
    change(m);
    return encode(m);
  };
  bad(
    'body: message type 3 (a slip), not 4',
    ErrorCode.WrongMessageType,
    signRaw(
      pA1,
      bodyWith((m) => m.set(0, 3)),
    ),
  );
  bad(
    'body: format version 2',
    ErrorCode.UnsupportedVersion,
    signRaw(
      pA1,
      bodyWith((m) => m.set(1, 2)),
    ),
  );
  bad(
    'body: time (key 8) missing',
    ErrorCode.MissingField,
    signRaw(
      pA1,
      bodyWith((m) => m.delete(8)),
    ),
  );
  bad(
    'body: unknown key 10',
    ErrorCode.UnknownField,
    signRaw(
      pA1,
      bodyWith((m) => m.set(10, 0)),
    ),
  );
  bad(
    'body: 31-byte slip hash',
    ErrorCode.BadField,
    signRaw(
      pA1,
      bodyWith((m) => m.set(2, goodBody.slipHash.subarray(0, 31))),
    ),
  );
  bad(
    'body: channel 2',
    ErrorCode.BadField,
    signRaw(
      pA1,
      bodyWith((m) => m.set(9, 2)),
    ),
  );
  bad(
    'body: purse id with a leading U+FEFF (a BOM is text, not skipped)',
    ErrorCode.BadField,
    signRaw(
      pA1,
      bodyWith((m) => m.set(6, `\uFEFF${pA1.id}`)),
    ),
  );
  bad('body: serial 0', ErrorCode.BadField, signCheck(pA1, { ...goodBody, serial: 0 }));
  bad(
    'channel: a single-signed (COSE_Sign1) check for channel 1, the Internet',
    ErrorCode.WrongChannel,
    signCheck(pA1, { ...goodBody, channel: Channel.Internet }),
  );
  const es256 = encode(new Map([[1, -7]]));
  bad(
    'COSE: protected header {1: -7} (ES256)',
    ErrorCode.UnsupportedAlgorithm,
    rawSign1(es256, withCert(pA1.certificate), digitalCheck.encode(goodBody), new Uint8Array(64)),
  );
  bad(
    "COSE: protected header {1: -8, 4: h'01'} (EdDSA with more)",
    ErrorCode.BadCoseStructure,
    rawSign1(
      encode(
        new Map<number, CborValue>([
          [1, -8],
          [4, Uint8Array.of(1)],
        ]),
      ),
      withCert(pA1.certificate),
      digitalCheck.encode(goodBody),
      new Uint8Array(64),
    ),
  );
  bad(
    'COSE: 63-byte signature',
    ErrorCode.BadCoseStructure,
    rawSign1(PROTECTED_EDDSA, withCert(pA1.certificate), digitalCheck.encode(goodBody), new Uint8Array(63)),
  );

  // Order of checks (WIRE.md): when two things are wrong, the earlier step decides.
  const expiredFlipped = signCheck(pExpired, bodyFor(merchantA, pExpired.id, 2));
  expiredFlipped[expiredFlipped.length - 1] = (expiredFlipped[expiredFlipped.length - 1] as number) ^ 0x80;
  bad(
    'order: expired purse certificate and a bad signature → chain first',
    ErrorCode.CertificateExpired,
    expiredFlipped,
  );
  bad(
    'order: merchant signer and an unknown body key → role first',
    ErrorCode.WrongRole,
    signRaw(
      merchantA,
      bodyWith((m) => m.set(10, 0)),
    ),
  );
  const badSigBadBody = signRaw(
    pA1,
    bodyWith((m) => m.set(10, 0)),
  );
  badSigBadBody[badSigBadBody.length - 5] = (badSigBadBody[badSigBadBody.length - 5] as number) ^ 0x10;
  bad('order: bad signature and an unknown body key → signature first', ErrorCode.BadSignature, badSigBadBody);
  bad(
    'order: wrong purse id and serial 0 → purse id first',
    ErrorCode.SubjectMismatch,
    signCheck(pA1, { ...goodBody, purseId: pB1.id, serial: 0 }),
  );
  bad(
    'order: serial 0 and channel 1 → serial first',
    ErrorCode.BadField,
    signCheck(pA1, { ...goodBody, serial: 0, channel: Channel.Internet }),
  );
  bad(
    'order: chain of three and a bad signature → chain first',
    ErrorCode.BadCoseStructure,
    sign1(digitalCheck.encode({ ...goodBody, purseId: pUnderMerchant.id }), pA1.secretKey, pUnderMerchant.certificate),
  );
  bad(
    'order: revoked purse under an expired bank → bank (top of chain) first',
    ErrorCode.CertificateExpired,
    signCheck(purse(bankAExpired, 'P-A-REVOKED', 'EUR'), bodyFor(merchantA, 'P-A-REVOKED', 1)),
  );

  // Internet checks (COSE_Sign, tag 98): the purse signs first, the cardholder second, each with its
  // chain in label 13; both under the same bank; the check is for channel 1.
  const netBody = internetBody(pA1.id, 30);
  ok('internet: P-A1 and cardholder C-A1, channel 1', pA1, netBody, internet(netBody, pA1, cA1));
  const netBodyB = { ...bodyFor(merchantB, pB1.id, 31, 45_00, 'USD'), channel: Channel.Internet };
  ok('internet: P-B1 and cardholder C-B1 (BANK-B), channel 1', pB1, netBodyB, internet(netBodyB, pB1, cB1));
  bad(
    'internet: purse signature by another key under the P-A1 certificate',
    ErrorCode.BadSignature,
    internet(netBody, { secretKey: pA2.secretKey, certificate: pA1.certificate }, cA1),
  );
  bad(
    'internet: cardholder signature by another key under the C-A1 certificate',
    ErrorCode.BadSignature,
    internet(netBody, pA1, { secretKey: pA2.secretKey, certificate: cA1.certificate }),
  );
  bad('internet: second signature by a purse, not a cardholder', ErrorCode.WrongRole, internet(netBody, pA1, pA2));
  bad(
    'internet: first signature by the cardholder, second by the purse',
    ErrorCode.WrongRole,
    internet(netBody, cA1, pA1),
  );
  bad(
    'internet: cardholder C-B1 from BANK-B approves a BANK-A purse',
    ErrorCode.IssuerMismatch,
    internet(netBody, pA1, cB1),
  );
  const netPos = bodyFor(merchantA, pA1.id, 32);
  bad('internet: a COSE_Sign check for channel 0, the POS', ErrorCode.WrongChannel, internet(netPos, pA1, cA1));
  bad('internet: a COSE_Sign with the purse signature only', ErrorCode.BadCoseStructure, internet(netBody, pA1));
  bad('internet: a COSE_Sign with three signatures', ErrorCode.BadCoseStructure, internet(netBody, pA1, cA1, cA1));
  bad(
    'internet: cardholder signature without its certificate',
    ErrorCode.MissingCertificate,
    assembleMulti(digitalCheck.encode(netBody), [
      signPart(digitalCheck.encode(netBody), pA1),
      encode([PROTECTED_EDDSA, new Map(), ed25519.sign(new Uint8Array(1), cA1.secretKey)]),
    ]),
  );
  bad('internet: cardholder certificate expired', ErrorCode.CertificateExpired, internet(netBody, pA1, cExpired));
  bad(
    'internet: cardholder certificate signed by a key other than BANK-A',
    ErrorCode.BadCertificateSignature,
    internet(netBody, pA1, cWrongKey),
  );
  bad(
    'internet: check names purse P-A2 but is signed by P-A1',
    ErrorCode.SubjectMismatch,
    internet({ ...netBody, purseId: pA2.id }, pA1, cA1),
  );
  bad(
    'internet order: bad purse signature and expired cardholder certificate → chain first',
    ErrorCode.CertificateExpired,
    internet(netBody, { secretKey: pA2.secretKey, certificate: pA1.certificate }, cExpired),
  );
  bad(
    'internet order: bad purse and bad cardholder signature → purse first (200)',
    ErrorCode.BadSignature,
    internet(
      netBody,
      { secretKey: pA2.secretKey, certificate: pA1.certificate },
      { secretKey: pB1.secretKey, certificate: cA1.certificate },
    ),
  );
  bad(
    'internet order: forged cardholder certificate and bad purse signature → certificate first',
    ErrorCode.BadCertificateSignature,
    internet(netBody, { secretKey: pA2.secretKey, certificate: pA1.certificate }, cWrongKey),
  );
  bad(
    'internet order: bad cardholder signature and channel 0 → signature first',
    ErrorCode.BadSignature,
    internet(netPos, pA1, { secretKey: pA2.secretKey, certificate: cA1.certificate }),
  );

  // A scheme (claim bankRoles): last, so that the slips above keep their terminal transaction ids.
  ok(
    'scheme: P-S1 (issuer-only BANK-S-ISS under ROOT-S) pays M-SHOP-S of the acquirer-only BANK-S-ACQ',
    pS1,
    bodyFor(merchantS, pS1.id, 1, 3_00, 'EUR'),
  );
  bad(
    'scheme: a purse certified by the acquirer-only BANK-S-ACQ',
    ErrorCode.NotAnIssuer,
    signCheck(pUnderAcquirer, bodyFor(merchantS, pUnderAcquirer.id, 1, 3_00, 'EUR')),
  );

  // Every expectation is what the TypeScript verifier says; a disagreement is a generator bug.
  for (const c of cases) {
    let got: VectorCase['expected'];
    try {
      const v = verifyAnyCheck(Buffer.from(c.check, 'hex'), context);
      got = {
        ok: {
          purseId: v.body.purseId,
          serial: v.body.serial,
          amount: v.body.amount,
          currency: v.body.currency,
          merchantId: v.body.merchantId,
          slipHash: toHex(v.body.slipHash),
          channel: v.body.channel,
          checkHash: toHex(v.hash),
        },
      };
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      got = { error: error.code };
    }
    if (JSON.stringify(got) !== JSON.stringify(c.expected))
      throw new Error(
        `${c.name}: expected ${JSON.stringify(c.expected)}, the TS verifier gives ${JSON.stringify(got)}`,
      );
  }
  const names = new Set(cases.map((c) => c.name));
  if (names.size !== cases.length) throw new Error('case names must be unique');

  return {
    source:
      'smartcheck protocol vectors: digital checks (WIRE.md type 4), POS (COSE_Sign1) and Internet (COSE_Sign, purse then cardholder), generated by scripts/gen-protocol-vectors.ts',
    notes: [
      'Deterministic: keys from fixed seeds (SHA-256 of "smartcheck/vectors/seed/<label>"), certificate serials from SHA-256 of "smartcheck/vectors/serial/<label>", Ed25519 signatures are deterministic; regenerating writes identical bytes.',
      'Verify each check with the anchors (root id -> Ed25519 public key), the time `now` (Unix seconds) and the revoked certificates, each "issuer/subject" (a bank revokes only what it certified). expected.ok lists the fields of an accepted check (checkHash = SHA-256 of the check payload, the signed body bytes, not of the whole COSE bytes); expected.error is a code of src/protocol/errors.ts.',
      'A check tagged 98 (COSE_Sign) is an Internet check, verified as verifyInternetCheck (src/protocol/internet.ts) does: two signatures, purse then cardholder (C-A1 under BANK-A, C-B1 under BANK-B), each with its chain; anything else is verified as a POS check (verifyCheck, src/protocol/pos.ts).',
      'When a check has several faults the code is that of the first failing step in WIRE.md "Order of checks".',
      'Roots: ROOT-1 -> BANK-A, ROOT-2 -> BANK-B, and a scheme ROOT-S -> BANK-S-ISS (claim bankRoles 1: issuer only) and BANK-S-ACQ (bankRoles 2: acquirer only, merchant M-SHOP-S); ROOT-9 (-> BANK-X) is not an anchor. Merchants M-SHOP-1 (BANK-A), M-SHOP-2 (BANK-B). Purses P-A* under BANK-A (EUR limits), P-B* under BANK-B (USD limits); BANK-B also has a purse P-A-REVOKED (USD), which BANK-A revoking its own P-A-REVOKED does not touch.',
    ],
    anchors: [...anchors].map(([id, key]) => ({ id, publicKey: toHex(key) })),
    now: NOW,
    revoked: REVOKED,
    cases,
  };
}

/** The file's exact text. */
export const vectorsText = () => `${JSON.stringify(buildVectors(), null, 2)}\n`;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = vectorsText();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(VECTORS_PATH, 'utf8');
    } catch {
      // missing: not up to date
    }
    if (current !== text) {
      console.error(`${VECTORS_PATH} is not up to date: run npx tsx scripts/gen-protocol-vectors.ts`);
      process.exit(1);
    }
  } else {
    mkdirSync(dirname(VECTORS_PATH), { recursive: true });
    writeFileSync(VECTORS_PATH, text);
    const count = JSON.parse(text).cases.length;
    console.log(`wrote ${VECTORS_PATH}: ${count} cases`);
  }
}
