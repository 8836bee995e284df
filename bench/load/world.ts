// The load run's world: the bank, merchants, cardholders and purses created directly in the
// database (src/bank/issuing.ts, which hands back each party's secret keys: kept in this process's
// memory only), then `smartcheck bank serve` started as a child process on that database, and
// `smartcheck bank audit` run on it after the server stopped.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import type { KeyStore } from '../../src/bank/keys/store.ts';
import { migrate } from '../../src/bank/migrate.ts';
import type { OfflineLimits } from '../../src/protocol/certificate.ts';
import type { Party } from '../../src/protocol/pki.ts';

export const BIN = fileURLToPath(new URL('../../bin/smartcheck.mjs', import.meta.url));
export const BANK_ID = 'bank-load';
export const CURRENCY = 'EUR';
/** Generous limits: the run is about the bank, not about the card's offline policy. */
export const LIMITS: OfflineLimits = {
  currency: CURRENCY,
  maxBalance: 1e12,
  maxPerCheck: 1_000_000,
  maxOfflineChecks: 1e9,
  maxOfflineAmount: 1e12,
};
const CARDHOLDER_FUNDS = 1e13;
const PURSES_PER_CARDHOLDER = 20;

/** Where the ledger lives: a PGlite data directory, or a fresh schema on a PostgreSQL server. */
export interface Store {
  driver: 'pglite' | 'pg';
  /** PGlite data directory (removed by `drop`). */
  dataDir?: string;
  /** postgres://… with search_path set to the run's own schema. */
  url?: string;
  schema?: string;
  serverUrl?: string;
  open(): Promise<Database>;
  /** The CLI arguments that point `smartcheck bank …` at this store. */
  cliArgs(): string[];
  /** The bank's secret keys: a file store under a random key file, as a deployment would keep them. */
  keys: KeyStore;
  /** `--key-store` for the server. */
  keySpec: string;
  drop(): Promise<void>;
}

/** A file key store in a fresh directory (removed with the store), under a random key file. */
function fileKeys(): { keys: KeyStore; keySpec: string; keysDir: string } {
  const keysDir = mkdtempSync(join(tmpdir(), 'smartcheck-load-keys-'));
  const keyFile = join(keysDir, 'bank.key');
  writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
  const path = join(keysDir, 'bank.keys');
  return { keys: fileKeyStore(path, { keyFile }), keySpec: `file:${path}?key-file=${keyFile}`, keysDir };
}

export async function makeStore(databaseUrl: string | undefined): Promise<Store> {
  const { keys, keySpec, keysDir } = fileKeys();
  if (!databaseUrl) {
    const dataDir = mkdtempSync(join(tmpdir(), 'smartcheck-load-'));
    return {
      driver: 'pglite',
      dataDir,
      keys,
      keySpec,
      open: () => openDatabase('', { dataDir }),
      cliArgs: () => ['--data-dir', dataDir],
      drop: async () => {
        rmSync(dataDir, { recursive: true, force: true });
        rmSync(keysDir, { recursive: true, force: true });
      },
    };
  }
  const schema = `load_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const u = new URL(databaseUrl);
  u.searchParams.set('options', `-c search_path=${schema}`);
  const url = u.toString();
  return {
    driver: 'pg',
    url,
    schema,
    serverUrl: databaseUrl,
    keys,
    keySpec,
    open: () => openDatabase(url, { poolMax: 4 }),
    cliArgs: () => ['--database-url', url],
    drop: async () => {
      rmSync(keysDir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

export interface Parties {
  bank: Bank;
  merchants: Party[];
  /** Purses that only ever sign honest checks. */
  purses: { party: Party; cardholder: string }[];
  /** Purses kept for one clone event each (two different checks with one serial). */
  clonePurses: { party: Party; cardholder: string }[];
}

/** Creates the bank and its customers in the store, then closes the database. */
export async function setupParties(
  store: Store,
  o: { merchants: number; purses: number; clonePurses: number; now: number },
): Promise<Parties> {
  const outer = await store.open();
  try {
    await migrate(outer);
    // One transaction for the whole setup: on-disk PGlite pays a flush per commit otherwise.
    return await outer.transaction(async (tx) => {
      const db: Database = {
        driver: outer.driver,
        distributed: outer.distributed,
        query: (sql, params) => tx.query(sql, params),
        transaction: (fn) => fn(tx),
        close: async () => undefined,
      };
      const bank = await createBank(db, store.keys, { bankId: BANK_ID, now: o.now });
      const cardholders: string[] = [];
      const total = o.purses + o.clonePurses;
      for (let i = 0; i < Math.ceil(total / PURSES_PER_CARDHOLDER); i++) {
        const id = `holder-${i}`;
        await registerCardholder(db, bank, id, { now: o.now });
        await fund(db, id, CARDHOLDER_FUNDS, CURRENCY);
        cardholders.push(id);
      }
      const merchants: Party[] = [];
      for (let i = 0; i < o.merchants; i++)
        merchants.push(await registerMerchant(db, bank, `shop-${i}`, { now: o.now }));
      const purse = async (id: string, n: number) => {
        const cardholder = cardholders[Math.floor(n / PURSES_PER_CARDHOLDER)] as string;
        return {
          party: await personalisePurse(db, bank, id, { cardholderId: cardholder, limits: LIMITS, now: o.now }),
          cardholder,
        };
      };
      const purses = [];
      for (let i = 0; i < o.purses; i++) purses.push(await purse(`purse-${i}`, i));
      const clonePurses = [];
      for (let i = 0; i < o.clonePurses; i++) clonePurses.push(await purse(`clone-${i}`, o.purses + i));
      return { bank, merchants, purses, clonePurses };
    });
  } finally {
    await outer.close();
  }
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  address: string;
  /** What the server printed (its log, for the report when it fails). */
  output(): string;
  stop(): Promise<number | null>;
}

/** `node bin/smartcheck.mjs bank serve --port 0 …` on the store; resolves with the address it prints. */
export async function startServer(store: Store, o: { workers: number; timeoutMs?: number }): Promise<ServerProcess> {
  const args = [
    BIN,
    'bank',
    'serve',
    '--port',
    '0',
    '--workers',
    String(o.workers),
    '--bank-id',
    BANK_ID,
    // One client sends all the traffic: a per-client limit would measure the limit. Warnings only:
    // two log lines per request would be measured too (and kept in `out`).
    '--rate-limit',
    '0',
    '--log-level',
    'warn',
    ...store.cliArgs(),
    '--key-store',
    store.keySpec,
  ];
  // PGlite unless told otherwise: an inherited DATABASE_URL must not redirect the server.
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: store.url ?? '' },
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
  );
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`bank server did not start in ${o.timeoutMs ?? 60_000} ms:\n${out}`)),
      o.timeoutMs ?? 60_000,
    );
    const look = () => {
      const m = /bank \S+ on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    child.stdout?.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bank server exited (${code}) before it listened:\n${out}`));
    });
  });
  return {
    child,
    pid: child.pid as number,
    address,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}

/** Resident memory (MiB) and CPU ticks (user + system) of a process, from /proc. */
export function processSample(pid: number): { rssMiB: number; cpuTicks: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rssMiB: Math.round(rss * 10) / 10, cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** Runs `smartcheck bank audit` on the store (the server must be stopped for PGlite). */
export function runAudit(store: Store): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'bank', 'audit', '--bank-id', BANK_ID, ...store.cliArgs()], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: store.url ?? '' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output: output.trim() }));
  });
}
