// The key store over a map of key id → secret key bytes, for the stores that hold the secrets
// themselves (the encrypted file, the in-memory store): keys are generated here, in memory, and
// handed out as bytes (signing stays the in-process Ed25519 of the core).

import { ed25519, x25519 } from '../../../bindings/index.ts';
import type { SecretKey } from '../../protocol/signing-key.ts';
import { type ExportedKeys, type GenerationKeys, type KeyStore, KeyStoreError, keyId } from './store.ts';

/** Where the map lives: `read` gives the current map, `write` replaces it (atomically). */
export interface KeyMapBackend {
  readonly description: string;
  read(): Promise<Map<string, Uint8Array>>;
  write(keys: Map<string, Uint8Array>): Promise<void>;
  close(): Promise<void>;
}

export function keyMapStore(backend: KeyMapBackend): KeyStore {
  const find = async (id: string): Promise<Uint8Array> => {
    const key = (await backend.read()).get(id);
    if (!key) throw new KeyStoreError('missing_key', `${id}: not in the key store (${backend.description})`);
    return key;
  };
  /** Adds keys in one read and one write; never overwrites: refused, or with `keep` left as they are. */
  const add = async (entries: [string, Uint8Array][], keep = false): Promise<void> => {
    const keys = new Map(await backend.read());
    for (const [id, key] of entries) {
      if (!keys.has(id)) keys.set(id, key);
      else if (!keep) throw new KeyStoreError('exists', `${id}: already in the key store (${backend.description})`);
    }
    await backend.write(keys);
  };
  const generationKeys = (signing: Uint8Array, kx: Uint8Array): GenerationKeys => ({
    signing,
    kx: { secretKey: kx, publicKey: x25519.getPublicKey(kx) },
  });
  return {
    description: backend.description,
    async createRoot(bankId): Promise<SecretKey> {
      const { secretKey } = ed25519.keygen();
      await add([[keyId.root(bankId), secretKey]]);
      return secretKey;
    },
    root: (bankId) => find(keyId.root(bankId)),
    async generate(bankId, generation) {
      const signing = ed25519.keygen().secretKey;
      const kx = x25519.keygen().secretKey;
      await add([
        [keyId.signing(bankId, generation), signing],
        [keyId.kx(bankId, generation), kx],
      ]);
      return generationKeys(signing, kx);
    },
    async keys(bankId, generation) {
      return generationKeys(await find(keyId.signing(bankId, generation)), await find(keyId.kx(bankId, generation)));
    },
    async importKeys(bankId, keys: ExportedKeys) {
      await add(
        [
          [keyId.root(bankId), keys.root],
          ...keys.generations.flatMap((g): [string, Uint8Array][] => [
            [keyId.signing(bankId, g.generation), g.signing],
            [keyId.kx(bankId, g.generation), g.kx],
          ]),
        ],
        true,
      );
    },
    close: () => backend.close(),
  };
}
