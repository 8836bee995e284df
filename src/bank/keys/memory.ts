// The key store of a ledger that lives in memory too (PGlite without a data directory: the tests,
// the demo, `smartcheck bank serve` without --data-dir or a database URL): the keys are gone when
// the process ends, as the ledger is. The CLI refuses it for a ledger that persists.

import { keyMapStore } from './in-memory-keys.ts';
import type { KeyStore } from './store.ts';

export function memoryKeyStore(): KeyStore {
  let keys = new Map<string, Uint8Array>();
  return keyMapStore({
    description: 'memory (this process only)',
    read: async () => keys,
    write: async (next) => {
      keys = next;
    },
    close: async () => {},
  });
}
