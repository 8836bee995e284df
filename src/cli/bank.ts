// `smartcheck bank …`: the bank's own process (serve, audit, rotate-keys, credential: on its
// database) and the back office reached through a running bank's API with a credential (register,
// fund, revoke, activation-code; settle-lost and report in bank-reports.ts: `--bank <url>`,
// $SMARTCHECK_BANK_TOKEN or --token-file).

import { existsSync, writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { Database } from '../bank/db.ts';
import { toBase64, toHex } from '../bytes.ts';
import { formatMoney } from '../money.ts';
import { createVerifierPool } from '../protocol/verifier/pool.ts';
import { bankReportCommands } from './bank-reports.ts';
import {
  bankSchemeCommands,
  checkJoined,
  joinScheme,
  type SchemeServeOptions,
  schemeServeOptions,
  schemeSummary,
} from './bank-scheme.ts';
import {
  amount,
  backOfficeClient,
  bankClient,
  bankOption,
  currencyArg,
  emit,
  fields,
  helpText,
  idArg,
  int,
  jsonOption,
  type LimitsOptions,
  limitsOf,
  limitsOptions,
  printJson,
  progress,
  tokenOption,
  writeSecretJson,
} from './common.ts';
import { usage } from './exit.ts';
import { KEY_STORE_OPTION, openKeyStoreFor } from './key-store.ts';

function refuseExisting(path: string): void {
  if (existsSync(path)) throw usage(`${path} exists: refusing to overwrite it`);
}

/** A secret (a token) alone in a file readable by its owner only; refuses to overwrite one. */
function writeSecretText(path: string, text: string): void {
  writeFileSync(path, `${text}\n`, { mode: 0o600, flag: 'wx' });
}

import { type ServeOptions, serveOptions, serverOptions, stopOnSignal } from './serve.ts';

// The bank modules load PGlite and fastify (~0.7 s): bound lazily so other commands start fast.
const openDatabase: typeof import('../bank/db.ts').openDatabase = async (...a) =>
  (await import('../bank/db.ts')).openDatabase(...a);
const migrate: typeof import('../bank/migrate.ts').migrate = async (...a) =>
  (await import('../bank/migrate.ts')).migrate(...a);
const loadBank: typeof import('../bank/issuing.ts').loadBank = async (...a) =>
  (await import('../bank/issuing.ts')).loadBank(...a);
const rotateKeys: typeof import('../bank/issuing.ts').rotateKeys = async (...a) =>
  (await import('../bank/issuing.ts')).rotateKeys(...a);
const auditCommand: typeof import('../bank/audit/command.ts').auditCommand = async (...a) =>
  (await import('../bank/audit/command.ts')).auditCommand(...a);

/**
 * `bank audit --json`: the figures auditCommand prints, as one JSON document (bytes as hex). Same
 * contract: read-only, exit 1 on any finding or violated invariant.
 */
async function auditJson(
  db: Awaited<ReturnType<typeof openDatabase>>,
  o: import('../bank/audit/command.ts').AuditRunOptions,
): Promise<number> {
  const { runAudit } = await import('../bank/audit/command.ts');
  const { bankId: id, ok, report, invariants } = await runAudit(db, o);
  printJson({
    bankId: id,
    ok,
    counts: report.counts,
    elapsedMs: Math.round(report.elapsedMs),
    findings: report.findings,
    findingsTotal: report.findingsTotal,
    invariantViolations: invariants.violations,
    ...(report.checkpoint
      ? {
          checkpoint: {
            ...report.checkpoint,
            ...(report.checkpoint.written
              ? { written: { ...report.checkpoint.written, hash: toHex(report.checkpoint.written.hash) } }
              : {}),
          },
        }
      : {}),
  });
  return ok ? 0 : 1;
}

/** The audit's progress bar on stderr (on a TTY, or with --progress): checks audited of all. */
async function auditProgress(db: Awaited<ReturnType<typeof openDatabase>>, force: boolean | undefined) {
  if (!(force || process.stderr.isTTY)) return { stop() {} };
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from checks');
  const bar = progress(row?.n ?? 0, 'audit', force);
  return { onChecks: (n: number) => bar.increment(n), stop: () => bar.stop() };
}

/** The cardholder key file written by `bank register --key`: what `wallet pay` signs approvals with. */
export interface CardholderKeyFile {
  format: 'smartcheck-cardholder/1';
  cardholderId: string;
  secretKey: string;
  publicKey: string;
  certificate: string;
  roots: { id: string; publicKey: string }[];
}

export function bankCommands(program: Command): void {
  const bank = program
    .command('bank')
    .description(
      'the bank: its server and ledger, its credentials, and the back office (register, fund, revoke, activation-code)',
    );
  helpText(
    bank,
    `
The bank keeps the ledger (PGlite in memory or in --data-dir, or PostgreSQL with DATABASE_URL)
and serves the HTTP API cards, wallets, terminals and shops talk to. register, fund, revoke and
activation-code go through a running bank's back office (--bank) with a credential
($SMARTCHECK_BANK_TOKEN or --token-file).

Example:
  smartcheck bank serve --port 8700 --new-credential bank.token &
  export SMARTCHECK_BANK_TOKEN=$(cat bank.token)
  smartcheck bank register alice --key alice.key
  smartcheck bank fund alice 50000 --currency EUR
  smartcheck bank activation-code alice`,
  );

  helpText(
    schemeServeOptions(serveOptions(bank.command('serve')))
      .description(
        'start the bank HTTP API (load, deposit, revocation list, enrolment, probes, metrics, the back office with credentials)',
      )
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .option('--port <port>', 'TCP port (0: any free port)', int('port', 0, 65535), 8700)
      .option('--database-url <url>', 'postgres://… (default: $DATABASE_URL, else PGlite)')
      .option('--data-dir <dir>', 'PGlite data directory (default: in memory)')
      .option('--workers <n>', 'verifier worker threads', int('workers', 1, 64), 2)
      .option('--bank-id <id>', 'bank to serve, created when the database holds none', 'bank-1')
      .option(
        '--admin-listen <host:port>',
        'serve the back office (/v1/admin/…) on this address only, not on --host/--port',
        hostPort,
      )
      .option(
        '--new-credential <file>',
        'create a back-office credential (roles operator and issuer) at start and write its token to this file (mode 0600)',
      )
      .option(...KEY_STORE_OPTION)
      .option(
        '--settle-interval <seconds>',
        'settle lost cards past their window this often (0: never; `bank settle-lost` does it on demand)',
        int('settle-interval', 0, 30 * 86_400),
        3_600,
      )
      .action(
        async (
          o: ServeOptions &
            SchemeServeOptions & {
              host: string;
              port: number;
              databaseUrl?: string;
              dataDir?: string;
              workers: number;
              bankId: string;
              adminListen?: { host: string; port: number };
              newCredential?: string;
              keyStore?: string;
              settleInterval: number;
            },
        ) => {
          const server = serverOptions(o);
          // The scheme's files are read and checked before anything is opened.
          const joining = joinScheme(o, Math.floor(Date.now() / 1000));
          const { buildAdminServer, buildServer } = await import('../bank/server.ts');
          const { BankService } = await import('../bank/service.ts');
          if (o.newCredential) refuseExisting(o.newCredential);
          const databaseUrl = o.databaseUrl ?? process.env.DATABASE_URL;
          const keys = await openKeyStoreFor(o.keyStore, { persistent: Boolean(databaseUrl || o.dataDir) });
          const db = await openDatabase(databaseUrl, o.dataDir ? { dataDir: o.dataDir } : {});
          const verifier = await createVerifierPool({ workers: o.workers });
          const service = await BankService.open(db, verifier, { bankId: o.bankId, keys, ...joining.service });
          await checkJoined(service.bank, joining);
          if (o.newCredential) {
            const { createCredential } = await import('../bank/back-office/credentials.ts');
            const { credential, token } = await createCredential(db, {
              name: 'bank serve --new-credential',
              roles: ['operator', 'issuer'],
            });
            writeSecretText(o.newCredential, token);
            console.error(`credential ${credential.id} (operator, issuer): token written to ${o.newCredential}`);
          }
          const app = await buildServer(service, {
            ...server,
            admin: !o.adminListen,
            ...(o.settleInterval > 0 ? { settleLostEveryS: o.settleInterval } : {}),
            ...(o.settlementInterval > 0 ? { settleInterbankEveryS: o.settlementInterval } : {}),
          });
          const address = await app.listen({ host: o.host, port: o.port });
          const admin = o.adminListen
            ? await buildAdminServer(service, {
                ...(server.log ? { log: server.log } : {}),
                ...(server.tls ? { tls: server.tls } : {}),
              })
            : undefined;
          const adminAddress = admin && o.adminListen ? await admin.listen(o.adminListen) : undefined;
          console.log(
            `bank ${service.bank.id} on ${address} (${db.driver}, ${o.workers} workers, keys: ${keys.description})${adminAddress ? `, back office on ${adminAddress}` : ''}${schemeSummary(service.bank, joining)}`,
          );
          stopOnSignal(app, async () => {
            await admin?.close();
            await verifier.close();
            await db.close();
            await keys.close();
          });
        },
      ),
    `
Reads/writes: the database (--data-dir keeps PGlite on disk; without it the ledger is in memory
and lost when the process stops). Prints the address it listens on; stops on SIGINT/SIGTERM.
The back office always requires a credential (\`bank credential create\` on the database, or
--new-credential for a bank in memory); --admin-listen keeps it off the public address.

In a scheme of several banks (docs/scheme.md): --scheme-root and, at the first start,
--bank-certificate (bank init, then the operator's scheme certify); --peer id=url for each other
bank: its revocation list relayed, its cards' checks presented to it, settled with it (bank
settle, or --settlement-interval).

Example:
  smartcheck bank serve --data-dir .bank --port 8700 --admin-listen 127.0.0.1:8701
  smartcheck bank serve --bank-id bank-b --data-dir .bank-b --key-store file:bank-b.keys \
      --scheme-root scheme-root.cert --bank-certificate bank-b.cert --peer bank-a=http://10.0.0.1:8700`,
  );

  helpText(
    jsonOption(
      bank
        .command('audit')
        .description(
          'recompute every balance from the stored signed evidence and the ledger invariants; exit 1 on any difference',
        )
        .option('--database-url <url>', 'postgres://… (default: $DATABASE_URL, else PGlite)')
        .option('--data-dir <dir>', 'PGlite data directory')
        .option('--bank-id <id>', 'bank to audit (default: the first in the database)')
        .option('--progress', 'show a progress bar even when stderr is not a terminal')
        .option(
          '--max-findings <n>',
          'findings listed (all are counted; default 10000)',
          int('--max-findings', 0, 1_000_000_000),
        )
        .option(
          '--auditor-key <file>',
          "the auditor's own Ed25519 key (PKCS#8 PEM, mode 0600; not the bank's): verify the signed audit checkpoints and, when clean, write the next one (the only row the audit writes)",
        )
        .option(
          '--incremental',
          'with --auditor-key: audit only what is newer than the last checkpoint, from its carried totals',
        )
        .option(
          '--new-auditor-key <file>',
          'create an auditor key in <file> (never overwritten), print its public key, and stop',
        ),
    ),
    `The audit only reads, in one repeatable-read transaction, and needs no secret: run it as a login
role that is a member of smartcheck_auditor (created by migration 015: SELECT on the evidence,
the books, the public keys and certificates; no secret column, no write), e.g. as the DBA:
  create role auditor login password '…' in role smartcheck_auditor;
  smartcheck bank audit --database-url 'postgres://auditor:…@db/bank?options=-c%20search_path%3Dbank'
See src/bank/README.md § "The auditor". PGlite has one user: there the role is not needed.`,
  ).action(
    async (o: {
      databaseUrl?: string;
      dataDir?: string;
      bankId?: string;
      json?: boolean;
      progress?: boolean;
      maxFindings?: number;
      auditorKey?: string;
      incremental?: boolean;
      newAuditorKey?: string;
    }) => {
      const keys = await import('../bank/audit/checkpoint/key.ts');
      if (o.newAuditorKey) {
        console.log(`auditor public key ${toHex(keys.newAuditorKey(o.newAuditorKey).publicKey)}`);
        return;
      }
      if (o.incremental && !o.auditorKey) throw usage('--incremental needs --auditor-key <file>');
      const db = await openDatabase(o.databaseUrl ?? process.env.DATABASE_URL, o.dataDir ? { dataDir: o.dataDir } : {});
      const bar = await auditProgress(db, o.progress);
      try {
        const run = {
          ...(o.bankId ? { bankId: o.bankId } : {}),
          ...(bar.onChecks ? { onChecks: bar.onChecks } : {}),
          ...(o.maxFindings !== undefined ? { maxFindings: o.maxFindings } : {}),
          ...(o.auditorKey
            ? {
                checkpoint: { key: keys.readAuditorKey(o.auditorKey), ...(o.incremental ? { incremental: true } : {}) },
              }
            : {}),
        };
        // Read-only but for its checkpoint (no migration); one line per finding with its kind; exit 1 on any.
        if (!o.json) process.exitCode = await auditCommand(db, run);
        else process.exitCode = await auditJson(db, run);
      } finally {
        bar.stop();
        await db.close();
      }
    },
  );

  bank
    .command('rotate-keys')
    .description(
      'new bank signing and key-exchange keys, certified by the root, current from now on; the earlier keys are kept',
    )
    .option('--database-url <url>', 'postgres://… (default: $DATABASE_URL, else PGlite)')
    .option('--data-dir <dir>', 'PGlite data directory')
    .option('--bank-id <id>', 'bank whose keys to rotate (default: the first in the database)')
    .option('--validity-days <n>', 'validity of the new bank certificate', int('validity-days', 1, 36_500), 5 * 365)
    .option(...KEY_STORE_OPTION)
    .action(
      async (o: {
        databaseUrl?: string;
        dataDir?: string;
        bankId?: string;
        validityDays: number;
        keyStore?: string;
      }) => {
        const keys = await openKeyStoreFor(o.keyStore, { persistent: true });
        const db = await openDatabase(
          o.databaseUrl ?? process.env.DATABASE_URL,
          o.dataDir ? { dataDir: o.dataDir } : {},
        );
        try {
          await migrate(db);
          const found = await loadBank(db, keys, o.bankId);
          if (!found) throw new Error('no bank in this database');
          const rotated = await rotateKeys(db, keys, found, {
            now: Math.floor(Date.now() / 1000),
            validityS: o.validityDays * 86_400,
          });
          const key = toHex(rotated.party.publicKey);
          console.log(
            `bank ${rotated.id}: key generation ${rotated.generation} is current (signing key ${key.slice(0, 16)}…), ${rotated.previous.length} earlier kept`,
          );
          console.log(
            'bank processes running on this database pick the new keys up on their next revocation list or on an envelope sealed to them',
          );
        } finally {
          await db.close();
          await keys.close();
        }
      },
    );

  const keysCommand = bank
    .command('keys')
    .description("the bank's secret keys, kept in a key store outside the ledger");
  keysCommand
    .command('export')
    .description(
      'move the secret keys a ledger made before migration 004 holds into a key store, then drop them from the database',
    )
    .option('--database-url <url>', 'postgres://… (default: $DATABASE_URL, else PGlite)')
    .option('--data-dir <dir>', 'PGlite data directory')
    .requiredOption(...KEY_STORE_OPTION)
    .action(async (o: { databaseUrl?: string; dataDir?: string; keyStore: string }) => {
      const keys = await openKeyStoreFor(o.keyStore, { persistent: true });
      const db = await openDatabase(o.databaseUrl ?? process.env.DATABASE_URL, o.dataDir ? { dataDir: o.dataDir } : {});
      try {
        const { exportKeys } = await import('../bank/keys/export.ts');
        const moved = await exportKeys(db, keys);
        if (!moved.length) console.log('no secret key in this ledger: nothing to export');
        for (const m of moved)
          console.log(
            `bank ${m.bankId}: root and ${m.generations} key generations moved to ${keys.description}, dropped from the database`,
          );
      } finally {
        await db.close();
        await keys.close();
      }
    });

  helpText(
    jsonOption(
      bankOption(bank.command('info').description("the running bank's id, certificate and roots (GET /v1/bank)")),
    ).action(async (o: { bank: string; json?: boolean }) => {
      const info = await (await bankClient(o.bank)).bankInfo();
      emit(o.json, { bankId: info.bankId, bankCertificate: info.bankCertificate, roots: info.roots }, () =>
        fields([
          ['bank', info.bankId],
          ['certificate', `${info.bankCertificate.length} bytes`],
          ...info.roots.map((r): [string, string] => [`root ${r.id}`, toHex(r.publicKey)]),
        ]),
      );
    }),
    `Example:\n  smartcheck bank info --bank http://127.0.0.1:8700`,
  );

  helpText(
    tokenOption(
      bankOption(
        bank
          .command('register')
          .description(
            "open a cardholder account (role issuer); with --key, make the cardholder's signing key here and have the bank certify it (for Internet payments)",
          )
          .argument('<cardholder>', 'cardholder id', idArg('cardholder')),
      ),
    )
      .option('--key <file>', 'write the cardholder key file here (secret key, certificate, roots; mode 0600)')
      .action(async (cardholderId: string, o: { bank: string; tokenFile?: string; key?: string }) => {
        const bank = await backOfficeClient(o.bank, o);
        if (!o.key) {
          await bank.registerCardholder(cardholderId);
          console.log(`cardholder ${cardholderId} registered (no Internet key)`);
          return;
        }
        const { existsSync } = await import('node:fs');
        if (existsSync(o.key)) throw (await import('./exit.ts')).usage(`${o.key} exists: refusing to overwrite it`);
        const { ed25519 } = await import('../../bindings/index.ts');
        const keys = ed25519.keygen();
        const info = await bank.bankInfo();
        const registered = await bank.registerCardholder(cardholderId, { signingKey: keys.publicKey });
        const file: CardholderKeyFile = {
          format: 'smartcheck-cardholder/1',
          cardholderId,
          secretKey: toBase64(keys.secretKey),
          publicKey: toBase64(keys.publicKey),
          certificate: toBase64(registered.certificate as Uint8Array),
          roots: info.roots.map((r) => ({ id: r.id, publicKey: toBase64(r.publicKey) })),
        };
        writeSecretJson(o.key, file);
        console.log(`cardholder ${cardholderId} registered; key certified by ${info.bankId}, written to ${o.key}`);
      }),
    `
Writes: --key <file> (refuses to overwrite). The secret key never leaves this machine: the bank
certifies the public key only.

Example:
  smartcheck bank register alice --key alice.key --bank http://127.0.0.1:8700`,
  );

  helpText(
    tokenOption(
      bankOption(
        bank
          .command('fund')
          .description("pay money into a cardholder's account (cash at the counter, a transfer; role operator)")
          .argument('<cardholder>', 'cardholder id', idArg('cardholder'))
          .argument('<amount>', 'minor units (cents)', amount),
      ),
    )
      .option('--currency <code>', 'ISO 4217 currency', currencyArg, 'EUR')
      .option('--reference <text>', 'reference recorded with the ledger transaction')
      .action(
        async (
          cardholderId: string,
          value: number,
          o: { bank: string; tokenFile?: string; currency: string; reference?: string },
        ) => {
          const r = await (await backOfficeClient(o.bank, o)).fund(cardholderId, value, o.currency, o.reference);
          console.log(
            `cardholder ${r.cardholderId}: +${formatMoney(value, o.currency)}, account balance ${formatMoney(r.balance, o.currency)}`,
          );
        },
      ),
    `Example:\n  smartcheck bank fund alice 50000 --currency EUR`,
  );

  helpText(
    tokenOption(
      bankOption(
        bank
          .command('revoke')
          .description(
            'report a card lost or stolen (role operator): revoked at once (terminals refuse it after refreshing their list); its checks already taken are still paid during the settlement window',
          )
          .argument('<purse>', 'purse id (see `smartcheck card status`)', idArg('purse')),
      ),
    ).action(async (purseId: string, o: { bank: string; tokenFile?: string }) => {
      const r = await (await backOfficeClient(o.bank, o)).reportLost(purseId);
      console.log(`purse ${r.purseId}: ${r.status}, on the next revocation list`);
    }),
    `Example:\n  smartcheck bank revoke P-alice-1`,
  );

  helpText(
    limitsOptions(
      tokenOption(
        bankOption(
          bank
            .command('activation-code')
            .description(
              "issue a one-time activation code for a cardholder (role issuer): the cardholder's own device enrols a card with it (card issue --activation-code, the browser wallet)",
            )
            .argument('<cardholder>', 'cardholder id (bank register first)', idArg('cardholder')),
        ),
      ),
    )
      .option('--valid-days <n>', 'days the code works', int('valid-days', 1, 90), 7)
      .action(
        async (cardholderId: string, o: LimitsOptions & { bank: string; tokenFile?: string; validDays: number }) => {
          const r = await (await backOfficeClient(o.bank, o)).issueActivationCode(cardholderId, {
            limits: limitsOf(o),
            ttlS: o.validDays * 86_400,
          });
          console.log(r.code);
          console.error(
            `activation code for ${r.cardholderId}, ${o.currency}, works once until ${new Date(r.expiresAt * 1000).toISOString()}`,
          );
        },
      ),
    `
Prints the code alone on stdout (the details on stderr): hand it to the cardholder. The bank keeps
only its hash; it works once, until it expires, with the limits given here.

Example:
  smartcheck bank activation-code alice --max-balance 50000 --valid-days 3`,
  );

  bankReportCommands(bank);
  bankSchemeCommands(bank);
  credentialCommands(bank);
}

/** `bank credential create|revoke|list`: on the bank's database, like rotate-keys. */
function credentialCommands(bank: Command): void {
  const credential = bank
    .command('credential')
    .description("back-office credentials (bearer tokens with roles), on the bank's database");
  helpText(
    credential,
    `
Roles: operator (fund, revoke a lost card, PIN unblock), issuer (cardholders, merchants, purses,
activation codes). The token is printed once, at creation; the bank keeps its SHA-256 only.
Clients take it from $SMARTCHECK_BANK_TOKEN or --token-file.

Example:
  smartcheck bank credential create --data-dir .bank --name counter-1 --role operator > counter-1.token
  smartcheck bank credential list --data-dir .bank
  smartcheck bank credential revoke --data-dir .bank 3f2a…`,
  );
  const onDatabase = (cmd: Command) =>
    cmd
      .option('--database-url <url>', 'postgres://… (default: $DATABASE_URL, else PGlite)')
      .option('--data-dir <dir>', 'PGlite data directory');
  const withDb = async <T>(o: { databaseUrl?: string; dataDir?: string }, fn: (db: Database) => Promise<T>) => {
    const db = await openDatabase(o.databaseUrl ?? process.env.DATABASE_URL, o.dataDir ? { dataDir: o.dataDir } : {});
    try {
      await migrate(db);
      return await fn(db);
    } finally {
      await db.close();
    }
  };
  const credentials = () => import('../bank/back-office/credentials.ts');

  onDatabase(credential.command('create').description('a new credential; prints its token once, on stdout'))
    .requiredOption('--name <name>', 'who holds it (a person, a system)')
    .requiredOption('--role <role...>', 'operator and/or issuer')
    .action(async (o: { databaseUrl?: string; dataDir?: string; name: string; role: string[] }) => {
      const { createCredential, isRole, ROLES } = await credentials();
      const roles = o.role.flatMap((r) => r.split(','));
      const unknown = roles.filter((r) => !isRole(r));
      if (unknown.length) throw usage(`--role: ${unknown.join(', ')}: one of ${ROLES.join(', ')}`);
      const { credential: c, token } = await withDb(o, (db) =>
        createCredential(db, { name: o.name, roles: roles.filter(isRole) }),
      );
      console.log(token);
      console.error(`credential ${c.id} for ${c.name} (${c.roles.join(', ')}): the token above is not shown again`);
    });

  onDatabase(credential.command('revoke').description('refuse this credential from now on'))
    .argument('<id>', 'credential id (bank credential list)')
    .action(async (id: string, o: { databaseUrl?: string; dataDir?: string }) => {
      const { revokeCredential } = await credentials();
      if (!(await withDb(o, (db) => revokeCredential(db, id)))) throw usage(`no credential ${id}`);
      console.log(`credential ${id} revoked`);
    });

  jsonOption(
    onDatabase(credential.command('list').description('every credential: id, name, roles, created, revoked')),
  ).action(async (o: { databaseUrl?: string; dataDir?: string; json?: boolean }) => {
    const { listCredentials } = await credentials();
    const list = await withDb(o, (db) => listCredentials(db));
    if (o.json) return printJson(list);
    for (const c of list)
      console.log(
        `${c.id}  ${c.roles.join(',').padEnd(15)}  ${c.createdAt.toISOString()}  ${c.revokedAt ? `revoked ${c.revokedAt.toISOString()}` : 'live   '}  ${c.name}`,
      );
  });
}

/** `--admin-listen host:port` (a bracketed IPv6 host too). */
function hostPort(value: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port > 65_535) throw new InvalidArgumentError('host:port, e.g. 127.0.0.1:8701');
  return { host: m[1] as string, port };
}
