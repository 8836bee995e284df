// One codec for every message body: a map with integer keys, 0 = type and 1 = version (WIRE.md).
// A schema names each field, its key and its kind; decoding refuses a missing, unknown or
// ill-typed field with the matching typed error.
import { type CborValue, decode, encode } from './cbor.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import type { FieldKind } from './fields.ts';
import { BodyKey, FORMAT_VERSION, type MessageType } from './registry.ts';

type Schema<T> = { [K in keyof T]: readonly [key: number, kind: FieldKind<T[K]>] };

export interface MessageCodec<T> {
  readonly type: MessageType;
  readonly name: string;
  /** Each field's CBOR map key (keys 0 and 1 are `BodyKey`'s). */
  readonly keys: Readonly<Record<keyof T & string, number>>;
  encode(message: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  /** Reads an already decoded body (a CBOR map). */
  read(body: CborValue): T;
}

export function defineMessage<T extends object>(type: MessageType, name: string, schema: Schema<T>): MessageCodec<T> {
  const entries = Object.entries(schema) as [keyof T & string, readonly [number, FieldKind<unknown>]][];
  const keys = new Set(entries.map(([, [key]]) => key));
  const codec: MessageCodec<T> = {
    type,
    name,
    keys: Object.freeze(Object.fromEntries(entries.map(([field, [key]]) => [field, key]))) as MessageCodec<T>['keys'],
    encode(message) {
      const body = new Map<number, CborValue>([
        [BodyKey.type, type],
        [BodyKey.version, FORMAT_VERSION],
      ]);
      for (const [field, [key, kind]] of entries) body.set(key, kind.write(message[field], `${name}.${field}`));
      return encode(body);
    },
    decode(bytes) {
      return codec.read(decode(bytes));
    },
    read(body) {
      if (!(body instanceof Map)) throw new ProtocolError(ErrorCode.BadField, `${name}: expected a map`);
      if (body.get(BodyKey.type) !== type)
        throw new ProtocolError(
          ErrorCode.WrongMessageType,
          `expected ${name} (${type}), got ${String(body.get(BodyKey.type))}`,
        );
      if (body.get(BodyKey.version) !== FORMAT_VERSION)
        throw new ProtocolError(ErrorCode.UnsupportedVersion, `${name} version ${String(body.get(BodyKey.version))}`);
      for (const key of body.keys()) {
        if (key !== BodyKey.type && key !== BodyKey.version && !keys.has(key as number))
          throw new ProtocolError(ErrorCode.UnknownField, `${name} key ${String(key)}`);
      }
      const out = {} as T;
      for (const [field, [key, kind]] of entries) {
        if (!body.has(key)) throw new ProtocolError(ErrorCode.MissingField, `${name}.${field}`);
        out[field] = kind.read(body.get(key) as CborValue, `${name}.${field}`) as T[typeof field];
      }
      return out;
    },
  };
  return codec;
}
