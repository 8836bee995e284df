// Bank key rotation on each driver: a new signing and key-exchange key, certified by the root,
// becomes current for everything the bank signs or issues; the earlier generations are kept, so
// purses and merchants personalised before keep loading and depositing (their envelopes are
// sealed to the old key-exchange key) and their certificates keep verifying. Also: two rotations,
// a second bank process picking up the new keys, and `smartcheck bank rotate-keys`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/bank/audit/index.ts';
import { openDatabase } from '../../src/bank/db.ts';
import { type Bank, loadBank, personalisePurse, registerMerchant, revoke } from '../../src/bank/issuing.ts';
import { balance } from '../../src/bank/ledger.ts';
import { BankService } from '../../src/bank/service.ts';
import { makeDeposit, verifyReceipt } from '../../src/protocol/capture.ts';
import { parseCertificate, verifyChain } from '../../src/protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import {
  applyValueToken,
  newPurseState,
  type PurseState,
  purseProfile,
  requestValue,
} from '../../src/protocol/load.ts';
import { captureReceipt } from '../../src/protocol/messages.ts';
import { certifyBank, certifyParty, createRoot, type Party } from '../../src/protocol/pki.ts';
import { Role } from '../../src/protocol/registry.ts';
import { verifyRevocationList } from '../../src/protocol/revocation.ts';
import { verifyMessage } from '../../src/protocol/signed.ts';
import { createVerifierPool, type VerifierPool } from '../../src/protocol/verifier/index.ts';
import {
  batchId,
  check,
  DRIVERS,
  fileKeys,
  invariants,
  LIMITS,
  loadRequest,
  makeWorld,
  NOW,
  nonce,
  type World,
} from './support.ts';

let pool: VerifierPool;
beforeAll(async () => {
  pool = await createVerifierPool({ workers: 1 });
});
afterAll(async () => {
  await pool?.close();
});

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof ProtocolError ? e.code : Promise.reject(e)),
  );
const same = (a: Uint8Array | undefined, b: Uint8Array | undefined) =>
  !!a && !!b && Buffer.from(a).equals(Buffer.from(b));
/** The bank certificate a purse or merchant holds: the one in its own certificate's chain. */
const heldBankCertificate = (party: Party) => parseCertificate(party.certificate).issuerCertificate as Uint8Array;

for (const { driver, skip, reason } of DRIVERS) {
  describe.skipIf(skip)(`bank key rotation on ${driver}${skip ? ` (skipped: ${reason})` : ''}`, () => {
    let w: World;
    let service: BankService;
    let gen1: Bank;
    let gen2: Bank;
    let listBefore: ReturnType<typeof verifyRevocationList>;
    /** purse-new: personalised after the first rotation (index in w.purses). */
    let fresh = -1;

    beforeAll(async () => {
      w = await makeWorld(driver, 3);
      service = new BankService(w.db, w.bank, pool, { clock: () => NOW, keys: w.keys });
      gen1 = w.bank;
      // Before the rotation: purse-0 holds value, and the bank published a list.
      expect(applyToken(0, (await service.load(loadRequest(w, 0, 20_000))).token).credited).toBe(20_000);
      listBefore = verifyRevocationList(await service.revocationList(), { anchors: w.bank.anchors, now: NOW });
    });
    afterEach(async () => {
      expect(await invariants(w.db)).toEqual([]);
    });
    afterAll(async () => {
      await w?.db.close();
    });

    /** The purse applies a token; returns what it credited and the bank certificate that signed it. */
    function applyToken(p: number, token: Uint8Array) {
      const r = applyValueToken(w.states[p] as PurseState, w.purses[p] as Party, token, {
        anchors: w.bank.anchors,
        now: NOW,
      });
      w.states[p] = r.state;
      return { credited: r.credited, signingKey: r.token.signer.signingKey };
    }
    const depositTo = (bankCertificate: Uint8Array, checks: Uint8Array[], merchant: Party = w.merchant) => {
      const id = batchId();
      return { envelope: makeDeposit(merchant, bankCertificate, checks, id, NOW), id };
    };
    const receiptSigner = (receipt: Uint8Array) =>
      verifyMessage(captureReceipt, receipt, [Role.Bank], { anchors: w.bank.anchors, now: NOW }).signer;

    it('makes a new generation, certified by the root, current and keeps the old one', async () => {
      gen2 = await service.rotateKeys();
      expect(gen2.generation).toBe(2);
      expect(service.bank).toBe(gen2);
      expect(same(gen2.party.publicKey, gen1.party.publicKey)).toBe(false);
      expect(same(gen2.party.kx?.publicKey, gen1.party.kx?.publicKey)).toBe(false);
      expect(gen2.previous.map((p) => Buffer.from(p.publicKey).toString('hex'))).toEqual([
        Buffer.from(gen1.party.publicKey).toString('hex'),
      ]);
      const cert = verifyChain(gen2.party.certificate, w.bank.anchors, { now: NOW });
      expect([cert.role, cert.subject, cert.issuer]).toEqual([Role.Bank, 'bank-1', 'root-bank-1']);
      expect(same(cert.signingKey, gen2.party.publicKey)).toBe(true);
      expect(same(cert.kxKey, gen2.party.kx?.publicKey)).toBe(true);
      // Stored: the database gives back both generations, the new one current.
      const stored = (await loadBank(w.db, w.keys)) as Bank;
      expect(stored.generation).toBe(2);
      expect(same(stored.party.certificate, gen2.party.certificate)).toBe(true);
      expect(same(stored.previous[0]?.kx?.secretKey, gen1.party.kx?.secretKey)).toBe(true);
      const rows = await w.db.query<{ generation: number }>(
        "select generation from bank_key_generations where bank_id = 'bank-1' order by generation",
      );
      expect(rows.map((r) => r.generation)).toEqual([1, 2]);
      const [keys] = await w.db.query<{ generation: number; certificate: Uint8Array }>(
        "select generation, certificate from bank_keys where bank_id = 'bank-1'",
      );
      expect(keys?.generation).toBe(2);
      expect(same(new Uint8Array(keys!.certificate), gen2.party.certificate)).toBe(true);
    });

    it('(1) a purse personalised before still loads: its request sealed to the old key opens, its token verifies', async () => {
      expect(same(purseProfile(w.purses[1] as Party).bankKxKey, gen1.party.kx?.publicKey)).toBe(true);
      const before = await balance(w.db, 'cardholder', 'alice', 'EUR');
      const envelope = loadRequest(w, 1, 30_000);
      const r = await service.load(envelope);
      expect(r.replayed).toBe(false);
      const applied = applyToken(1, r.token);
      expect(applied.credited).toBe(30_000);
      expect(same(applied.signingKey, gen2.party.publicKey)).toBe(true); // signed by the new key
      expect(await balance(w.db, 'cardholder', 'alice', 'EUR')).toBe(before - 30_000);
      // Its certificate, issued under the old bank certificate, still verifies.
      expect(verifyChain(w.purses[1]!.certificate, w.bank.anchors, { now: NOW }).issuer).toBe('bank-1');
      // The same request again: the same token, no money moved.
      const again = await service.load(envelope);
      expect(again.replayed).toBe(true);
      expect(same(again.token, r.token)).toBe(true);
      expect(await balance(w.db, 'cardholder', 'alice', 'EUR')).toBe(before - 30_000);
    });

    it('(2) its checks are still captured, sealed to the old or the new key; receipts signed by the new key', async () => {
      const old = [check(w, 0, 1_000), check(w, 1, 2_000)];
      const a = depositTo(heldBankCertificate(w.merchant), old);
      const ra = await service.deposit(a.envelope);
      expect(ra.outcomes).toEqual([
        { code: 0, credited: 1_000 },
        { code: 0, credited: 2_000 },
      ]);
      expect(
        verifyReceipt(w.merchant, ra.receipt, { batchId: a.id, checks: old }, { anchors: w.bank.anchors, now: NOW })
          .body.totalCredited,
      ).toBe(3_000);
      expect(same(receiptSigner(ra.receipt).signingKey, gen2.party.publicKey)).toBe(true);
      // The merchant fetched the new bank certificate: sealed to the new key, also captured.
      const more = [check(w, 0, 500)];
      const b = depositTo(gen2.party.certificate, more);
      expect((await service.deposit(b.envelope)).outcomes).toEqual([{ code: 0, credited: 500 }]);
      // Re-submitting the old-key batch replays its receipt.
      const again = await service.deposit(a.envelope);
      expect(again.replayed).toBe(true);
      expect(same(again.receipt, ra.receipt)).toBe(true);
      expect(await balance(w.db, 'merchant', 'shop-1', 'EUR')).toBe(3_500);
    });

    it('(3) a purse personalised after is chained to the new bank certificate, loads and pays', async () => {
      const purse = await personalisePurse(w.db, service.bank, 'purse-new', {
        cardholderId: 'alice',
        limits: LIMITS,
        now: NOW,
      });
      fresh = w.purses.push(purse) - 1;
      w.states.push(newPurseState('EUR'));
      w.serials.push(0);
      expect(same(heldBankCertificate(purse), gen2.party.certificate)).toBe(true);
      expect(same(purseProfile(purse).bankKxKey, gen2.party.kx?.publicKey)).toBe(true);
      expect(verifyChain(purse.certificate, w.bank.anchors, { now: NOW }).subject).toBe('purse-new');
      expect(applyToken(fresh, (await service.load(loadRequest(w, fresh, 5_000))).token).credited).toBe(5_000);
      // A merchant registered after the rotation, too.
      const shop = await registerMerchant(w.db, service.bank, 'shop-3', { now: NOW });
      expect(same(heldBankCertificate(shop), gen2.party.certificate)).toBe(true);
      const checks = [check(w, fresh, 700, { merchant: shop }), check(w, 0, 300, { merchant: shop })];
      const d = depositTo(heldBankCertificate(shop), checks, shop);
      const r = await service.deposit(d.envelope);
      expect(r.outcomes).toEqual([
        { code: 0, credited: 700 },
        { code: 0, credited: 300 },
      ]);
      verifyReceipt(shop, r.receipt, { batchId: d.id, checks }, { anchors: w.bank.anchors, now: NOW });
      expect(await balance(w.db, 'merchant', 'shop-3', 'EUR')).toBe(1_000);
    });

    it('(4) the revocation list is signed by the new key and verifies', async () => {
      expect(same(listBefore.signer.signingKey, gen1.party.publicKey)).toBe(true);
      // Nothing was revoked since, but the stored list was signed by the old key: a new one.
      const list = verifyRevocationList(await service.revocationList(), { anchors: w.bank.anchors, now: NOW });
      expect(same(list.signer.signingKey, gen2.party.publicKey)).toBe(true);
      expect(list.body.listNumber).toBeGreaterThan(listBefore.body.listNumber);
      expect(list.body.bankId).toBe('bank-1');
      await revoke(w.db, 'purse-2', 'lost', NOW + 1);
      const next = verifyRevocationList(await service.revocationList(), { anchors: w.bank.anchors, now: NOW });
      expect(next.body.revoked).toEqual(['purse-2']);
      expect(same(next.signer.signingKey, gen2.party.publicKey)).toBe(true);
      expect(next.body.listNumber).toBeGreaterThan(list.body.listNumber);
    });

    it('(5) the ledger invariants hold and the audit of the evidence signed under both keys is clean', async () => {
      expect(await invariants(w.db)).toEqual([]);
      const report = await audit(w.db, service.bank);
      expect(report.differences).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.counts.loads).toBe(3);
    });

    it('(6) rotating twice works; the oldest keys still open old envelopes', async () => {
      // Sealed before the second rotation, submitted after: to generations 1 and 2.
      const oldLoad = loadRequest(w, 0, 2_000);
      const midLoad = loadRequest(w, fresh, 1_000);
      const gen3 = await service.rotateKeys();
      expect(gen3.generation).toBe(3);
      expect(gen3.previous.map((p) => Buffer.from(p.publicKey).toString('hex'))).toEqual(
        [gen2.party.publicKey, gen1.party.publicKey].map((k) => Buffer.from(k).toString('hex')),
      );
      const t1 = applyToken(0, (await service.load(oldLoad)).token);
      const t2 = applyToken(fresh, (await service.load(midLoad)).token);
      expect([t1.credited, t2.credited]).toEqual([2_000, 1_000]);
      expect(same(t1.signingKey, gen3.party.publicKey) && same(t2.signingKey, gen3.party.publicKey)).toBe(true);
      // A load sealed just now by the oldest purse is still to generation 1.
      expect(applyToken(1, (await service.load(loadRequest(w, 1, 100))).token).credited).toBe(100);
      // Deposits sealed to each of the three generations.
      for (const [i, bank] of [gen1, gen2, gen3].entries()) {
        const d = depositTo(bank.party.certificate, [check(w, 0, 10 + i)]);
        const r = await service.deposit(d.envelope);
        expect(r.outcomes).toEqual([{ code: 0, credited: 10 + i }]);
        expect(same(receiptSigner(r.receipt).signingKey, gen3.party.publicKey)).toBe(true);
      }
      // New cards chain to generation 3; the list is signed by it.
      const purse = await personalisePurse(w.db, service.bank, 'purse-gen3', {
        cardholderId: 'alice',
        limits: LIMITS,
        now: NOW,
      });
      expect(same(heldBankCertificate(purse), gen3.party.certificate)).toBe(true);
      const list = verifyRevocationList(await service.revocationList(), { anchors: w.bank.anchors, now: NOW });
      expect(same(list.signer.signingKey, gen3.party.publicKey)).toBe(true);
      // A bank loaded from the database afresh (a restart) knows all three.
      const restarted = (await loadBank(w.db, w.keys, 'bank-1')) as Bank;
      expect([restarted.generation, restarted.previous.length]).toEqual([3, 2]);
      const again = new BankService(w.db, restarted, pool, { clock: () => NOW, keys: w.keys });
      expect((await again.deposit(depositTo(gen1.party.certificate, [check(w, 1, 5)]).envelope)).outcomes).toEqual([
        { code: 0, credited: 5 },
      ]);
      expect(await invariants(w.db)).toEqual([]);
      expect((await audit(w.db, service.bank)).ok).toBe(true);
    });

    it('a bank process that did not rotate picks the new keys up from the database', async () => {
      const stale = new BankService(w.db, gen1, pool, { clock: () => NOW, keys: w.keys });
      const current = service.bank;
      // Sealed to the newest key, which the stale process did not know.
      const d = depositTo(current.party.certificate, [check(w, fresh, 20)]);
      expect((await stale.deposit(d.envelope)).outcomes).toEqual([{ code: 0, credited: 20 }]);
      expect(stale.bank.generation).toBe(current.generation);
      const stale2 = new BankService(w.db, gen1, pool, { clock: () => NOW, keys: w.keys });
      const list = verifyRevocationList(await stale2.revocationList(), { anchors: w.bank.anchors, now: NOW });
      expect(same(list.signer.signingKey, current.party.publicKey)).toBe(true);
    });

    it('an envelope sealed to a key the bank never had is still refused', async () => {
      const impostor = certifyBank(createRoot('root-bank-1'), 'bank-1', { notBefore: NOW - 10, notAfter: NOW + 1e6 });
      expect(await codeOf(service.deposit(depositTo(impostor.certificate, [check(w, 0, 1)]).envelope))).toBe(
        ErrorCode.EnvelopeOpenFailed,
      );
      const stranger = certifyParty(impostor, 'purse-x', Role.Purse, {
        notBefore: NOW - 10,
        notAfter: NOW + 1e6,
        limits: LIMITS,
      });
      const r = requestValue(newPurseState('EUR'), stranger, { amount: 10, currency: 'EUR', now: NOW, nonce: nonce() });
      expect(await codeOf(service.load(r.envelope))).toBe(ErrorCode.EnvelopeOpenFailed);
      // A refusal of the opened message is not retried under another key.
      const late = loadRequest(w, 0, 10, NOW - 3_600);
      expect(await codeOf(service.load(late))).toBe(ErrorCode.MessageExpired);
    });
  });

  describe.skipIf(skip)(`smartcheck bank rotate-keys on ${driver}${skip ? ` (skipped: ${reason})` : ''}`, () => {
    it('rotates the keys of the configured database, and exits 1 when it holds no bank', async () => {
      const cli = new URL('../../src/cli/index.ts', import.meta.url).pathname;
      const dir = mkdtempSync(join(tmpdir(), 'smartcheck-rotate-'));
      try {
        // The bank's keys in a file store the command opens with --key-store.
        const { keys, spec } = fileKeys(dir);
        const world = await makeWorld(driver, 1, 1_000, driver === 'pglite' ? join(dir, 'ledger') : undefined, keys);
        const before = world.bank;
        await world.db.close();
        const target = [
          ...(world.url ? ['--database-url', world.url] : ['--data-dir', join(dir, 'ledger')]),
          '--key-store',
          spec,
        ];
        const run = (args: string[]) =>
          new Promise<{ code: number | null; out: string }>((resolve) => {
            const child = spawn(process.execPath, ['--import', 'tsx', cli, 'bank', 'rotate-keys', ...args], {
              stdio: ['ignore', 'pipe', 'pipe'],
              env: { ...process.env, DATABASE_URL: '' },
            });
            let out = '';
            child.stdout.on('data', (d) => (out += d));
            child.stderr.on('data', (d) => (out += d));
            child.on('exit', (code) => resolve({ code, out }));
          });
        const r = await run(target);
        expect(r.out).toContain('key generation 2 is current');
        expect(r.code).toBe(0);
        const db = await openDatabase(world.url ?? '', world.url ? {} : { dataDir: join(dir, 'ledger') });
        try {
          const bank = (await loadBank(db, keys)) as Bank;
          expect(bank.generation).toBe(2);
          expect(same(bank.previous[0]?.publicKey, before.party.publicKey)).toBe(true);
          const cert = verifyChain(bank.party.certificate, before.anchors, { now: Math.floor(Date.now() / 1000) });
          expect(same(cert.signingKey, bank.party.publicKey)).toBe(true);
        } finally {
          await db.close();
        }
        const empty = await run(['--data-dir', join(dir, 'empty'), '--key-store', spec]);
        expect(empty.code).toBe(1);
        expect(empty.out).toContain('no bank');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
