// HPKE base mode, RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, single shot.

import { callSecret } from './call.ts';
import { bytes, split } from './check.ts';
import { DecryptError } from './errors.ts';
import { lengths } from './lengths.ts';

/** The suite's RFC 9180 identifiers, for peers that ask. */
export const suite = Object.freeze({ kem: 0x0020, kdf: 0x0001, aead: 0x0003 });

export interface HpkeContext {
  /** Binds the envelope to its purpose (protocol, step, version). */
  info?: Uint8Array;
  /** Authenticated but not encrypted data. */
  aad?: Uint8Array;
}

export interface Sealed {
  /** Encapsulated ephemeral key (32 bytes). */
  enc: Uint8Array;
  /** Ciphertext with its 16-byte tag. */
  ciphertext: Uint8Array;
}

const EMPTY = new Uint8Array(0);

export function seal(recipientPublicKey: Uint8Array, plaintext: Uint8Array, context: HpkeContext = {}): Sealed {
  bytes('recipientPublicKey', recipientPublicKey, lengths.x25519PublicKey);
  bytes('plaintext', plaintext);
  const info = bytes('info', context.info ?? EMPTY);
  const aad = bytes('aad', context.aad ?? EMPTY);
  const [enc, ciphertext] = split(
    callSecret((c) => c.hpke_seal(recipientPublicKey, plaintext, info, aad)),
    lengths.hpkeEnc,
  );
  return { enc, ciphertext };
}

/** Opens an envelope; throws DecryptError, and only that, if anything about it is wrong. */
export function open(
  recipientSecretKey: Uint8Array,
  enc: Uint8Array,
  ciphertext: Uint8Array,
  context: HpkeContext = {},
): Uint8Array {
  bytes('recipientSecretKey', recipientSecretKey, lengths.x25519SecretKey);
  bytes('enc', enc);
  bytes('ciphertext', ciphertext);
  const info = bytes('info', context.info ?? EMPTY);
  const aad = bytes('aad', context.aad ?? EMPTY);
  if (enc.length !== lengths.hpkeEnc || ciphertext.length < lengths.hpkeTag) throw new DecryptError();
  return callSecret((c) => c.hpke_open(recipientSecretKey, enc, ciphertext, info, aad));
}
