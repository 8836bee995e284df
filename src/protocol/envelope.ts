// Envelopes: a signed message sealed with HPKE to the recipient's certified key-exchange key, with
// `info` naming the step (WIRE.md § Envelopes), so an envelope from one step never opens as another.

import { DecryptError } from '../../bindings/errors.ts';
import { hpke } from '../../bindings/index.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { envelope } from './messages.ts';
import { EnvelopeInfo, type SealedStep } from './registry.ts';

const SUITE: [number, number, number] = [hpke.suite.kem, hpke.suite.kdf, hpke.suite.aead];
const infoOf = (step: SealedStep) => new TextEncoder().encode(EnvelopeInfo[step]);

export function seal(step: SealedStep, recipientKxKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const { enc, ciphertext } = hpke.seal(recipientKxKey, plaintext, { info: infoOf(step) });
  return envelope.encode({ suite: SUITE, enc, ciphertext, step });
}

export function open(step: SealedStep, kxSecretKey: Uint8Array, bytes: Uint8Array): Uint8Array {
  const sealed = envelope.decode(bytes);
  if (sealed.step !== step)
    throw new ProtocolError(ErrorCode.WrongEnvelopeStep, `expected step ${step}, got ${sealed.step}`);
  try {
    return hpke.open(kxSecretKey, sealed.enc, sealed.ciphertext, { info: infoOf(step) });
  } catch (error) {
    if (error instanceof DecryptError) throw new ProtocolError(ErrorCode.EnvelopeOpenFailed);
    throw error;
  }
}
