// COSE_Key (RFC 9052 §7, RFC 9053 OKP) for the two key types we certify.
import type { CborValue } from './cbor.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { ByteLength, Cose } from './registry.ts';

export function ed25519Key(x: Uint8Array): Map<number, CborValue> {
  return new Map<number, CborValue>([
    [Cose.keyKty, Cose.ktyOKP],
    [Cose.keyAlg, Cose.algEdDSA],
    [Cose.keyCrv, Cose.crvEd25519],
    [Cose.keyX, x],
  ]);
}

export function x25519Key(x: Uint8Array): Map<number, CborValue> {
  return new Map<number, CborValue>([
    [Cose.keyKty, Cose.ktyOKP],
    [Cose.keyCrv, Cose.crvX25519],
    [Cose.keyX, x],
  ]);
}

/** Reads an OKP key of curve `crv` and returns its 32-byte x; anything else is a BadField error. */
export function readOkpKey(value: CborValue, crv: number, name: string): Uint8Array {
  const zero = new Uint8Array(ByteLength.key);
  const expected = crv === Cose.crvEd25519 ? ed25519Key(zero) : x25519Key(zero);
  const ok =
    value instanceof Map &&
    value.size === expected.size &&
    [...expected.keys()].every((k) => value.has(k)) &&
    value.get(Cose.keyKty) === Cose.ktyOKP &&
    value.get(Cose.keyCrv) === crv &&
    (crv !== Cose.crvEd25519 || value.get(Cose.keyAlg) === Cose.algEdDSA);
  const x = ok ? (value as Map<number, CborValue>).get(Cose.keyX) : undefined;
  if (!(x instanceof Uint8Array) || x.length !== ByteLength.key)
    throw new ProtocolError(ErrorCode.BadField, `${name}: expected an OKP COSE_Key with a ${ByteLength.key}-byte x`);
  return x;
}
