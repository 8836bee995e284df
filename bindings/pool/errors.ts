// PoolError and the comlink transfer handler that lets typed errors cross the worker boundary
// with their class and code (comlink's default keeps only name, message and stack).
import { type TransferHandler, transferHandlers } from 'comlink';
import { CoreError, type CoreErrorCode, DecryptError } from '../errors.ts';

export type PoolErrorCode = 'queue_full' | 'timeout' | 'worker_crashed' | 'closed';

/** The pool could not get an answer: it is full, too slow, a worker died, or it was closed. */
export class PoolError extends Error {
  override readonly name = 'PoolError';
  constructor(
    readonly code: PoolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string | number;
}

function revive(error: WireError): Error {
  switch (error.name) {
    case 'CoreError':
      return error.code === new DecryptError().code
        ? new DecryptError()
        : new CoreError(error.code as CoreErrorCode, error.message);
    case 'PoolError':
      return new PoolError(error.code as PoolErrorCode, error.message);
    case 'TypeError':
      return new TypeError(error.message);
    case 'RangeError':
      return new RangeError(error.message);
    default:
      return Object.assign(new Error(error.message), { name: error.name });
  }
}

type Thrown = { value: unknown };
type Serialized = { isError: true; value: WireError } | { isError: false; value: unknown };

let installed = false;

/** Installs the handler (idempotent); both the pool and the worker call it. */
export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const base = transferHandlers.get('throw') as TransferHandler<Thrown, Serialized>;
  const handler: TransferHandler<Thrown, Serialized> = {
    canHandle: (value): value is Thrown => base.canHandle(value),
    serialize({ value }) {
      if (!(value instanceof Error)) return base.serialize({ value });
      const code = (value as { code?: unknown }).code;
      const wire: WireError = { name: value.name, message: value.message };
      if (value.stack !== undefined) wire.stack = value.stack;
      if (typeof code === 'string' || typeof code === 'number') wire.code = code;
      return [{ isError: true, value: wire }, []];
    },
    deserialize(serialized) {
      if (serialized.isError) throw revive(serialized.value);
      throw serialized.value;
    },
  };
  transferHandlers.set('throw', handler);
}
