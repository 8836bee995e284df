#!/usr/bin/env -S npx tsx
// The smartcheck command line (`bin/smartcheck.mjs`, or `npx tsx src/cli/index.ts`): one file
// per role (bank.ts, card.ts, wallet.ts, pos.ts, shop.ts), wired here. Every failure ends in one
// line on stderr and an exit code from the table in exit.ts.
import { Command, CommanderError } from 'commander';
import { bankCommands } from './bank.ts';
import { cardCommands } from './card.ts';
import { releaseReaders } from './common.ts';
import { classify, EXIT_TABLE, Exit } from './exit.ts';
import { posCommands } from './pos.ts';
import { schemeCommands } from './scheme.ts';
import { configurable } from './serve.ts';
import { shopCommands } from './shop.ts';
import { packageVersion } from './version.ts';
import { walletCommands } from './wallet.ts';

const program = new Command('smartcheck')
  .version(packageVersion(), '-V, --version', 'print the package version')
  .description('Offline payments with bank-guaranteed digital checks in a smartcard purse')
  .showHelpAfterError('(add --help for usage)')
  .addHelpText(
    'after',
    `
Roles: a bank (serve, register, fund, revoke), a card in a file (issue, status, log), the
cardholder's wallet (load, pay), a POS terminal and a web shop in directories (init, sell or
serve, deposit). Amounts are minor units (cents). Run \`smartcheck <role> --help\` for each.
Status, report and deposit commands take --json (one JSON document on stdout, bytes as hex).
The PIN, first of: --pin (shows in \`ps\` and the shell's history), --pin-file <path>,
--pin-stdin, $SMARTCHECK_PIN, a hidden prompt on a terminal.

A session:
  smartcheck bank serve --port 8700 &
  smartcheck bank register alice --key alice.key
  smartcheck bank fund alice 50000
  smartcheck card issue --card alice.card --cardholder alice --purse P-alice --pin 1234
  smartcheck wallet load 20000 --card alice.card --pin 1234
  smartcheck pos init till-1 --merchant cafe
  smartcheck pos sell till-1 450 --card alice.card --pin 1234
  smartcheck pos deposit till-1

${EXIT_TABLE}
`,
  );

bankCommands(program);
cardCommands(program);
walletCommands(program);
posCommands(program);
shopCommands(program);
schemeCommands(program);
// Last, so that every option of a serve command, whoever added it, can come from the environment or --config.
configurable(program);

// Usage errors exit 2 at every level (commander's own errors and --help/--version exit 0).
const exitOverride = (cmd: Command) => {
  cmd.exitOverride((e: CommanderError) => {
    throw e;
  });
  for (const sub of cmd.commands) exitOverride(sub);
};
exitOverride(program);

try {
  await program.parseAsync(process.argv);
  await releaseReaders();
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? Exit.ok : Exit.usage);
  const { exit, message } = classify(error);
  console.error(`smartcheck: ${message}`);
  if (process.env.SMARTCHECK_DEBUG && error instanceof Error) console.error(error.stack);
  process.exit(exit);
}
