// The card's PIN, wherever the user gives it: `--pin` (visible in `ps` and the shell's history),
// `--pin-file`, $SMARTCHECK_PIN, one line of stdin with `--pin-stdin`, or a hidden prompt on a
// terminal. One option set and one resolver for every command that needs a PIN, so they all
// accept the same sources in the same order and refuse the same way (exit 2) when none is given.
// Commands resolve it after opening the card file: nobody is asked for the PIN of a missing card.
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { usage } from './exit.ts';

export interface PinOptions {
  pin?: string;
  pinFile?: string;
  pinStdin?: boolean;
}

/** What any source must give: 4 to 12 digits (the card checks the rest). */
const PIN = /^\d{4,12}$/;

const pinArg = (value: string) => {
  if (!PIN.test(value)) throw new InvalidArgumentError('PIN: 4 to 12 digits');
  return value;
};

/** Adds --pin, --pin-file and --pin-stdin; `what` says why this command needs the PIN. */
export function pinOptions(cmd: Command, what: string): Command {
  return cmd
    .addOption(
      new Option('--pin <pin>', `${what} (shows in \`ps\` and the shell's history: prefer the others)`).argParser(
        pinArg,
      ),
    )
    .option('--pin-file <path>', 'read the PIN from the first line of this file')
    .option('--pin-stdin', 'read the PIN from the first line of stdin (when stdin is not a terminal)');
}

/** What the PIN help says about sources, for the commands' --help. */
export const PIN_SOURCES =
  'The PIN, first of: --pin, --pin-file <path>, --pin-stdin, $SMARTCHECK_PIN, a hidden prompt on a terminal.';

/**
 * The PIN, first of: --pin, --pin-file, --pin-stdin (stdin not a terminal), $SMARTCHECK_PIN, a
 * hidden prompt when stdin is a terminal (an explicit option wins over the environment). Exit 2 when none is given or it is not 4 to 12 digits.
 */
export async function resolvePin(o: PinOptions): Promise<string> {
  if (o.pin !== undefined) return o.pin;
  if (o.pinFile !== undefined) return checked(firstLine(readPinFile(o.pinFile)), `--pin-file ${o.pinFile}`);
  if (o.pinStdin && !process.stdin.isTTY) return checked(firstLine(await readStdin()), '--pin-stdin');
  const env = process.env.SMARTCHECK_PIN;
  if (env) return checked(env, '$SMARTCHECK_PIN');
  if (process.stdin.isTTY) return checked(await prompt(), 'the prompt');
  throw usage(
    'no PIN given: use --pin-file <path>, $SMARTCHECK_PIN, --pin-stdin (stdin is not a terminal) or --pin <pin>',
  );
}

function checked(pin: string, from: string): string {
  if (!PIN.test(pin)) throw usage(`PIN from ${from}: 4 to 12 digits expected`);
  return pin;
}

const firstLine = (text: string) => (text.split(/\r?\n/)[0] ?? '').trim();

function readPinFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw usage(`--pin-file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

async function readStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  return text;
}

/** Reads a line from the terminal with echo off (raw mode): the PIN never shows on screen. */
function prompt(): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let pin = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(pin);
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') return done();
        if (c === '\u0003' || c === '\u0004') return done(usage('no PIN given (prompt cancelled)'));
        if (c === '\u007f' || c === '\b') pin = pin.slice(0, -1);
        else pin += c;
      }
    };
    stdin.setEncoding('utf8');
    // Echo off before the prompt shows: what is typed once it is visible never appears.
    stdin.setRawMode(true);
    process.stderr.write('PIN: ');
    stdin.resume();
    stdin.on('data', onData);
  });
}
