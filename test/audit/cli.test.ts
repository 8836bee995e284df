// `smartcheck bank audit` as a process on a PGlite data directory: one tampered check row prints
// one `finding <kind> <table> <key>: …` line and exits 1; with --json one document on stdout
// (findings listed up to --max-findings, all counted) and --progress's bar on stderr. The clean case (exit 0, "no
// differences") is in test/bank/http.test.ts; that the audit writes nothing, in tamper.test.ts.
// With an auditor key: the key made, a checkpoint written, then an incremental run that finds a
// changed value token (no signature covers it; the checkpoint's hash does).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureBatch } from '../../src/bank/capture/index.ts';
import { openDatabase } from '../../src/bank/db.ts';
import { loadValue } from '../../src/bank/load.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import { applyToken, check, deposit, loadRequest, makeWorld, NOW } from '../bank/support.ts';

const cli = new URL('../../src/cli/index.ts', import.meta.url).pathname;
const run = (args: string[]) =>
  new Promise<{ code: number | null; out: string; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'bank', 'audit', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: '', SMARTCHECK_PG_URL: '' },
    });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (d) => {
      out += d;
      stdout += d;
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out, stdout }));
  });

describe('smartcheck bank audit', () => {
  it('prints one line per finding with its kind and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smartcheck-audit-cli-'));
    try {
      const w = await makeWorld('pglite', 1, 100_000, dir);
      applyToken(w, 0, (await loadValue(w.db, w.bank, loadRequest(w, 0, 5_000), { now: NOW })).token);
      await captureBatch(w.db, w.bank, deposit(w, [check(w, 0, 300), check(w, 0, 200)]).envelope, {
        now: NOW,
        verifier: createInThreadVerifier(),
      });
      await w.db.close();

      const db = await openDatabase('', { dataDir: dir });
      await db.query("update checks set amount = amount + 1 where purse_id = 'purse-0' and serial = 2");
      await db.close();
      const tampered = await run(['--data-dir', dir]);
      expect(tampered.code).toBe(1);
      const findings = tampered.out.split('\n').filter((l) => l.startsWith('finding '));
      expect(findings).toEqual(['finding check_row_mismatch checks purse-0/2: amount 201, signed 200']);
      // The invariants (checkInvariants) see the same change from their side.
      expect(tampered.out).toMatch(/^invariant purse purse-0: captured 500, credited checks 501$/m);

      // --json: one document on stdout, the findings counted; --progress: the bar on stderr only.
      const json = await run(['--data-dir', dir, '--json', '--progress', '--max-findings', '0']);
      expect(json.code).toBe(1);
      const report = JSON.parse(json.stdout);
      expect(report).toMatchObject({ ok: false, findings: [], findingsTotal: 1, counts: { checks: 2 } });
      expect(json.out).toMatch(/audit\s+\[/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('makes an auditor key, writes a checkpoint, and finds a changed old value token incrementally', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smartcheck-audit-cli-'));
    try {
      const w = await makeWorld('pglite', 1, 100_000, dir);
      applyToken(w, 0, (await loadValue(w.db, w.bank, loadRequest(w, 0, 5_000), { now: NOW })).token);
      await w.db.close();
      const key = join(dir, 'auditor.pem');
      const made = await run(['--new-auditor-key', key]);
      expect(made.out).toMatch(/^auditor public key [0-9a-f]{64}$/m);
      expect(statSync(key).mode & 0o777).toBe(0o600);
      expect((await run(['--data-dir', dir, '--incremental'])).code).toBe(2);

      const first = await run(['--data-dir', dir, '--auditor-key', key]);
      expect(first.code).toBe(0);
      expect(first.out).toMatch(/^checkpoint 1 written at position \d+: [0-9a-f]{64}$/m);

      const db = await openDatabase('', { dataDir: dir });
      await db.query("update loads set token = token || '\\x00'::bytea");
      await db.close();
      const tampered = await run(['--data-dir', dir, '--auditor-key', key, '--incremental']);
      expect(tampered.code).toBe(1);
      expect(tampered.out).toMatch(/^finding evidence_tampered loads positions 1\.\.\d+: /m);
      expect(tampered.out).not.toMatch(/^checkpoint 2 written/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
