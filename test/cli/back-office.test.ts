// The CLI and the authenticated back office: credentials made, listed and revoked on the bank's
// database; back-office commands with no token (2), a revoked one (4), from --token-file; an
// activation code issued by the back office and used once by `card issue`; `bank serve` with
// --new-credential and --admin-listen.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredential } from '../../src/bank/back-office/credentials.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { makeWorld, PIN, run, start, stop, type World } from './support.ts';

let w: World;
beforeAll(async () => {
  w = await makeWorld();
});
afterAll(async () => {
  await w?.close();
});

const message = (r: { stderr: string }) => r.stderr.trim().split('\n').at(-1);

describe('smartcheck and the back office', () => {
  it('credential create, list and revoke on the database; the token is printed once and stored hashed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'smartcheck-cred-'));
    try {
      const made = await run(
        ['bank', 'credential', 'create', '--data-dir', dataDir, '--name', 'counter 1', '--role', 'operator', 'issuer'],
        w.dir,
      );
      expect(made.code, made.stderr).toBe(0);
      const token = made.stdout.trim();
      expect(token).toMatch(/^scb_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      const id = token.slice(4, 20);
      expect(made.stderr).toContain(`credential ${id} for counter 1 (operator, issuer)`);
      const bad = await run(
        ['bank', 'credential', 'create', '--data-dir', dataDir, '--name', 'x', '--role', 'admin'],
        w.dir,
      );
      expect(bad.code).toBe(2);
      expect(message(bad)).toContain('--role: admin: one of operator, issuer');

      const revoked = await run(['bank', 'credential', 'revoke', '--data-dir', dataDir, id], w.dir);
      expect(revoked.stdout.trim()).toBe(`credential ${id} revoked`);
      const list = await run(['bank', 'credential', 'list', '--data-dir', dataDir, '--json'], w.dir);
      expect(JSON.parse(list.stdout)).toEqual([
        expect.objectContaining({
          id,
          name: 'counter 1',
          roles: ['operator', 'issuer'],
          revokedAt: expect.any(String),
        }),
      ]);
      expect(list.stdout).not.toContain(token.slice(21));
      const unknown = await run(['bank', 'credential', 'revoke', '--data-dir', dataDir, 'ffffffffffffffff'], w.dir);
      expect(unknown.code).toBe(2);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('back-office commands: no token is a usage error, a revoked or wrong one is refused (4), --token-file works', async () => {
    const before = await w.db.query('select count(*)::int as n from cardholders');
    const none = await w.runWith({ env: { SMARTCHECK_BANK_TOKEN: '' } }, 'bank', 'register', 'zoe');
    expect(none.code).toBe(2);
    expect(message(none)).toContain('set $SMARTCHECK_BANK_TOKEN or pass --token-file');
    const { token, credential } = await createCredential(w.db, { name: 'gone', roles: ['issuer'] });
    await w.db.query('update credentials set revoked_at = now() where credential_id = $1', [credential.id]);
    const revoked = await w.runWith({ env: { SMARTCHECK_BANK_TOKEN: token } }, 'bank', 'register', 'zoe');
    expect(revoked.code).toBe(4);
    expect(message(revoked)).toContain('a valid back-office credential is required');
    const operator = await createCredential(w.db, { name: 'teller', roles: ['operator'] });
    const role = await w.runWith({ env: { SMARTCHECK_BANK_TOKEN: operator.token } }, 'bank', 'register', 'zoe');
    expect(role.code).toBe(4);
    expect(message(role)).toContain('cardholder needs the issuer role');
    expect(await w.db.query('select count(*)::int as n from cardholders')).toEqual(before);

    writeFileSync(w.path('issuer.token'), `${w.token}\n`, { mode: 0o600 });
    const ok = await w.runWith(
      { env: { SMARTCHECK_BANK_TOKEN: '' } },
      'bank',
      'register',
      'zoe',
      '--token-file',
      'issuer.token',
    );
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('an activation code from the back office issues a card once, without a credential', async () => {
    const code = await w.run('bank', 'activation-code', 'zoe', '--max-balance', '70000', '--valid-days', '2');
    expect(code.code, code.stderr).toBe(0);
    const activation = code.stdout.trim();
    expect(activation).toMatch(/^([A-Z2-7]{4}-){5}[A-Z2-7]{4}$/);
    // The cardholder's machine has no back-office token.
    const cardholder = { SMARTCHECK_BANK_TOKEN: '' };
    const issue = (card: string, purse: string, extra: string[] = []) =>
      w.runWith(
        { env: cardholder },
        'card',
        'issue',
        '--card',
        card,
        '--activation-code',
        activation,
        '--purse',
        purse,
        '--pin',
        PIN,
        ...extra,
      );
    const limits = await issue('z.card', 'P-z', ['--max-balance', '5']);
    expect(limits.code).toBe(2);
    expect(message(limits)).toContain('the activation code decides the limits');
    const first = await issue('zoe.card', 'P-zoe');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('purse P-zoe of zoe');
    expect(first.stdout).toContain('max balance 70000');
    const again = await issue('zoe2.card', 'P-zoe-2');
    expect(again.code).toBe(4);
    expect(message(again)).toContain(`(protocol/${ErrorCode.ActivationCodeUsed})`);
    expect(existsSync(w.path('zoe2.card'))).toBe(false);
    const wrong = await w.runWith(
      { env: cardholder },
      'card',
      'issue',
      '--card',
      'x.card',
      '--activation-code',
      'AAAA-AAAA-AAAA-AAAA-AAAA-AAAA',
      '--purse',
      'P-x',
      '--pin',
      PIN,
    );
    expect(wrong.code).toBe(4);
    expect(message(wrong)).toContain(`(protocol/${ErrorCode.ActivationCodeUnknown})`);
  });

  it('bank serve --new-credential --admin-listen: the back office on its own address, with that token', async () => {
    const tokenFile = w.path('serve.token');
    const { child, line } = await start(
      [
        'bank',
        'serve',
        '--port',
        '0',
        '--workers',
        '1',
        '--admin-listen',
        '127.0.0.1:0',
        '--new-credential',
        tokenFile,
      ],
      w.dir,
    );
    try {
      const m = /on (http:\/\/127\.0\.0\.1:\d+).*back office on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      expect(m, line).not.toBeNull();
      const [, pub, admin] = m as RegExpExecArray;
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
      const token = readFileSync(tokenFile, 'utf8').trim();
      const register = (base: string, auth?: string) =>
        fetch(`${base}/v1/admin/cardholders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
          body: JSON.stringify({ cardholderId: 'yan' }),
        });
      expect((await register(pub as string, token)).status).toBe(404);
      expect((await register(admin as string)).status).toBe(401);
      expect((await register(admin as string, token)).status).toBe(200);
    } finally {
      await stop(child);
    }
  });
});
