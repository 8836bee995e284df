// `--key-store <spec>`: where a bank's secret keys are (src/bank/keys/), for every command that
// opens them: the bank's (serve, init, rotate-keys, keys export) and the scheme operator's, whose
// root key is kept the same way (an encrypted file or a PKCS#11 token).
import { KEY_STORE_HELP } from '../bank/keys/open.ts';
import type { KeyStore } from '../bank/keys/store.ts';

export const KEY_STORE_OPTION = [
  '--key-store <spec>',
  `where the bank's secret keys are (never in the database): ${KEY_STORE_HELP}. Default: $SMARTCHECK_KEY_STORE, else memory: for a ledger in memory`,
] as const;

/**
 * The key store of `--key-store` (or $SMARTCHECK_KEY_STORE). A ledger that persists needs one that
 * persists too: memory: is its default only for PGlite in memory, and refused otherwise.
 */
export async function openKeyStoreFor(spec: string | undefined, ledger: { persistent: boolean }): Promise<KeyStore> {
  const chosen = spec ?? process.env.SMARTCHECK_KEY_STORE ?? (ledger.persistent ? undefined : 'memory:');
  if (!chosen)
    throw new Error(
      "a ledger that persists (--data-dir, a database URL) needs --key-store for the bank's secret keys, e.g. --key-store file:bank.keys with $SMARTCHECK_KEY_PASSPHRASE",
    );
  if (ledger.persistent && chosen.startsWith('memory:'))
    throw new Error('--key-store memory: loses the keys when the process ends: only for a ledger in memory');
  return (await import('../bank/keys/open.ts')).openKeyStore(chosen);
}
