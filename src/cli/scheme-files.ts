// The files a scheme's operator and its banks hand each other (docs/scheme.md), all in the
// protocol's own formats so that any COSE/CBOR library reads them (WIRE.md):
//   root certificate   the scheme root's self-signed CWT (iss = sub, role 1), a COSE_Sign1: what
//                      every bank of the scheme, and through them every terminal, trusts
//   public keys        a bank's signing and key-exchange public keys, a COSE_KeySet (a CBOR array
//                      of an Ed25519 and an X25519 COSE_Key): what the operator certifies
//   bank certificate   the scheme root's certificate over those keys (role 2, claim bank roles)
// None holds a secret: they may travel by e-mail. What must be checked out of band is that the
// public keys the operator certifies are the bank's own: both sides print their fingerprint.
import { readFileSync } from 'node:fs';
import { ed25519, sha256 } from '../../bindings/index.ts';
import type { BankPublicKeys } from '../bank/scheme.ts';
import { toHex } from '../bytes.ts';
import { type CborValue, decode, encode } from '../protocol/cbor.ts';
import { type Certificate, issueCertificate, parseCertificate, verifyChain } from '../protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import { ed25519Key, readOkpKey, x25519Key } from '../protocol/keys.ts';
import { newSerial, type Root, type Validity } from '../protocol/pki.ts';
import { Cose, Role } from '../protocol/registry.ts';
import { usage } from './exit.ts';

/** A scheme root as its banks know it: its id and public key, from its certificate. */
export interface SchemeRoot {
  id: string;
  publicKey: Uint8Array;
}

function readBytes(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw usage(`no ${what} at ${path}`);
    throw error;
  }
}

/** SHA-256 of a file's bytes, in hex: what two people compare over the phone. */
export const fingerprint = (bytes: Uint8Array): string => toHex(sha256(bytes));

/** The root's self-signed certificate (WIRE.md § Certificates: iss = sub, role 1). */
export function rootCertificate(root: Root, validity: Validity): Uint8Array {
  return issueCertificate(
    {
      issuer: root.id,
      subject: root.id,
      role: Role.Root,
      ...validity,
      issuedAt: validity.notBefore,
      serial: newSerial(),
      signingKey: root.publicKey,
    },
    root.secretKey,
  );
}

/**
 * The scheme root a root certificate names: self-signed, role root, its signature good and valid
 * at `now`. A file that is none of these is refused (exit 4 for a bad signature or date).
 */
export function readSchemeRoot(path: string, now: number): SchemeRoot {
  let cert: Certificate;
  try {
    cert = parseCertificate(readBytes(path, 'scheme root certificate'));
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    throw usage(`${path}: not a root certificate (${error.message})`);
  }
  if (cert.role !== Role.Root || cert.issuer !== cert.subject || cert.issuerCertificate)
    throw usage(`${path}: not a self-signed root certificate (certificate of ${cert.subject} by ${cert.issuer})`);
  if (!ed25519.verify(cert.signature, cert.toBeSigned, cert.signingKey))
    throw new ProtocolError(ErrorCode.BadCertificateSignature, `${path}: root ${cert.subject}`);
  if (now < cert.notBefore) throw new ProtocolError(ErrorCode.CertificateNotYetValid, `${path}: root ${cert.subject}`);
  if (now > cert.notAfter) throw new ProtocolError(ErrorCode.CertificateExpired, `${path}: root ${cert.subject}`);
  return { id: cert.subject, publicKey: cert.signingKey };
}

/** A bank's public keys as a COSE_KeySet: [Ed25519 signing key, X25519 key-exchange key]. */
export const encodePublicKeys = (keys: BankPublicKeys): Uint8Array =>
  encode([ed25519Key(keys.signingKey), x25519Key(keys.kxKey)]);

/** The public keys file `bank init` wrote (refused with exit 2 when it is anything else). */
export function readPublicKeys(path: string): { keys: BankPublicKeys; bytes: Uint8Array } {
  const bytes = readBytes(path, 'public keys file');
  try {
    const set = decode(bytes);
    if (!Array.isArray(set) || set.length !== 2) throw new Error('a COSE_KeySet of two keys expected');
    return {
      keys: {
        signingKey: readOkpKey(set[0] as CborValue, Cose.crvEd25519, 'signing key'),
        kxKey: readOkpKey(set[1] as CborValue, Cose.crvX25519, 'key-exchange key'),
      },
      bytes,
    };
  } catch (error) {
    throw usage(`${path}: not a bank's public keys file (${(error as Error).message})`);
  }
}

/**
 * The bank certificate `scheme certify` wrote, verified as any verifier of the scheme will: under
 * `root`, valid now, a bank's, for `bankId`. Its roles come with it (claim bank roles).
 */
export function readBankCertificate(path: string, root: SchemeRoot, bankId: string, now: number): Certificate {
  const cert = verifyChain(readBytes(path, 'bank certificate'), new Map([[root.id, root.publicKey]]), { now });
  if (cert.subject !== bankId)
    throw usage(`${path}: the certificate of bank ${cert.subject}, not of ${bankId} (--bank-id)`);
  return cert;
}
