// COSE_Sign1 and COSE_Sign (RFC 9052) with EdDSA, in the one shape smartcheck uses (WIRE.md).
// Parsing checks structure only; signatures are checked by the caller with the key it trusts,
// so the bank can batch them.
import { sha256 } from '../../bindings/index.ts';
import { equalBytes } from '../bytes.ts';
import { type CborValue, decode, encode, Tag, Tagged } from './cbor.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { ByteLength, Cose, SigContext } from './registry.ts';
import { type SecretKey, signWith } from './signing-key.ts';

/** bstr-wrapped `{1: -8}`: the only protected header we write or accept on a signature. */
export const PROTECTED_EDDSA = encode(new Map([[Cose.alg, Cose.algEdDSA]]));
const EMPTY = new Uint8Array(0);

export interface SignedPart {
  /** The signer's certificate (complete bytes), when the header carries one. */
  certificate?: Uint8Array;
  signature: Uint8Array;
  /** The bytes the signature covers (Sig_structure). */
  toBeSigned: Uint8Array;
}

export interface Sign1 extends SignedPart {
  payload: Uint8Array;
}

export interface MultiSigned {
  payload: Uint8Array;
  signers: SignedPart[];
}

const malformed = (why: string): never => {
  throw new ProtocolError(ErrorCode.BadCoseStructure, why);
};

function readHeaders(protectedBytes: CborValue, unprotected: CborValue): Uint8Array | undefined {
  if (!(protectedBytes instanceof Uint8Array)) return malformed('protected header is not a byte string');
  if (!equalBytes(protectedBytes, PROTECTED_EDDSA)) {
    const alg = protectedBytes.length ? (decode(protectedBytes) as Map<number, CborValue>).get?.(Cose.alg) : undefined;
    throw new ProtocolError(
      alg !== undefined && alg !== Cose.algEdDSA ? ErrorCode.UnsupportedAlgorithm : ErrorCode.BadCoseStructure,
      'protected header must be {1: -8}',
    );
  }
  if (!(unprotected instanceof Map)) return malformed('unprotected header is not a map');
  for (const key of unprotected.keys()) if (key !== Cose.kcwt) malformed(`unexpected header label ${String(key)}`);
  const cert = unprotected.get(Cose.kcwt);
  if (cert === undefined) return undefined;
  if (!(cert instanceof Tagged) || cert.tag !== Tag.Sign1) return malformed('kcwt is not a COSE_Sign1');
  return cert.bytes ?? encode(cert);
}

function signatureBytes(value: CborValue): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== ByteLength.signature)
    return malformed(`signature must be ${ByteLength.signature} bytes`);
  return value;
}

function unprotectedFor(certificate?: Uint8Array): Map<number, CborValue> {
  return certificate ? new Map([[Cose.kcwt, decode(certificate)]]) : new Map();
}

/** Parses a COSE_Sign1 (already decoded or as bytes). */
export function parseSign1(input: Uint8Array | CborValue): Sign1 {
  const value = input instanceof Uint8Array ? decode(input) : input;
  if (!(value instanceof Tagged) || value.tag !== Tag.Sign1) return malformed('not a tagged COSE_Sign1');
  const parts = value.value as CborValue;
  if (!Array.isArray(parts) || parts.length !== 4) return malformed('COSE_Sign1 must have 4 elements');
  const [protectedBytes, unprotected, payload, signature] = parts as [CborValue, CborValue, CborValue, CborValue];
  const certificate = readHeaders(protectedBytes, unprotected);
  if (!(payload instanceof Uint8Array)) return malformed('payload must be a byte string');
  const toBeSigned = encode([SigContext.sign1, PROTECTED_EDDSA, EMPTY, payload]);
  const out: Sign1 = { payload, signature: signatureBytes(signature), toBeSigned };
  if (certificate) out.certificate = certificate;
  return out;
}

/** A COSE_Sign1 over `payload`, signed with a secret key: a seed, a key held by the core, or one kept in an HSM. */
export function sign1(payload: Uint8Array, secretKey: SecretKey, certificate?: Uint8Array): Uint8Array {
  const toBeSigned = encode([SigContext.sign1, PROTECTED_EDDSA, EMPTY, payload]);
  const signature = signWith(secretKey, toBeSigned);
  return encode(new Tagged(Tag.Sign1, [PROTECTED_EDDSA, unprotectedFor(certificate), payload, signature]));
}

const signStructure = (payload: Uint8Array) => encode([SigContext.sign, EMPTY, PROTECTED_EDDSA, EMPTY, payload]);

/** COSE_Sign with one signature per signer, in order. */
export function signMulti(
  payload: Uint8Array,
  signers: { secretKey: SecretKey; certificate: Uint8Array }[],
): Uint8Array {
  return assembleMulti(
    payload,
    signers.map((s) => signPart(payload, s)),
  );
}

/** One encoded COSE_Signature over `payload`, so co-signers can sign in turn (purse, then cardholder). */
export function signPart(payload: Uint8Array, signer: { secretKey: SecretKey; certificate: Uint8Array }): Uint8Array {
  return encode([
    PROTECTED_EDDSA,
    unprotectedFor(signer.certificate),
    signWith(signer.secretKey, signStructure(payload)),
  ]);
}

/** A COSE_Sign from its payload and encoded COSE_Signatures (from signPart), in order. */
export function assembleMulti(payload: Uint8Array, parts: Uint8Array[]): Uint8Array {
  return encode(new Tagged(Tag.Sign, [EMPTY, new Map(), payload, parts.map((p) => decode(p))]));
}

/** Parses a COSE_Sign with exactly `count` signatures. */
export function parseMulti(input: Uint8Array | CborValue, count: number): MultiSigned {
  const value = input instanceof Uint8Array ? decode(input) : input;
  if (!(value instanceof Tagged) || value.tag !== Tag.Sign) return malformed('not a tagged COSE_Sign');
  const parts = value.value as CborValue;
  if (!Array.isArray(parts) || parts.length !== 4) return malformed('COSE_Sign must have 4 elements');
  const [bodyProtected, bodyUnprotected, payload, signatures] = parts as [CborValue, CborValue, CborValue, CborValue];
  if (!(bodyProtected instanceof Uint8Array) || bodyProtected.length !== 0)
    return malformed('body protected header must be empty');
  if (!(bodyUnprotected instanceof Map) || bodyUnprotected.size !== 0)
    return malformed('body unprotected header must be empty');
  if (!(payload instanceof Uint8Array)) return malformed('payload must be a byte string');
  if (!Array.isArray(signatures) || signatures.length !== count) return malformed(`expected ${count} signatures`);
  const toBeSigned = signStructure(payload);
  const signers = signatures.map((s): SignedPart => {
    if (!Array.isArray(s) || s.length !== 3) return malformed('COSE_Signature must have 3 elements');
    const certificate = readHeaders(s[0] as CborValue, s[1] as CborValue);
    const part: SignedPart = { signature: signatureBytes(s[2] as CborValue), toBeSigned };
    if (certificate) part.certificate = certificate;
    return part;
  });
  return { payload, signers };
}

/**
 * The identity of a signed object (WIRE.md § Hashes): SHA-256 of its payload, the message body
 * bytes the signatures cover, not of the whole COSE bytes, whose unprotected headers (the signers'
 * certificate chains) are not signed. So one check re-wrapped with another valid certificate for
 * the same key keeps its hash. Takes the signed bytes (a COSE_Sign1, or a COSE_Sign with its two
 * signatures) or an already parsed one.
 */
export function signedHash(signed: Uint8Array | { payload: Uint8Array }): Uint8Array {
  return sha256(signed instanceof Uint8Array ? signedPayload(signed) : signed.payload);
}

/** The payload of a COSE_Sign1 or of a COSE_Sign with two signatures (an Internet check), by its tag. */
export function signedPayload(signed: Uint8Array | CborValue): Uint8Array {
  const value = signed instanceof Uint8Array ? decode(signed) : signed;
  return value instanceof Tagged && value.tag === Tag.Sign ? parseMulti(value, 2).payload : parseSign1(value).payload;
}
