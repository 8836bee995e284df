// The CLI tests' world: a bank started in-process on 127.0.0.1 port 0 (BankService on PGlite,
// its fastify server), temp directories, and `smartcheck` run as a child process the way a
// script runs it. The test reads the state behind the CLI's back (ledger, card file, journal)
// to check what changed and what did not.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { ed25519 } from '../../bindings/index.ts';
import { audit } from '../../src/bank/audit/index.ts';
import { createCredential } from '../../src/bank/back-office/credentials.ts';
import { type Database, openDatabase } from '../../src/bank/db.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { balance, checkInvariants } from '../../src/bank/ledger.ts';
import { buildServer } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { FileEeprom } from '../../src/card/file-store.ts';
import { EmulatedCard, loadApplet, PurseCard } from '../../src/card/index.ts';
import { parseJournal } from '../../src/merchant/file-store.ts';
import { BankClient } from '../../src/net/bank-client.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';

export const CLI = fileURLToPath(new URL('../../bin/smartcheck.mjs', import.meta.url));
export const CURRENCY = 'EUR';
export const PIN = '1234';
/** A port nothing listens on: connection refused at once. */
export const DEAD = 'http://127.0.0.1:1';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface World {
  dir: string;
  db: Database;
  service: BankService;
  app: FastifyInstance;
  bankUrl: string;
  /** A back-office token with both roles; `run` passes it as $SMARTCHECK_BANK_TOKEN. */
  token: string;
  bank: BankClient;
  /** Runs `smartcheck …args` in the world's directory with SMARTCHECK_BANK and SMARTCHECK_BANK_TOKEN set. */
  run(...args: string[]): Promise<Run>;
  /** The same with more environment variables and, when `input` is given, that text on stdin. */
  runWith(o: { env?: Record<string, string>; input?: string }, ...args: string[]): Promise<Run>;
  path(name: string): string;
  close(): Promise<void>;
}

/** A bank on loopback and a directory to run the CLI in; `clock` is the bank's (default: the system's). */
export async function makeWorld(o: { clock?: () => number } = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'smartcheck-cli-'));
  const db = await openDatabase('');
  const service = await BankService.open(db, createInThreadVerifier(), {
    bankId: 'cli-bank',
    keys: memoryKeyStore(),
    ...(o.clock ? { clock: o.clock } : {}),
  });
  const app = await buildServer(service);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const bankUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  // The back office's credential, as an operator would export it for the CLI.
  const { token } = await createCredential(db, { name: 'cli tests', roles: ['operator', 'issuer'] });
  const env = { SMARTCHECK_BANK: bankUrl, SMARTCHECK_BANK_TOKEN: token };
  return {
    dir,
    db,
    service,
    app,
    bankUrl,
    token,
    bank: new BankClient(bankUrl, { token }),
    run: (...args) => run(args, dir, env),
    runWith: (o, ...args) => run(args, dir, { ...env, ...o.env }, o.input),
    path: (name) => join(dir, name),
    async close() {
      await app.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `smartcheck …args` with `input` (default: nothing) on stdin, a pipe: never a terminal. */
export function run(args: string[], cwd: string, env: Record<string, string> = {}, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, DATABASE_URL: '', SMARTCHECK_PIN: '', SMARTCHECK_BANK_TOKEN: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // A command that never reads stdin may exit before the input is written: EPIPE is no failure.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A long-running command (shop serve): resolves with its first stdout line once it printed one. */
export function start(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, DATABASE_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ child, line: out.split('\n')[0] as string });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)));
  });
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The card's counters, read from its file as a card reader would (no PIN needed for status). */
export async function cardState(path: string): Promise<{ balance: number; serial: number; pinTries: number }> {
  const { buildHash } = await loadApplet();
  const card = new PurseCard(await EmulatedCard.create({ store: new FileEeprom(path, buildHash) }));
  await card.select();
  const s = await card.status();
  return { balance: s.balance, serial: s.serial, pinTries: s.pinTries };
}

/**
 * A card issued in-process straight through the admin API (the pos and shop tests need a loaded
 * card, not the card commands): cardholder funded, card personalised, value loaded.
 */
export async function issueLoadedCard(
  w: World,
  o: { cardholderId: string; purseId: string; funds: number; load: number; file: string },
): Promise<string> {
  const keys = ed25519.keygen();
  const registered = await w.bank.registerCardholder(o.cardholderId, { signingKey: keys.publicKey });
  const certificate = registered.certificate as Uint8Array;
  await w.bank.fund(o.cardholderId, o.funds, CURRENCY);
  const { buildHash } = await loadApplet();
  const path = w.path(o.file);
  const card = new PurseCard(await EmulatedCard.create({ store: new FileEeprom(path, buildHash) }));
  const { issueCard } = await import('../../src/wallet/issue.ts');
  await issueCard(card, w.bank, {
    purseId: o.purseId,
    cardholderId: o.cardholderId,
    pin: PIN,
    limits: {
      currency: CURRENCY,
      maxBalance: 1_000_000,
      maxPerCheck: 100_000,
      maxOfflineChecks: 10_000,
      maxOfflineAmount: 10_000_000,
    },
  });
  await card.verifyPin(PIN);
  const { Wallet } = await import('../../src/wallet/wallet.ts');
  const info = await w.bank.bankInfo();
  const wallet = new Wallet({
    card,
    bank: w.bank,
    bankCertificate: info.bankCertificate,
    anchors: new Map(info.roots.map((r) => [r.id, r.publicKey])),
  });
  await wallet.load(o.load);
  // The key file `wallet pay` reads, as `bank register --key` writes it.
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  writeFileSync(
    w.path(`${o.cardholderId}.key`),
    JSON.stringify({
      format: 'smartcheck-cardholder/1',
      cardholderId: o.cardholderId,
      secretKey: b64(keys.secretKey),
      publicKey: b64(keys.publicKey),
      certificate: b64(certificate),
      roots: info.roots.map((r) => ({ id: r.id, publicKey: b64(r.publicKey) })),
    }),
  );
  return path;
}

/** What a terminal directory's journal holds: the accepted checks and their amounts. */
export function journal(dir: string): { checks: number; amount: number; bytes: Buffer } {
  const bytes = readFileSync(join(dir, 'journal.scj'));
  const records = parseJournal(new Uint8Array(bytes)).records;
  const checks = records.filter((r) => r.kind === 'check') as { amount: number }[];
  return { checks: checks.length, amount: checks.reduce((s, c) => s + c.amount, 0), bytes };
}

/** The bank's books for the tests: one account's balance, the invariants and the audit. */
export async function books(w: World) {
  return {
    cardholder: (id: string) => balance(w.db, 'cardholder', id, CURRENCY),
    merchant: (id: string) => balance(w.db, 'merchant', id, CURRENCY),
    emoney: () => balance(w.db, 'emoney', w.service.bank.id, CURRENCY),
  };
}

export async function ledgerClean(w: World): Promise<string[]> {
  const report = await audit(w.db, w.service.bank);
  return [...(await checkInvariants(w.db)).violations, ...report.differences];
}

/** A copy of `path` with one byte flipped at `offset` (a tampered file). */
export function flipped(path: string, to: string, offset: number): void {
  const bytes = readFileSync(path);
  bytes[offset] = (bytes[offset] as number) ^ 0x01;
  writeFileSync(to, bytes);
}
