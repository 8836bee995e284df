// Signing and verifying protocol messages: a body from its codec, in a COSE_Sign1 carrying the
// signer's certificate chain. Verification checks, in order: structure, chain to a trusted root,
// the signer's role, the signature, then the body — each failure its own typed error. A Verified
// value is minted here only: by verifyMessage from bytes it checked, or by signVerified from a body
// it signed itself.
import { type ed25519, sha256 } from '../../bindings/index.ts';
import { equalBytes } from '../bytes.ts';
import { type Certificate, type ChainOptions, type TrustAnchors, verifyChain, walkChain } from './certificate.ts';
import { parseSign1, sign1, signedHash } from './cose.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import type { MessageCodec } from './message.ts';
import { PendingSignatures } from './pending-signatures.ts';
import type { Role } from './registry.ts';
import { publicKeyOf, type SecretKey } from './signing-key.ts';

export type { SecretKey, SigningKey } from './signing-key.ts';

/** A party that signs: its Ed25519 secret key and its certificate (with the chain inside). */
export interface Signer {
  secretKey: SecretKey;
  certificate: Uint8Array;
}

/**
 * A party that signs with a key held inside the core (ed25519.SigningKey: expanded once, one
 * base-point multiplication per signature): for those that sign often, like a terminal per sale.
 */
export interface KeySigner {
  signingKey: ed25519.SigningKey;
  certificate: Uint8Array;
}

const keyOf = (signer: Signer | KeySigner) => ('signingKey' in signer ? signer.signingKey : signer.secretKey);

export interface Verified<T> {
  body: T;
  signer: Certificate;
  /** The complete signed bytes, as received. */
  bytes: Uint8Array;
  /**
   * SHA-256 of the payload (the signed body bytes), not of `bytes`: the identity of this signed
   * object (slip hash, check hash), the same whatever certificate chain the headers carry.
   */
  hash: Uint8Array;
}

export function signMessage<T>(codec: MessageCodec<T>, body: T, signer: Signer | KeySigner): Uint8Array {
  return sign1(codec.encode(body), keyOf(signer), signer.certificate);
}

export interface VerifyContext extends ChainOptions {
  anchors: TrustAnchors;
}

export function verifyMessage<T>(
  codec: MessageCodec<T>,
  bytes: Uint8Array,
  roles: readonly Role[],
  context: VerifyContext,
): Verified<T> {
  const signed = parseSign1(bytes);
  if (!signed.certificate) throw new ProtocolError(ErrorCode.MissingCertificate, codec.name);
  // The chain's signatures and the message's are checked together at the end (one batch), with
  // the errors of checking each on the spot (pending-signatures.ts).
  const pending = new PendingSignatures();
  let signer: Certificate;
  try {
    signer = walkChain(signed.certificate, context.anchors, context, pending.defer);
    if (!roles.includes(signer.role))
      throw new ProtocolError(ErrorCode.WrongRole, `${codec.name} signed by role ${signer.role}`);
    pending.defer({
      signature: signed.signature,
      message: signed.toBeSigned,
      publicKey: signer.signingKey,
      error: () => new ProtocolError(ErrorCode.BadSignature, codec.name),
    });
  } catch (error) {
    pending.inOrder(); // a signature recorded before the failure fails first, as on the spot
    throw error;
  }
  pending.settle();
  const body = codec.decode(signed.payload);
  return { body, signer, bytes, hash: signedHash(signed) };
}

/**
 * Signs `body` and gives what verifyMessage would give for the signed bytes, without verifying the
 * signature it just made: the signer's chain and role are checked as verifyMessage checks them
 * (same errors), and the secret key must be the certified signing key (a KeySigner's public key
 * was derived once, with its key; a seed's is derived here, a fraction of a verification), so the
 * result is as true as a verified one. The body is decoded from the signed payload, as
 * verifyMessage decodes it.
 */
export function signVerified<T>(
  codec: MessageCodec<T>,
  body: T,
  signer: Signer | KeySigner,
  roles: readonly Role[],
  context: VerifyContext,
): Verified<T> {
  const certificate = verifyChain(signer.certificate, context.anchors, context);
  if (!roles.includes(certificate.role))
    throw new ProtocolError(ErrorCode.WrongRole, `${codec.name} signed by role ${certificate.role}`);
  if (!equalBytes(publicKeyOf(keyOf(signer)), certificate.signingKey))
    throw new ProtocolError(ErrorCode.BadSignature, `${codec.name}: the secret key is not the certified one`);
  const payload = codec.encode(body);
  const bytes = sign1(payload, keyOf(signer), signer.certificate);
  return { body: codec.decode(payload), signer: certificate, bytes, hash: sha256(payload) };
}
