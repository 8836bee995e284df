#!/usr/bin/env -S npx tsx
// The smartcheck command line. For now the bank: `smartcheck bank serve`, `smartcheck bank audit`,
// `smartcheck bank rotate-keys` (run with `npx tsx src/cli/index.ts`).
// Exit codes: 0 ok, 1 runtime failure, 2 bad usage.
import { Command, InvalidArgumentError } from 'commander';
import { createVerifierPool } from '../../bindings/pool/index.ts';
import { openDatabase } from '../bank/db.ts';
import { buildServer } from '../bank/server.ts';
import { BankService } from '../bank/service.ts';
import { audit } from '../bank/audit.ts';
import { loadBank, rotateKeys } from '../bank/issuing.ts';
import { checkInvariants } from '../bank/ledger.ts';
import { migrate } from '../bank/migrate.ts';

const int = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name}: an integer in [${min}, ${max}]`);
  return n;
};

const program = new Command('smartcheck').description('Offline payments with bank-guaranteed digital checks').exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2));
const bank = program.command('bank').description('the bank: ledger, loading, capture');

bank
  .command('serve')
  .description('start the bank HTTP API (load, deposit, revocation list, health, metrics)')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'TCP port (0: any free port)', int('port', 0, 65535), 8700)
  .option('--database-url <url>', 'postgres://… (default: $DATABASE_URL, else PGlite)')
  .option('--data-dir <dir>', 'PGlite data directory (default: in memory)')
  .option('--workers <n>', 'verifier worker threads', int('workers', 1, 64), 2)
  .option('--bank-id <id>', 'bank to serve, created when the database holds none', 'bank-1')
  .action(async (o: { host: string; port: number; databaseUrl?: string; dataDir?: string; workers: number; bankId: string }) => {
    const db = await openDatabase(o.databaseUrl ?? process.env.DATABASE_URL, o.dataDir ? { dataDir: o.dataDir } : {});
    const verifier = await createVerifierPool({ workers: o.workers });
    const service = await BankService.open(db, verifier, { bankId: o.bankId });
    const app = await buildServer(service);
    const address = await app.listen({ host: o.host, port: o.port });
    console.log(`bank ${service.bank.id} on ${address} (${db.driver}, ${o.workers} workers)`);
    const stop = async () => {
      await app.close();
      await verifier.close();
      await db.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

bank
  .command('audit')
  .description('recompute every balance from the stored signed evidence and the ledger invariants; exit 1 on any difference')
  .option('--database-url <url>', 'postgres://… (default: $DATABASE_URL, else PGlite)')
  .option('--data-dir <dir>', 'PGlite data directory')
  .option('--bank-id <id>', 'bank to audit (default: the first in the database)')
  .action(async (o: { databaseUrl?: string; dataDir?: string; bankId?: string }) => {
    const db = await openDatabase(o.databaseUrl ?? process.env.DATABASE_URL, o.dataDir ? { dataDir: o.dataDir } : {});
    try {
      await migrate(db);
      const found = await loadBank(db, o.bankId);
      if (!found) throw new Error('no bank in this database');
      const report = await audit(db, found);
      const invariants = await checkInvariants(db);
      console.log(`audited ${report.counts.loads} loads, ${report.counts.checks} credited checks, ${report.counts.purses} purses of ${found.id}`);
      for (const d of [...report.differences, ...invariants.violations]) console.log(`difference: ${d}`);
      if (!report.ok || !invariants.ok) process.exitCode = 1;
      else console.log('no differences');
    } finally {
      await db.close();
    }
  });

bank
  .command('rotate-keys')
  .description('new bank signing and key-exchange keys, certified by the root, current from now on; the earlier keys are kept')
  .option('--database-url <url>', 'postgres://… (default: $DATABASE_URL, else PGlite)')
  .option('--data-dir <dir>', 'PGlite data directory')
  .option('--bank-id <id>', 'bank whose keys to rotate (default: the first in the database)')
  .option('--validity-days <n>', 'validity of the new bank certificate', int('validity-days', 1, 36_500), 5 * 365)
  .action(async (o: { databaseUrl?: string; dataDir?: string; bankId?: string; validityDays: number }) => {
    const db = await openDatabase(o.databaseUrl ?? process.env.DATABASE_URL, o.dataDir ? { dataDir: o.dataDir } : {});
    try {
      await migrate(db);
      const found = await loadBank(db, o.bankId);
      if (!found) throw new Error('no bank in this database');
      const rotated = await rotateKeys(db, found, { now: Math.floor(Date.now() / 1000), validityS: o.validityDays * 86_400 });
      const key = Buffer.from(rotated.party.publicKey).toString('hex');
      console.log(`bank ${rotated.id}: key generation ${rotated.generation} is current (signing key ${key.slice(0, 16)}…), ${rotated.previous.length} earlier kept`);
      console.log('bank processes running on this database pick the new keys up on their next revocation list or on an envelope sealed to them');
    } finally {
      await db.close();
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`smartcheck: ${(error as Error).message}`);
  process.exit(1);
}
