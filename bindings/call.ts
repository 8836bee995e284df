// The two ways into the core: plain calls, and calls that handle a secret.

import { type Core, core } from './core.ts';
import { guarded } from './errors.ts';

/** Calls the core; its failures become typed errors. */
export function call<T>(f: (core: Core) => T): T {
  const c = core();
  return guarded(() => f(c));
}

/**
 * Calls the core with a secret argument or result, then wipes the core's dead stack, where copies
 * of keys outlive the call (freed heap memory is wiped by the core's allocator).
 */
export function callSecret<T>(f: (core: Core) => T): T {
  const c = core();
  try {
    return guarded(() => f(c));
  } finally {
    c.wipe_stack();
  }
}
