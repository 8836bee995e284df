// The serve commands' options from the command line, SMARTCHECK_<OPTION> and --config (JSON), in
// that order of precedence, derived from the commands' own options (src/cli/serve.ts).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { configurable, serveOptions } from '../../src/cli/serve.ts';
import { selfSignedCertificate } from '../support/tls.ts';
import { run as cli, start, stop } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'smartcheck-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A program with one serve command (and an option added after serveOptions, as other code does). */
async function run(
  args: string[],
  env: Record<string, string> = {},
  config?: object,
): Promise<Record<string, unknown>> {
  const file = join(dir, 'config.json');
  if (config) writeFileSync(file, JSON.stringify(config));
  let seen: Record<string, unknown> = {};
  const program = new Command('smartcheck').exitOverride();
  serveOptions(program.command('serve'))
    .option('--port <port>', 'port', (v) => Number(v), 8700)
    .option('--static <dir>', 'page')
    .option('--no-static', 'no page')
    .option('--admin-listen <address>', 'added by another module')
    .action((o) => {
      seen = o;
    });
  configurable(program);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    await program.parseAsync(['node', 'smartcheck', 'serve', ...args, ...(config ? ['--config', file] : [])]);
  } finally {
    process.env = saved;
  }
  return seen;
}

describe('serve options from the environment and --config', () => {
  it('defaults, then the file, then the environment, then the command line', async () => {
    expect(await run([])).toMatchObject({ port: 8700, logLevel: 'info', rateLimit: 600 });
    const config = { port: 9000, 'log-level': 'warn', tlsCert: 'c.pem', 'admin-listen': '127.0.0.1:9', static: false };
    expect(await run([], {}, config)).toMatchObject({
      port: 9000,
      logLevel: 'warn',
      tlsCert: 'c.pem',
      adminListen: '127.0.0.1:9',
      static: false,
    });
    expect(await run([], { SMARTCHECK_PORT: '9100', SMARTCHECK_RATE_LIMIT: '5' }, config)).toMatchObject({
      port: 9100,
      rateLimit: 5,
      logLevel: 'warn',
    });
    expect(await run(['--port', '9200'], { SMARTCHECK_PORT: '9100' }, config)).toMatchObject({ port: 9200 });
    expect(await run([], { SMARTCHECK_NO_STATIC: '1' })).toMatchObject({ static: false });
  });

  it('refuses unknown keys and bad values with a usage error naming where they came from', async () => {
    await expect(run([], {}, { prot: 1 })).rejects.toMatchObject({ exit: 2, message: /unknown option prot/ });
    await expect(run([], { SMARTCHECK_RATE_LIMIT: 'many' })).rejects.toMatchObject({
      exit: 2,
      message: /\$SMARTCHECK_RATE_LIMIT/,
    });
    await expect(run([], {}, { 'log-level': 'loud' })).rejects.toMatchObject({ exit: 2, message: /--config/ });
  });
});

describe('bank serve over HTTPS from a config file', () => {
  it('listens with the certificate the file names; bank info trusts it through NODE_EXTRA_CA_CERTS', async () => {
    const { cert, key } = selfSignedCertificate(dir);
    const config = join(dir, 'serve.json');
    writeFileSync(config, JSON.stringify({ 'tls-cert': cert, tlsKey: key, workers: 1 }));
    const { child, line } = await start(['bank', 'serve', '--config', config], dir, {
      SMARTCHECK_PORT: '0',
      SMARTCHECK_LOG_LEVEL: 'warn',
    });
    try {
      const address = /on (https:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      expect(address, line).toBeDefined();
      const trusted = await cli(['bank', 'info', '--bank', address as string], dir, { NODE_EXTRA_CA_CERTS: cert });
      expect(trusted.stdout).toContain('bank-1');
      expect(trusted.code).toBe(0);
      const untrusted = await cli(['bank', 'info', '--bank', address as string], dir);
      expect(untrusted.code).not.toBe(0);
    } finally {
      await stop(child);
    }
  });
});
