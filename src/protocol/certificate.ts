// Certificates: CWTs (RFC 8392) signed by their issuer as COSE_Sign1, with the subject's keys in
// `cnf` (RFC 8747) and our private claims (role, key-exchange key, offline limits). WIRE.md has
// the claim table; a chain runs leaf → bank → root, each carrying its issuer in label 13.
import { ed25519 } from '../../bindings/index.ts';
import { equalBytes, toHex } from '../bytes.ts';
import { type CborValue, decode, encode } from './cbor.ts';
import { parseSign1, sign1 } from './cose.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { amount, bytes, currency, id, oneOf, uint } from './fields.ts';
import { ed25519Key, readOkpKey, x25519Key } from './keys.ts';
import { BankRole, ByteLength, Claim, Cose, LimitKey, MAX_CHAIN, Role } from './registry.ts';
import type { SecretKey } from './signing-key.ts';

/** Offline risk limits of a purse (EMV-style consecutive offline limits), in minor units. */
export interface OfflineLimits {
  currency: string;
  maxBalance: number;
  maxPerCheck: number;
  maxOfflineChecks: number;
  maxOfflineAmount: number;
}

export interface CertificateClaims {
  issuer: string;
  subject: string;
  role: Role;
  notBefore: number;
  notAfter: number;
  issuedAt: number;
  serial: Uint8Array;
  signingKey: Uint8Array;
  kxKey?: Uint8Array;
  limits?: OfflineLimits;
  /** A bank's: what it may certify, a bit set of BankRole; absent, both (a bank under its own root). */
  bankRoles?: number;
}

export interface Certificate extends CertificateClaims {
  /** The complete certificate bytes (a COSE_Sign1). */
  bytes: Uint8Array;
  /** The issuer's certificate carried in the header (absent for a bank certified by a root). */
  issuerCertificate?: Uint8Array;
  signature: Uint8Array;
  toBeSigned: Uint8Array;
}

const role = oneOf([Role.Root, Role.Bank, Role.Purse, Role.Cardholder, Role.Merchant] as const);
/** Every role a bank certificate may give (the meaning of a bank certificate without the claim). */
export const ALL_BANK_ROLES = BankRole.Issuer | BankRole.Acquirer;
/** A non-empty bit set of BankRole, in a bank certificate only. */
const bankRoles = {
  read(value: CborValue, owner: Role): number {
    const bits = uint.read(value, 'bankRoles');
    if (owner !== Role.Bank) throw new ProtocolError(ErrorCode.BadField, 'bankRoles: only in a bank certificate');
    if (bits < 1 || (bits & ~ALL_BANK_ROLES) !== 0)
      throw new ProtocolError(ErrorCode.BadField, `bankRoles: 1 to ${ALL_BANK_ROLES}, got ${bits}`);
    return bits;
  },
  write: (bits: number, owner: Role): CborValue => bankRoles.read(uint.write(bits, 'bankRoles'), owner),
};

function encodeClaims(c: CertificateClaims): Uint8Array {
  const claims = new Map<number, CborValue>([
    [Claim.iss, id.write(c.issuer, 'iss')],
    [Claim.sub, id.write(c.subject, 'sub')],
    [Claim.exp, uint.write(c.notAfter, 'exp')],
    [Claim.nbf, uint.write(c.notBefore, 'nbf')],
    [Claim.iat, uint.write(c.issuedAt, 'iat')],
    [Claim.cti, bytes(ByteLength.certificateSerial).write(c.serial, 'cti')],
    [Claim.cnf, new Map([[Cose.cnfCoseKey, ed25519Key(bytes(ByteLength.key).read(c.signingKey, 'signingKey'))]])],
    [Claim.role, role.write(c.role, 'role')],
  ]);
  if (c.kxKey) claims.set(Claim.kxKey, x25519Key(bytes(ByteLength.key).read(c.kxKey, 'kxKey')));
  if (c.limits) {
    const l = c.limits;
    claims.set(
      Claim.limits,
      new Map<number, CborValue>([
        [LimitKey.currency, currency.write(l.currency, 'limits.currency')],
        [LimitKey.maxBalance, amount.write(l.maxBalance, 'limits.maxBalance')],
        [LimitKey.maxPerCheck, amount.write(l.maxPerCheck, 'limits.maxPerCheck')],
        [LimitKey.maxOfflineChecks, uint.write(l.maxOfflineChecks, 'limits.maxOfflineChecks')],
        [LimitKey.maxOfflineAmount, amount.write(l.maxOfflineAmount, 'limits.maxOfflineAmount')],
      ]),
    );
  }
  if (c.bankRoles !== undefined) claims.set(Claim.bankRoles, bankRoles.write(c.bankRoles, c.role));
  return encode(claims);
}

function readLimits(value: CborValue): OfflineLimits {
  const size = Object.keys(LimitKey).length;
  if (!(value instanceof Map) || value.size !== size)
    throw new ProtocolError(ErrorCode.BadField, `limits: expected a map of ${size}`);
  const get = (k: number) => value.get(k) as CborValue;
  return {
    currency: currency.read(get(LimitKey.currency), 'limits.currency'),
    maxBalance: amount.read(get(LimitKey.maxBalance), 'limits.maxBalance'),
    maxPerCheck: amount.read(get(LimitKey.maxPerCheck), 'limits.maxPerCheck'),
    maxOfflineChecks: uint.read(get(LimitKey.maxOfflineChecks), 'limits.maxOfflineChecks'),
    maxOfflineAmount: amount.read(get(LimitKey.maxOfflineAmount), 'limits.maxOfflineAmount'),
  };
}

const KNOWN = new Set<number>([
  Claim.iss,
  Claim.sub,
  Claim.exp,
  Claim.nbf,
  Claim.iat,
  Claim.cti,
  Claim.cnf,
  Claim.role,
  Claim.kxKey,
  Claim.limits,
  Claim.bankRoles,
]);

function readClaims(payload: Uint8Array): CertificateClaims {
  const claims = decode(payload);
  if (!(claims instanceof Map)) throw new ProtocolError(ErrorCode.BadField, 'CWT claims: expected a map');
  for (const key of claims.keys())
    if (!KNOWN.has(key as number)) throw new ProtocolError(ErrorCode.UnknownField, `CWT claim ${String(key)}`);
  const need = (k: number, name: string) => {
    if (!claims.has(k)) throw new ProtocolError(ErrorCode.MissingField, `CWT ${name}`);
    return claims.get(k) as CborValue;
  };
  const cnf = need(Claim.cnf, 'cnf');
  if (!(cnf instanceof Map) || cnf.size !== 1)
    throw new ProtocolError(ErrorCode.BadField, 'cnf: expected {1: COSE_Key}');
  const out: CertificateClaims = {
    issuer: id.read(need(Claim.iss, 'iss'), 'iss'),
    subject: id.read(need(Claim.sub, 'sub'), 'sub'),
    notAfter: uint.read(need(Claim.exp, 'exp'), 'exp'),
    notBefore: uint.read(need(Claim.nbf, 'nbf'), 'nbf'),
    issuedAt: uint.read(need(Claim.iat, 'iat'), 'iat'),
    serial: bytes(ByteLength.certificateSerial).read(need(Claim.cti, 'cti'), 'cti'),
    signingKey: readOkpKey(cnf.get(Cose.cnfCoseKey) as CborValue, Cose.crvEd25519, 'cnf'),
    role: role.read(need(Claim.role, 'role'), 'role'),
  };
  if (claims.has(Claim.kxKey)) out.kxKey = readOkpKey(claims.get(Claim.kxKey) as CborValue, Cose.crvX25519, 'kxKey');
  if (claims.has(Claim.limits)) out.limits = readLimits(claims.get(Claim.limits) as CborValue);
  if (claims.has(Claim.bankRoles)) out.bankRoles = bankRoles.read(claims.get(Claim.bankRoles) as CborValue, out.role);
  return out;
}

/** Issues a certificate signed with the issuer's key; `issuerCertificate` goes in label 13. */
export function issueCertificate(
  claims: CertificateClaims,
  issuerSecretKey: SecretKey,
  issuerCertificate?: Uint8Array,
): Uint8Array {
  return sign1(encodeClaims(claims), issuerSecretKey, issuerCertificate);
}

/** Parses a certificate's structure and claims; does not check its signature or validity. */
export function parseCertificate(certificate: Uint8Array): Certificate {
  const signed = parseSign1(certificate);
  const out: Certificate = {
    ...readClaims(signed.payload),
    bytes: certificate,
    signature: signed.signature,
    toBeSigned: signed.toBeSigned,
  };
  if (signed.certificate) out.issuerCertificate = signed.certificate;
  return out;
}

/**
 * Refuses a bank certifying what its certificate does not let it: a purse or cardholder needs an
 * issuer (NotAnIssuer), a merchant an acquirer (NotAnAcquirer). No claim: the bank may do both.
 */
export function checkBankMayCertify(bank: Pick<CertificateClaims, 'subject' | 'bankRoles'>, subjectRole: Role): void {
  const bits = bank.bankRoles ?? ALL_BANK_ROLES;
  if ((subjectRole === Role.Purse || subjectRole === Role.Cardholder) && (bits & BankRole.Issuer) === 0)
    throw new ProtocolError(ErrorCode.NotAnIssuer, `${bank.subject} is not certified to issue cards`);
  if (subjectRole === Role.Merchant && (bits & BankRole.Acquirer) === 0)
    throw new ProtocolError(ErrorCode.NotAnAcquirer, `${bank.subject} is not certified to acquire merchants`);
}

/** Trust anchors: root subject id → root Ed25519 public key. */
export type TrustAnchors = ReadonlyMap<string, Uint8Array>;

/**
 * A revocation entry: the subject qualified by the bank (issuer) that certified it, so bank A
 * revoking "P-1" never revokes bank B's "P-1". '/' cannot occur in an identifier (WIRE.md).
 */
export const revocationKey = (issuer: string, subject: string): string => `${issuer}/${subject}`;

export interface ChainOptions {
  now: number;
  /** Revoked certificates as `revocationKey(issuer, subject)` (see revokedSet in revocation.ts). */
  revoked?: ReadonlySet<string>;
  /** Certificate signatures already known good, so each distinct one is checked once. */
  verifiedCache?: CertificateCache;
}

/**
 * Certificate signatures known to verify, at most `maxEntries` of them (the least recently used
 * goes first). An entry is keyed by the signature and the issuer key and holds the signed bytes
 * (Sig_structure), which a hit must equal: a signature and key alone do not pin the claims.
 * Only the signature is cached; validity, roles and revocation are checked on every use.
 *
 * It also keeps the parsed form of the certificates it has seen (`parse`), as many again: a
 * returning card presents the same chain at every sale, and parsing its two certificates cost a
 * terminal about as much as all the rest of an acceptance but the purse's signature.
 */
export class CertificateCache {
  readonly #entries = new Map<string, Uint8Array>();
  /** Parsed certificates by the hex of their last 32 bytes (a hint: a hit must equal all bytes). */
  readonly #parsed = new Map<string, Certificate>();
  readonly maxEntries: number;

  constructor(maxEntries = 4096) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`CertificateCache: maxEntries must be a positive integer, got ${maxEntries}`);
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** True when `certificate`'s signature was verified under `issuerKey`. */
  has(certificate: Certificate, issuerKey: Uint8Array): boolean {
    const key = toHex(certificate.signature) + toHex(issuerKey);
    const signed = this.#entries.get(key);
    if (!signed || !equalBytes(signed, certificate.toBeSigned)) return false;
    this.#entries.delete(key);
    this.#entries.set(key, signed);
    return true;
  }

  /** Records that `certificate`'s signature verifies under `issuerKey`. */
  add(certificate: Certificate, issuerKey: Uint8Array): void {
    const key = toHex(certificate.signature) + toHex(issuerKey);
    this.#entries.delete(key);
    this.#entries.set(key, certificate.toBeSigned.slice());
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  /**
   * `parseCertificate(bytes)`, from this cache when the same bytes were parsed before. The cached
   * certificate was parsed from a private copy, so a caller changing its buffer later changes
   * nothing here; it is shared by every caller that presents these bytes, and must not be changed.
   */
  parse(bytes: Uint8Array): Certificate {
    const hint = toHex(bytes.subarray(Math.max(0, bytes.length - 32)));
    const cached = this.#parsed.get(hint);
    if (cached && equalBytes(cached.bytes, bytes)) {
      this.#parsed.delete(hint);
      this.#parsed.set(hint, cached);
      return cached;
    }
    const parsed = parseCertificate(bytes.slice());
    this.#parsed.delete(hint);
    this.#parsed.set(hint, parsed);
    if (this.#parsed.size > this.maxEntries) this.#parsed.delete(this.#parsed.keys().next().value as string);
    return parsed;
  }

  clear(): void {
    this.#entries.clear();
    this.#parsed.clear();
  }
}

/** One signature to check, for whoever checks it: at once (verifyChain), or later with others in
 * one batch (verifyMessage: PendingSignatures). */
export interface SignatureCheck {
  signature: Uint8Array;
  message: Uint8Array;
  publicKey: Uint8Array;
  /** The error it fails with. */
  error(): ProtocolError;
  /** What to do once it is known good (remember a certificate's signature). */
  good?(): void;
}

/** Checks one signature now: throws its error if bad. */
export function verifyNow(check: SignatureCheck): void {
  if (!ed25519.verify(check.signature, check.message, check.publicKey)) throw check.error();
  check.good?.();
}

/**
 * Verifies a certificate chain up to a trusted root and returns the parsed leaf. Checks each
 * signature, validity at `now`, role nesting (root → bank → end entity), the bank's right to
 * certify the leaf's role (claim bankRoles), issuer names and revocation.
 */
export function verifyChain(leafBytes: Uint8Array, anchors: TrustAnchors, options: ChainOptions): Certificate {
  return walkChain(leafBytes, anchors, options, verifyNow);
}

/**
 * verifyChain's walk, each certificate signature not in the cache handed to `check` in order
 * (from the root down), which verifies it at once or records it for later.
 */
export function walkChain(
  leafBytes: Uint8Array,
  anchors: TrustAnchors,
  options: ChainOptions,
  check: (signature: SignatureCheck) => void,
): Certificate {
  const cache = options.verifiedCache;
  const parse = (bytes: Uint8Array) => (cache ? cache.parse(bytes) : parseCertificate(bytes));
  const leaf = parse(leafBytes);
  const chain = [leaf];
  let current = leaf;
  while (current.issuerCertificate) {
    if (chain.length >= MAX_CHAIN)
      throw new ProtocolError(ErrorCode.BadCoseStructure, `certificate chain longer than ${MAX_CHAIN}`);
    current = parse(current.issuerCertificate);
    chain.push(current);
  }
  const top = chain[chain.length - 1] as Certificate;
  const rootKey = anchors.get(top.issuer);
  if (!rootKey) throw new ProtocolError(ErrorCode.UnknownIssuer, top.issuer);
  if (top.role !== Role.Bank)
    throw new ProtocolError(ErrorCode.WrongRole, `certificate of ${top.subject} under a root must be a bank`);
  for (let i = chain.length - 1; i >= 0; i--) {
    const cert = chain[i] as Certificate;
    const issuer = chain[i + 1];
    if (issuer) {
      if (cert.issuer !== issuer.subject)
        throw new ProtocolError(
          ErrorCode.IssuerMismatch,
          `${cert.subject} names ${cert.issuer}, signed by ${issuer.subject}`,
        );
      if (cert.role === Role.Root || cert.role === Role.Bank)
        throw new ProtocolError(ErrorCode.WrongRole, `${cert.subject} under a bank`);
      if (issuer.role !== Role.Bank)
        throw new ProtocolError(
          ErrorCode.WrongRole,
          `${cert.subject} issued by ${issuer.subject}, which is not a bank`,
        );
      checkBankMayCertify(issuer, cert.role);
    }
    const key = issuer ? issuer.signingKey : rootKey;
    if (cert.notBefore > options.now) throw new ProtocolError(ErrorCode.CertificateNotYetValid, cert.subject);
    if (cert.notAfter < options.now) throw new ProtocolError(ErrorCode.CertificateExpired, cert.subject);
    if (options.revoked?.has(revocationKey(cert.issuer, cert.subject)))
      throw new ProtocolError(ErrorCode.Revoked, `${cert.subject} of ${cert.issuer}`);
    if (cache?.has(cert, key)) continue;
    check({
      signature: cert.signature,
      message: cert.toBeSigned,
      publicKey: key,
      error: () => new ProtocolError(ErrorCode.BadCertificateSignature, cert.subject),
      ...(cache ? { good: () => cache.add(cert, key) } : {}),
    });
  }
  return leaf;
}
