// Two banks of one scheme as real `smartcheck bank serve` processes on loopback, each with its own
// PGlite data directory and key store, set up through the command line only, as docs/scheme.md
// tells it: the operator makes the root (scheme init), each bank makes its keys (bank init), the
// operator certifies their public halves (scheme certify), each bank serves with its certificate
// and the other as its peer (bank B's scheme options from --config and the environment); pycose
// reads the three files (scheme_interop.py). A card
// of A pays a terminal of B; B's deposit presents the check to A, which credits it; A closes the
// settlement (bank settle); both processes stop and both audits are clean.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { PIN, type Run, run, start, stop } from './support.ts';

/** A port free now (the bank processes are told theirs: each must know the other's URL). */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const message = (r: Run) => r.stderr.split('\n').find((l) => l.startsWith('smartcheck:'));
const sha256Of = (r: Run) => /sha256 ([0-9a-f]{64})/.exec(r.stdout)?.[1];

// Each step runs several CLI processes (about a second each, more on a busy machine).
describe('two banks in a scheme, each its own `smartcheck bank serve`', { timeout: 180_000 }, () => {
  let dir: string;
  const children: ChildProcess[] = [];
  const cli = (...args: string[]) => run(args, dir);
  /** A key store of its own per party, opened by a key file (no passphrase to type). */
  const store = (name: string) => `file:${name}.keys?key-file=${name}.kek`;
  const urls = { a: '', b: '' };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'smartcheck-scheme-'));
    for (const name of ['scheme', 'a', 'b'])
      writeFileSync(join(dir, `${name}.kek`), randomBytes(32).toString('hex'), { mode: 0o600 });
  });
  afterAll(async () => {
    await Promise.all(children.map(stop));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the operator makes the root; each bank its keys; the operator certifies their public halves', async () => {
    const root = await cli(
      'scheme',
      'init',
      '--scheme-id',
      'SCHEME-CLI',
      '--key-store',
      store('scheme'),
      '--out',
      'root.cert',
    );
    expect(root.code, root.stderr).toBe(0);
    expect(root.stdout).toMatch(/scheme root SCHEME-CLI: certificate written to root\.cert/);
    for (const [bank, roles] of [
      ['a', 'issuer,acquirer'],
      ['b', 'acquirer'],
    ] as const) {
      const init = await cli(
        'bank',
        'init',
        '--bank-id',
        `bank-${bank}`,
        '--key-store',
        store(bank),
        '--public-keys-out',
        `${bank}.pub`,
      );
      expect(init.code, init.stderr).toBe(0);
      const certify = await cli(
        'scheme',
        'certify',
        '--scheme-id',
        'SCHEME-CLI',
        '--key-store',
        store('scheme'),
        '--bank-id',
        `bank-${bank}`,
        '--roles',
        roles,
        '--public-keys',
        `${bank}.pub`,
        '--out',
        `${bank}.cert`,
      );
      expect(certify.code, certify.stderr).toBe(0);
      // What the two sides compare out of band.
      expect(sha256Of(certify)).toBe(sha256Of(init));
    }
    // Again with the same store: the same root key certified anew (a lost file); never overwritten.
    const [again, overwrite] = await Promise.all([
      cli('scheme', 'init', '--scheme-id', 'SCHEME-CLI', '--key-store', store('scheme'), '--out', 'root2.cert'),
      cli('scheme', 'init', '--scheme-id', 'SCHEME-CLI', '--key-store', store('scheme'), '--out', 'root.cert'),
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/the key already in file scheme\.keys/);
    expect(overwrite.code).toBe(2);
  });

  it("a bank certificate that is not this bank's, or without its root, is refused before anything opens (2)", async () => {
    const [other, noRoot] = await Promise.all([
      cli(
        'bank',
        'serve',
        '--bank-id',
        'bank-b',
        '--scheme-root',
        'root.cert',
        '--bank-certificate',
        'a.cert',
        '--data-dir',
        'x.db',
        '--key-store',
        store('b'),
      ),
      cli(
        'bank',
        'serve',
        '--bank-id',
        'bank-b',
        '--bank-certificate',
        'b.cert',
        '--data-dir',
        'x.db',
        '--key-store',
        store('b'),
      ),
    ]);
    expect([other.code, noRoot.code]).toEqual([2, 2]);
    expect(message(other)).toMatch(/the certificate of bank bank-a, not of bank-b/);
    expect(message(noRoot)).toMatch(/--bank-certificate goes with --scheme-root/);
  });

  it('a bad --peer, from the command line or the environment, is a usage error; so are peers for a bank alone', async () => {
    const [bad, fromEnv, alone] = await Promise.all([
      cli('bank', 'serve', '--peer', 'bank-x'),
      run(['bank', 'serve'], dir, { SMARTCHECK_PEER: 'bank-x=http://127.0.0.1:1,bank-y=ftp://y' }),
      cli('bank', 'serve', '--port', '0', '--peer', 'bank-x=http://127.0.0.1:1'),
    ]);
    expect([bad.code, fromEnv.code, alone.code]).toEqual([2, 2, 2]);
    expect(bad.stderr).toMatch(/peer: id=url/);
    expect(message(fromEnv)).toMatch(/\$SMARTCHECK_PEER: peer bank-y=ftp:\/\/y: an http\(s\) URL/);
    expect(message(alone)).toMatch(/--peer: bank bank-1 is under its own root, not in a scheme/);
  });

  it('A and B serve, each with the other as its peer (B configured by --config and the environment)', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    urls.a = `http://127.0.0.1:${portA}`;
    urls.b = `http://127.0.0.1:${portB}`;
    const a = await start(
      [
        'bank',
        'serve',
        '--bank-id',
        'bank-a',
        '--port',
        String(portA),
        '--data-dir',
        'a.db',
        '--key-store',
        store('a'),
        '--scheme-root',
        'root.cert',
        '--bank-certificate',
        'a.cert',
        '--peer',
        `bank-b=${urls.b}`,
        '--new-credential',
        'a.token',
        '--log-level',
        'warn',
      ],
      dir,
    );
    children.push(a.child);
    expect(a.line).toBe(
      `bank bank-a on ${urls.a} (pglite, 2 workers, keys: file a.keys); scheme SCHEME-CLI, peers: bank-b`,
    );
    writeFileSync(
      join(dir, 'b.json'),
      JSON.stringify({ 'scheme-root': 'root.cert', bankCertificate: 'b.cert', peer: [`bank-a=${urls.a}`] }),
    );
    const b = await start(
      [
        'bank',
        'serve',
        '--bank-id',
        'bank-b',
        '--port',
        String(portB),
        '--data-dir',
        'b.db',
        '--key-store',
        store('b'),
      ],
      dir,
      {
        SMARTCHECK_CONFIG: 'b.json',
        SMARTCHECK_NEW_CREDENTIAL: 'b.token',
        SMARTCHECK_PRESENT_INTERVAL: '1',
        SMARTCHECK_LOG_LEVEL: 'warn',
      },
    );
    children.push(b.child);
    expect(b.line).toMatch(/^bank bank-b on .*; scheme SCHEME-CLI, peers: bank-a$/);
  });

  it('the files are read by an independent COSE library (pycose): the root self-signed, the bank certified with its roles', async () => {
    const info = await cli('bank', 'info', '--bank', urls.b, '--json');
    expect(info.code, info.stderr).toBe(0);
    const [root] = JSON.parse(info.stdout).roots as { id: string; publicKey: string }[];
    expect(root?.id).toBe('SCHEME-CLI');
    const python = fileURLToPath(new URL('../../.tools/pyvenv/bin/python', import.meta.url));
    const script = fileURLToPath(new URL('./scheme_interop.py', import.meta.url));
    const read = spawnSync(python, [script, root?.publicKey as string, 'root.cert', 'b.cert', 'b.pub'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(read.status, read.stderr).toBe(0);
    const files = JSON.parse(read.stdout);
    expect(files.root).toEqual({
      ok: true,
      iss: 'SCHEME-CLI',
      sub: 'SCHEME-CLI',
      role: 1,
      bankRoles: null,
      x: root?.publicKey,
    });
    expect(files.bank).toMatchObject({ ok: true, iss: 'SCHEME-CLI', sub: 'bank-b', role: 2, bankRoles: 2 });
    expect(files.keys.map((k: { crv: string }) => k.crv)).toEqual(['ED25519', 'X25519']);
    expect(files.keys[0].x).toBe(files.bank.x);
  });

  it("A's card pays B's terminal; B presents the check to A, which accepts it, and B credits its merchant", async () => {
    const atA = ['--bank', urls.a, '--token-file', 'a.token'];
    for (const args of [
      ['bank', 'register', 'alice', ...atA],
      ['bank', 'fund', 'alice', '50000', '--currency', 'EUR', ...atA],
      ['card', 'issue', '--card', 'alice.card', '--cardholder', 'alice', '--purse', 'P-alice', '--pin', PIN, ...atA],
      ['wallet', 'load', '20000', '--card', 'alice.card', '--pin', PIN, '--bank', urls.a],
      // B is certified to acquire only: it issues no card.
      ['pos', 'init', 'till', '--merchant', 'cafe', '--bank', urls.b, '--token-file', 'b.token'],
    ]) {
      const r = await cli(...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const notIssuer = await cli(
      'card',
      'issue',
      '--card',
      'bob.card',
      '--cardholder',
      'alice',
      '--purse',
      'P-bob',
      '--pin',
      PIN,
      '--bank',
      urls.b,
      '--token-file',
      'b.token',
    );
    expect(notIssuer.code).toBe(4);
    // The new terminal holds A's list too (relayed by B): it takes A's card at once.
    const sale = await cli('pos', 'sell', 'till', '450', '--card', 'alice.card', '--pin', PIN);
    expect(sale.code, sale.stderr).toBe(0);
    const refresh = await cli('pos', 'refresh', 'till');
    expect(refresh.code, refresh.stderr).toBe(0);
    expect(refresh.stdout).toMatch(
      /^revocation list \d+ of bank-b.*\nrevocation list \d+ of bank-a \(relayed\): 0 revoked/,
    );
    const first = await cli('pos', 'deposit', 'till', '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      credited: 0,
      refused: [],
      outcomes: [{ purseId: 'P-alice', amount: 450, status: 'presented', code: ErrorCode.PresentedToIssuer }],
    });
    // B sent the presentment at its deposit; the next deposit asks again and gets A's answer.
    let credited = 0;
    for (let i = 0; i < 20 && credited === 0; i++) {
      const again = await cli('pos', 'deposit', 'till', '--json');
      expect(again.code, again.stderr).toBe(0);
      credited = JSON.parse(again.stdout).credited;
      if (!credited) await new Promise((r) => setTimeout(r, 500));
    }
    expect(credited).toBe(450);
  });

  it('A closes the settlement with B (bank settle); B then has nothing left to settle', async () => {
    const atA = await cli('bank', 'settle', '--bank', urls.a, '--token-file', 'a.token', '--json');
    expect(atA.code, atA.stderr).toBe(0);
    expect(JSON.parse(atA.stdout)).toEqual({ pairs: [{ bankId: 'bank-b', cycle: 1 }] });
    const atB = await cli('bank', 'settle', '--bank', urls.b, '--token-file', 'b.token');
    expect(atB.code, atB.stderr).toBe(0);
    expect(atB.stdout).toMatch(/bank-a\s+nothing to settle/);
  });

  it('both processes stop on SIGTERM; both audits are clean; a restart under another root is refused', async () => {
    await Promise.all(children.splice(0).map(stop));
    for (const bank of ['a', 'b']) {
      const audit = await cli('bank', 'audit', '--data-dir', `${bank}.db`, '--json');
      expect(audit.code, audit.stderr).toBe(0);
      expect(JSON.parse(audit.stdout)).toMatchObject({ bankId: `bank-${bank}`, ok: true, findings: [] });
    }
    const other = await cli(
      'scheme',
      'init',
      '--scheme-id',
      'OTHER',
      '--key-store',
      store('scheme'),
      '--out',
      'other.cert',
    );
    expect(other.code, other.stderr).toBe(0);
    const restart = await cli(
      'bank',
      'serve',
      '--bank-id',
      'bank-a',
      '--port',
      '0',
      '--data-dir',
      'a.db',
      '--key-store',
      store('a'),
      '--scheme-root',
      'other.cert',
    );
    expect(restart.code).toBe(2);
    expect(message(restart)).toMatch(/trusts the root SCHEME-CLI, not the scheme root OTHER/);
  });
});
