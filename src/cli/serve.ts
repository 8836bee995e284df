// What `bank serve` and `shop serve` share: the operator's options (log level, TLS, rate limit),
// their values from a configuration file or the environment, and the graceful stop.
//
// Every option of a serve command can come from, first to last: the command line, an environment
// variable SMARTCHECK_<OPTION> (the long name in capitals, dashes as underscores: --tls-cert is
// SMARTCHECK_TLS_CERT, --no-static is SMARTCHECK_NO_STATIC), the JSON file given by --config (or
// SMARTCHECK_CONFIG; keys are the long names without dashes, or their camelCase: "tls-cert" or
// "tlsCert"; a --no-x option is "x": false), then the default. `configurable` derives all of this
// from the command's own options when the program is built, so an option added to a serve command
// is covered without being listed anywhere. JSON and not TOML: Node reads JSON without a package.
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, type Option } from 'commander';
import type { FastifyInstance } from 'fastify';
import type { RateLimit, TlsFiles } from '../net/server/index.ts';
// The one module of the servers' imported here: the command line loads the servers only to serve.
import { LOG_LEVELS, type LogLevel, type LogOptions } from '../net/server/logging.ts';
import { int } from './common.ts';
import { usage } from './exit.ts';

export interface ServeOptions {
  logLevel: LogLevel;
  tlsCert?: string;
  tlsKey?: string;
  rateLimit: number;
}

/** Adds the options every server takes. */
export function serveOptions(cmd: Command): Command {
  return cmd
    .option(
      '--log-level <level>',
      `JSON log lines on stderr from this level (${LOG_LEVELS.join(', ')})`,
      logLevel,
      'info',
    )
    .option('--tls-cert <file>', 'PEM certificate (chain): serve HTTPS only (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option(
      '--rate-limit <n>',
      'requests per minute per client on the costly routes (0: no limit)',
      int('rate-limit', 0, 1_000_000),
      600,
    )
    .option('--config <file>', 'JSON file with values for these options (see `smartcheck --help`)');
}

function logLevel(value: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`log-level: one of ${LOG_LEVELS.join(', ')}`);
  return value as LogLevel;
}

/** The server options the operator's options give. */
export function serverOptions(o: ServeOptions): { log: LogOptions; tls?: TlsFiles; rateLimit?: RateLimit } {
  if (!o.tlsCert !== !o.tlsKey) throw usage('--tls-cert and --tls-key go together');
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw usage(`${what}: ${(error as Error).message}`);
    }
  };
  return {
    // stderr: stdout is the command's own output (the address it listens on, which scripts read).
    log: { level: o.logLevel, stream: process.stderr },
    ...(o.tlsCert && o.tlsKey
      ? { tls: { cert: read(o.tlsCert, '--tls-cert'), key: read(o.tlsKey, '--tls-key') } }
      : {}),
    ...(o.rateLimit > 0 ? { rateLimit: { max: o.rateLimit, windowMs: 60_000 } } : {}),
  };
}

const longName = (option: Option): string => (option.long ?? '').replace(/^--/, '');
export const envName = (option: Option): string => `SMARTCHECK_${longName(option).replace(/-/g, '_').toUpperCase()}`;

/** Every command of `program` that takes --config gets its options from the environment and the file. */
export function configurable(program: Command): void {
  for (const cmd of program.commands) {
    configurable(cmd);
    if (!cmd.options.some((o) => o.long === '--config')) continue;
    // For --help's "(env: …)" only: commander reads an option's variable only when the option is
    // added with it, so the environment is applied in the hook, before the file.
    for (const option of cmd.options) if (option.long) option.env(envName(option));
    cmd.hook('preAction', (command) => {
      applyEnvironment(command);
      applyConfig(command);
    });
  }
}

/** An option not on the command line gets a value of its own type (argParser), as if it had been given. */
function setFrom(cmd: Command, option: Option, raw: unknown, source: 'env' | 'config'): void {
  const name = option.attributeName();
  const current = cmd.getOptionValueSource(name);
  if (current !== undefined && current !== 'default') return; // the command line (then the environment) wins
  if (option.negate) {
    if (raw === false || raw === 'true' || raw === '1') cmd.setOptionValueWithSource(name, false, source);
    return;
  }
  // "static": false belongs to --no-static, not to --static <dir>.
  if (raw === false && (option.required || option.optional)) return;
  const given = option.required || option.optional ? String(raw) : raw === true || raw === 'true' || raw === '1';
  try {
    const value = typeof given === 'string' && option.parseArg ? option.parseArg(given, undefined) : given;
    cmd.setOptionValueWithSource(name, value, source);
  } catch (error) {
    const where = source === 'env' ? `$${envName(option)}` : `--config ${cmd.getOptionValue('config')}`;
    throw usage(`${where}: ${(error as Error).message}`);
  }
}

function applyEnvironment(cmd: Command): void {
  for (const option of cmd.options) {
    const value = option.long ? process.env[envName(option)] : undefined;
    if (value !== undefined) setFrom(cmd, option, value, 'env');
  }
}

function applyConfig(cmd: Command): void {
  const path = cmd.getOptionValue('config') as string | undefined;
  if (!path) return;
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw usage(`--config ${path}: ${(error as Error).message}`);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config))
    throw usage(`--config ${path}: a JSON object expected`);
  const known = new Set<string>();
  for (const option of cmd.options) {
    const name = option.attributeName();
    const keys = option.negate ? [name] : [name, longName(option)];
    for (const k of keys) known.add(k);
    const key = keys.find((k) => Object.hasOwn(config, k));
    if (key !== undefined) setFrom(cmd, option, config[key], 'config');
  }
  const unknown = Object.keys(config).filter((k) => !known.has(k));
  if (unknown.length) throw usage(`--config ${path}: unknown option ${unknown.join(', ')}`);
}

/**
 * Stops on SIGTERM or SIGINT: the server refuses new requests (503) and finishes those running
 * (captures in flight complete and are answered), then `release` frees the rest; exit 0.
 */
export function stopOnSignal(app: FastifyInstance, release: () => Promise<void>): void {
  const stop = async (signal: string) => {
    app.log.info({ signal }, 'stopping: finishing the requests in flight');
    const { stopGracefully } = await import('../net/server/probes.ts');
    await stopGracefully(app);
    await release();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
