// What the role commands share: argument parsers, the bank client, the emulated card in a file,
// small JSON key files, progress bars on stderr, and aligned output.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { fromBase64, toHex } from '../bytes.ts';
import type { OfflineLimits, TrustAnchors } from '../protocol/certificate.ts';
import { usage } from './exit.ts';

export const int = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name}: an integer in [${min}, ${max}]`);
  return n;
};

/** Amounts are minor units (cents): a positive integer. */
export const amount = int('amount', 1, Number.MAX_SAFE_INTEGER);

export const currencyArg = (value: string) => {
  if (!/^[A-Z]{3}$/.test(value)) throw new InvalidArgumentError('currency: three capital letters (ISO 4217), e.g. EUR');
  return value;
};

/** A duration: `90s`, `30m`, `24h`, `7d` (or plain seconds); returns seconds. */
export const durationArg = (name: string) => (value: string) => {
  const m = /^(\d{1,9})([smhd]?)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`${name}: a duration such as 90s, 30m, 24h or 7d`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
};

export const idArg = (name: string) => (value: string) => {
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(value))
    throw new InvalidArgumentError(`${name}: 1–64 of letters, digits and . _ : -`);
  return value;
};

export const DEFAULT_BANK = process.env.SMARTCHECK_BANK ?? 'http://127.0.0.1:8700';

/** `--bank <url>`, defaulting to $SMARTCHECK_BANK or the `bank serve` default. */
export const bankOption = (cmd: Command) =>
  cmd.option(
    '--bank <url>',
    "the bank's HTTP API (default: $SMARTCHECK_BANK, else http://127.0.0.1:8700)",
    DEFAULT_BANK,
  );

export async function bankClient(url: string, o: { token?: string } = {}) {
  const { BankClient } = await import('../net/bank-client.ts');
  try {
    return new BankClient(url, { timeoutMs: 15_000, ...(o.token ? { token: o.token } : {}) });
  } catch {
    throw usage(`--bank: not an http(s) URL: ${url}`);
  }
}

const positive = (name: string) => int(name, 1, Number.MAX_SAFE_INTEGER);

export interface LimitsOptions {
  currency: string;
  maxBalance: number;
  maxPerCheck: number;
  maxOfflineChecks: number;
  maxOfflineAmount: number;
}

/** The purse's certified offline limits (card issue by the issuer, bank activation-code). */
export const limitsOptions = (cmd: Command) =>
  cmd
    .option('--currency <code>', "the purse's currency", currencyArg, 'EUR')
    .option('--max-balance <n>', 'certified maximum balance', positive('max-balance'), 1_000_000)
    .option('--max-per-check <n>', 'certified maximum per check', positive('max-per-check'), 100_000)
    .option(
      '--max-offline-checks <n>',
      'checks the card signs before it must go online',
      positive('max-offline-checks'),
      10_000,
    )
    .option(
      '--max-offline-amount <n>',
      'amount the card spends before it must go online',
      positive('max-offline-amount'),
      10_000_000,
    );

export const limitsOf = (o: LimitsOptions): OfflineLimits => ({
  currency: o.currency,
  maxBalance: o.maxBalance,
  maxPerCheck: o.maxPerCheck,
  maxOfflineChecks: o.maxOfflineChecks,
  maxOfflineAmount: o.maxOfflineAmount,
});

/** Whether any limit option was given on the command line (not a default). */
export const limitsGiven = (cmd: Command): boolean =>
  ['currency', 'maxBalance', 'maxPerCheck', 'maxOfflineChecks', 'maxOfflineAmount'].some(
    (name) => cmd.getOptionValueSource(name) === 'cli',
  );

/** `--token-file <file>`: the back-office credential of the commands that use the back office. */
export const tokenOption = (cmd: Command) =>
  cmd.option(
    '--token-file <file>',
    'back-office credential: a file holding the token (default: $SMARTCHECK_BANK_TOKEN)',
  );

/**
 * A client for the bank's back office: the token from --token-file (its first line), else
 * $SMARTCHECK_BANK_TOKEN; none is a usage error (the bank would answer 401).
 */
export async function backOfficeClient(url: string, o: { tokenFile?: string }) {
  let token = process.env.SMARTCHECK_BANK_TOKEN?.trim();
  if (o.tokenFile) {
    try {
      token = (readFileSync(o.tokenFile, 'utf8').split('\n')[0] as string).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw usage(`no token file at ${o.tokenFile}`);
      throw error;
    }
  }
  if (!token)
    throw usage(
      "this command uses the bank's back office: set $SMARTCHECK_BANK_TOKEN or pass --token-file (smartcheck bank credential create)",
    );
  return bankClient(url, { token });
}

export const anchorsOf = (roots: { id: string; publicKey: Uint8Array }[]): TrustAnchors =>
  new Map(roots.map((r) => [r.id, r.publicKey]));

/** Base64 from a JSON file or an argument, refused with a usage error naming `what`. */
export const unb64 = (s: unknown, what: string): Uint8Array => {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw usage(`${what}: base64 expected`);
  return fromBase64(s);
};

/** Writes a JSON file readable by its owner only; refuses to overwrite one. */
export function writeSecretJson(path: string, value: unknown): void {
  if (existsSync(path)) throw usage(`${path} exists: refusing to overwrite it`);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

export function readJson<T>(path: string, what: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw usage(`no ${what} at ${path}`);
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw usage(`${path}: not a ${what} (not JSON)`);
  }
}

// ---- the emulated card in a file

/** Opens the emulated card whose EEPROM is the file at `path` (it must exist) and selects the purse. */
export async function openCard(path: string) {
  if (!existsSync(path)) throw usage(`no card file at ${path} (make one with: smartcheck card issue)`);
  const { EmulatedCard, PurseCard, loadApplet } = await import('../card/index.ts');
  const { FileEeprom } = await import('../card/file-store.ts');
  const { buildHash } = await loadApplet();
  const emulator = await EmulatedCard.create({ store: new FileEeprom(path, buildHash) });
  const card = new PurseCard(emulator);
  await card.select();
  return card;
}

// ---- or whatever card is in a PC/SC reader

export interface CardSource {
  card?: string;
  reader?: string;
}

/** `--card <file>` or `--reader <name>`: the emulated card in a file, or the card in a PC/SC reader. */
export const cardSourceOptions = (cmd: Command, what = 'the card file') =>
  cmd
    .option('--card <file>', what)
    .option('--reader <name>', 'or: the PC/SC reader holding the card (pcscd), e.g. "Virtual PCD 00 00"');

const openReaders: { close(): Promise<void> }[] = [];

/** Opens the card named by --card or --reader (exactly one) and selects the purse. */
export async function openPurse(o: CardSource) {
  if (o.card && o.reader) throw usage('give one card: --card <file> or --reader <name>, not both');
  if (!o.reader) {
    if (!o.card) throw usage('which card? --card <file> or --reader <name>');
    return openCard(o.card);
  }
  const { PcscReader, PcscUnavailableError, ReaderNotFoundError } = await import('../card/pcsc-reader.ts');
  const { PurseCard } = await import('../card/index.ts');
  let reader: Awaited<ReturnType<typeof PcscReader.open>>;
  try {
    reader = await PcscReader.open(o.reader);
  } catch (error) {
    if (error instanceof PcscUnavailableError || error instanceof ReaderNotFoundError) throw usage(error.message);
    throw error;
  }
  openReaders.push(reader);
  const card = new PurseCard(reader);
  await card.select();
  return card;
}

/** Lets go of the PC/SC readers opened by openPurse (their threads keep the process alive). */
export async function releaseReaders(): Promise<void> {
  for (const reader of openReaders.splice(0)) await reader.close();
}

/** The purse's certificate as the card holds it: purse id, limits, and the bank certificate it carries. */
export async function cardIdentity(card: { certificate(): Promise<Uint8Array> }) {
  const { parseCertificate } = await import('../protocol/certificate.ts');
  const certificate = await card.certificate();
  const cert = parseCertificate(certificate);
  return {
    purseId: cert.subject,
    bankId: cert.issuer,
    limits: cert.limits,
    notAfter: cert.notAfter,
    certificate,
    bankCertificate: cert.issuerCertificate,
  };
}

// ---- progress on stderr: on a TTY, or when --progress is given

export interface Progress {
  increment(n?: number): void;
  stop(): void;
}

export function progress(total: number, label: string, force: boolean | undefined): Progress {
  if (!(force || process.stderr.isTTY) || total <= 0) return { increment() {}, stop() {} };
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label.padEnd(10)} [{bar}] {percentage}% {value}/{total} {eta_formatted} left`,
    barsize: 30,
    hideCursor: true,
    noTTYOutput: !process.stderr.isTTY,
    notTTYSchedule: 250,
    etaBuffer: 50,
  });
  bar.start(total, 0);
  return { increment: (n = 1) => bar.increment(n), stop: () => bar.stop() };
}

// ---- output

/**
 * `--json` on status, report and deposit commands: one JSON document on stdout (bytes as hex),
 * nothing else there, so a script can parse it; without it the text from `text`.
 */
export const jsonOption = (cmd: Command) => cmd.option('--json', 'print one JSON document on stdout (bytes as hex)');

/** One line of JSON on stdout: bytes as hex, the card's 128-bit totals as numbers. */
export const printJson = (value: unknown): void =>
  console.log(
    JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? toHex(v) : typeof v === 'bigint' ? Number(v) : v)),
  );

export function emit(json: boolean | undefined, value: unknown, text: () => void): void {
  if (json) printJson(value);
  else text();
}

/** Prints aligned "label  value" lines. */
export function fields(rows: [string, string | number][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

/** Prints a table with right-aligned numeric columns. */
export function table(head: string[], rows: (string | number)[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) =>
    r
      .map((c, i) =>
        typeof c === 'number' ? String(c).padStart(widths[i] as number) : String(c).padEnd(widths[i] as number),
      )
      .join('  ')
      .trimEnd();
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

export const when = (unix: number) => new Date(unix * 1000).toISOString().replace('.000Z', 'Z');

/** Adds the examples and files paragraph to a command's --help. */
export function helpText(cmd: Command, text: string): Command {
  return cmd.addHelpText('after', `\n${text.trim()}\n`);
}
