// Ed25519 under ZIP-215 rules: single and batch verification accept exactly the same signatures.

import { call, callSecret } from './call.ts';
import { bytes, optionalBytes, split } from './check.ts';
import { type Core, core } from './core.ts';
import { lengths } from './lengths.ts';

export interface KeyPair {
  /** 32-byte secret key (the RFC 8032 seed). */
  secretKey: Uint8Array;
  /** 32-byte public key. */
  publicKey: Uint8Array;
}

export interface BatchItem {
  message: Uint8Array;
  signature: Uint8Array;
  publicKey: Uint8Array;
}

export interface BatchResult {
  /** True when every item verified. */
  valid: boolean;
  /** Indices of the items that did not verify, ascending. */
  invalid: number[];
}

/** Key pair from a 32-byte seed, or from the platform CSPRNG when no seed is given. */
export function keygen(seed?: Uint8Array): KeyPair {
  const s = optionalBytes('seed', seed, lengths.seed) ?? new Uint8Array(0);
  const [secretKey, publicKey] = split(
    callSecret((c) => c.ed25519_keygen(s)),
    lengths.ed25519SecretKey,
  );
  return { secretKey, publicKey };
}

/** Public key of a secret key. */
export function getPublicKey(secretKey: Uint8Array): Uint8Array {
  bytes('secretKey', secretKey, lengths.ed25519SecretKey);
  return callSecret((c) => c.ed25519_public_key(secretKey));
}

/** Deterministic RFC 8032 signature (64 bytes). */
export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  bytes('message', message);
  bytes('secretKey', secretKey, lengths.ed25519SecretKey);
  return callSecret((c) => c.ed25519_sign(message, secretKey));
}

/**
 * A signing key held inside the core: the seed is expanded once (hashed, its scalar and prefix
 * kept, its public key derived there), so each signature costs one base-point multiplication where
 * {@link sign} from a seed costs two. The core wipes it when it is freed: by {@link free}, or when
 * this object is garbage-collected. The public key always comes from the seed: there is no way to
 * pair a seed with a public key from elsewhere (the "double public key" attack, RUSTSEC-2022-0093).
 */
export class SigningKey {
  readonly #key: InstanceType<Core['Ed25519SigningKey']>;
  /** The 32-byte public key, derived from the seed inside the core. */
  readonly publicKey: Uint8Array;

  private constructor(key: InstanceType<Core['Ed25519SigningKey']>) {
    this.#key = key;
    this.publicKey = key.publicKey();
  }

  /** Expands a 32-byte secret key (the RFC 8032 seed) into a key held by the core. */
  static fromSecretKey(secretKey: Uint8Array): SigningKey {
    bytes('secretKey', secretKey, lengths.ed25519SecretKey);
    return new SigningKey(callSecret((c) => new c.Ed25519SigningKey(secretKey)));
  }

  /** Deterministic RFC 8032 signature (64 bytes), the same as {@link sign} with the seed. */
  sign(message: Uint8Array): Uint8Array {
    bytes('message', message);
    return callSecret(() => this.#key.sign(message));
  }

  /** Wipes the expanded key now rather than when collected; the key cannot sign afterwards. */
  free(): void {
    this.#key.free();
  }
}

/** True iff `signature` is valid for `message` under `publicKey`; false for any malformed input. */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || !(message instanceof Uint8Array) || !(publicKey instanceof Uint8Array)) {
    return false;
  }
  return core().ed25519_verify(signature, message, publicKey);
}

/** Items packed into flat buffers: one copy into WASM per buffer instead of three per item. */
export interface PackedBatch {
  messages: Uint8Array;
  messageEnds: Uint32Array;
  signatures: Uint8Array;
  publicKeys: Uint8Array;
  /** Position in the caller's array of each packed item. */
  indices: Uint32Array;
  /** Items refused before packing (not Uint8Arrays, or wrong lengths): invalid by definition. */
  malformed: number[];
}

/** Packs well-formed items; malformed ones are reported invalid, as `verify` would. */
export function packBatch(items: readonly BatchItem[], offset = 0): PackedBatch {
  if (!Array.isArray(items)) throw new TypeError(`items: expected an array, got ${typeof items}`);
  const malformed: number[] = [];
  const good: number[] = [];
  let total = 0;
  items.forEach((item, i) => {
    const ok =
      item !== null &&
      typeof item === 'object' &&
      item.message instanceof Uint8Array &&
      item.signature instanceof Uint8Array &&
      item.signature.length === lengths.ed25519Signature &&
      item.publicKey instanceof Uint8Array &&
      item.publicKey.length === lengths.ed25519PublicKey;
    if (ok) {
      good.push(i);
      total += item.message.length;
    } else {
      malformed.push(offset + i);
    }
  });
  const n = good.length;
  const packed: PackedBatch = {
    messages: new Uint8Array(total),
    messageEnds: new Uint32Array(n),
    signatures: new Uint8Array(n * lengths.ed25519Signature),
    publicKeys: new Uint8Array(n * lengths.ed25519PublicKey),
    indices: new Uint32Array(n),
    malformed,
  };
  let end = 0;
  good.forEach((i, k) => {
    const item = items[i] as BatchItem;
    packed.messages.set(item.message, end);
    end += item.message.length;
    packed.messageEnds[k] = end;
    packed.signatures.set(item.signature, k * lengths.ed25519Signature);
    packed.publicKeys.set(item.publicKey, k * lengths.ed25519PublicKey);
    packed.indices[k] = offset + i;
  });
  return packed;
}

/** Verifies a packed batch in this thread; returns the caller's indices of invalid items. */
export function verifyPacked(packed: PackedBatch): number[] {
  const bad = call((c) =>
    c.ed25519_verify_batch(packed.messages, packed.messageEnds, packed.signatures, packed.publicKeys),
  );
  const invalid = packed.malformed.slice();
  for (const k of bad) invalid.push(packed.indices[k] as number);
  return invalid.sort((a, b) => a - b);
}

/** Batch verification; accepts exactly what {@link verify} accepts and says which items fail. */
export function verifyBatch(items: readonly BatchItem[]): BatchResult {
  const invalid = verifyPacked(packBatch(items));
  return { valid: invalid.length === 0, invalid };
}
