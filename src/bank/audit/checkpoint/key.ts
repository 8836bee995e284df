// The auditor's own Ed25519 key, which is not the bank's: the bank's operators cannot sign a
// checkpoint, so they cannot hide a change to evidence already audited by re-signing. One key per
// file, in the standard form (PKCS#8 in PEM, "PRIVATE KEY"), so an independent library
// (OpenSSL, node:crypto, which reads it here) can use and check it; mode 0600, refused when others
// can read it, as the bank's key store files are.
import { createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { ed25519 } from '../../../../bindings/index.ts';
import { concat, fromHex } from '../../../bytes.ts';
import { readPrivateFile } from '../../keys/private-file.ts';
import { KeyStoreError } from '../../keys/store.ts';

export interface AuditorKey {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** RFC 8410's PKCS#8 prefix of an Ed25519 private key: the 32-byte seed follows. */
const PKCS8_ED25519 = fromHex('302e020100300506032b657004220420');

/** A new auditor key in `path` (created, never overwritten); returns it. */
export function newAuditorKey(path: string): AuditorKey {
  const { secretKey, publicKey } = ed25519.keygen();
  const der = Buffer.from(concat(PKCS8_ED25519, secretKey));
  const pem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
  writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  return { secretKey, publicKey };
}

/** The auditor key in `path`: an Ed25519 PKCS#8 PEM file only its owner may read. */
export function readAuditorKey(path: string): AuditorKey {
  const pem = readPrivateFile(path, 'auditor key');
  let jwk: { crv?: string; d?: string };
  try {
    jwk = createPrivateKey({ key: pem, format: 'pem' }).export({ format: 'jwk' });
  } catch (error) {
    throw new KeyStoreError(
      'unavailable',
      `auditor key ${path}: not a PKCS#8 private key (${(error as Error).message})`,
    );
  }
  if (jwk.crv !== 'Ed25519' || !jwk.d)
    throw new KeyStoreError('unavailable', `auditor key ${path}: not an Ed25519 key (${jwk.crv ?? 'no curve'})`);
  const secretKey = new Uint8Array(Buffer.from(jwk.d, 'base64url'));
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}
