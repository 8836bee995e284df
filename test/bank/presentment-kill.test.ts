// Presentment between two bank processes of one scheme (interbank-child.ts: real OS processes),
// each bank over its own database (a PGlite data dir on disk, or its own PostgreSQL schema): bank A
// issues the cards and serves its HTTP API, bank B acquires the merchant taxi and presents A's
// checks to it. Each step of a presentment gets a SIGKILL — at B after the capture committed, after
// the send before the answer is applied, inside the answer's transaction; at A inside its answer's
// transaction and after its commit before the reply — then the process is started again over the
// same database and the outbox sent again. Also A unreachable for a while (connection refused,
// then up) and a lost reply. After each: every check credited to the merchant once, booked once by
// A under one stored answer that B holds too, the interbank accounts each other's negation, both
// ledgers' invariants and both audits clean.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/bank/db.ts';
import {
  type Bank,
  createBank,
  fund,
  personalisePurse,
  registerCardholder,
  registerMerchant,
} from '../../src/bank/issuing.ts';
import type { KeyStore } from '../../src/bank/keys/store.ts';
import { loadValue } from '../../src/bank/load.ts';
import { createScheme } from '../../src/bank/scheme.ts';
import { toHex } from '../../src/bytes.ts';
import type { CheckOutcome } from '../../src/protocol/capture.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { newPurseState } from '../../src/protocol/load.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { BankRole } from '../../src/protocol/registry.ts';
import type { ChildStart, CrashStep } from './interbank-child.ts';
import {
  applyToken,
  check,
  DRIVERS,
  deposit,
  fileKeys,
  freshDatabase,
  LIMITS,
  loadRequest,
  NOW,
  type World,
} from './support.ts';

const CHILD = new URL('./interbank-child.ts', import.meta.url).pathname;
/** One purse per test: each pays two checks. */
const PURSES = 7;

/** One bank process: a command a line on its stdin, a JSON answer a line on its stdout. */
class BankProcess {
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  url = '';
  #pending: { resolve: (value: never) => void; reject: (error: Error) => void }[] = [];
  #stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdin.on('error', () => undefined); // written to after it was killed
    child.stderr.on('data', (d) => (this.#stderr += d));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{')) this.#pending.shift()?.resolve(JSON.parse(line) as never);
    });
    this.exit = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        for (const p of this.#pending.splice(0)) p.reject(new Error(`bank process ended (${signal ?? code})`));
        if (code) process.stderr.write(this.#stderr);
        resolve({ code, signal });
      }),
    );
  }

  static async start(start: ChildStart): Promise<BankProcess> {
    const p = new BankProcess(spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: 'pipe' }));
    p.url = (await p.ask<{ url?: string }>(start)).url ?? '';
    return p;
  }

  ask<T>(command: object): Promise<T> {
    const answer = new Promise<T>((resolve, reject) => this.#pending.push({ resolve, reject }));
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    return answer;
  }

  /** Killed at `step` by the command that reaches it: resolves when it is dead. */
  async killedAt(step: CrashStep, command: object): Promise<void> {
    await this.ask({ op: 'crashAt', step });
    await expect(this.ask(command)).rejects.toThrow('SIGKILL');
    expect((await this.exit).signal).toBe('SIGKILL');
  }

  rows<T>(sql: string): Promise<T[]> {
    return this.ask<{ rows: T[] }>({ op: 'query', sql }).then((r) => r.rows);
  }

  balance(kind: string, owner: string): Promise<number> {
    return this.ask<{ balance: number }>({ op: 'balance', kind, owner }).then((r) => r.balance);
  }

  /** Its stdin ended: it closes its server and database and exits 0. */
  async stop(): Promise<void> {
    this.child.stdin.end();
    expect((await this.exit).code).toBe(0);
  }

  /** At the end whatever happened: stopped, or killed if it does not stop. */
  async close(): Promise<void> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exit;
    clearTimeout(timer);
  }
}

/** In front of A: passes a request on and loses A's reply (A has answered and committed). */
function losingProxy(target: () => string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      await fetch(target() + req.url, {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '', accept: req.headers.accept ?? '' },
        body: Buffer.concat(chunks),
      }).then((r) => r.arrayBuffer());
      res.socket?.destroy();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const tmpDirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

for (const { driver, skip, reason } of DRIVERS)
  describe.skipIf(skip)(
    `a bank process killed mid-presentment on ${driver}${skip ? ` (skipped: ${reason})` : ''}`,
    () => {
      const scheme = createScheme('SCHEME-KILL');
      let startA: () => Promise<BankProcess>;
      let startB: () => Promise<BankProcess>;
      let a: BankProcess; // the issuer
      let b: BankProcess; // the acquirer
      let w: World; // the purses of A, paying taxi
      let depositAtB: (checks: Uint8Array[]) => Uint8Array;
      /** What the merchant is owed so far: every check presented was accepted. */
      let total = 0;
      /** What the last deposit's two checks are worth. */
      let last = 0;
      let purse = 0;

      beforeAll(async () => {
        // Each bank its database and key store, created here and then left to its processes.
        const banks: { db: Database; bank: Bank; keys: KeyStore; start: Omit<ChildStart, 'now'> }[] = [];
        for (const [bankId, roles] of [
          ['BANK-A', BankRole.Issuer],
          ['BANK-B', BankRole.Acquirer],
        ] as const) {
          const dataDir = driver === 'pglite' ? tempDir(`smartcheck-${bankId}-`) : undefined;
          const { keys, spec } = fileKeys(tempDir('smartcheck-keys-'));
          const { db, url } = await freshDatabase(driver, 2, dataDir);
          const bank = await createBank(db, keys, { bankId, now: NOW, scheme: scheme.member(roles) });
          banks.push({
            db,
            bank,
            keys,
            start: { ...(url ? { url } : {}), ...(dataDir ? { dataDir } : {}), keyStore: spec },
          });
        }
        const [A, B] = banks as [(typeof banks)[number], (typeof banks)[number]];
        await registerCardholder(A.db, A.bank, 'alice', { now: NOW });
        await fund(A.db, 'alice', 1_000_000, 'EUR');
        const purses: Party[] = [];
        for (let i = 0; i < PURSES; i++)
          purses.push(
            await personalisePurse(A.db, A.bank, `P-${i}`, { cardholderId: 'alice', limits: LIMITS, now: NOW }),
          );
        const taxi = await registerMerchant(B.db, B.bank, 'taxi', { now: NOW });
        w = {
          db: A.db,
          bank: A.bank,
          keys: A.keys,
          merchant: taxi,
          other: taxi,
          purses,
          states: purses.map(() => newPurseState('EUR')),
          serials: purses.map(() => 0),
        };
        for (let p = 0; p < PURSES; p++)
          applyToken(w, p, (await loadValue(A.db, A.bank, loadRequest(w, p, 20_000), { now: NOW })).token);
        depositAtB = (checks) => deposit({ ...w, bank: B.bank }, checks).envelope;
        await A.db.close();
        await B.db.close();

        startA = () => BankProcess.start({ ...A.start, now: NOW, serve: true });
        startB = () => BankProcess.start({ ...B.start, now: NOW, presentTo: ['BANK-A'] });
        [a, b] = await Promise.all([startA(), startB()]);
      });
      afterAll(async () => {
        await Promise.all([a?.close(), b?.close()]);
      });

      /** Two checks of the next purse to taxi, in one deposit at B; the merchant is owed them once A accepts. */
      function twoChecks(): { checks: Uint8Array[]; envelope: string } {
        const p = purse++;
        const checks = [check(w, p, 1_000 + p), check(w, p, 2_000 + p)];
        last = 3_000 + 2 * p;
        total += last;
        return { checks, envelope: toHex(depositAtB(checks)) };
      }
      const presented = (n: number) =>
        Array.from({ length: n }, () => ({ code: ErrorCode.PresentedToIssuer, credited: 0 }));

      /** A deposit at B of two checks: queued for A, not credited yet (337). */
      async function presentTwo(): Promise<void> {
        const { envelope } = twoChecks();
        const r = await b.ask<{ outcomes: CheckOutcome[] }>({ op: 'deposit', envelope });
        expect(r.outcomes).toEqual(presented(2));
      }

      type Sent = { answered?: boolean; error?: string };
      const send = async (url = a.url): Promise<Sent[]> => (await b.ask<{ sent: Sent[] }>({ op: 'send', url })).sent;

      /** What A holds: the presentments it answered and committed. */
      const receivedAtA = async () => (await a.rows('select 1 from received_presentments')).length;

      /** What a crash leaves at B: the last presentment unanswered, its checks not credited to the merchant. */
      async function unanswered(): Promise<void> {
        expect(await b.rows('select 1 from presentments where answer is null')).toHaveLength(1);
        expect(await b.balance('merchant', 'taxi')).toBe(total - last);
      }

      /** Nothing lost, nothing doubled, on both sides. */
      async function settled(): Promise<void> {
        const answers = (q: BankProcess, table: string) =>
          q.rows<{ id: string; answer: string | null }>(
            `select encode(presentment_id, 'hex') as id, encode(answer, 'hex') as answer from ${table} order by 1`,
          );
        const presentments = await answers(b, 'presentments');
        // One stored answer per presentment at A, the one B applied.
        expect(presentments).toHaveLength(purse);
        expect(await answers(a, 'received_presentments')).toEqual(presentments);
        const statuses = await b.rows<{ status: string; n: number; credited: number }>(
          'select status, count(*)::int as n, sum(credited)::int as credited from presented_checks group by status',
        );
        expect(statuses).toEqual([{ status: 'accepted', n: 2 * purse, credited: total }]);
        // Each check booked once at A: the same hashes as B presented, once each.
        const hashes = (q: BankProcess, table: string) =>
          q.rows<{ h: string }>(`select encode(check_hash, 'hex') as h from ${table} order by 1`);
        expect(await hashes(a, "checks where status = 'credited'")).toEqual(await hashes(b, 'presented_checks'));
        expect(await b.balance('merchant', 'taxi')).toBe(total);
        expect(await a.balance('interbank', 'BANK-B')).toBe(total);
        expect(await b.balance('interbank', 'BANK-A')).toBe(-total);
        for (const bank of [a, b])
          expect(await bank.ask<object>({ op: 'clean' })).toEqual({ violations: [], differences: [] });
      }

      it('B killed after the capture committed, before the send: the restarted B sends it once', async () => {
        const { checks, envelope } = twoChecks();
        await b.killedAt('captured', { op: 'deposit', envelope });
        b = await startB();
        await unanswered();
        // Committed: the same deposit gets its stored receipt, the same checks in a new batch are duplicates.
        expect(await b.ask({ op: 'deposit', envelope })).toEqual({ outcomes: presented(2), replayed: true });
        const again = await b.ask<{ outcomes: CheckOutcome[] }>({ op: 'deposit', envelope: toHex(depositAtB(checks)) });
        expect(again.outcomes.map((o) => o.code)).toEqual([ErrorCode.DuplicateCheck, ErrorCode.DuplicateCheck]);
        expect(await receivedAtA()).toBe(purse - 1);
        expect(await send()).toEqual([expect.objectContaining({ answered: true })]);
        await settled();
      });

      for (const step of ['answered', 'applying'] as const)
        it(`B killed ${step === 'answered' ? 'after the send, before the answer is applied' : 'while applying the answer, inside its transaction'}: sent again, A's stored answer applied once`, async () => {
          await presentTwo();
          await b.killedAt(step, { op: 'send', url: a.url });
          expect(await receivedAtA()).toBe(purse);
          b = await startB();
          await unanswered();
          expect(await send()).toEqual([expect.objectContaining({ answered: true })]);
          await settled();
        });

      for (const step of ['booked', 'committed'] as const)
        it(`A killed while answering, ${step === 'booked' ? 'before its commit' : 'after its commit, before the reply'}: B sends the same presentment to the restarted A`, async () => {
          await presentTwo();
          await a.ask({ op: 'crashAt', step });
          const [failed] = await send();
          expect(failed?.error).toBeDefined();
          expect((await a.exit).signal).toBe('SIGKILL');
          a = await startA();
          expect(await receivedAtA()).toBe(step === 'booked' ? purse - 1 : purse);
          await unanswered();
          expect(await send()).toEqual([expect.objectContaining({ answered: true })]);
          await settled();
        });

      it('A unreachable for a while (connection refused), then up: kept, sent again, booked once', async () => {
        const gone = a.url;
        await a.stop();
        await presentTwo();
        for (let attempt = 1; attempt <= 2; attempt++) {
          const [failed] = await send(gone);
          expect(failed?.error).toBeDefined();
          expect(await b.rows('select attempts from presentments where answer is null')).toEqual([
            { attempts: attempt },
          ]);
        }
        await unanswered();
        a = await startA();
        expect(await send()).toEqual([expect.objectContaining({ answered: true })]);
        await settled();
      });

      it("a lost reply: the same presentment sent again gets A's stored answer, booked once", async () => {
        const proxy = await losingProxy(() => a.url);
        try {
          await presentTwo();
          const [lost] = await send(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
          expect(lost?.error).toBeDefined();
          expect(await receivedAtA()).toBe(purse);
          await unanswered();
          expect(await send()).toEqual([expect.objectContaining({ answered: true })]);
          await settled();
        } finally {
          await new Promise((resolve) => proxy.close(resolve));
        }
      });
    },
  );
