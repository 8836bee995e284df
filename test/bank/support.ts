// The bank test world: a database (PGlite, or PostgreSQL when DATABASE_URL / SMARTCHECK_PG_URL is
// set, or a Citus coordinator when CITUS_URL is: each world gets its own schema), a bank, a funded
// cardholder, merchants and purses, and helpers that act as the purse (load requests, signed
// checks) and the merchant (deposits).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/bank/db.ts';
import {
  type Bank,
  createBank,
  fund,
  personalisePurse,
  registerCardholder,
  registerMerchant,
} from '../../src/bank/issuing.ts';
import { fileKeyStore } from '../../src/bank/keys/file.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import type { KeyStore } from '../../src/bank/keys/store.ts';
import { checkInvariants } from '../../src/bank/ledger.ts';
import { migrate } from '../../src/bank/migrate.ts';
import { makeDeposit } from '../../src/protocol/capture.ts';
import type { OfflineLimits } from '../../src/protocol/certificate.ts';
import { applyValueToken, newPurseState, type PurseState, requestValue } from '../../src/protocol/load.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { checkFor, makeSlip, signCheck, verifyCheck, verifySlip } from '../../src/protocol/pos.ts';
import { makeRefund, sealRefund } from '../../src/protocol/refund.ts';
import { Channel } from '../../src/protocol/registry.ts';

export const NOW = 1_700_000_000;
export const PG_URL = process.env.DATABASE_URL ?? process.env.SMARTCHECK_PG_URL;
export const LIMITS: OfflineLimits = {
  currency: 'EUR',
  maxBalance: 1_000_000,
  maxPerCheck: 50_000,
  maxOfflineChecks: 1_000,
  maxOfflineAmount: 1_000_000,
};

/** A Citus coordinator (docs/citus.md): the suites that prove the distributed schema also run there. */
const CITUS_URL = process.env.CITUS_URL;

export type Driver = 'pglite' | 'pg' | 'citus';
export interface DriverCase {
  driver: Driver;
  skip: boolean;
  reason: string;
}
export const DRIVERS: DriverCase[] = [
  { driver: 'pglite', skip: false, reason: '' },
  {
    driver: 'pg',
    skip: !PG_URL,
    reason: 'PostgreSQL: set DATABASE_URL or SMARTCHECK_PG_URL (scripts/ci-postgres.sh starts one)',
  },
];

const CITUS: DriverCase = {
  driver: 'citus',
  skip: !CITUS_URL,
  reason: 'Citus: set CITUS_URL to a coordinator with the citus extension (docs/citus.md)',
};
/** The ledger, capture, process, audit and reports suites: every driver, Citus included. */
export const WITH_CITUS: DriverCase[] = [...DRIVERS, CITUS];

/** The server a driver other than PGlite connects to. */
const serverUrl = (driver: Driver): string | undefined => (driver === 'citus' ? CITUS_URL : PG_URL);

if (!PG_URL)
  process.stderr.write(`[bank tests] PostgreSQL suites skipped: ${(DRIVERS[1] as { reason: string }).reason}\n`);

let schemaCounter = 0;
/**
 * A fresh, migrated database (every migration, or those before `migrations.before`): PGlite in
 * memory, or a new schema on the PostgreSQL server (or the Citus coordinator).
 */
export async function freshDatabase(
  driver: Driver,
  poolMax = 4,
  dataDir?: string,
  migrations: { before?: string } = {},
): Promise<{ db: Database; url?: string }> {
  if (driver === 'pglite') {
    const db = await openDatabase('', dataDir ? { dataDir } : {});
    await migrate(db, migrations);
    return { db };
  }
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${++schemaCounter}`;
  const server = serverUrl(driver) as string;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = withSchema(server, schema);
  const db = await openDatabase(url, { poolMax });
  await migrate(db, migrations);
  return { db, url };
}

export function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export interface World {
  db: Database;
  url?: string;
  bank: Bank;
  /** Where the bank's secret keys are: in memory, or the file store of `fileKeys` for other processes. */
  keys: KeyStore;
  merchant: Party;
  other: Party;
  purses: Party[];
  states: PurseState[];
  serials: number[];
}

/** A file key store in `dir` under a fresh key file, and the `--key-store` spec that opens it. */
export function fileKeys(dir: string): { keys: KeyStore; spec: string } {
  const keyFile = join(dir, 'bank.key');
  writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
  const path = join(dir, 'bank.keys');
  return { keys: fileKeyStore(path, { keyFile }), spec: `file:${path}?key-file=${keyFile}` };
}

/**
 * A bank with cardholder alice (funded), merchants shop-1 and shop-2, and `purseCount` purses; its
 * keys in `keys` (default: in memory, enough for a bank in this process only).
 */
export async function makeWorld(
  driver: Driver,
  purseCount = 3,
  funds = 10_000_000,
  dataDir?: string,
  keys: KeyStore = memoryKeyStore(),
): Promise<World> {
  const { db, url } = await freshDatabase(driver, 4, dataDir);
  const bank = await createBank(db, keys, { bankId: 'bank-1', now: NOW });
  await registerCardholder(db, bank, 'alice', { now: NOW });
  await fund(db, 'alice', funds, 'EUR');
  const merchant = await registerMerchant(db, bank, 'shop-1', { now: NOW });
  const other = await registerMerchant(db, bank, 'shop-2', { now: NOW });
  const purses: Party[] = [];
  for (let i = 0; i < purseCount; i++)
    purses.push(await personalisePurse(db, bank, `purse-${i}`, { cardholderId: 'alice', limits: LIMITS, now: NOW }));
  return {
    db,
    ...(url ? { url } : {}),
    bank,
    keys,
    merchant,
    other,
    purses,
    states: purses.map(() => newPurseState('EUR')),
    serials: purses.map(() => 0),
  };
}

let nonceCounter = 0;
export const nonce = () => {
  const n = new Uint8Array(16);
  new DataView(n.buffer).setUint32(12, ++nonceCounter);
  new DataView(n.buffer).setUint32(0, process.pid);
  return n;
};

/** The purse's sealed value-token request (the purse state advances). */
export function loadRequest(w: World, p: number, amount: number, now = NOW): Uint8Array {
  const r = requestValue(w.states[p] as PurseState, w.purses[p] as Party, {
    amount,
    currency: 'EUR',
    now,
    nonce: nonce(),
  });
  w.states[p] = r.state;
  return r.envelope;
}

export function applyToken(w: World, p: number, token: Uint8Array): number {
  const r = applyValueToken(w.states[p] as PurseState, w.purses[p] as Party, token, {
    anchors: w.bank.anchors,
    now: NOW,
  });
  w.states[p] = r.state;
  return r.credited;
}

/** A POS check of purse `p` to `merchant` (default shop-1), dated `time` (default NOW); serial defaults to the purse's next. */
export function check(
  w: World,
  p: number,
  amount: number,
  o: { merchant?: Party; serial?: number; purse?: Party; currency?: string; time?: number } = {},
): Uint8Array {
  const time = o.time ?? NOW;
  const merchant = o.merchant ?? w.merchant;
  let serial = o.serial;
  if (serial == null) {
    serial = (w.serials[p] as number) + 1;
    w.serials[p] = serial;
  }
  const slip = makeSlip(merchant, {
    merchantId: merchant.id,
    amount,
    currency: o.currency ?? 'EUR',
    time,
    terminalId: 't-1',
    terminalTxId: serial,
    terminalNonce: nonce(),
    channel: Channel.Pos,
  });
  const purse = o.purse ?? (w.purses[p] as Party);
  return signCheck(purse, checkFor(verifySlip(slip, { anchors: w.bank.anchors, now: time }), purse.id, serial, time));
}

let batchCounter = 0;
export function batchId(): Uint8Array {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(12, ++batchCounter);
  new DataView(id.buffer).setUint32(0, process.pid);
  return id;
}

export function deposit(
  w: World,
  checks: Uint8Array[],
  o: { merchant?: Party; id?: Uint8Array; time?: number } = {},
): { envelope: Uint8Array; id: Uint8Array } {
  const id = o.id ?? batchId();
  return {
    envelope: makeDeposit(o.merchant ?? w.merchant, w.bank.party.certificate, checks, id, o.time ?? NOW),
    id,
  };
}

/** The merchant's signed refund of a check (default shop-1, as the merchant would give the card). */
export function refundOf(w: World, checkBytes: Uint8Array, o: { merchant?: Party; now?: number } = {}): Uint8Array {
  const now = o.now ?? NOW;
  const verified = verifyCheck(checkBytes, { anchors: w.bank.anchors, now: NOW });
  const merchant = o.merchant ?? w.merchant;
  // makeRefund refuses another merchant's check: a wrong merchant's refund is signed by hand.
  return verified.body.merchantId === merchant.id
    ? makeRefund(merchant, verified, now)
    : makeRefund(merchant, { ...verified, body: { ...verified.body, merchantId: merchant.id } }, now);
}

/** A refund sealed to the bank, as the merchant deposits it (POST /v1/refunds). */
export const sealedRefund = (w: World, refund: Uint8Array): Uint8Array => sealRefund(w.bank.party.certificate, refund);

export async function invariants(db: Database): Promise<string[]> {
  return (await checkInvariants(db)).violations;
}
