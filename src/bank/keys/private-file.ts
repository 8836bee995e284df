// Reading a file that holds a secret (the key store, its key file, a passphrase or PIN file):
// only its owner may read it, or it is refused, as ssh refuses a private key others can read.

import { readFileSync, statSync } from 'node:fs';
import { KeyStoreError } from './store.ts';

/** A file only its owner may read (0600 or stricter); refused otherwise, as ssh refuses a key. */
export function readPrivateFile(path: string, what: string): Buffer {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new KeyStoreError('missing_secret', `${what} ${path}: not found`);
  }
  if (mode & 0o077)
    throw new KeyStoreError(
      'insecure_file',
      `${what} ${path}: readable by others (mode ${(mode & 0o777).toString(8)}; chmod 600)`,
    );
  return readFileSync(path);
}
