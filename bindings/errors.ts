// Errors of the bindings layer. Two kinds (STYLE.md habit 4): programmer mistakes throw at once
// as TypeError / RangeError naming the argument; failures the core reports are CoreError with a
// stable numeric code from the registry below (mirrors core-rs/primitives/src/error.rs; never renumber).

/** Stable codes of core failures. */
export const CoreErrorCode = Object.freeze({
  Length: 1,
  Layout: 2,
  OutputTooLong: 3,
  InvalidKey: 4,
  Decrypt: 5,
  Encrypt: 6,
  Random: 7,
} as const);
export type CoreErrorCode = (typeof CoreErrorCode)[keyof typeof CoreErrorCode];

/** A failure reported by the WebAssembly core, with its stable code. */
export class CoreError extends Error {
  override readonly name = 'CoreError';
  constructor(
    readonly code: CoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** HPKE open failed. One opaque error whatever the cause (wrong key, info, aad, tampering). */
export class DecryptError extends CoreError {
  constructor() {
    super(CoreErrorCode.Decrypt, 'decryption failed');
  }
}

/** Turns what the core threw into a typed error (wasm-bindgen throws our JS Error with a code). */
export function fromCore(thrown: unknown): Error {
  if (thrown instanceof Error && thrown.name === 'CoreError') {
    const code = (thrown as Error & { code?: number }).code as CoreErrorCode;
    return code === CoreErrorCode.Decrypt ? new DecryptError() : new CoreError(code, thrown.message);
  }
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

/** Calls into the core, rethrowing its failures as typed errors. */
export function guarded<T>(call: () => T): T {
  try {
    return call();
  } catch (thrown) {
    throw fromCore(thrown);
  }
}
