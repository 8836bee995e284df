// The embedded key store: the bank's secret keys in one file outside the database, mode 0600,
// encrypted with AES-256-GCM under a key derived from a passphrase (scrypt, N = 2^17, r = 8:
// ~128 MiB and a fraction of a second per derivation, so guessing is slow) or taken from a key
// file of 32 random bytes (HKDF-SHA256, for unattended servers). node:crypto (OpenSSL) does both:
// an audited implementation already in every Node, constant-time, no new dependency. The header
// (format and derivation parameters) is the authenticated data, so a changed parameter fails like
// a wrong passphrase. Every write is a new random nonce, to a temporary file renamed over the old
// one: a crash leaves the old file or the new, never half of one.

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, scryptSync } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { fromBase64, fromHex, toBase64, utf8 } from '../../bytes.ts';
import { keyMapStore } from './in-memory-keys.ts';
import { readPrivateFile } from './private-file.ts';
import { type KeyStore, KeyStoreError } from './store.ts';

const FORMAT = 'smartcheck-bank-keys/1';
const SCRYPT = { N: 2 ** 17, r: 8, p: 1 };
const SCRYPT_MAXMEM = 256 * 1024 * 1024;

/** What opens the file: a passphrase, or a file holding a 32-byte key (raw, or 64 hex digits). */
export type FileSecret = { passphrase: string } | { keyFile: string };

type Kdf = { name: 'scrypt'; N: number; r: number; p: number; salt: string } | { name: 'hkdf-sha256'; salt: string };
interface StoreFile {
  format: typeof FORMAT;
  kdf: Kdf;
  nonce: string;
  ciphertext: string;
}

export function fileKeyStore(path: string, secret: FileSecret): KeyStore {
  const description = `file ${path}`;
  const keyMaterial = readSecret(secret);
  const derived = new Map<string, Buffer>(); // salt → key: scrypt once per store, not per read
  const keyFor = (kdf: Kdf): Buffer => {
    let key = derived.get(kdf.salt);
    if (!key) {
      const salt = fromBase64(kdf.salt);
      if (kdf.name === 'scrypt') {
        if (keyMaterial.kind !== 'passphrase') throw wrongKind(description, 'a passphrase', 'a key file');
        key = scryptSync(keyMaterial.bytes, salt, 32, { ...kdfCost(kdf), maxmem: SCRYPT_MAXMEM });
      } else {
        if (keyMaterial.kind !== 'key file') throw wrongKind(description, 'a key file', 'a passphrase');
        key = Buffer.from(hkdfSync('sha256', keyMaterial.bytes, salt, 'smartcheck bank key store', 32));
      }
      derived.set(kdf.salt, key);
    }
    return key;
  };
  let header: Pick<StoreFile, 'format' | 'kdf'> | undefined;

  return keyMapStore({
    description,
    async read() {
      const file = readStoreFile(path, description);
      if (!file) return new Map();
      header = { format: file.format, kdf: file.kdf };
      const decipher = createDecipheriv('aes-256-gcm', keyFor(file.kdf), fromBase64(file.nonce));
      decipher.setAAD(utf8(JSON.stringify(header)));
      const sealed = fromBase64(file.ciphertext);
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
      } catch {
        throw new KeyStoreError(
          'wrong_secret',
          `${description}: the ${keyMaterial.kind} does not open it (or the file was altered)`,
        );
      }
      const entries = JSON.parse(plain.toString('utf8')) as Record<string, string>;
      plain.fill(0);
      return new Map(Object.entries(entries).map(([id, b64]) => [id, fromBase64(b64)]));
    },
    async write(keys) {
      header ??= {
        format: FORMAT,
        kdf:
          keyMaterial.kind === 'passphrase'
            ? { name: 'scrypt', ...SCRYPT, salt: toBase64(randomBytes(16)) }
            : { name: 'hkdf-sha256', salt: toBase64(randomBytes(16)) },
      };
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keyFor(header.kdf), nonce);
      cipher.setAAD(utf8(JSON.stringify(header)));
      const plain = Buffer.from(JSON.stringify(Object.fromEntries([...keys].map(([id, k]) => [id, toBase64(k)]))));
      const sealed = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      plain.fill(0);
      const file: StoreFile = { ...header, nonce: toBase64(nonce), ciphertext: toBase64(sealed) };
      writeAtomically(path, `${JSON.stringify(file, null, 2)}\n`);
    },
    async close() {
      for (const key of derived.values()) key.fill(0);
      keyMaterial.bytes.fill(0);
    },
  });
}

const kdfCost = (kdf: { N: number; r: number; p: number }) => ({ N: kdf.N, r: kdf.r, p: kdf.p });

const wrongKind = (description: string, needs: string, given: string) =>
  new KeyStoreError('wrong_secret', `${description} is encrypted under ${needs}; ${given} was given`);

function readSecret(secret: FileSecret): { kind: 'passphrase' | 'key file'; bytes: Buffer } {
  if ('passphrase' in secret) {
    if (!secret.passphrase) throw new KeyStoreError('missing_secret', 'the key store passphrase is empty');
    return { kind: 'passphrase', bytes: Buffer.from(secret.passphrase, 'utf8') };
  }
  const raw = readPrivateFile(secret.keyFile, 'key file');
  const text = raw.toString('latin1').trim();
  // A copy: `raw` is wiped below.
  const bytes =
    raw.length === 32 ? Buffer.from(raw) : /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(fromHex(text)) : undefined;
  raw.fill(0);
  if (!bytes) throw new KeyStoreError('wrong_secret', `key file ${secret.keyFile}: 32 bytes or 64 hex digits expected`);
  return { kind: 'key file', bytes };
}

function readStoreFile(path: string, description: string): StoreFile | undefined {
  let text: string;
  try {
    text = readPrivateFile(path, 'key store').toString('utf8');
  } catch (error) {
    if (error instanceof KeyStoreError && error.code === 'missing_secret') return undefined; // a new store
    throw error;
  }
  let file: StoreFile;
  try {
    file = JSON.parse(text) as StoreFile;
  } catch {
    throw new KeyStoreError('unavailable', `${description}: not JSON`);
  }
  if (file?.format !== FORMAT) throw new KeyStoreError('unavailable', `${description}: not a ${FORMAT} file`);
  return file;
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
