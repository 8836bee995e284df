// The package as a user gets it: `npm pack` of the built dist/ (setup builds it), installed from the
// tarball into an empty project, then every entry point imported by plain `node` (no loader, no
// flag): a signature and a hash from the crypto core, a batch verified in the bank's worker pool
// (its workers are the compiled JavaScript), the README's API examples (tsx strips their types), the installed `smartcheck` command, a page bundled by
// Vite from the installed package (the core's .wasm found as an asset) run in headless Chromium,
// and a TypeScript consumer compiled with `tsc --noEmit` against the installed typings. npm fetches the dependencies (from its cache when it can).
import { execFileSync } from 'node:child_process';
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

let project: string;

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

/** Runs an ES module with plain `node` in the consumer project; returns what it printed. */
function node(source: string): string {
  const file = join(project, 'main.mjs');
  writeFileSync(file, source);
  return execFileSync(process.execPath, [file], { cwd: project, encoding: 'utf8' });
}

describe('the installed package', () => {
  it('imports every entry point in plain node', () => {
    const out = node(
      `${ENTRIES.map((entry, i) => `import * as m${i} from '${entry}';`).join('\n')}
      console.log(JSON.stringify([${ENTRIES.map((_, i) => `Object.keys(m${i}).length`).join(', ')}]));`,
    );
    const counts = JSON.parse(out) as number[];
    expect(counts).toHaveLength(ENTRIES.length);
    for (const count of counts) expect(count).toBeGreaterThan(0);
  });

  it('signs, verifies and hashes with the crypto core, and verifies in the pool from dist/', () => {
    const out = node(`
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
      }));`);
    const result = JSON.parse(out);
    expect(result.signature).toBe(64);
    expect(result.verified).toBe(true);
    expect(result.pool).toEqual({ valid: true, invalid: [] });
    expect(result.sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

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

  it('runs the installed `smartcheck` command from dist/ (no tsx)', () => {
    const bin = join(project, 'node_modules', '.bin', 'smartcheck');
    const help = execFileSync(bin, ['--help'], { cwd: project, encoding: 'utf8' });
    expect(help).toMatch(/^Usage: smartcheck/);
    for (const role of ['bank', 'card', 'wallet', 'pos', 'shop']) expect(help).toContain(`  ${role} `);
    expect(readdirSync(join(project, 'node_modules'))).not.toContain('tsx');
  });

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
  it('loads the core from the bundle and signs and hashes in headless Chromium', async () => {
    const page = join(project, 'page');
    mkdirSync(page, { recursive: true });
    writeFileSync(join(page, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
    writeFileSync(
      join(page, 'main.js'),
      `import { ed25519, sha256 } from 'smartcheck';
      import { Wallet } from 'smartcheck/wallet';
      const { secretKey, publicKey } = ed25519.keygen();
      const message = sha256(new TextEncoder().encode('abc'));
      const signature = ed25519.sign(message, secretKey);
      document.body.dataset.result = JSON.stringify({
        verified: ed25519.verify(signature, message, publicKey),
        hash: Array.from(message.slice(0, 4)),
        wallet: typeof Wallet,
      });`,
    );
    await build({ root: page, logLevel: 'silent', build: { outDir: 'dist', emptyOutDir: true } });
    const out = join(page, 'dist');
    // The .wasm is an asset of the bundle: Vite followed `new URL('…_bg.wasm', import.meta.url)`.
    expect(readdirSync(join(out, 'assets')).some((name) => name.startsWith('smartcheck_core_bg'))).toBe(true);

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
      expect(result).toEqual({ verified: true, hash: [0xba, 0x78, 0x16, 0xbf], wallet: 'function' });
    } finally {
      await browser.close();
      server.close();
    }
  });
});
