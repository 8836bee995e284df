// Signed audit checkpoints (src/bank/audit/checkpoint/) on each driver: a clean ledger gives a
// checkpoint that verifies; more traffic, an incremental run clean and a new checkpoint chained to
// the last; each tamper of evidence older than the checkpoint, and of the checkpoint itself, found
// with its kind; the audit writes nothing but its checkpoint; the auditor's key file.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCheckpoint } from '../../src/bank/audit/checkpoint/format.ts';
import {
  type CheckpointOptions,
  decodeCheckpoint,
  newAuditorKey,
  readAuditorKey,
  resumeFrom,
} from '../../src/bank/audit/checkpoint/index.ts';
import { leafHash, MerkleBuilder, nodeHash } from '../../src/bank/audit/checkpoint/merkle.ts';
import { type AuditReport, audit } from '../../src/bank/audit/index.ts';
import { captureBatch } from '../../src/bank/capture/index.ts';
import type { Queryable } from '../../src/bank/db.ts';
import { KeyStoreError } from '../../src/bank/keys/store.ts';
import { loadValue } from '../../src/bank/load.ts';
import { bookRefund } from '../../src/bank/refunds.ts';
import { toHex } from '../../src/bytes.ts';
import { parseSign1 } from '../../src/protocol/cose.ts';
import { depositBatch } from '../../src/protocol/messages.ts';
import { verifyDepositedRefund } from '../../src/protocol/refund.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import {
  applyToken,
  check,
  deposit,
  loadRequest,
  makeWorld,
  NOW,
  refundOf,
  WITH_CITUS,
  type World,
} from '../bank/support.ts';

const verifier = createInThreadVerifier();
const ROLLBACK = new Error('roll the tamper back');
const u8 = (b: unknown) => new Uint8Array(b as Uint8Array);

/** RFC 6962 § 2.1's MTH as written there (recursive), to check the streaming builder against. */
const mth = (leaves: Uint8Array[]): Uint8Array => {
  if (leaves.length === 1) return leafHash(leaves[0] as Uint8Array);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
};

describe('the Merkle tree hash', () => {
  it('is RFC 6962 MTH for 0 to 40 leaves', () => {
    expect(toHex(new MerkleBuilder().root())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    for (let n = 1; n <= 40; n++) {
      const data = Array.from({ length: n }, (_, i) => Uint8Array.of(i, n));
      const tree = new MerkleBuilder();
      for (const d of data) tree.add(leafHash(d));
      expect(toHex(tree.root())).toBe(toHex(mth(data)));
      expect(tree.count).toBe(n);
    }
  });
});

for (const { driver, skip, reason } of WITH_CITUS) {
  describe.skipIf(skip)(`audit checkpoints on ${driver}${skip ? ` (skipped: ${reason})` : ''}`, () => {
    let w: World;
    let checkpoint: CheckpointOptions;
    const dir = mkdtempSync(join(tmpdir(), 'auditor-'));
    /** Every check deposited so far, in order (a later day refunds one of the first). */
    const deposited: Uint8Array[] = [];
    const traffic = async (serial: number) => {
      for (let p = 0; p < 3; p++)
        applyToken(w, p, (await loadValue(w.db, w.bank, loadRequest(w, p, 10_000), { now: NOW })).token);
      const checks = [0, 1, 2].map((p) => check(w, p, 100 + p, { serial }));
      await captureBatch(w.db, w.bank, deposit(w, checks).envelope, { now: NOW, verifier });
      deposited.push(...checks);
    };
    const underTamper = async (apply: (tx: Queryable) => Promise<unknown>) => {
      let report: AuditReport | undefined;
      await w.db
        .transaction(async (tx) => {
          await apply(tx);
          report = await audit(tx, w.bank, { checkpoint: { ...checkpoint, incremental: true } });
          throw ROLLBACK;
        })
        .catch((error: unknown) => {
          if (error !== ROLLBACK) throw error;
        });
      return (report as AuditReport).findings.map((f) => `${f.kind} ${f.table}`);
    };

    beforeAll(async () => {
      w = await makeWorld(driver, 3);
      checkpoint = { key: newAuditorKey(join(dir, 'auditor.pem')), now: NOW };
      await traffic(1);
    }, 60_000);
    afterAll(async () => {
      await w?.db.close();
    });

    it('the auditor key is a PKCS#8 file only its owner reads, and reads back as the same key', () => {
      const path = join(dir, 'auditor.pem');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(toHex(readAuditorKey(path).publicKey)).toBe(toHex(checkpoint.key.publicKey));
      expect(() => newAuditorKey(path)).toThrow(/EEXIST/);
      expect(() => readAuditorKey(join(dir, 'none.pem'))).toThrow(KeyStoreError);
    });

    it('a clean ledger: the full audit writes checkpoint 1, which verifies', async () => {
      const full = await audit(w.db, w.bank, { checkpoint });
      expect(full.findings).toEqual([]);
      expect(full.checkpoint?.written?.number).toBe(1);
      const again = await audit(w.db, w.bank, { checkpoint: { ...checkpoint, incremental: true } });
      expect(again.findings).toEqual([]);
      expect(again.checkpoint).toMatchObject({ verified: 1, written: { number: 2 } });
      // Nothing written since checkpoint 1: the incremental run counts its periods, rehashes none;
      // a full audit rehashes all (its checkpoint rolled back, to keep the chain's numbers).
      // On Citus no row's xmin can be compared with the snapshot's (each node numbers its own
      // transactions): every old period is rehashed there (position.ts, snapshotXmin).
      if (driver === 'citus') expect(again.checkpoint?.rehashed).toBeGreaterThan(0);
      else expect(again.checkpoint?.rehashed).toBe(0);
      await w.db
        .transaction(async (tx) => {
          const rehashing = await audit(tx, w.bank, { checkpoint });
          expect(rehashing.findings).toEqual([]);
          expect(rehashing.checkpoint?.rehashed).toBeGreaterThan(10);
          throw ROLLBACK;
        })
        .catch((error: unknown) => {
          if (error !== ROLLBACK) throw error;
        });
    });

    it('more traffic: the incremental run is clean and chains a new checkpoint to the last', async () => {
      await traffic(2);
      const run = await audit(w.db, w.bank, { checkpoint: { ...checkpoint, incremental: true } });
      expect(run.findings).toEqual([]);
      expect(run.checkpoint?.verified).toBe(2);
      const rows = await w.db.query<{ number: number; body: unknown; hash: unknown; position: number }>(
        'select number, body, hash, position from audit_checkpoints order by number',
      );
      expect(rows.map((r) => r.number)).toEqual([1, 2, 3]);
      const [, second, third] = rows.map((r) => ({ ...r, body: decodeCheckpoint(u8(r.body)) }));
      expect(toHex(third?.body.previous as Uint8Array)).toBe(toHex(u8(second?.hash)));
      expect(third?.body.position).toBeGreaterThan(second?.body.position as number);
      expect(third?.body.periods.slice(0, -1)).toEqual(second?.body.periods);
      expect(third?.body.totals.purses.get('purse-0')?.get('loaded')).toBe(20_000);
      expect(third?.body.totals.purses.get('purse-1')?.get('highestSerial')).toBe(2);
      // The seam for the streaming audit: where to start and with what.
      const resume = resumeFrom(third?.body);
      expect(resume.position).toBe(third?.position);
      expect(resume.totals).toBe(third?.body.totals);
      expect(resumeFrom(undefined)).toMatchObject({ position: 0, beyond: new Map() });
    });

    it('finds a changed, a deleted, an inserted and a moved row older than the checkpoint', async () => {
      expect(
        await underTamper((tx) =>
          tx.query(
            "update loads set token = token || '\\x00'::bytea where request_hash = (select request_hash from loads order by audit_position limit 1)",
          ),
        ),
      ).toEqual(['evidence_tampered loads']);
      expect(
        await underTamper((tx) =>
          tx.query('delete from checks where (purse_id, serial) = (select purse_id, serial from checks limit 1)'),
        ),
      ).toContain('evidence_deleted checks');
      expect(
        await underTamper((tx) =>
          tx.query(
            "insert into revocation_lists (bytes, issued_at, subjects, audit_position) values ('\\x00'::bytea, 1, 0, 1)",
          ),
        ),
      ).toContain('evidence_inserted revocation_lists');
      expect(
        await underTamper((tx) =>
          tx.query(
            'update loads set audit_position = audit_position + 1 where request_hash = (select request_hash from loads order by audit_position limit 1)',
          ),
        ),
      ).toContain('evidence_tampered loads');
      // A check row is compared with its deposit when written since (a refund sets its status).
      expect(
        await underTamper((tx) =>
          tx.query(
            'update checks set amount = amount + 1 where (purse_id, serial) = (select purse_id, serial from checks order by audit_position limit 1)',
          ),
        ),
      ).toEqual(['evidence_tampered checks', 'check_row_mismatch checks']);
    });

    it('finds a tampered checkpoint: signature, body, totals, row, chain', async () => {
      const last = 'select number from audit_checkpoints order by number desc limit 1';
      expect(
        await underTamper((tx) =>
          tx.query(
            `update audit_checkpoints set signature = '\\x00'::bytea || substring(signature from 2) where number = (${last})`,
          ),
        ),
      ).toEqual(['checkpoint_invalid audit_checkpoints']);
      expect(
        await underTamper(async (tx) => {
          const [row] = await tx.query<{ body: unknown }>(
            `select body from audit_checkpoints where number = (${last})`,
          );
          const body = decodeCheckpoint(u8(row?.body));
          body.totals.purses.get('purse-0')?.set('loaded', 1);
          await tx.query(`update audit_checkpoints set body = $1 where number = (${last})`, [
            Buffer.from(encodeCheckpoint(body)),
          ]);
        }),
      ).toEqual(['checkpoint_invalid audit_checkpoints']);
      expect(
        await underTamper((tx) =>
          tx.query(`update audit_checkpoints set position = position + 1 where number = (${last})`),
        ),
      ).toEqual(['checkpoint_row_mismatch audit_checkpoints']);
      expect(await underTamper((tx) => tx.query('delete from audit_checkpoints where number = 2'))).toEqual([
        'checkpoint_chain_broken audit_checkpoints',
      ]);
    });

    it.skipIf(driver === 'pglite')(
      'a position that commits after a higher one bounds the checkpoint; the higher one is carried as audited',
      async () => {
        const action =
          "insert into back_office_actions (actor, action, subject, detail) values ('test', 'purse', 'purse-0', '{}') returning audit_position as p";
        const slow = new pg.Client({ connectionString: w.url as string });
        await slow.connect();
        try {
          await slow.query('begin');
          const low = Number((await slow.query(action)).rows[0].p);
          const [high] = await w.db.query<{ p: number }>(action);
          const running = audit(w.db, w.bank, { checkpoint: { ...checkpoint, incremental: true } });
          await new Promise((resolve) => setTimeout(resolve, 300));
          await slow.query('commit');
          const run = await running;
          expect(run.findings).toEqual([]);
          expect(run.checkpoint?.written?.position).toBe(low - 1);
          const [row] = await w.db.query<{ body: unknown }>(
            'select body from audit_checkpoints order by number desc limit 1',
          );
          expect(decodeCheckpoint(u8(row?.body)).beyond.get('back_office_actions')).toEqual([high?.p]);
          const next = await audit(w.db, w.bank, { checkpoint: { ...checkpoint, incremental: true } });
          expect(next.findings).toEqual([]);
          expect(next.checkpoint?.written?.position).toBeGreaterThanOrEqual(high?.p as number);
        } finally {
          await slow.end();
        }
      },
    );

    // Proportional to the day: after a checkpoint and one more deposit, an incremental run verifies
    // only the new deposit's check signatures (the older ones are rehashed), and each tamper of the
    // NEW evidence gives exactly the findings of a full audit (a representative subset of the
    // tamper suite's kinds, on the newest rows: check signature, check row, deposit, receipt).
    it('after more traffic: verifies only the new checks, and finds each tamper of them as a full audit does', async () => {
      expect((await audit(w.db, w.bank, { checkpoint: { ...checkpoint, incremental: true } })).findings).toEqual([]);
      await traffic(3);
      let verified = 0;
      const counting = {
        ...verifier,
        verifyBatch: (items: Parameters<typeof verifier.verifyBatch>[0]) => {
          verified += items.length;
          return verifier.verifyBatch(items);
        },
      };
      const run = async (q: Queryable, incremental: boolean) => {
        verified = 0;
        const report = await audit(q, w.bank, {
          verifier: counting,
          ...(incremental ? { checkpoint: { ...checkpoint, incremental } } : {}),
        });
        return { lines: report.findings.map((f) => `${f.kind} ${f.table} ${f.key}`).sort(), verified };
      };
      const newest = 'select batch_hash, deposit, receipt from batches order by audit_position desc limit 1';
      const tampers: ((tx: Queryable) => Promise<unknown>)[] = [
        // A purse signature broken in place, inside the newest deposit.
        async (tx) => {
          const [b] = await tx.query<{ batch_hash: unknown; deposit: unknown }>(newest);
          const deposit = Buffer.from(u8(b?.deposit));
          const stored = depositBatch.decode(parseSign1(u8(deposit)).payload).checks[0] as Uint8Array;
          const at = deposit.indexOf(Buffer.from(stored)) + stored.length - 1;
          deposit[at] = (deposit[at] as number) ^ 0x01;
          await tx.query('update batches set deposit = $2 where batch_hash = $1', [
            Buffer.from(u8(b?.batch_hash)),
            deposit,
          ]);
        },
        // A new check row's amount changed.
        (tx) =>
          tx.query(`update checks set amount = amount + 1 where batch_hash = (select batch_hash from (${newest}) b)`),
        // The newest receipt's signature broken.
        (tx) =>
          tx.query(
            `update batches set receipt = set_byte(receipt, length(receipt) - 1, get_byte(receipt, length(receipt) - 1) # 1) where batch_hash = (select batch_hash from (${newest}) b)`,
          ),
      ];
      // Untampered first (its checkpoint rolled back with the rest, so the new deposit stays new).
      for (const tamper of [undefined, ...tampers]) {
        let found: { full: string[]; incremental: string[] } | undefined;
        await w.db
          .transaction(async (tx) => {
            await tamper?.(tx);
            const full = await run(tx, false);
            const incremental = await run(tx, true);
            found = { full: full.lines, incremental: incremental.lines };
            if (!tamper) {
              expect(full.verified).toBe(9); // the three deposits' checks
              expect(incremental.verified).toBe(3); // the new deposit's only
            }
            throw ROLLBACK;
          })
          .catch((error: unknown) => {
            if (error !== ROLLBACK) throw error;
          });
        if (tamper) expect(found?.full.length).toBeGreaterThan(0);
        else expect(found?.full).toEqual([]);
        expect(found?.incremental).toEqual(found?.full);
      }
    });

    // The incremental run starts from the carried totals and reads only the day: after a clean
    // incremental checkpoint, a day of loads, a deposit and a merchant refund of a check deposited
    // before the checkpoint (its row older, its status changed by the day). Untampered, and under
    // each tamper of the day's evidence and books, the findings are a full audit's: a load row's
    // amount, a purse's books, the newest entry's amount, the newest capture transaction deleted, a
    // funding transaction inserted without its action record, the refund row's amount, and the old
    // check's reversal undone (its status back to credited).
    it('after a refund of an older check and more traffic: reads only the day, and finds each tamper of it as a full audit does', async () => {
      expect((await audit(w.db, w.bank, { checkpoint: { ...checkpoint, incremental: true } })).findings).toEqual([]);
      const old = deposited[0] as Uint8Array;
      await bookRefund(
        w.db,
        w.bank,
        verifyDepositedRefund(w.bank.id, refundOf(w, old), { anchors: w.bank.anchors, now: NOW }),
      );
      await traffic(4);
      const run = async (q: Queryable, incremental: boolean) => {
        const report = await audit(q, w.bank, incremental ? { checkpoint: { ...checkpoint, incremental } } : {});
        return {
          lines: report.findings.map((f) => `${f.kind} ${f.table} ${f.key}`).sort(),
          counts: report.counts,
          rehashed: report.checkpoint?.rehashed,
        };
      };
      const newest = (table: string, key: string) =>
        `(select ${key} from ${table} order by audit_position desc limit 1)`;
      const capture = "(select max(id) from transactions where kind = 'capture')";
      const tampers: ((tx: Queryable) => Promise<unknown>)[] = [
        (tx) =>
          tx.query(`update loads set amount = amount + 1 where request_hash = ${newest('loads', 'request_hash')}`),
        (tx) => tx.query("update purses set loaded = loaded + 1 where purse_id = 'purse-0'"),
        (tx) => tx.query('update entries set amount = amount + 1 where id = (select max(id) from entries)'),
        async (tx) => {
          await tx.query(`delete from entries where tx_id = ${capture}`);
          await tx.query(`delete from transactions where id = ${capture}`);
        },
        (tx) => tx.query("insert into transactions (kind, reference) values ('fund', 'alice:forged')"),
        (tx) =>
          tx.query(`update refunds set amount = amount + 1 where refund_hash = ${newest('refunds', 'refund_hash')}`),
        (tx) => tx.query("update checks set status = 'credited' where status = 'refunded'"),
      ];
      for (const tamper of [undefined, ...tampers]) {
        let found: { full: string[]; incremental: string[] } | undefined;
        await w.db
          .transaction(async (tx) => {
            await tamper?.(tx);
            const full = await run(tx, false);
            const incremental = await run(tx, true);
            found = { full: full.lines, incremental: incremental.lines };
            if (!tamper) {
              expect(incremental.counts).toMatchObject({ loads: 3, checks: 3, batches: 1 });
              // The refunded old check row, written since, still says what its deposit signed.
              if (driver === 'citus') expect(incremental.rehashed).toBeGreaterThan(0);
              else expect(incremental.rehashed).toBe(0);
              expect(full.counts.checks).toBe(deposited.length);
            }
            throw ROLLBACK;
          })
          .catch((error: unknown) => {
            if (error !== ROLLBACK) throw error;
          });
        if (tamper) expect(found?.full.length).toBeGreaterThan(0);
        else expect(found?.full).toEqual([]);
        expect(found?.incremental).toEqual(found?.full);
      }
    });

    it('writes nothing but its checkpoint', async () => {
      const tables = (
        await w.db.query<{ t: string }>(
          "select table_name as t from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name <> 'audit_checkpoints' order by 1",
        )
      ).map((r) => r.t);
      expect(tables).toContain('checks');
      const dump = async () => {
        const out: Record<string, unknown[]> = {};
        // Sorted here, whole rows: on Citus rows tied on the first column come back in any order.
        for (const t of tables) out[t] = (await w.db.query(`select * from ${t}`)).map((r) => JSON.stringify(r)).sort();
        const seqs = await w.db.query(
          'select sequencename, last_value from pg_sequences where schemaname = current_schema() order by 1',
        );
        return { ...out, seqs };
      };
      const before = await dump();
      const [{ n } = { n: 0 }] = await w.db.query<{ n: number }>('select count(*)::int as n from audit_checkpoints');
      const run = await audit(w.db, w.bank, { checkpoint: { ...checkpoint, incremental: true } });
      expect(run.findings).toEqual([]);
      expect(await dump()).toEqual(before);
      const [after] = await w.db.query<{ n: number }>('select count(*)::int as n from audit_checkpoints');
      expect(after?.n).toBe(n + 1);
    });
  });
}
