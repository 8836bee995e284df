// The bank's keys in a PKCS#11 token (an HSM; tested on SoftHSM2 2.6) through pkcs11js. The root
// and every generation's signing key are Ed25519 key pairs generated in the token (CKK_EC_EDWARDS,
// sensitive, never extractable) and sign there (CKM_EDDSA): their secrets never reach this
// process. SoftHSM2 cannot generate X25519 keys, so each key-exchange secret is generated in
// memory, encrypted with AES-256-GCM under a per-bank AES key generated in the token (also never
// extractable), and kept in the token as a private data object; it is decrypted into memory only,
// when the bank loads (opening envelopes needs it). Objects are found by label: the key id.

import { ed25519, x25519 } from '../../../bindings/index.ts';
import type { SecretKey, SigningKey } from '../../protocol/signing-key.ts';
import { type ExportedKeys, type GenerationKeys, type KeyStore, KeyStoreError, keyId } from './store.ts';

type Pkcs11Module = typeof import('pkcs11js');
type Pkcs11 = InstanceType<Pkcs11Module['PKCS11']>;
type Handle = Buffer;

// PKCS#11 3.0 values pkcs11js 2.1 does not name.
const CKK_EC_EDWARDS = 0x40;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
const ED25519_PARAMS = Buffer.from('06032b6570', 'hex'); // DER OID 1.3.101.112 (id-Ed25519)
const CKR_USER_ALREADY_LOGGED_IN = 0x100;
const CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;
const APPLICATION = 'smartcheck';

export interface Pkcs11Options {
  /** Path of the PKCS#11 module (`/usr/lib/softhsm/libsofthsm2.so`). */
  module: string;
  /** The token, by label (stable) … */
  token?: string;
  /** … or by slot id (as `softhsm2-util --show-slots` prints it). */
  slot?: string;
  /** The user PIN. */
  pin: string;
}

// One initialised module per path in a process: C_Initialize/C_Finalize are process-wide, so the
// last store closed finalizes (which also ends the login).
const modules = new Map<string, { pk: Pkcs11; users: number }>();

export async function pkcs11KeyStore(o: Pkcs11Options): Promise<KeyStore> {
  const lib = await loadPkcs11js();
  const entry = modules.get(o.module) ?? { pk: initialise(lib, o.module), users: 0 };
  modules.set(o.module, entry);
  entry.users++;
  const { pk } = entry;
  let session: Handle | undefined;
  const release = () => {
    if (session) pk.C_CloseSession(session);
    if (--entry.users === 0) {
      modules.delete(o.module);
      pk.C_Finalize();
    }
  };
  try {
    const { slot, label } = findSlot(pk, o);
    const description = `pkcs11 token ${label}`;
    session = pk.C_OpenSession(slot, lib.CKF_RW_SESSION | lib.CKF_SERIAL_SESSION);
    login(lib, pk, session, description, o.pin);
    return tokenStore(lib, pk, session, description, release);
  } catch (error) {
    release();
    throw error;
  }
}

async function loadPkcs11js(): Promise<Pkcs11Module> {
  try {
    const imported = (await import('pkcs11js')) as Pkcs11Module & { default?: Pkcs11Module };
    return imported.default ?? imported;
  } catch {
    throw new KeyStoreError(
      'unavailable',
      'pkcs11js is not installed (npm install pkcs11js: it builds a native addon)',
    );
  }
}

function initialise(lib: Pkcs11Module, module: string): Pkcs11 {
  const pk = new lib.PKCS11();
  try {
    pk.load(module);
  } catch {
    throw new KeyStoreError('unavailable', `PKCS#11 module ${module}: cannot be loaded`);
  }
  try {
    pk.C_Initialize();
  } catch (error) {
    if (codeOf(error) !== CKR_CRYPTOKI_ALREADY_INITIALIZED) throw error;
  }
  return pk;
}

const codeOf = (error: unknown) => (error as { code?: number })?.code;
const slotNumber = (slot: Handle) => BigInt(`0x${Buffer.from(slot).reverse().toString('hex') || '0'}`);

function findSlot(pk: Pkcs11, o: Pkcs11Options): { slot: Handle; label: string } {
  for (const slot of pk.C_GetSlotList(true)) {
    const label = pk.C_GetTokenInfo(slot).label.trim();
    if (o.token !== undefined ? label === o.token : o.slot === undefined || slotNumber(slot) === BigInt(o.slot))
      return { slot, label };
  }
  const which = o.token !== undefined ? `token ${o.token}` : o.slot !== undefined ? `slot ${o.slot}` : 'any token';
  throw new KeyStoreError('unavailable', `PKCS#11 module ${o.module}: no ${which}`);
}

function login(lib: Pkcs11Module, pk: Pkcs11, session: Handle, description: string, pin: string): void {
  try {
    pk.C_Login(session, lib.CKU_USER, pin);
  } catch (error) {
    const code = codeOf(error);
    if (code === CKR_USER_ALREADY_LOGGED_IN) return; // another store of this process logged in
    if (code === lib.CKR_PIN_INCORRECT || code === lib.CKR_PIN_LEN_RANGE)
      throw new KeyStoreError('wrong_secret', `${description}: wrong PIN`);
    if (code === lib.CKR_PIN_LOCKED) throw new KeyStoreError('wrong_secret', `${description}: the PIN is locked`);
    throw new KeyStoreError('unavailable', `${description}: login failed (PKCS#11 code 0x${code?.toString(16)})`);
  }
}

function tokenStore(
  lib: Pkcs11Module,
  pk: Pkcs11,
  session: Handle,
  description: string,
  release: () => void,
): KeyStore {
  const find = (label: string, cls: number): Handle | undefined => {
    pk.C_FindObjectsInit(session, [
      { type: lib.CKA_LABEL, value: label },
      { type: lib.CKA_CLASS, value: cls },
    ]);
    try {
      return pk.C_FindObjects(session, 1)[0];
    } finally {
      pk.C_FindObjectsFinal(session);
    }
  };
  const mustBeNew = (label: string) => {
    for (const cls of [lib.CKO_PRIVATE_KEY, lib.CKO_DATA])
      if (find(label, cls)) throw new KeyStoreError('exists', `${label}: already in the key store (${description})`);
  };
  const missing = (label: string) =>
    new KeyStoreError('missing_key', `${label}: not in the key store (${description})`);
  const attribute = (handle: Handle, type: number): Buffer =>
    pk.C_GetAttributeValue(session, handle, [{ type }])[0]?.value as Buffer;

  /** A key that signs in the token; the public key is the token's public key object. */
  const signingKey = (label: string): SigningKey => {
    const secret = find(label, lib.CKO_PRIVATE_KEY);
    const pub = find(label, lib.CKO_PUBLIC_KEY);
    if (!secret || !pub) throw missing(label);
    const point = attribute(pub, lib.CKA_EC_POINT);
    // CKA_EC_POINT is a DER OCTET STRING (04 20 ‖ key) in PKCS#11 3.0; some tokens give the raw key.
    const publicKey = new Uint8Array(point.length === 34 && point[0] === 4 ? point.subarray(2) : point);
    return {
      publicKey,
      sign(message) {
        pk.C_SignInit(session, { mechanism: CKM_EDDSA }, secret);
        return new Uint8Array(pk.C_Sign(session, Buffer.from(message), Buffer.alloc(64)));
      },
    };
  };
  const privateTemplate = (label: string) => [
    { type: lib.CKA_TOKEN, value: true },
    { type: lib.CKA_PRIVATE, value: true },
    { type: lib.CKA_SENSITIVE, value: true },
    { type: lib.CKA_EXTRACTABLE, value: false },
    { type: lib.CKA_SIGN, value: true },
    { type: lib.CKA_LABEL, value: label },
    { type: lib.CKA_ID, value: Buffer.from(label) },
  ];
  const publicTemplate = (label: string) => [
    { type: lib.CKA_TOKEN, value: true },
    { type: lib.CKA_VERIFY, value: true },
    { type: lib.CKA_EC_PARAMS, value: ED25519_PARAMS },
    { type: lib.CKA_LABEL, value: label },
    { type: lib.CKA_ID, value: Buffer.from(label) },
  ];
  const generateSigning = (label: string): SigningKey => {
    mustBeNew(label);
    pk.C_GenerateKeyPair(
      session,
      { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
      publicTemplate(label),
      privateTemplate(label),
    );
    return signingKey(label);
  };
  const importSigning = (label: string, secret: Uint8Array, publicKey: Uint8Array) => {
    if (find(label, lib.CKO_PRIVATE_KEY)) return;
    pk.C_CreateObject(session, [
      { type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY },
      { type: lib.CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
      { type: lib.CKA_EC_PARAMS, value: ED25519_PARAMS },
      { type: lib.CKA_VALUE, value: Buffer.from(secret) },
      ...privateTemplate(label),
    ]);
    pk.C_CreateObject(session, [
      { type: lib.CKA_CLASS, value: lib.CKO_PUBLIC_KEY },
      { type: lib.CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
      { type: lib.CKA_EC_POINT, value: Buffer.concat([Buffer.from([4, 32]), publicKey]) },
      ...publicTemplate(label),
    ]);
  };

  /** The bank's AES key for key-exchange secrets, generated in the token on first use. */
  const wrappingKey = (bankId: string, create: boolean): Handle => {
    const label = `${bankId}/kx-wrap`;
    const found = find(label, lib.CKO_SECRET_KEY);
    if (found) return found;
    if (!create) throw missing(label);
    return pk.C_GenerateKey(session, { mechanism: lib.CKM_AES_KEY_GEN }, [
      { type: lib.CKA_TOKEN, value: true },
      { type: lib.CKA_PRIVATE, value: true },
      { type: lib.CKA_SENSITIVE, value: true },
      { type: lib.CKA_EXTRACTABLE, value: false },
      { type: lib.CKA_ENCRYPT, value: true },
      { type: lib.CKA_DECRYPT, value: true },
      { type: lib.CKA_VALUE_LEN, value: 32 },
      { type: lib.CKA_LABEL, value: label },
    ]);
  };
  const gcm = (label: string, iv: Buffer) => ({
    mechanism: lib.CKM_AES_GCM,
    // The key id is the authenticated data: a blob moved to another key id does not decrypt.
    parameter: { type: lib.CK_PARAMS_AES_GCM, iv, aad: Buffer.from(label), tagBits: 128 },
  });
  const storeKx = (bankId: string, label: string, secret: Uint8Array) => {
    mustBeNew(label);
    const iv = Buffer.from(crypto.getRandomValues(new Uint8Array(12)));
    pk.C_EncryptInit(session, gcm(label, iv), wrappingKey(bankId, true));
    const sealed = pk.C_Encrypt(session, Buffer.from(secret), Buffer.alloc(secret.length + 16));
    pk.C_CreateObject(session, [
      { type: lib.CKA_CLASS, value: lib.CKO_DATA },
      { type: lib.CKA_TOKEN, value: true },
      { type: lib.CKA_PRIVATE, value: true },
      { type: lib.CKA_APPLICATION, value: APPLICATION },
      { type: lib.CKA_LABEL, value: label },
      { type: lib.CKA_VALUE, value: Buffer.concat([iv, sealed]) },
    ]);
  };
  const kxKeys = (bankId: string, label: string): GenerationKeys['kx'] => {
    const data = find(label, lib.CKO_DATA);
    if (!data) throw missing(label);
    const blob = attribute(data, lib.CKA_VALUE);
    pk.C_DecryptInit(session, gcm(label, blob.subarray(0, 12)), wrappingKey(bankId, false));
    const secretKey = new Uint8Array(pk.C_Decrypt(session, blob.subarray(12), Buffer.alloc(blob.length)));
    return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
  };

  return {
    description,
    async createRoot(bankId): Promise<SecretKey> {
      return generateSigning(keyId.root(bankId));
    },
    async root(bankId) {
      return signingKey(keyId.root(bankId));
    },
    async generate(bankId, generation) {
      const kxLabel = keyId.kx(bankId, generation);
      mustBeNew(kxLabel);
      const signing = generateSigning(keyId.signing(bankId, generation));
      const kx = x25519.keygen();
      storeKx(bankId, kxLabel, kx.secretKey);
      return { signing, kx };
    },
    async keys(bankId, generation) {
      return {
        signing: signingKey(keyId.signing(bankId, generation)),
        kx: kxKeys(bankId, keyId.kx(bankId, generation)),
      };
    },
    async importKeys(bankId, keys: ExportedKeys) {
      importSigning(keyId.root(bankId), keys.root, ed25519.getPublicKey(keys.root));
      for (const g of keys.generations) {
        importSigning(keyId.signing(bankId, g.generation), g.signing, ed25519.getPublicKey(g.signing));
        const kxLabel = keyId.kx(bankId, g.generation);
        if (!find(kxLabel, lib.CKO_DATA)) storeKx(bankId, kxLabel, g.kx);
      }
    },
    async close() {
      release();
    },
  };
}
