// Issuing: key pairs and certificates for a root, banks and the parties a bank certifies. The
// bank role (issue of the bank service) and the tests build their PKI with these.
import { ed25519, x25519 } from '../../bindings/index.ts';
import {
  checkBankMayCertify,
  issueCertificate,
  type OfflineLimits,
  parseCertificate,
  type TrustAnchors,
} from './certificate.ts';
import { Role } from './registry.ts';
import type { SecretKey, Signer } from './signed.ts';

/**
 * A certified party. Its signing key is in memory (cards, merchants, tests) unless `K` says
 * otherwise: the bank's own party is a `Party<SecretKey>`, its key possibly kept in an HSM.
 */
export interface Party<K extends SecretKey = Uint8Array> extends Signer {
  secretKey: K;
  id: string;
  publicKey: Uint8Array;
  /** X25519 key pair, for parties that receive envelopes. */
  kx?: { secretKey: Uint8Array; publicKey: Uint8Array };
}

export interface Root {
  id: string;
  /** In memory, or kept in the bank's key store (an HSM signs with it there). */
  secretKey: SecretKey;
  publicKey: Uint8Array;
}

export interface Validity {
  notBefore: number;
  notAfter: number;
}

let serialCounter = 0n;
/** A fresh 8-byte certificate serial: time-ordered high half, random low half. */
export function newSerial(): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, Number(++serialCounter & 0xffffffffn));
  out.set(crypto.getRandomValues(new Uint8Array(4)), 4);
  return out;
}

export function createRoot(id: string, seed?: Uint8Array): Root {
  const { secretKey, publicKey } = ed25519.keygen(seed);
  return { id, secretKey, publicKey };
}

export function anchorsOf(...roots: Root[]): TrustAnchors {
  return new Map(roots.map((r) => [r.id, r.publicKey]));
}

interface IssueOptions extends Validity {
  seed?: Uint8Array;
  kxSeed?: Uint8Array;
  limits?: OfflineLimits;
  withKx?: boolean;
  /** A bank's: what it may certify (a bit set of BankRole); absent, both. */
  bankRoles?: number;
}

function party(
  id: string,
  role: Role,
  issuerId: string,
  issuerKey: SecretKey,
  issuerCert: Uint8Array | undefined,
  o: IssueOptions,
): Party {
  const sign = ed25519.keygen(o.seed);
  const kx = o.withKx ? x25519.keygen(o.kxSeed) : undefined;
  const certificate = certificateOver(
    id,
    role,
    issuerId,
    issuerKey,
    issuerCert,
    { signingKey: sign.publicKey, ...(kx ? { kxKey: kx.publicKey } : {}) },
    o,
  );
  return { id, secretKey: sign.secretKey, publicKey: sign.publicKey, certificate, ...(kx ? { kx } : {}) };
}

function certificateOver(
  id: string,
  role: Role,
  issuerId: string,
  issuerKey: SecretKey,
  issuerCert: Uint8Array | undefined,
  keys: { signingKey: Uint8Array; kxKey?: Uint8Array },
  o: Validity & { limits?: OfflineLimits; bankRoles?: number },
): Uint8Array {
  return issueCertificate(
    {
      issuer: issuerId,
      subject: id,
      role,
      notBefore: o.notBefore,
      notAfter: o.notAfter,
      issuedAt: o.notBefore,
      serial: newSerial(),
      ...keys,
      ...(o.limits ? { limits: o.limits } : {}),
      ...(o.bankRoles !== undefined ? { bankRoles: o.bankRoles } : {}),
    },
    issuerKey,
    issuerCert,
  );
}

/**
 * A bank certified by a root; banks always have a key-exchange key (they receive envelopes). A
 * scheme is one root certifying several banks, each with `bankRoles` saying whether it issues
 * cards, acquires merchants or both; a bank alone under its own root leaves it out (both).
 */
export function certifyBank(root: Root, id: string, o: IssueOptions): Party {
  return party(id, Role.Bank, root.id, root.secretKey, undefined, { ...o, withKx: true });
}

/** A bank certificate over keys generated elsewhere (the bank's key store, an HSM). */
export function certifyBankKeys(
  root: Root,
  id: string,
  keys: { signingKey: Uint8Array; kxKey: Uint8Array },
  o: Validity & { bankRoles?: number },
): Uint8Array {
  return certificateOver(id, Role.Bank, root.id, root.secretKey, undefined, keys, o);
}

/**
 * A purse (card), cardholder or merchant certified by a bank; the bank's certificate rides along.
 * A bank whose certificate does not let it certify that role is refused (NotAnIssuer, NotAnAcquirer).
 */
export function certifyParty(
  bank: Party<SecretKey>,
  id: string,
  role: typeof Role.Purse | typeof Role.Cardholder | typeof Role.Merchant,
  o: IssueOptions,
): Party {
  checkBankMayCertify(parseCertificate(bank.certificate), role);
  return party(id, role, bank.id, bank.secretKey, bank.certificate, {
    ...o,
    withKx: o.withKx ?? role !== Role.Cardholder,
  });
}
