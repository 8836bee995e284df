// The HTTP API through fastify's inject (no socket), and `smartcheck bank serve` as a process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadValue } from '../../src/bank/load.ts';
import { buildServer } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { verifyReceipt } from '../../src/protocol/capture.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { verifyRevocationList } from '../../src/protocol/revocation.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import { histogramCount, scrape, value } from '../support/prometheus.ts';
import { applyToken, check, deposit, invariants, loadRequest, makeWorld, NOW, type World } from './support.ts';

let w: World;
let app: FastifyInstance;
const verifier = createInThreadVerifier();

beforeAll(async () => {
  w = await makeWorld('pglite', 2);
  const service = new BankService(w.db, w.bank, verifier, { clock: () => NOW, batchChecksMax: 50, keys: w.keys });
  app = await buildServer(service, { bodyLimit: 64 << 10 });
});
afterAll(async () => {
  expect(await invariants(w.db)).toEqual([]);
  await app?.close();
  await w?.db.close();
});

const cbor = (url: string, body: Uint8Array) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/cbor' }, payload: Buffer.from(body) });

describe('bank HTTP API', () => {
  it('loads over CBOR and over JSON', async () => {
    const res = await cbor('/v1/load', loadRequest(w, 0, 20_000));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/cbor');
    expect(applyToken(w, 0, new Uint8Array(res.rawPayload))).toBe(20_000);
    const json = await app.inject({
      method: 'POST',
      url: '/v1/load',
      payload: { envelope: Buffer.from(loadRequest(w, 1, 5_000)).toString('base64') },
    });
    expect(json.statusCode).toBe(200);
    const body = json.json() as { token: string; amount: number; replayed: boolean };
    expect(body).toMatchObject({ amount: 5_000, replayed: false, purseId: 'purse-1' });
    expect(applyToken(w, 1, new Uint8Array(Buffer.from(body.token, 'base64')))).toBe(5_000);
  });
  it('captures a deposit and returns a receipt the merchant verifies; metrics count it', async () => {
    const checks = [check(w, 0, 100), check(w, 0, 200), check(w, 1, 300)];
    const { envelope, id } = deposit(w, checks);
    const res = await cbor('/v1/deposit', envelope);
    expect(res.statusCode).toBe(200);
    const receipt = verifyReceipt(
      w.merchant,
      new Uint8Array(res.rawPayload),
      { batchId: id, checks },
      { anchors: w.bank.anchors, now: NOW },
    );
    expect(receipt.body.totalCredited).toBe(600);
    const json = await app.inject({
      method: 'POST',
      url: '/v1/deposit',
      payload: { envelope: Buffer.from(envelope).toString('base64') },
    });
    expect(json.json()).toMatchObject({ credited: 600, replayed: true });
    const m = await scrape(app);
    expect(value(m, 'smartcheck_bank_deposit_batches_total', { replayed: 'false' })).toBe(1);
    expect(value(m, 'smartcheck_bank_deposit_batches_total', { replayed: 'true' })).toBe(1);
    expect(value(m, 'smartcheck_bank_checks_total', { outcome: 'credited' })).toBe(3);
    expect(value(m, 'smartcheck_bank_credited_minor_units_total')).toBe(600);
    expect(value(m, 'smartcheck_bank_captures_in_progress')).toBe(0);
    // Both batches were opened; only the first was verified and booked (the second is a replay).
    expect(histogramCount(m, 'smartcheck_bank_capture_phase_seconds', { phase: 'open' })).toBe(2);
    expect(histogramCount(m, 'smartcheck_bank_capture_phase_seconds', { phase: 'verify' })).toBe(1);
    expect(histogramCount(m, 'smartcheck_bank_capture_phase_seconds', { phase: 'database' })).toBe(1);
  });
  it('serves the revocation list as CBOR and JSON, and health', async () => {
    const raw = await app.inject({ method: 'GET', url: '/v1/revocation-list' });
    expect(
      verifyRevocationList(new Uint8Array(raw.rawPayload), { anchors: w.bank.anchors, now: NOW }).body.bankId,
    ).toBe('bank-1');
    const json = await app.inject({
      method: 'GET',
      url: '/v1/revocation-list',
      headers: { accept: 'application/json' },
    });
    expect(json.json()).toMatchObject({ revoked: [] });
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({
      status: 'ok',
      driver: 'pglite',
      bankId: 'bank-1',
    });
  });
  it('answers bad requests with clear errors', async () => {
    const tampered = loadRequest(w, 0, 10);
    tampered[tampered.length - 20]! ^= 1;
    const sealed = await cbor('/v1/load', tampered);
    expect(sealed.statusCode).toBe(422);
    expect(sealed.json()).toMatchObject({ error: { kind: 'protocol', code: ErrorCode.EnvelopeOpenFailed } });
    expect((await cbor('/v1/deposit', new Uint8Array(70 << 10))).statusCode).toBe(413);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/deposit',
          headers: { 'content-type': 'text/plain' },
          payload: 'hi',
        })
      ).statusCode,
    ).toBe(415);
    const badJson = await app.inject({ method: 'POST', url: '/v1/deposit', payload: { envelope: '%%%' } });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toMatchObject({ error: { kind: 'bank', code: 'bad_request' } });
    expect((await cbor('/v1/deposit', new Uint8Array(0))).statusCode).toBe(400);
    const tooMany = await cbor(
      '/v1/deposit',
      deposit(
        w,
        Array.from({ length: 51 }, () => new Uint8Array([0xa0])),
      ).envelope,
    );
    expect(tooMany.statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/nope' })).statusCode).toBe(404);
  });
  it("pays a clone's check under the guarantee; past the bank's list age (ServiceOptions.guarantee) refuses it with 324", async () => {
    let now = NOW;
    const service = new BankService(w.db, w.bank, verifier, {
      clock: () => now,
      keys: w.keys,
      guarantee: { revocationMaxAgeS: 3_600, depositWindowS: 86_400 },
    });
    const guarded = await buildServer(service, {});
    try {
      const post = (envelope: Uint8Array) =>
        guarded.inject({
          method: 'POST',
          url: '/v1/deposit',
          payload: { envelope: Buffer.from(envelope).toString('base64') },
        });
      // purse-1's serial 1 was captured above (300): a copy signs serial 1 again, for shop-2.
      const clone = await post(
        deposit(w, [check(w, 1, 70, { serial: 1, merchant: w.other })], { merchant: w.other }).envelope,
      );
      expect(clone.statusCode).toBe(200);
      expect(clone.json()).toMatchObject({ credited: 70, outcomes: [{ code: 0, credited: 70 }] });
      now = NOW + 3_601;
      const late = await post(deposit(w, [check(w, 1, 10, { time: now })], { time: now }).envelope);
      expect(late.json()).toMatchObject({
        credited: 0,
        outcomes: [{ code: ErrorCode.GuaranteeAfterRevocation, credited: 0 }],
      });
    } finally {
      await guarded.close();
    }
  });
});

describe('smartcheck bank serve', () => {
  it('starts on a free loopback port and answers /health', async () => {
    const cli = new URL('../../src/cli/index.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'bank', 'serve', '--port', '0', '--workers', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: '' },
    });
    try {
      const address = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1] as string);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const health = (await (await fetch(`${address}/health`)).json()) as { status: string };
      expect(health.status).toBe('ok');
    } finally {
      child.kill('SIGTERM');
    }
  });
  it('bank audit exits 0 on a clean ledger and 1 on a database without a bank', async () => {
    const cli = new URL('../../src/cli/index.ts', import.meta.url).pathname;
    const dir = mkdtempSync(join(tmpdir(), 'smartcheck-audit-'));
    try {
      const world = await makeWorld('pglite', 1, 1_000, dir);
      applyToken(world, 0, (await loadValue(world.db, world.bank, loadRequest(world, 0, 500), { now: NOW })).token);
      await world.db.close();
      const run = (args: string[]) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', cli, 'bank', 'audit', ...args], {
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...process.env, DATABASE_URL: '' },
          });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (out += d));
          child.on('exit', (code) => resolve({ code, out }));
        });
      const clean = await run(['--data-dir', dir]);
      expect(clean.out).toContain('no differences');
      expect(clean.code).toBe(0);
      const empty = await run(['--data-dir', join(dir, 'empty')]);
      expect(empty.code).toBe(1);
      expect(empty.out).toContain('no bank');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('exits 2 on bad usage', async () => {
    const cli = new URL('../../src/cli/index.ts', import.meta.url).pathname;
    const code = await new Promise<number | null>((resolve) =>
      spawn(process.execPath, ['--import', 'tsx', cli, 'bank', 'serve', '--port', 'x'], { stdio: 'ignore' }).on(
        'exit',
        resolve,
      ),
    );
    expect(code).toBe(2);
  });
});
