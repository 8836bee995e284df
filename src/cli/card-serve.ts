// `smartcheck card serve`: the emulated card in a real PC/SC stack. The card file is inserted into
// vsmartcard's virtual reader (vpcd, loaded by pcscd), so any PC/SC application — `smartcheck pos
// sell --reader`, opensc-tool, a POS vendor's software — talks to it; stopping the command takes
// the card out. A card taken out mid-command is a power cut: the EEPROM file holds the image from
// before the command or after it, and the applet's journal finishes or forgets the step at the next
// power on.
import { existsSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { helpText, int } from './common.ts';
import { CliError, Exit, usage } from './exit.ts';

const hostPort = (value: string) => {
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) throw new InvalidArgumentError('vpcd: [host:]port, e.g. 127.0.0.1:35963');
  return { host: m[1] ?? '127.0.0.1', port };
};

const pullAt = (value: string) => {
  const m = /^(\d+)(?::(\d+))?$/.exec(value);
  if (!m) throw new InvalidArgumentError('pull-at: <command>[:<write>], e.g. 5 or 5:3');
  return {
    command: int('pull-at command', 1, 1_000_000)(m[1]!),
    write: m[2] ? int('pull-at write', 1, 1000)(m[2]) : undefined,
  };
};

export function serveCommand(card: Command): void {
  helpText(
    card
      .command('serve')
      .description(
        "put the card into pcscd's virtual reader (vsmartcard vpcd) until stopped: PC/SC applications see a card with its ATR",
      )
      .requiredOption('--card <file>', 'the card file')
      .option('--vpcd <[host:]port>', "vpcd's address (its first reader; the next port is the second)", hostPort, {
        host: '127.0.0.1',
        port: 35963,
      })
      .option(
        '--pull-at <n[:write]>',
        'take the card out during command n (at its EEPROM write `write`: a power cut; without: after it ran, its answer lost)',
        pullAt,
      ),
    `
Needs pcscd with Debian's vsmartcard-vpcd (its /etc/reader.conf.d/vpcd: readers "Virtual PCD 00 00"
on port 35963 and "Virtual PCD 00 01" on 35964). Reads/writes: --card <file>, after every command
that writes, as the other card commands do. Ctrl-C (SIGINT) or SIGTERM takes the card out.

Example:
  smartcheck card serve --card alice.card &
  smartcheck pos sell till-1 450 --reader "Virtual PCD 00 00" --pin 1234`,
  ).action(
    async (o: { card: string; vpcd: { host: string; port: number }; pullAt?: { command: number; write?: number } }) => {
      if (!existsSync(o.card)) throw usage(`no card file at ${o.card} (make one with: smartcheck card issue)`);
      const { EmulatedCard, loadApplet } = await import('../card/index.ts');
      const { FileEeprom } = await import('../card/file-store.ts');
      const { insertIntoVpcd } = await import('../card/vpcd.ts');
      const { buildHash } = await loadApplet();
      const emulator = await EmulatedCard.create({ store: new FileEeprom(o.card, buildHash), powered: false });
      let session: Awaited<ReturnType<typeof insertIntoVpcd>>;
      try {
        session = await insertIntoVpcd(emulator, { ...o.vpcd, pullAt: o.pullAt });
      } catch (error) {
        throw new CliError(
          Exit.unreachable,
          `vpcd is not listening at ${o.vpcd.host}:${o.vpcd.port} (${(error as Error).message}): start pcscd with vsmartcard-vpcd installed`,
        );
      }
      console.log(`card ${o.card} inserted into vpcd at ${o.vpcd.host}:${o.vpcd.port}`);
      const stop = () => void session.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await session.closed;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log(`card ${o.card} removed after ${session.commands} command(s)`);
    },
  );
}
