// A bank process for the multi-process tests: reads { url?, dataDir?, keyStore (a --key-store
// spec), crashAt?, envelopes (hex) } as JSON on stdin, captures each deposit in order against the
// shared database, and prints one JSON line with each receipt's outcomes. With crashAt it kills itself (SIGKILL) at that step of
// its first capture, in the middle of the database transaction.
import { type CaptureStep, captureBatch } from '../../src/bank/capture/index.ts';
import { openDatabase } from '../../src/bank/db.ts';
import { loadBank } from '../../src/bank/issuing.ts';
import { openKeyStore } from '../../src/bank/keys/open.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
  url?: string;
  dataDir?: string;
  keyStore: string;
  crashAt?: CaptureStep;
  now: number;
  envelopes: string[];
};
const db = await openDatabase(input.url ?? '', input.dataDir ? { dataDir: input.dataDir } : {});
const keys = await openKeyStore(input.keyStore);
const bank = await loadBank(db, keys);
if (!bank) throw new Error('no bank in this database');
const verifier = createInThreadVerifier();
const results: { outcomes: { code: number; credited: number }[]; replayed: boolean }[] = [];
for (const hex of input.envelopes) {
  const r = await captureBatch(db, bank, Buffer.from(hex, 'hex'), {
    now: input.now,
    verifier,
    onStep: (step) => {
      if (step === input.crashAt) process.kill(process.pid, 'SIGKILL');
    },
  });
  results.push({ outcomes: r.outcomes, replayed: r.replayed });
}
await db.close();
process.stdout.write(`${JSON.stringify(results)}\n`);
