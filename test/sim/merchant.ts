// The merchant side as the simulator drives it: the real MerchantBook and Terminal (src/merchant/)
// over a journal that can crash, cards reached through a port that cuts the power and damages
// bytes in transit, and a web shop that accepts sealed Internet checks into the same book
// (acceptInternetCheck; HTTP is not needed in the simulator).
import type { SimCard } from './cards.ts';
import { CardTorn } from './cards.ts';
import type { Faults } from './faults.ts';
import { flipByte } from './faults.ts';
import type { Prng } from './prng.ts';
import { CardError, splitInternet } from '../../src/card/purse.ts';
import type { CardPort, JournalRecord, CheckStore, MerchantBook, BookEntry } from '../../src/merchant/index.ts';
import { MemoryCheckStore, TerminalError } from '../../src/merchant/index.ts';
import { equalBytes } from '../../src/protocol/cbor.ts';
import { acceptInternetCheck, approveInternetCheck, makeCheckRequest, makeInternetSlip } from '../../src/protocol/internet.ts';
import { digitalCheck, type PurchaseSlip } from '../../src/protocol/messages.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { verifySlip } from '../../src/protocol/pos.ts';
import type { Verified } from '../../src/protocol/signed.ts';
import { CURRENCY } from './cards.ts';

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
export async function paidFromLog(card: SimCard, slipHash: Uint8Array, prng: Prng, faults: Faults): Promise<Uint8Array | undefined> {
  for (;;) {
    try {
      return await card.run(prng, faults, async (c) => {
        for (let i = 0; i < 16; i++) {
          let r;
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
    ...(e.status === 'deposited' ? { code: 0, credited: e.credited ?? 0 } : e.status === 'refused' ? { code: e.refusalCode ?? -1, credited: 0 } : {}),
  }));
}

export type ShopResult =
  | { status: 'sold'; serial: number; hash: string; recovered: boolean }
  | { status: 'refused'; code: number | string; paid?: boolean }
  | { status: 'card-refused'; code: number };

interface InProgress {
  slip: Uint8Array;
  verified: Verified<PurchaseSlip>;
}

/** A web shop over a MerchantBook: an Internet slip, the wallet (card + cardholder's approval), the sealed check. */
export class Shop {
  inProgress: InProgress | undefined;
  private txId = 0;
  constructor(public book: MerchantBook) {}

  slip(amount: number, prng: Prng): InProgress {
    const b = this.book;
    const slip = makeInternetSlip(b.merchant, { merchantId: b.merchant.id, amount, currency: CURRENCY, time: b.clock(), terminalId: 'WEB', terminalTxId: ++this.txId, terminalNonce: prng.bytes(16) });
    return { slip, verified: verifySlip(slip, { anchors: b.anchors, now: b.clock() }) };
  }

  /** One Internet sale; a crash of the shop's process while it stores the check escapes as TerminalCrash. */
  async sell(card: SimCard, cardholder: Party, amount: number, prng: Prng, faults: Faults): Promise<ShopResult> {
    const b = this.book;
    if (b.revocationListStale()) return { status: 'refused', code: 'stale-list' };
    const s = this.slip(amount, prng);
    this.inProgress = s;
    const request = makeCheckRequest(faults.strike('tamper-slip') ? flipByte(prng, s.slip) : s.slip, cardholder.id);
    let draft: { payload: Uint8Array; purseSignature: Uint8Array } | undefined;
    try {
      draft = await card.run(prng, faults, (c) => c.internetCheck(request, b.clock()));
    } catch (error) {
      if (error instanceof CardError) {
        this.inProgress = undefined;
        return { status: 'card-refused', code: error.code || error.sw };
      }
      if (!(error instanceof CardTorn)) throw error;
    }
    let recovered = false;
    for (let attempt = 0; ; attempt++) {
      if (!draft) {
        // the wallet asks the card whether it signed for this slip (a torn command, a damaged check)
        const again = await paidFromLog(card, s.verified.hash, prng, faults);
        if (!again) {
          this.inProgress = undefined;
          return { status: 'refused', code: 'not-charged' };
        }
        draft = splitInternet(again);
        recovered = true;
      }
      const envelope = this.approve(cardholder, draft, s);
      const sent = faults.strike('tamper-check') ? flipByte(prng, envelope) : envelope;
      const verdict = acceptInternetCheck(b.merchant, sent, s.verified, b.acceptancePolicy());
      if (!verdict.genuine && attempt < 5) {
        draft = undefined; // the shop could not read it: the wallet sends it again
        continue;
      }
      if (verdict.decision !== 'accept' || !verdict.check) {
        this.inProgress = undefined;
        return { status: 'refused', code: verdict.code ?? 'refused', paid: true };
      }
      await b.record(verdict.check);
      this.inProgress = undefined;
      return { status: 'sold', serial: verdict.check.body.serial, hash: hex(verdict.check.hash), recovered };
    }
  }

  /** After the shop restarted: the wallet pays again with the same check, re-issued by the card. */
  async recover(card: SimCard, cardholder: Party, prng: Prng, faults: Faults): Promise<'completed' | 'recovered' | 'not-charged' | 'nothing'> {
    const s = this.inProgress;
    if (!s) return 'nothing';
    this.inProgress = undefined;
    const again = await paidFromLog(card, s.verified.hash, prng, faults);
    if (!again) return 'not-charged';
    const b = this.book;
    const verdict = acceptInternetCheck(b.merchant, this.approve(cardholder, splitInternet(again), s), s.verified, { ...b.acceptancePolicy(), seen: () => false });
    if (verdict.decision !== 'accept' || !verdict.check) throw new Error(`the card's own check for this slip refused: ${verdict.code}`);
    if (b.entry(verdict.check.hash)) return 'completed';
    await b.record(verdict.check);
    return 'recovered';
  }

  private approve(cardholder: Party, draft: { payload: Uint8Array; purseSignature: Uint8Array }, s: InProgress): Uint8Array {
    const b = this.book;
    return approveInternetCheck(cardholder, { ...draft, check: digitalCheck.decode(draft.payload), slip: s.slip }, { anchors: b.anchors, now: b.clock() }).envelope;
  }
}

export { TerminalError };
