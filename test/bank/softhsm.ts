// SoftHSM2 tokens of its own for a test file: a token directory and configuration in a temp dir
// (SOFTHSM2_CONF, read by the module when it initialises: set before the first store opens, in this
// test process only), the tokens named, initialised up front with one random PIN in a 0600 file. SoftHSM2 is
// installed by setup (scripts/lib/softhsm.mjs), or here when missing and this is root; pkcs11js is
// an optional dependency (a native addon). Without either, the reason to skip.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SoftHsm {
  module: string;
  pin: string;
  pinFile: string;
  /** `--key-store` for one of the tokens. */
  spec(token: string): string;
  /** Removes the token directory. */
  remove(): void;
}

/** Fresh tokens with these labels, or why there can be none on this machine. */
export async function softHsmTokens(labels: string[]): Promise<SoftHsm | { skip: string }> {
  try {
    createRequire(import.meta.url)('pkcs11js');
  } catch {
    return { skip: 'pkcs11js is not installed or did not build (npm install builds its native addon)' };
  }
  let module: string;
  try {
    const script = new URL('../../scripts/lib/softhsm.mjs', import.meta.url).href; // plain JS: no types
    const { ensureSoftHsm } = (await import(script)) as { ensureSoftHsm: () => string };
    module = ensureSoftHsm();
  } catch (error) {
    return { skip: `SoftHSM2: ${error instanceof Error ? error.message : String(error)}` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'smartcheck-softhsm-'));
  mkdirSync(join(dir, 'tokens'));
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = conf;
  const pin = randomBytes(8).toString('hex');
  for (const label of labels)
    execFileSync(
      'softhsm2-util',
      ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', randomBytes(8).toString('hex')],
      { env: process.env, stdio: 'ignore' },
    );
  const pinFile = join(dir, 'pin');
  writeFileSync(pinFile, pin, { mode: 0o600 });
  return {
    module,
    pin,
    pinFile,
    spec: (token) => `pkcs11:${module}?token=${token}&pin-file=${pinFile}`,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
