// `--key-store <spec>`: which key store a bank process uses, and what opens it.
//   file:<path>[?passphrase-file=<file>|key-file=<file>]   passphrase else from $SMARTCHECK_KEY_PASSPHRASE
//   pkcs11:<module>?token=<label>|slot=<id>[&pin-file=<file>]  PIN else from $SMARTCHECK_PKCS11_PIN
//   memory:                                                   keys in this process only
// Secrets come from files or the environment, never from the command line (ps shows it to all).

import { readPrivateFile } from './private-file.ts';
import { type KeyStore, KeyStoreError } from './store.ts';

export const KEY_STORE_HELP =
  'file:<path>[?passphrase-file=<f>|key-file=<f>] (passphrase else $SMARTCHECK_KEY_PASSPHRASE), pkcs11:<module>?token=<label>|slot=<id>[&pin-file=<f>] (PIN else $SMARTCHECK_PKCS11_PIN), or memory: (in-memory ledgers only)';

export interface KeyStoreSpec {
  kind: 'file' | 'pkcs11' | 'memory';
  /** The file store's path, or the PKCS#11 module's. */
  path: string;
  options: URLSearchParams;
}

export function parseKeyStoreSpec(spec: string): KeyStoreSpec {
  const match = /^(file|pkcs11|memory):([^?]*)(?:\?(.*))?$/.exec(spec);
  if (!match) throw new KeyStoreError('bad_spec', `--key-store ${JSON.stringify(spec)}: ${KEY_STORE_HELP}`);
  const [, kind, path = '', query = ''] = match;
  const options = new URLSearchParams(query);
  const allowed: string[] =
    { file: ['passphrase-file', 'key-file'], pkcs11: ['token', 'slot', 'pin-file'], memory: [] }[
      kind as KeyStoreSpec['kind']
    ] ?? [];
  for (const name of options.keys())
    if (!allowed.includes(name)) throw new KeyStoreError('bad_spec', `--key-store ${kind}: unknown option ${name}`);
  if (kind !== 'memory' && !path) throw new KeyStoreError('bad_spec', `--key-store ${kind}: a path is needed`);
  return { kind: kind as KeyStoreSpec['kind'], path, options };
}

/** Opens the store a spec names; `env` is where a passphrase or PIN not in a file comes from. */
export async function openKeyStore(spec: string, env: NodeJS.ProcessEnv = process.env): Promise<KeyStore> {
  const s = parseKeyStoreSpec(spec);
  if (s.kind === 'memory') return (await import('./memory.ts')).memoryKeyStore();
  if (s.kind === 'file') {
    const { fileKeyStore } = await import('./file.ts');
    const keyFile = s.options.get('key-file');
    if (keyFile) return fileKeyStore(s.path, { keyFile });
    return fileKeyStore(s.path, {
      passphrase: secretFrom(s.options.get('passphrase-file'), env.SMARTCHECK_KEY_PASSPHRASE, 'passphrase'),
    });
  }
  const { pkcs11KeyStore } = await import('./pkcs11.ts');
  const token = s.options.get('token');
  const slot = s.options.get('slot');
  return pkcs11KeyStore({
    module: s.path,
    ...(token !== null ? { token } : {}),
    ...(slot !== null ? { slot } : {}),
    pin: secretFrom(s.options.get('pin-file'), env.SMARTCHECK_PKCS11_PIN, 'PIN'),
  });
}

function secretFrom(file: string | null, fromEnv: string | undefined, what: string): string {
  if (file)
    return readPrivateFile(file, `${what} file`)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  if (fromEnv) return fromEnv;
  throw new KeyStoreError(
    'missing_secret',
    `the key store ${what}: give a ${what} file in --key-store or set $SMARTCHECK_${what === 'PIN' ? 'PKCS11_PIN' : 'KEY_PASSPHRASE'}`,
  );
}
