// Field kinds and their validation: every value read from a message passes through one of these,
// so a wrong type, size or range is always the same typed error (106) naming the field.

import type { CborValue } from './cbor.ts';
import { ErrorCode, ProtocolError } from './errors.ts';
import { AMOUNT_MAX, ID_MAX_LENGTH } from './registry.ts';

export interface FieldKind<T> {
  /** Validates a decoded value; throws ProtocolError(BadField) naming the field. */
  read(value: CborValue, name: string): T;
  /** Validates a value about to be encoded (programmer errors surface the same way). */
  write(value: T, name: string): CborValue;
}

const bad = (name: string, why: string): never => {
  throw new ProtocolError(ErrorCode.BadField, `${name}: ${why}`);
};

export const uint: FieldKind<number> = {
  read(v, name) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(name, 'expected an unsigned integer ≤ 2^53-1');
    return v as number;
  },
  write(v, name) {
    return uint.read(v, name);
  },
};

export const amount: FieldKind<number> = {
  read(v, name) {
    const n = uint.read(v, name);
    if (n > AMOUNT_MAX) throw new ProtocolError(ErrorCode.AmountOverflow, name);
    return n;
  },
  write(v, name) {
    return amount.read(v, name);
  },
};

/** An integer of either sign, |n| ≤ AMOUNT_MAX: a net position (what one party owes, less what it is owed). */
export const signedAmount: FieldKind<number> = {
  read(v, name) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) bad(name, 'expected an integer of magnitude ≤ 2^53-1');
    return v as number;
  },
  write(v, name) {
    return signedAmount.read(v, name);
  },
};

const ID = new RegExp(`^[A-Za-z0-9._:-]{1,${ID_MAX_LENGTH}}$`);
export const id: FieldKind<string> = {
  read(v, name) {
    if (typeof v !== 'string' || !ID.test(v))
      bad(name, `expected an identifier of 1-${ID_MAX_LENGTH} characters [A-Za-z0-9._:-]`);
    return v as string;
  },
  write(v, name) {
    return id.read(v, name);
  },
};

/**
 * A ledger reference as banks exchange it (a settlement offer's presentments): longer than an
 * identifier, since a presentment's is `presentment:` and its 64-hex-digit id.
 */
const REFERENCE_MAX_LENGTH = 128;
const REFERENCE = new RegExp(`^[A-Za-z0-9._:-]{1,${REFERENCE_MAX_LENGTH}}$`);
export const reference: FieldKind<string> = {
  read(v, name) {
    if (typeof v !== 'string' || !REFERENCE.test(v))
      bad(name, `expected a reference of 1-${REFERENCE_MAX_LENGTH} characters [A-Za-z0-9._:-]`);
    return v as string;
  },
  write(v, name) {
    return reference.read(v, name);
  },
};

const CURRENCY = /^[A-Z]{3}$/;
export const currency: FieldKind<string> = {
  read(v, name) {
    if (typeof v !== 'string' || !CURRENCY.test(v)) bad(name, 'expected an ISO 4217 code');
    return v as string;
  },
  write(v, name) {
    return currency.read(v, name);
  },
};

export function bytes(length?: number, max = 1 << 24): FieldKind<Uint8Array> {
  const kind: FieldKind<Uint8Array> = {
    read(v, name) {
      if (!(v instanceof Uint8Array)) return bad(name, 'expected a byte string');
      if (length !== undefined && v.length !== length) bad(name, `expected ${length} bytes, got ${v.length}`);
      if (v.length > max) bad(name, `longer than ${max} bytes`);
      return v;
    },
    write(v, name) {
      return kind.read(v, name);
    },
  };
  return kind;
}

export function oneOf<T extends number>(values: readonly T[]): FieldKind<T> {
  return {
    read(v, name) {
      const n = uint.read(v, name);
      if (!values.includes(n as T)) bad(name, `expected one of ${values.join(', ')}`);
      return n as T;
    },
    write(v, name) {
      return this.read(v, name);
    },
  };
}

/** Runs `f`; names the failing item's index only when it fails (lists can have 10^5 items). */
function withIndex<T>(name: string, index: number, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof ProtocolError && error.detail?.startsWith(`${name}:`)) {
      throw new ProtocolError(error.code, `${name}[${index}]${error.detail.slice(name.length)}`);
    }
    throw error;
  }
}

export function arrayOf<T>(item: FieldKind<T>, max = 100_000): FieldKind<T[]> {
  return {
    read(v, name) {
      if (!Array.isArray(v)) return bad(name, 'expected an array');
      if (v.length > max) bad(name, `more than ${max} items`);
      return v.map((x, i) => withIndex(name, i, () => item.read(x, name)));
    },
    write(v, name) {
      if (!Array.isArray(v)) return bad(name, 'expected an array');
      return v.map((x, i) => withIndex(name, i, () => item.write(x, name)));
    },
  };
}

/** A fixed-length CBOR array with one kind per position. */
export function tuple<T extends unknown[]>(...kinds: { [K in keyof T]: FieldKind<T[K]> }): FieldKind<T> {
  return {
    read(v, name) {
      if (!Array.isArray(v) || v.length !== kinds.length) return bad(name, `expected an array of ${kinds.length}`);
      return kinds.map((k, i) => k.read(v[i] as CborValue, `${name}[${i}]`)) as T;
    },
    write(v, name) {
      if (!Array.isArray(v) || v.length !== kinds.length) return bad(name, `expected an array of ${kinds.length}`);
      return kinds.map((k, i) => k.write(v[i], `${name}[${i}]`)) as CborValue;
    },
  };
}

/** Checked addition of amounts: overflow is an error (109), never a wrap or a float. */
export function addAmounts(a: number, b: number): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum) || sum > AMOUNT_MAX) throw new ProtocolError(ErrorCode.AmountOverflow, `${a} + ${b}`);
  return sum;
}
