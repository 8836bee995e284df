// The merchant side as the simulator drives it: the real MerchantBook and Terminal (src/merchant/)
// over a journal that can crash, cards reached through a port that cuts the power and damages
// bytes in transit, and a web shop that accepts sealed Internet checks into the same book
// (acceptInternetCheck) behind the ShopLink the cardholder's Wallet pays through (HTTP is not
// needed in the simulator).

import { equalBytes } from '../../src/bytes.ts';
import { CardError, type LogRecord } from '../../src/card/purse.ts';
import type { BookEntry, CardPort, CheckStore, JournalRecord, MerchantBook } from '../../src/merchant/index.ts';
import { MemoryCheckStore, TerminalError } from '../../src/merchant/index.ts';
import {
  type OrderRequest,
  type PaymentConfirmation,
  type PurchaseOffer,
  type ShopLink,
  ShopRejectedError,
  ShopUnreachableError,
} from '../../src/net/shop-link.ts';
import { acceptInternetCheck, makeInternetSlip } from '../../src/protocol/internet.ts';
import type { PurchaseSlip } from '../../src/protocol/messages.ts';
import { verifySlip } from '../../src/protocol/pos.ts';
import type { Verified } from '../../src/protocol/signed.ts';
import type { SimCard } from './cards.ts';
import { CardTorn } from './cards.ts';
import type { Faults } from './faults.ts';
import { flipByte } from './faults.ts';
import type { Prng } from './prng.ts';

export const hex = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('hex');

/** The simulated merchant process died (a crash injected at its journal). */
export class TerminalCrash extends Error {
  constructor(readonly when: 'before' | 'after') {
    super(`merchant process crashed ${when} storing the check`);
    this.name = 'TerminalCrash';
  }
}

/** The merchant's journal (MemoryCheckStore), with a crash armed just before or just after the next check append. */
export class CrashingStore implements CheckStore {
  readonly inner = new MemoryCheckStore();
  crashAt: 'before' | 'after' | undefined;
  load(): Promise<JournalRecord[]> {
    return this.inner.load();
  }
  async append(record: JournalRecord): Promise<void> {
    const crash = record.kind === 'check' ? this.crashAt : undefined;
    if (record.kind === 'check') this.crashAt = undefined;
    if (crash === 'before') throw new TerminalCrash('before');
    await this.inner.append(record);
    if (crash === 'after') throw new TerminalCrash('after');
  }
}

/**
 * The card as a terminal reaches it: every command may be cut by a power cut (the card is powered
 * up again and the terminal sees an interrupted command), and the slip going in or the check
 * coming out of PURCHASE may be damaged on the way.
 */
export function cardPort(card: SimCard, prng: Prng, faults: Faults): CardPort {
  return {
    certificate: () => card.run(prng, faults, (c) => c.certificate()),
    purchase: async (slip: Uint8Array, now: number) => {
      const sent = faults.strike('tamper-slip') ? flipByte(prng, slip) : slip;
      const check = await card.run(prng, faults, (c) => c.purchase(sent, now));
      return faults.strike('tamper-check') ? flipByte(prng, check) : check;
    },
    readLog: (index: number) => card.run(prng, faults, (c) => c.readLog(index)),
    reissueCheck: (serial: number) => card.run(prng, faults, (c) => c.reissueCheck(serial)),
    refund: (refund: Uint8Array, now: number) => card.run(prng, faults, (c) => c.refund(refund, now)),
  };
}

/** The card's check for `slipHash` if its newest purchase record paid it (re-issued from the log), else undefined. */
export async function paidFromLog(
  card: SimCard,
  slipHash: Uint8Array,
  prng: Prng,
  faults: Faults,
): Promise<Uint8Array | undefined> {
  for (;;) {
    try {
      return await card.run(prng, faults, async (c) => {
        for (let i = 0; i < 16; i++) {
          let r: LogRecord;
          try {
            r = await c.readLog(i);
          } catch (error) {
            if (error instanceof CardError) return undefined; // end of the log
            throw error;
          }
          if (r.kind === 'purchase' && equalBytes(r.hash, slipHash)) return c.reissueCheck(r.serial);
        }
        return undefined;
      });
    } catch (error) {
      if (!(error instanceof CardTorn)) throw error; // reading the log changes nothing: a cut only retries
    }
  }
}

/** A check as the checkers see it, from a book entry. */
export interface HeldCheck {
  hash: string;
  purseId: string;
  serial: number;
  amount: number;
  status: BookEntry['status'];
  /** The bank's code once settled: 0 credited, else why refused. */
  code?: number;
  credited?: number;
}

export function heldChecks(book: MerchantBook): HeldCheck[] {
  return book.checks().map((e) => ({
    hash: hex(e.record.checkHash),
    purseId: e.record.purseId,
    serial: e.record.serial,
    amount: e.record.amount,
    status: e.status,
    ...(e.status === 'deposited'
      ? { code: 0, credited: e.credited ?? 0 }
      : e.status === 'refused'
        ? { code: e.refusalCode ?? -1, credited: 0 }
        : {}),
  }));
}

interface Order {
  slip: Uint8Array;
  verified: Verified<PurchaseSlip>;
}

/**
 * A web shop over a MerchantBook, reached in-process through the ShopLink the Wallet uses: it
 * answers an order with a signed Internet slip and takes payment with acceptInternetCheck, the
 * check recorded in the merchant's book before the payment is confirmed. Paying an order again
 * with the same check confirms it again (a lost confirmation); the network may damage the sealed
 * check or drop the confirmation; the shop's process may crash while it records the check.
 */
export class SimShop implements ShopLink {
  /** Orders are the shop's own durable state (they survive its process restarting). */
  readonly orders = new Map<string, Order>();
  private txId = 0;
  constructor(
    public book: MerchantBook,
    private readonly prng: Prng,
    private readonly faults: Faults,
  ) {}

  async purchase(order: OrderRequest): Promise<PurchaseOffer> {
    const b = this.book;
    // no offer on a stale revocation list: nothing is charged for a sale the shop would refuse
    if (b.revocationListStale())
      throw new ShopRejectedError(503, 'shop', 'stale_revocation_list', 'revocation list too old');
    const orderId = `${b.merchant.id}-order-${++this.txId}`;
    const slip = makeInternetSlip(b.merchant, {
      merchantId: b.merchant.id,
      amount: order.amount,
      currency: order.currency,
      time: b.clock(),
      terminalId: 'WEB',
      terminalTxId: this.txId,
      terminalNonce: this.prng.bytes(16),
    });
    this.orders.set(orderId, { slip, verified: verifySlip(slip, { anchors: b.anchors, now: b.clock() }) });
    return {
      orderId,
      slip: this.faults.strike('tamper-slip') ? flipByte(this.prng, slip) : slip,
      expiresAt: b.clock() + 900,
    };
  }

  async pay(orderId: string, sealedCheck: Uint8Array): Promise<PaymentConfirmation> {
    const order = this.orders.get(orderId);
    if (!order) throw new ShopRejectedError(404, 'shop', 'unknown_order', orderId);
    const b = this.book;
    const sent = this.faults.strike('tamper-check') ? flipByte(this.prng, sealedCheck) : sealedCheck;
    const policy = b.acceptancePolicy();
    // the same check for this order again is a confirmation lost, not a replay
    // the check already recorded for this order's slip (its confirmation was lost, or the shop crashed after recording it)
    const paid = b.checks().find((e) => equalBytes(e.record.slipHash, order.verified.hash))?.record;
    const seen = (purseId: string, serial: number) =>
      !(paid && paid.purseId === purseId && paid.serial === serial) && (policy.seen?.(purseId, serial) ?? false);
    const verdict = acceptInternetCheck(b.merchant, sent, order.verified, { ...policy, seen });
    if (verdict.decision !== 'accept' || !verdict.check)
      throw new ShopRejectedError(400, 'protocol', verdict.code ?? 0, `check refused: ${verdict.detail ?? ''}`);
    const check = verdict.check;
    if (!b.entry(check.hash)) {
      try {
        await b.record(check);
      } catch (error) {
        if (error instanceof TerminalError && error.kind === 'bad_record')
          throw new ShopRejectedError(409, 'protocol', error.code ?? 0, error.message);
        throw error;
      }
    }
    if (this.faults.strike('lost-reply')) throw new ShopUnreachableError('sim-shop', new Error('confirmation lost'));
    return {
      orderId,
      status: 'paid',
      checkId: hex(check.hash),
      purseId: check.body.purseId,
      serial: check.body.serial,
      amount: check.body.amount,
      currency: check.body.currency,
    };
  }
}

export { TerminalError };
