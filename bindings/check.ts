// Argument checks at the API boundary: every byte argument by name, with its expected length.

/** Throws TypeError unless `value` is a Uint8Array; RangeError unless it has `length` bytes. */
export function bytes(name: string, value: unknown, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw new TypeError(`${name}: expected Uint8Array, got ${got}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name}: expected ${length} bytes, got ${value.length}`);
  }
  return value;
}

/** Like {@link bytes}, but `undefined` passes through (optional arguments). */
export function optionalBytes(name: string, value: unknown, length?: number): Uint8Array | undefined {
  return value === undefined ? undefined : bytes(name, value, length);
}

/** Throws unless `value` is an integer in [min, max]. */
export function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name}: expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/** Splits a core result `a || b` into two copies and wipes the combined buffer. */
export function split(combined: Uint8Array, at: number): [Uint8Array, Uint8Array] {
  const first = combined.slice(0, at);
  const second = combined.slice(at);
  combined.fill(0);
  return [first, second];
}
