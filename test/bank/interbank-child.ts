// A bank process of a scheme for the presentment crash tests (presentment-kill.test.ts). Reads its
// start as the first JSON line on stdin — { url?, dataDir?, keyStore (a --key-store spec), now,
// serve?, presentTo? } — opens its bank over that database, serves its HTTP API on a free
// port of 127.0.0.1 when `serve` (the issuer's POST /v1/interbank/presentments), answers
// { ready, url? }, then takes one JSON command a line and answers each with one JSON line:
//   { op: 'crashAt', step }            from now on, killed (SIGKILL) the first time it reaches `step`
//   { op: 'deposit', envelope (hex) }  a merchant's deposit captured (foreign checks queued)
//   { op: 'send', url }                the outbox sent to the issuer at url, the answers applied
//   { op: 'balance', kind, owner }     an EUR account's balance
//   { op: 'query', sql }               the rows (the test reads the books through the process that holds them)
//   { op: 'clean' }                    checkInvariants' violations and the audit's differences
// and closes when its stdin ends. The steps: `captured` (a deposit committed, nothing sent yet), a
// step of the acquirer's send (interbank/send.ts) or of the issuer's answer (interbank/issuer.ts).
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { audit } from '../../src/bank/audit/index.ts';
import { captureBatch } from '../../src/bank/capture/index.ts';
import { openDatabase } from '../../src/bank/db.ts';
import { type AnswerStep, answerPresentment } from '../../src/bank/interbank/issuer.ts';
import { type SendStep, sendPresentments } from '../../src/bank/interbank/send.ts';
import { loadBank } from '../../src/bank/issuing.ts';
import { openKeyStore } from '../../src/bank/keys/open.ts';
import { type AccountKind, balance, checkInvariants } from '../../src/bank/ledger.ts';
import { buildServer } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { fromHex } from '../../src/bytes.ts';
import { BankClient } from '../../src/net/bank-client.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';

export type CrashStep = 'captured' | SendStep | AnswerStep;
export interface ChildStart {
  url?: string;
  dataDir?: string;
  keyStore: string;
  now: number;
  serve?: boolean;
  /** The issuers this bank presents to. */
  presentTo?: string[];
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const start = JSON.parse((await lines.next()).value as string) as ChildStart;
const reply = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);
let crashAt: CrashStep | undefined;
const crash = (step: CrashStep) => {
  if (step === crashAt) process.kill(process.pid, 'SIGKILL');
};

const db = await openDatabase(start.url ?? '', start.dataDir ? { dataDir: start.dataDir } : {});
const keys = await openKeyStore(start.keyStore);
const bank = await loadBank(db, keys);
if (!bank) throw new Error('no bank in this database');
const verifier = createInThreadVerifier();
const now = () => start.now;

/** The bank's service, its answers to presentments passing through the crash hook. */
class HookedService extends BankService {
  override answerPresentment(envelope: Uint8Array) {
    return answerPresentment(this.db, this.bank, envelope, {
      now: this.clock(),
      verifier: this.verifier,
      revocations: this.revocations,
      onStep: crash,
    });
  }
}
const app = start.serve ? await buildServer(new HookedService(db, bank, verifier, { keys, clock: now })) : undefined;
await app?.listen({ host: '127.0.0.1', port: 0 });
const port = (app?.server.address() as AddressInfo | undefined)?.port;
reply({ ready: true, ...(port ? { url: `http://127.0.0.1:${port}` } : {}) });

const presentTo = new Set(start.presentTo ?? []);
for (let next = await lines.next(); !next.done; next = await lines.next()) {
  const command = JSON.parse(next.value) as {
    op: string;
    step?: CrashStep;
    envelope?: string;
    url?: string;
    kind?: AccountKind;
    owner?: string;
    sql?: string;
  };
  if (command.op === 'crashAt') {
    crashAt = command.step;
    reply({ crashAt });
  } else if (command.op === 'deposit') {
    const r = await captureBatch(db, bank, fromHex(command.envelope as string), {
      now: start.now,
      verifier,
      presentTo,
    });
    crash('captured');
    reply({ outcomes: r.outcomes, replayed: r.replayed });
  } else if (command.op === 'send') {
    const client = new BankClient(command.url as string, { timeoutMs: 10_000 });
    reply({
      sent: await sendPresentments(db, bank, (_, envelope) => client.present(envelope), now, { onStep: crash }),
    });
  } else if (command.op === 'balance')
    reply({ balance: await balance(db, command.kind as AccountKind, command.owner as string, 'EUR') });
  else if (command.op === 'query') reply({ rows: await db.query(command.sql as string) });
  else if (command.op === 'clean')
    reply({
      violations: (await checkInvariants(db)).violations,
      differences: (await audit(db, bank)).differences,
    });
  else throw new Error(`unknown command ${command.op}`);
}
await app?.close();
await db.close();
