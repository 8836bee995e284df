// The bank's key store: where its secret keys live, outside the ledger database (which holds the
// public keys and certificates only). Two stores implement it: an encrypted file (file.ts, the
// embedded default) and a PKCS#11 token (pkcs11.ts, an HSM; tested on SoftHSM2). memory.ts is the
// store of a ledger that lives in memory too (tests, the demo). Keys are named by key id:
// `<bank>/root`, `<bank>/signing/<generation>`, `<bank>/kx/<generation>`.

import type { SecretKey } from '../../protocol/signing-key.ts';

/** One key generation of a bank: its Ed25519 signing key and its X25519 key-exchange key pair. */
export interface GenerationKeys {
  /** Signs where it is kept: bytes in memory (file store) or a handle into the token (PKCS#11). */
  signing: SecretKey;
  /** In memory always: opening envelopes needs the secret (a PKCS#11 token unwraps it into memory). */
  kx: { secretKey: Uint8Array; publicKey: Uint8Array };
}

/** Secret keys taken out of a ledger that still held them (`smartcheck bank keys export`). */
export interface ExportedKeys {
  root: Uint8Array;
  generations: { generation: number; signing: Uint8Array; kx: Uint8Array }[];
}

export interface KeyStore {
  /** What and where, for messages (no secret): `file /srv/bank.keys`, `pkcs11 token smartcheck`. */
  readonly description: string;
  /** A new root signing key for `bankId`; refused (`exists`) when the store holds one. */
  createRoot(bankId: string): Promise<SecretKey>;
  /** The root signing key of `bankId` (`missing_key` when the store has none). */
  root(bankId: string): Promise<SecretKey>;
  /** New keys for a generation of `bankId`; refused (`exists`) when the store holds that generation. */
  generate(bankId: string, generation: number): Promise<GenerationKeys>;
  /** The keys of one generation of `bankId` (`missing_key` when the store has none). */
  keys(bankId: string, generation: number): Promise<GenerationKeys>;
  /**
   * Takes in the secret keys a ledger held before migration 004. A key id the store already holds
   * is kept as it is (an export run again after a crash); the caller compares what it reads back.
   */
  importKeys(bankId: string, keys: ExportedKeys): Promise<void>;
  close(): Promise<void>;
}

export type KeyStoreErrorCode =
  /** The passphrase, key file or PIN does not open the store (or the file was altered). */
  | 'wrong_secret'
  /** The passphrase file, key file or PIN file named does not exist or cannot be read. */
  | 'missing_secret'
  /** The key asked for is not in the store. */
  | 'missing_key'
  /** A key with that id is already in the store: keys are never overwritten. */
  | 'exists'
  /** A key in the store is not the one the ledger's certificate names. */
  | 'mismatch'
  /** The store file is readable by others than its owner (it must be mode 0600). */
  | 'insecure_file'
  /** The store cannot be reached: unreadable file, PKCS#11 module or token not found. */
  | 'unavailable'
  /** A `--key-store` specification that does not parse. */
  | 'bad_spec';

/** A key store refusal. Its message names keys, files and tokens, never a secret. */
export class KeyStoreError extends Error {
  override readonly name = 'KeyStoreError';
  constructor(
    readonly code: KeyStoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The key ids a store files keys under; the bank id is checked, so an id never escapes its bank. */
export const keyId = {
  root: (bankId: string) => `${checkedBank(bankId)}/root`,
  signing: (bankId: string, generation: number) => `${checkedBank(bankId)}/signing/${checkedGeneration(generation)}`,
  kx: (bankId: string, generation: number) => `${checkedBank(bankId)}/kx/${checkedGeneration(generation)}`,
};

function checkedBank(bankId: string): string {
  if (!ID.test(bankId)) throw new KeyStoreError('bad_spec', `bank id ${JSON.stringify(bankId)}`);
  return bankId;
}
function checkedGeneration(generation: number): number {
  if (!Number.isSafeInteger(generation) || generation < 1)
    throw new KeyStoreError('bad_spec', `key generation ${generation}`);
  return generation;
}
