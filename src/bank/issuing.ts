// Issuing: the bank's keys (secret keys in its key store, src/bank/keys/; public keys and
// certificates in the database, tables bank_keys and bank_key_generations) and their rotation, cardholders, merchants, purses (purse certificates with offline limits),
// revocation and the signed revocation list.

import { ed25519 } from '../../bindings/index.ts';
import { equalBytes, toBase64 } from '../bytes.ts';
import {
  checkBankMayCertify,
  issueCertificate,
  type OfflineLimits,
  parseCertificate,
  type TrustAnchors,
} from '../protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import { certifyBankKeys, certifyParty, newSerial, type Party, type Root, type Validity } from '../protocol/pki.ts';
import { Role } from '../protocol/registry.ts';
import { makeRevocationList } from '../protocol/revocation.ts';
import { publicKeyOf, type SecretKey } from '../protocol/signing-key.ts';
import { type Actor, IN_PROCESS, recordAction } from './back-office/actions.ts';
import { bytea, type Database, type Queryable } from './db.ts';
import { BankError } from './errors.ts';
import { type GenerationKeys, type KeyStore, KeyStoreError } from './keys/store.ts';
import { accountId, post } from './ledger.ts';
import type { BankPublicKeys, SchemeMembership } from './scheme.ts';

export interface Bank {
  id: string;
  /**
   * The root: its public key here; the bank's own root keeps its secret key in the key store (it
   * signs only bank certificates). A bank of a scheme has none: the scheme operator holds it.
   */
  root: Pick<Root, 'id' | 'publicKey'> & { secretKey?: SecretKey };
  /** The current key generation: signs and certifies everything the bank issues from now on. */
  party: Party<SecretKey>;
  anchors: TrustAnchors;
  /** The number of the current key generation (1 for a new bank, +1 per rotation). */
  generation: number;
  /**
   * The earlier generations, newest first, kept to open envelopes sealed to their key-exchange
   * keys by parties that still hold an earlier bank certificate. They never sign anything new.
   */
  previous: Party<SecretKey>[];
}

/** What anyone may know of a bank: its id and root (the audit needs no secret key). */
export type PublicBank = Pick<Bank, 'id' | 'anchors'> & { root: Pick<Root, 'id' | 'publicKey'> };

const YEAR_S = 365 * 86_400;
const ID = /^[A-Za-z0-9._:-]{1,64}$/;
const checkId = (name: string, id: string) => {
  if (typeof id !== 'string' || !ID.test(id))
    throw new BankError('bad_request', `${name}: 1–64 of [A-Za-z0-9._:-], got ${JSON.stringify(id)}`);
};
const u8 = (b: unknown) => new Uint8Array(b as Uint8Array);

/**
 * Creates the root and the bank (signing and key-exchange keys: generation 1): the secret keys in
 * `keys`, the public keys and the bank certificate in the database. The store is written first:
 * a database insert that fails leaves unused keys in the store, never a bank without its keys.
 * With `scheme`, the bank has no root of its own: the scheme root certifies its keys (with its
 * roles, claim bankRoles) and is the root it trusts; its first generation is the one already in
 * the store when there is one (`schemeBankKeys`).
 */
export async function createBank(
  db: Database,
  keys: KeyStore,
  o: { bankId: string; rootId?: string; now: number; validityS?: number; scheme?: SchemeMembership },
): Promise<Bank> {
  checkId('bankId', o.bankId);
  let root: Bank['root'];
  let certify: CertifyBank;
  if (o.scheme) {
    const scheme = o.scheme;
    root = scheme.root;
    certify = (k, v) => scheme.certify(o.bankId, k, v);
  } else {
    const rootKey = await keys.createRoot(o.bankId);
    const own: Root = { id: o.rootId ?? `root-${o.bankId}`, publicKey: publicKeyOf(rootKey), secretKey: rootKey };
    root = own;
    certify = (k, v) => certifyBankKeys(own, o.bankId, k, v);
  }
  const made = o.scheme ? await schemeBankKeys(keys, o.bankId) : await keys.generate(o.bankId, 1);
  const party = certifyGeneration(made, certify, o.bankId, o);
  await db.transaction(async (tx) => {
    await tx.query(
      'insert into bank_keys (bank_id, root_id, root_public, bank_public, kx_public, certificate, generation) values ($1,$2,$3,$4,$5,$6,1)',
      [
        o.bankId,
        root.id,
        bytea(root.publicKey),
        bytea(party.publicKey),
        bytea(party.kx.publicKey),
        bytea(party.certificate),
      ],
    );
    await insertGeneration(tx, o.bankId, 1, party);
  });
  return { id: o.bankId, root, party, anchors: new Map([[root.id, root.publicKey]]), generation: 1, previous: [] };
}

type BankParty = Party<SecretKey> & { kx: NonNullable<Party['kx']> };
type CertifyBank = (keys: BankPublicKeys, validity: Validity) => Uint8Array;

/**
 * The first key generation of a bank joining a scheme: the keys already in the store, else new
 * ones. A scheme operator certifies a bank's public keys away from the bank (`smartcheck bank
 * init` makes them and writes their public halves, `scheme certify` signs), so the bank that
 * starts with that certificate must find the same keys, not make others.
 */
export async function schemeBankKeys(keys: KeyStore, bankId: string): Promise<GenerationKeys> {
  try {
    return await keys.keys(bankId, 1);
  } catch (error) {
    if (error instanceof KeyStoreError && error.code === 'missing_key') return keys.generate(bankId, 1);
    throw error;
  }
}

/** A generation's keys, made in the store, with their bank certificate from the root. */
function certifyGeneration(
  made: GenerationKeys,
  certify: CertifyBank,
  bankId: string,
  o: { now: number; validityS?: number },
): BankParty {
  const publicKey = publicKeyOf(made.signing);
  const certificate = certify(
    { signingKey: publicKey, kxKey: made.kx.publicKey },
    { notBefore: o.now - 86_400, notAfter: o.now + (o.validityS ?? 5 * YEAR_S) },
  );
  return { id: bankId, secretKey: heldByCore(made.signing), publicKey, certificate, kx: made.kx };
}

/**
 * A generation's signing key as the bank signs with it: a key the store hands out as bytes (the
 * file and memory stores) is held by the core (expanded once: one base-point multiplication per
 * receipt, token or certificate); a token's key (PKCS#11) stays where it is.
 */
const heldByCore = (key: SecretKey): SecretKey =>
  key instanceof Uint8Array ? ed25519.SigningKey.fromSecretKey(key) : key;

/**
 * A bank of a scheme: its certificate carries the claim bankRoles, which only a scheme root
 * writes (createScheme); a bank under its own root never has it, and holds its root key.
 */
export const inScheme = (bankCertificate: Uint8Array): boolean =>
  parseCertificate(bankCertificate).bankRoles !== undefined;

async function insertGeneration(tx: Queryable, bankId: string, generation: number, party: BankParty): Promise<void> {
  await tx.query(
    'insert into bank_key_generations (bank_id, generation, bank_public, kx_public, certificate) values ($1,$2,$3,$4,$5)',
    [bankId, generation, bytea(party.publicKey), bytea(party.kx.publicKey), bytea(party.certificate)],
  );
}

/** The bank's public identity as stored (the first bank, or the one named). */
export async function loadPublicBank(db: Queryable, bankId?: string): Promise<PublicBank | undefined> {
  const [r] = await db.query<{ bank_id: string; root_id: string; root_public: Uint8Array }>(
    bankId
      ? 'select bank_id, root_id, root_public from bank_keys where bank_id = $1'
      : 'select bank_id, root_id, root_public from bank_keys order by created_at limit 1',
    bankId ? [bankId] : [],
  );
  if (!r) return undefined;
  const root = { id: r.root_id, publicKey: u8(r.root_public) };
  return { id: r.bank_id, root, anchors: new Map([[root.id, root.publicKey]]) };
}

/**
 * The bank stored in this database (the first, or the one named), with every key generation: the
 * public keys and certificates from the database, the secret keys from `keys`. A stored key that
 * is not the one the database names is refused (`mismatch`): the wrong store, or a tampered one.
 */
export async function loadBank(db: Queryable, keys: KeyStore, bankId?: string): Promise<Bank | undefined> {
  const known = await loadPublicBank(db, bankId);
  if (!known) return undefined;
  const { id } = known;
  const [current] = await db.query<{ certificate: Uint8Array }>(
    'select certificate from bank_keys where bank_id = $1',
    [id],
  );
  let root: Bank['root'] = known.root;
  if (!current || !inScheme(u8(current.certificate))) {
    const rootKey = await keys.root(id);
    if (!equalBytes(publicKeyOf(rootKey), known.root.publicKey))
      throw new KeyStoreError('mismatch', `${id}: the root key in ${keys.description} is not this ledger's root`);
    root = { ...known.root, secretKey: rootKey };
  }
  const generations = await db.query<{
    generation: number;
    bank_public: Uint8Array;
    kx_public: Uint8Array;
    certificate: Uint8Array;
  }>(
    'select generation, bank_public, kx_public, certificate from bank_key_generations where bank_id = $1 order by generation desc',
    [id],
  );
  const parties: Party<SecretKey>[] = [];
  for (const g of generations) {
    const stored = await keys.keys(id, g.generation);
    if (
      !equalBytes(publicKeyOf(stored.signing), u8(g.bank_public)) ||
      !equalBytes(stored.kx.publicKey, u8(g.kx_public))
    )
      throw new KeyStoreError(
        'mismatch',
        `${id}: the keys of generation ${g.generation} in ${keys.description} are not the certified ones`,
      );
    parties.push({
      id,
      secretKey: heldByCore(stored.signing),
      publicKey: u8(g.bank_public),
      certificate: u8(g.certificate),
      kx: stored.kx,
    });
  }
  const [party, ...previous] = parties;
  if (!party) throw new Error(`bank ${id}: no key generation stored`);
  return { id, root, party, anchors: known.anchors, generation: generations[0]?.generation as number, previous };
}

/**
 * Rotates the bank's keys: a new signing key and key-exchange key, generated in the key store and
 * certified by the root, become the current generation (their public keys stored, and copied into
 * bank_keys) for everything the bank signs or issues from now on. The earlier generations stay:
 * certificates they issued keep verifying (each carries its bank certificate, which the root
 * signed) until they expire, and envelopes sealed to their key-exchange keys still open
 * (`openWithAnyKey`). Returns the bank with the new generation current. Two rotations at once are
 * serialized by the bank_keys row lock, taken before the store generates the keys.
 */
export async function rotateKeys(
  db: Database,
  keys: KeyStore,
  bank: Pick<Bank, 'id'>,
  o: { now: number; validityS?: number },
): Promise<Bank> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ root_id: string; root_public: Uint8Array; certificate: Uint8Array }>(
      'select root_id, root_public, certificate from bank_keys where bank_id = $1 for update',
      [bank.id],
    );
    if (!row) throw new BankError('not_found', `bank ${bank.id}`);
    // Not yet: the scheme operator would certify the new keys (a request to it, later work).
    if (inScheme(u8(row.certificate)))
      throw new BankError('conflict', `${bank.id} is a bank of a scheme: its scheme root certifies new keys`);
    const [last] = await tx.query<{ g: number }>(
      'select coalesce(max(generation), 0)::int as g from bank_key_generations where bank_id = $1',
      [bank.id],
    );
    const generation = (last?.g ?? 0) + 1;
    const rootKey = await keys.root(bank.id);
    if (!equalBytes(publicKeyOf(rootKey), u8(row.root_public)))
      throw new KeyStoreError('mismatch', `${bank.id}: the root key in ${keys.description} is not this ledger's root`);
    const root: Root = { id: row.root_id, publicKey: u8(row.root_public), secretKey: rootKey };
    const made = await keys.generate(bank.id, generation);
    const party = certifyGeneration(made, (k, v) => certifyBankKeys(root, bank.id, k, v), bank.id, o);
    await insertGeneration(tx, bank.id, generation, party);
    await tx.query(
      'update bank_keys set bank_public = $2, kx_public = $3, certificate = $4, generation = $5 where bank_id = $1',
      [bank.id, bytea(party.publicKey), bytea(party.kx.publicKey), bytea(party.certificate), generation],
    );
    return (await loadBank(tx, keys, bank.id)) as Bank;
  });
}

/** The current key generation stored for a bank (another process may have rotated since). */
export async function currentGeneration(q: Queryable, bankId: string): Promise<number> {
  const [r] = await q.query<{ g: number }>(
    'select coalesce(max(generation), 0)::int as g from bank_key_generations where bank_id = $1',
    [bankId],
  );
  return r?.g ?? 0;
}

/**
 * Opens an envelope sent to the bank: `open` runs with the current generation's keys, then with
 * each earlier one, newest first, for as long as the envelope does not open (EnvelopeOpenFailed:
 * HPKE fails cleanly when it was sealed to another key-exchange key). Any other refusal comes from
 * the opened message itself and is thrown at once; when no generation opens it, the last
 * EnvelopeOpenFailed is.
 */
export function openWithAnyKey<T>(bank: Pick<Bank, 'party' | 'previous'>, open: (party: Party<SecretKey>) => T): T {
  let failure: unknown;
  for (const party of [bank.party, ...bank.previous]) {
    try {
      return open(party);
    } catch (error) {
      if (!(error instanceof ProtocolError && error.code === ErrorCode.EnvelopeOpenFailed)) throw error;
      failure = error;
    }
  }
  throw failure;
}

/** A cardholder with a bank account, optionally certified (for Internet approvals). */
export async function registerCardholder(
  db: Database,
  bank: Bank,
  id: string,
  o: { now: number; certify?: boolean },
): Promise<Party | undefined> {
  checkId('cardholderId', id);
  const party = o.certify
    ? certifyParty(bank.party, id, Role.Cardholder, { notBefore: o.now - 86_400, notAfter: o.now + 3 * YEAR_S })
    : undefined;
  await db.query('insert into cardholders (cardholder_id, certificate) values ($1, $2)', [
    id,
    party ? bytea(party.certificate) : null,
  ]);
  return party;
}

/**
 * Money paid in to a cardholder's account from outside (cash, a transfer), recorded as a
 * back-office action of `by` in the same transaction (the audit pairs each funding with its record).
 */
export async function fund(
  db: Database,
  cardholderId: string,
  amount: number,
  currency: string,
  reference = 'deposit',
  by: Actor = IN_PROCESS,
): Promise<void> {
  if (!Number.isSafeInteger(amount) || amount < 1) throw new BankError('bad_request', 'amount: a positive integer');
  await db.transaction(async (tx) => {
    const known = await tx.query('select 1 from cardholders where cardholder_id = $1', [cardholderId]);
    if (!known.length) throw new BankError('not_found', `cardholder ${cardholderId}`);
    const from = await accountId(tx, 'funding', 'outside', currency);
    const to = await accountId(tx, 'cardholder', cardholderId, currency);
    const ref = `${cardholderId}:${reference}`;
    await post(tx, 'fund', ref, [
      { account: from, amount: -amount },
      { account: to, amount },
    ]);
    await recordAction(tx, by, 'fund', ref, { cardholderId, amount, currency, reference });
  });
}

/** A merchant certified by the bank. The bank generates its keys here (a demo simplification). */
export async function registerMerchant(
  db: Database,
  bank: Bank,
  id: string,
  o: { now: number; validityS?: number },
): Promise<Party> {
  checkId('merchantId', id);
  const party = certifyParty(bank.party, id, Role.Merchant, {
    notBefore: o.now - 86_400,
    notAfter: o.now + (o.validityS ?? 3 * YEAR_S),
  });
  await db.query('insert into merchants (merchant_id, certificate) values ($1, $2)', [id, bytea(party.certificate)]);
  return party;
}

/** Personalises a purse for a cardholder: its keys and certificate with offline limits. */
export async function personalisePurse(
  db: Database,
  bank: Bank,
  id: string,
  o: { cardholderId: string; limits: OfflineLimits; now: number; validityS?: number },
): Promise<Party> {
  checkId('purseId', id);
  const party = certifyParty(bank.party, id, Role.Purse, {
    notBefore: o.now - 86_400,
    notAfter: o.now + (o.validityS ?? 3 * YEAR_S),
    limits: o.limits,
  });
  await db.transaction((tx) =>
    purseRow(tx, db.distributed, [id, o.cardholderId, o.limits.currency, party.certificate]),
  );
  return party;
}

/** Revokes a subject (purse, merchant, cardholder); idempotent, the first reason stays. */
export async function revoke(q: Queryable, subject: string, reason: string, now: number): Promise<void> {
  await q.query(
    'insert into revocations (subject, reason, revoked_at) values ($1, $2, $3) on conflict (subject) do nothing',
    [subject, reason, now],
  );
}

export async function revokedSubjects(q: Queryable): Promise<string[]> {
  return (await q.query<{ subject: string }>('select subject from revocations order by subject')).map((r) => r.subject);
}

/**
 * The current signed revocation list: the stored newest one while it still names exactly the
 * revoked subjects, is not due and was signed by the current key generation (or a newer one, when
 * another bank process rotated first), otherwise a new one with the next list number.
 */
export async function revocationList(
  db: Database,
  bank: Pick<Bank, 'party' | 'generation'>,
  now: number,
  validityS = 3_600,
): Promise<Uint8Array> {
  return db.transaction(async (tx) => {
    if (db.driver === 'pg') await tx.query('select pg_advisory_xact_lock($1)', [0x5c0b1157]);
    const subjects = await revokedSubjects(tx);
    const [last] = await tx.query<{
      list_number: number;
      bytes: Uint8Array;
      issued_at: number;
      key_generation: number;
    }>('select list_number, bytes, issued_at, key_generation from revocation_lists order by list_number desc limit 1');
    const [count] = await tx.query<{ n: number; latest: number }>(
      'select count(*)::int as n, coalesce(max(revoked_at), 0)::bigint as latest from revocations',
    );
    // A list signed by an earlier key generation is not handed out again after a rotation.
    if (
      last &&
      last.key_generation >= bank.generation &&
      last.issued_at + validityS > now &&
      last.issued_at >= (count?.latest ?? 0) &&
      (await listCount(tx, last.list_number)) === count?.n
    )
      return u8(last.bytes);
    const [row] = await tx.query<{ list_number: number }>(
      "select nextval(pg_get_serial_sequence('revocation_lists', 'list_number'))::bigint as list_number",
    );
    const listNumber = (row as { list_number: number }).list_number;
    const bytes = makeRevocationList(bank.party, {
      revoked: subjects,
      issuedAt: now,
      nextUpdate: now + validityS,
      listNumber,
    });
    await tx.query(
      'insert into revocation_lists (list_number, bytes, issued_at, subjects, key_generation) values ($1, $2, $3, $4, $5)',
      [listNumber, bytea(bytes), now, subjects.length, bank.generation],
    );
    return bytes;
  });
}

async function listCount(tx: Queryable, listNumber: number): Promise<number> {
  const [r] = await tx.query<{ subjects: number }>('select subjects from revocation_lists where list_number = $1', [
    listNumber,
  ]);
  return r?.subjects ?? -1;
}

// ---- Certifying keys the subject generated itself (the card's GENERATE KEYS, a merchant's own
// keys, a cardholder's browser key): the secret keys never reach the bank. Used by the admin API.

const KEY = 32;
function checkKey(name: string, key: Uint8Array | undefined): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== KEY)
    throw new BankError('bad_request', `${name}: ${KEY} bytes expected`);
  return key;
}

/**
 * A certificate over given public keys, signed by the bank's current key generation; refused
 * (NotAnIssuer, NotAnAcquirer) when the bank's own certificate does not let it certify that role.
 */
export function certifyKeys(
  bank: Pick<Bank, 'party'>,
  subject: string,
  role: typeof Role.Purse | typeof Role.Cardholder | typeof Role.Merchant,
  keys: { signingKey: Uint8Array; kxKey?: Uint8Array },
  o: { now: number; validityS?: number; limits?: OfflineLimits },
): Uint8Array {
  checkKey('signingKey', keys.signingKey);
  if (keys.kxKey !== undefined) checkKey('kxKey', keys.kxKey);
  checkBankMayCertify(parseCertificate(bank.party.certificate), role);
  const notBefore = o.now - 86_400;
  return issueCertificate(
    {
      issuer: bank.party.id,
      subject,
      role,
      notBefore,
      notAfter: o.now + (o.validityS ?? 3 * YEAR_S),
      issuedAt: notBefore,
      serial: newSerial(),
      signingKey: keys.signingKey,
      ...(keys.kxKey ? { kxKey: keys.kxKey } : {}),
      ...(o.limits ? { limits: o.limits } : {}),
    },
    bank.party.secretKey,
    bank.party.certificate,
  );
}

const isUniqueViolation = (error: unknown) => (error as { code?: unknown })?.code === '23505';

const insertOnce = (db: Queryable, what: string, sql: string, params: unknown[]): Promise<void> =>
  writeOnce(what, () => db.query(sql, params));

/** Runs `write`; a unique violation (the row exists) is a conflict naming `what`. */
async function writeOnce(what: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new BankError('conflict', `${what} already exists`);
    throw error;
  }
}

/**
 * A cardholder account; with `signingKey`, the bank certifies the cardholder's own key for Internet
 * approvals (role cardholder, no key-exchange key). Returns the certificate, if any.
 */
export async function registerCardholderKey(
  db: Database,
  bank: Bank,
  id: string,
  o: { now: number; signingKey?: Uint8Array; validityS?: number; by?: Actor },
): Promise<Uint8Array | undefined> {
  checkId('cardholderId', id);
  const certificate = o.signingKey
    ? certifyKeys(bank, id, Role.Cardholder, { signingKey: o.signingKey }, o)
    : undefined;
  await db.transaction(async (tx) => {
    await insertOnce(tx, `cardholder ${id}`, 'insert into cardholders (cardholder_id, certificate) values ($1, $2)', [
      id,
      certificate ? bytea(certificate) : null,
    ]);
    await recordAction(tx, o.by ?? IN_PROCESS, 'cardholder', id, keysDetail(o));
  });
  return certificate;
}

/** An action record's detail for certified public keys (base64). */
const keysDetail = (o: { signingKey?: Uint8Array; kxKey?: Uint8Array }) => ({
  ...(o.signingKey ? { signingKey: toBase64(o.signingKey) } : {}),
  ...(o.kxKey ? { kxKey: toBase64(o.kxKey) } : {}),
});

/** A merchant certified from its own public keys (signing, key exchange). Returns the certificate. */
export async function registerMerchantKeys(
  db: Database,
  bank: Bank,
  id: string,
  o: { now: number; signingKey: Uint8Array; kxKey: Uint8Array; validityS?: number; by?: Actor },
): Promise<Uint8Array> {
  checkId('merchantId', id);
  checkKey('kxKey', o.kxKey);
  const certificate = certifyKeys(bank, id, Role.Merchant, { signingKey: o.signingKey, kxKey: o.kxKey }, o);
  await db.transaction(async (tx) => {
    await insertOnce(tx, `merchant ${id}`, 'insert into merchants (merchant_id, certificate) values ($1, $2)', [
      id,
      bytea(certificate),
    ]);
    await recordAction(tx, o.by ?? IN_PROCESS, 'merchant', id, keysDetail(o));
  });
  return certificate;
}

/** What a purse certificate certifies: the card's own public keys, its cardholder and limits. */
export interface PurseKeys {
  cardholderId: string;
  signingKey: Uint8Array;
  kxKey: Uint8Array;
  limits: OfflineLimits;
  now: number;
  validityS?: number;
}

/**
 * Personalises a purse from the card's own public keys (as `personalise` in src/card/purse.ts does
 * in-process): certified with its offline limits and recorded in `purses` with its cardholder, so
 * loads debit that cardholder and captures are attributed. Returns the purse certificate.
 */
export async function personalisePurseKeys(
  db: Database,
  bank: Bank,
  id: string,
  o: PurseKeys & { by?: Actor },
): Promise<Uint8Array> {
  const certificate = certifyPurse(bank, id, o);
  await db.transaction(async (tx) => {
    await insertPurse(tx, db.distributed, id, o.cardholderId, o.limits.currency, certificate);
    await recordAction(tx, o.by ?? IN_PROCESS, 'purse', id, {
      cardholderId: o.cardholderId,
      limits: o.limits,
      ...keysDetail(o),
    });
  });
  return certificate;
}

/** A purse certificate over the card's own public keys, with its offline limits. */
export function certifyPurse(bank: Bank, id: string, o: PurseKeys): Uint8Array {
  checkId('purseId', id);
  checkId('cardholderId', o.cardholderId);
  checkKey('kxKey', o.kxKey);
  return certifyKeys(bank, id, Role.Purse, { signingKey: o.signingKey, kxKey: o.kxKey }, o);
}

/** The purse row of a certified purse, for a cardholder that must exist; a taken id is a conflict. */
export async function insertPurse(
  tx: Queryable,
  distributed: boolean,
  id: string,
  cardholderId: string,
  currency: string,
  certificate: Uint8Array,
): Promise<void> {
  const known = await tx.query('select 1 from cardholders where cardholder_id = $1', [cardholderId]);
  if (!known.length) throw new BankError('not_found', `cardholder ${cardholderId}`);
  await writeOnce(`purse ${id}`, () => purseRow(tx, distributed, [id, cardholderId, currency, certificate]));
}

/**
 * The purse row and, on Citus, the first line of its certificate history: elsewhere migration
 * 008's trigger writes that line, but on Citus the trigger would run on a worker and take the
 * worker's own audit positions (migration 017), so the coordinator inserts it here.
 */
async function purseRow(
  tx: Queryable,
  distributed: boolean,
  [id, cardholderId, currency, certificate]: [string, string, string, Uint8Array],
): Promise<void> {
  await tx.query('insert into purses (purse_id, cardholder_id, currency, certificate) values ($1, $2, $3, $4)', [
    id,
    cardholderId,
    currency,
    bytea(certificate),
  ]);
  if (distributed)
    await tx.query("insert into purse_certificates (purse_id, certificate, reason) values ($1, $2, 'issued')", [
      id,
      bytea(certificate),
    ]);
}
