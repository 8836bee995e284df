// A ledger of genuine checks for the audit benches, made by the bank's own service: purses loaded
// once each, then deposits of up to 1,000 checks (signed round-robin by the purses, one merchant)
// captured in-process with a 2-worker verifier pool. `more(n)` captures n more checks, continuing
// each purse's serials: audit-incremental.ts adds a "day" after a checkpoint that way, and
// `refundOldest(k)` has the merchant refund k of the first checks captured (sealed to the bank, as
// POST /v1/refunds receives them): old check rows written again, as a real day writes them.

import type { Database } from '../src/bank/db.ts';
import { fund, personalisePurse, registerCardholder, registerMerchant } from '../src/bank/issuing.ts';
import { memoryKeyStore } from '../src/bank/keys/memory.ts';
import { migrate } from '../src/bank/migrate.ts';
import { BankService } from '../src/bank/service.ts';
import { makeDeposit } from '../src/protocol/capture.ts';
import { newPurseState, requestValue } from '../src/protocol/load.ts';
import type { Party } from '../src/protocol/pki.ts';
import { signCheck, verifyCheck } from '../src/protocol/pos.ts';
import { makeRefund, sealRefund } from '../src/protocol/refund.ts';
import { Channel } from '../src/protocol/registry.ts';
import { createVerifierPool } from '../src/protocol/verifier/index.ts';

const BATCH = 1_000;
const LIMITS = { currency: 'EUR', maxBalance: 1e12, maxPerCheck: 1e6, maxOfflineChecks: 1e6, maxOfflineAmount: 1e12 };

export interface BenchLedger {
  service: BankService;
  /** Captures n more checks, in deposits of up to 1,000. */
  more(n: number): Promise<void>;
  /** The merchant refunds the next k of the first checks captured (each check once). */
  refundOldest(k: number): Promise<void>;
  close(): Promise<void>;
}

/** Migrates `db` and registers `purses` loaded purses of one cardholder and one merchant, dated `now`. */
export async function benchLedger(db: Database, o: { purses: number; now: number }): Promise<BenchLedger> {
  const { now } = o;
  await migrate(db);
  const verifier = await createVerifierPool({ workers: 2, chunkMin: 50 });
  const service = await BankService.open(db, verifier, { clock: () => now, keys: memoryKeyStore() });
  await registerCardholder(db, service.bank, 'alice', { now });
  await fund(db, 'alice', 1e14, 'EUR');
  const merchant = await registerMerchant(db, service.bank, 'shop-1', { now });
  const purses: Party[] = [];
  for (let i = 0; i < o.purses; i++) {
    const purse = await personalisePurse(db, service.bank, `purse-${i}`, {
      cardholderId: 'alice',
      limits: LIMITS,
      now,
    });
    const r = requestValue(newPurseState('EUR'), purse, {
      amount: 1e9,
      currency: 'EUR',
      now,
      nonce: crypto.getRandomValues(new Uint8Array(16)),
    });
    await service.load(r.envelope); // the purse keeps no state here: its token is not applied
    purses.push(purse);
  }
  const serials = purses.map(() => 0);
  let made = 0;
  /** The first deposit's checks, and how many of them are refunded so far. */
  const oldest: Uint8Array[] = [];
  let refunded = 0;
  const more = async (n: number) => {
    const t0 = performance.now();
    for (let done = 0; done < n; done += BATCH) {
      const checks = Array.from({ length: Math.min(BATCH, n - done) }, (_, i) => {
        const p = (made + done + i) % purses.length;
        const purse = purses[p] as Party;
        serials[p] = (serials[p] as number) + 1;
        return signCheck(purse, {
          slipHash: crypto.getRandomValues(new Uint8Array(32)),
          amount: 1 + (done % 7),
          currency: 'EUR',
          merchantId: merchant.id,
          purseId: purse.id,
          serial: serials[p] as number,
          time: now,
          channel: Channel.Pos,
        });
      });
      const envelope = makeDeposit(
        merchant,
        service.bank.party.certificate,
        checks,
        crypto.getRandomValues(new Uint8Array(16)),
        now,
      );
      await service.deposit(envelope);
      if (oldest.length === 0) oldest.push(...checks);
      if ((done / BATCH) % 20 === 0)
        process.stderr.write(
          `\r[audit bench] ${done + checks.length} checks captured (${Math.round((done + checks.length) / ((performance.now() - t0) / 1000))}/s)`,
        );
    }
    made += n;
    process.stderr.write('\n');
  };
  const refundOldest = async (k: number) => {
    const context = { anchors: service.bank.anchors, now };
    for (const check of oldest.slice(refunded, refunded + k)) {
      const refund = makeRefund(merchant, verifyCheck(check, context), now);
      await service.refund(sealRefund(service.bank.party.certificate, refund));
    }
    refunded += k;
  };
  return { service, more, refundOldest, close: () => verifier.close() };
}
