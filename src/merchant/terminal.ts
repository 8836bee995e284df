// The offline POS terminal (protocol 2): a signed purchase slip to the card, the card's check back,
// verified offline and stored durably before the sale completes. Durability order per sale:
//   1. the card's certificate is checked first (revoked, expired, limits): a refusal here charges nothing;
//   2. the slip is journalled (intent) before the card sees it;
//   3. the check is verified (acceptCheck) and journalled; only then is the Sale returned.
// A crash between 2 and 3 leaves an open intent: recover(card) finds the slip's hash in the card's
// log, has the card reissue the check and stores it, or learns the card was not charged.

import { equalBytes, toHex } from '../bytes.ts';
import { SW } from '../card/apdu.ts';
import { CardError, type LogRecord, type PurseCard } from '../card/purse.ts';
import { type AcceptancePolicy, acceptCheck, type Verdict } from '../protocol/acceptance.ts';
import { type Certificate, verifyChain } from '../protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import type { PurchaseSlip } from '../protocol/messages.ts';
import { makeVerifiedSlip, verifyCheck, verifySlip } from '../protocol/pos.ts';
import { makeRefund } from '../protocol/refund.ts';
import { Channel, Role } from '../protocol/registry.ts';
import { revokedSet } from '../protocol/revocation.ts';
import type { Verified } from '../protocol/signed.ts';
import type { BookEntry, MerchantBook, SlipIntent } from './book.ts';
import { TerminalError } from './errors.ts';

/** What the terminal needs of a card: PurseCard, or anything shaped like it (a test double). */
export type CardPort = Pick<PurseCard, 'certificate' | 'purchase' | 'readLog' | 'reissueCheck' | 'refund'>;

export interface TerminalOptions {
  terminalId: string;
  /** Currency of the slips; default the book's policy currency. */
  currency?: string;
  /** 16 fresh random bytes per slip; override only in tests. */
  nonce?: () => Uint8Array;
}

export interface Sale {
  /** The signed check as the card returned it (what is deposited). */
  check: Uint8Array;
  checkHash: Uint8Array;
  purseId: string;
  serial: number;
  amount: number;
  currency: string;
  terminalTxId: number;
  slip: Uint8Array;
  verdict: Verdict;
}

export type RecoveryStatus =
  /** The last transaction's check was already stored: nothing to do. */
  | 'completed'
  /** The card was not charged for the interrupted slip (or the card refused it). */
  | 'not charged'
  /** The card had been charged: the check was reissued by the card, verified and stored. */
  | 'recovered'
  /** The card was charged but its check was refused (kept as evidence, not stored as accepted). */
  | 'refused'
  /** This terminal has made no sale yet. */
  | 'none';

export interface Recovery {
  status: RecoveryStatus;
  terminalTxId?: number;
  sale?: Sale;
  /** Other interrupted slips of the same card resolved on the way (older ones), with their status. */
  others: { terminalTxId: number; status: RecoveryStatus }[];
}

export interface Cancellation {
  checkHash: Uint8Array;
  amount: number;
  /** The card's balance after the refund (undefined when the card had already applied it earlier). */
  balance?: number;
}

/** A card refused from its certificate, before it was charged (what it costs the cardholder: nothing). */
function refusedBeforePayment(error: unknown): TerminalError {
  if (!(error instanceof ProtocolError)) throw error;
  return new TerminalError('check_refused', `card refused before payment: ${error.message}`, {
    code: error.code,
    cause: error,
  });
}

/** The card stopped answering mid-command (power cut, card pulled out, reader fault). */
const interrupted = (error: unknown, what: string, next: string) =>
  new TerminalError(
    'card_interrupted',
    `${what}: the card did not answer (${(error as Error)?.message ?? String(error)}); ${next}`,
    { cause: error },
  );

export class Terminal {
  readonly terminalId: string;
  readonly currency: string;
  readonly #nonce: () => Uint8Array;
  /** One card transaction at a time: a sale, recovery or cancel waits for the one before it. */
  #busy: Promise<unknown> = Promise.resolve();

  constructor(
    readonly book: MerchantBook,
    o: TerminalOptions,
  ) {
    if (!o.terminalId) throw new TypeError('terminalId: required');
    const currency = o.currency ?? book.policy.currency;
    if (!currency) throw new TypeError('currency: give it in the terminal options or the book policy');
    this.terminalId = o.terminalId;
    this.currency = currency;
    this.#nonce = o.nonce ?? (() => crypto.getRandomValues(new Uint8Array(16)));
  }

  /** Same as the constructor; async for symmetry with MerchantBook.open. */
  static async open(book: MerchantBook, o: TerminalOptions): Promise<Terminal> {
    return new Terminal(book, o);
  }

  /** This terminal's interrupted slips (sent, or about to be, with no outcome): present the card to recover(). */
  interrupted(): SlipIntent[] {
    return this.book.openSlips(this.terminalId);
  }

  /**
   * Sells `amount` to the card: checks the card's certificate, journals the slip, lets the card
   * pay, verifies the check offline and journals it. Resolves with the Sale once the check is
   * durable; throws TerminalError otherwise (see its kinds), with nothing stored as accepted.
   */
  sell(card: CardPort, amount: number): Promise<Sale> {
    if (!Number.isSafeInteger(amount) || amount < 1)
      return Promise.reject(new RangeError(`amount: a positive integer, got ${amount}`));
    return this.#serial(() => this.#sell(card, amount));
  }

  #serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#busy.then(step);
    this.#busy = run.catch(() => undefined);
    return run;
  }

  async #sell(card: CardPort, amount: number): Promise<Sale> {
    const book = this.book;
    const now = book.clock();
    // No list young enough for any card: refused before the card is even read.
    if (book.revocationListStale(now)) throw this.#stale(book.revocationListAgeS(now));
    const policy = book.acceptancePolicy(now);
    const purseId = this.#precheck(
      await this.#card(() => card.certificate(), 'GET DATA (certificate)'),
      amount,
      policy,
    );

    const terminalTxId = book.lastTerminalTxId(this.terminalId) + 1;
    const body: PurchaseSlip = {
      merchantId: book.merchant.id,
      amount,
      currency: this.currency,
      time: now,
      terminalId: this.terminalId,
      terminalTxId,
      terminalNonce: this.#nonce(),
      channel: Channel.Pos,
    };
    // Signed and known good at once: the terminal does not verify its own signature.
    const verifiedSlip = makeVerifiedSlip(book.signer, body, {
      anchors: book.anchors,
      now,
      verifiedCache: book.certificateCache,
    });
    const slip = verifiedSlip.bytes;
    await book.recordSlip({
      terminalId: this.terminalId,
      terminalTxId,
      purseId,
      slip,
      slipHash: verifiedSlip.hash,
      amount,
      time: now,
    });

    let check: Uint8Array;
    try {
      check = await card.purchase(slip, now);
    } catch (error) {
      if (!(error instanceof CardError))
        throw interrupted(error, 'PURCHASE', 'present the card again and call recover(card)');
      // A card refusal is atomic: nothing was deducted.
      await book.closeSlip({
        terminalId: this.terminalId,
        terminalTxId,
        outcome: 'not-charged',
        code: error.code,
        evidence: new Uint8Array(0),
      });
      throw TerminalError.fromCard(error, 'PURCHASE');
    }
    // A check that does not verify as genuine may have been damaged between card and terminal; the
    // card keeps it in its log, so it is read once more before the card is called misbehaving.
    const reread = async (): Promise<Uint8Array | undefined> => {
      const found = (await this.#readLog(card)).find(
        (r) => r.kind === 'purchase' && equalBytes(r.hash, verifiedSlip.hash),
      );
      return found ? this.#card(() => card.reissueCheck(found.serial), 'REISSUE CHECK') : undefined;
    };
    return this.#accept(book.slip(this.terminalId, terminalTxId) as SlipIntent, check, verifiedSlip, policy, reread);
  }

  /**
   * The card's certificate, before the card is charged: chain, validity, revocation, role, and the
   * limits the check would be held to. A refusal here costs the cardholder nothing; acceptCheck
   * applies the same rules to the check itself afterwards.
   */
  #precheck(certificate: Uint8Array, amount: number, policy: AcceptancePolicy): string {
    let cert: Certificate;
    try {
      cert = verifyChain(certificate, policy.anchors, {
        now: policy.now,
        ...(policy.revocationLists?.length ? { revoked: revokedSet(policy.revocationLists) } : {}),
        ...(policy.verifiedCache ? { verifiedCache: policy.verifiedCache } : {}),
      });
      if (cert.role !== Role.Purse)
        throw new ProtocolError(ErrorCode.WrongRole, `card certificate of role ${cert.role}`);
    } catch (error) {
      throw refusedBeforePayment(error);
    }
    // The list of this card's issuer, on its own: another issuer's stale list does not refuse it.
    if (this.book.revocationListStale(policy.now, cert.issuer))
      throw this.#stale(this.book.revocationListAgeS(policy.now, cert.issuer), cert.issuer);
    try {
      if (cert.limits) {
        if (cert.limits.currency !== this.currency)
          throw new ProtocolError(ErrorCode.CurrencyMismatch, `purse holds ${cert.limits.currency}`);
        if (amount > cert.limits.maxPerCheck)
          throw new ProtocolError(
            ErrorCode.LimitExceeded,
            `certified max per check ${cert.limits.maxPerCheck} < ${amount}`,
          );
      }
      if (policy.terminalMaxPerCheck !== undefined && amount > policy.terminalMaxPerCheck)
        throw new ProtocolError(
          ErrorCode.LimitExceeded,
          `terminal max per check ${policy.terminalMaxPerCheck} < ${amount}`,
        );
      return cert.subject;
    } catch (error) {
      throw refusedBeforePayment(error);
    }
  }

  #stale(age: number | null, issuer?: string): TerminalError {
    return new TerminalError(
      'stale_revocation_list',
      `revocation list${issuer ? ` of ${issuer}` : ''} ${age === null ? 'missing' : `${age} s old`}, policy ${this.book.policy.revocationMaxAgeS} s: refresh it online`,
      { code: ErrorCode.StaleRevocationList },
    );
  }

  /** Verifies the card's check against the intent's slip and stores it, or closes the intent as refused. */
  async #accept(
    intent: SlipIntent,
    check: Uint8Array,
    slip: Verified<PurchaseSlip>,
    policy: AcceptancePolicy,
    reread?: () => Promise<Uint8Array | undefined>,
  ): Promise<Sale> {
    const { terminalTxId, purseId } = intent.record;
    let verdict = acceptCheck(check, slip, policy);
    if (verdict.decision !== 'accept' && !verdict.genuine && reread) {
      // The card was charged (its answer came back) but the bytes do not verify: read the check
      // again from the card's log. A card that answers (READ LOG refused, no record) decides
      // nothing more and the refusal stands; a card gone mid-read leaves the slip open for recover().
      let again: Uint8Array | undefined;
      try {
        again = await reread();
      } catch (error) {
        if (!(error instanceof TerminalError) || error.kind === 'card_interrupted') throw error;
      }
      if (again) {
        check = again;
        verdict = acceptCheck(check, slip, policy);
      }
    }
    if (verdict.decision === 'accept' && verdict.check && verdict.check.body.purseId !== purseId) {
      Object.assign(verdict, {
        decision: 'refuse',
        code: ErrorCode.WrongPurse,
        detail: `check of ${verdict.check.body.purseId}, card presented ${purseId}`,
      });
    }
    if (verdict.decision !== 'accept' || !verdict.check) {
      await this.book.closeSlip({
        terminalId: this.terminalId,
        terminalTxId,
        outcome: 'refused',
        code: verdict.code ?? 0,
        evidence: check.slice(),
      });
      const kind = verdict.code === ErrorCode.StaleRevocationList ? 'stale_revocation_list' : 'check_refused';
      throw new TerminalError(kind, `check refused (${verdict.code}): ${verdict.detail ?? ''}`, {
        ...(verdict.code !== undefined ? { code: verdict.code } : {}),
        verdict,
      });
    }
    const v = verdict.check;
    await this.book.record(v, { terminalId: this.terminalId, terminalTxId });
    return {
      check,
      checkHash: v.hash,
      purseId: v.body.purseId,
      serial: v.body.serial,
      amount: v.body.amount,
      currency: v.body.currency,
      terminalTxId,
      slip: slip.bytes,
      verdict,
    };
  }

  async #card<T>(call: () => Promise<T>, what: string): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof CardError) throw TerminalError.fromCard(error, what);
      throw interrupted(error, what, 'try again');
    }
  }

  /**
   * After a torn transaction (terminal crash or card pulled between slip and stored check): looks
   * the interrupted slips of this card up in the card's log. Charged: the card reissues the check,
   * which is verified and stored ('recovered'); not in the log: 'not charged'. With nothing
   * interrupted, reports how this terminal's last transaction ended.
   */
  recover(card: CardPort): Promise<Recovery> {
    return this.#serial(() => this.#recover(card));
  }

  async #recover(card: CardPort): Promise<Recovery> {
    const open = this.interrupted();
    if (open.length === 0) return { ...this.#lastStatus(), others: [] };
    const certificate = await this.#card(() => card.certificate(), 'GET DATA (certificate)');
    let purseId: string;
    try {
      purseId = verifyChain(certificate, this.book.anchors, { now: this.book.clock() }).subject;
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      throw new TerminalError('wrong_card', `the card's certificate does not verify: ${error.message}`, {
        code: error.code,
      });
    }
    const mine = open.filter((s) => s.record.purseId === purseId);
    if (mine.length === 0) {
      throw new TerminalError(
        'wrong_card',
        `the interrupted transaction ${open[0]?.record.terminalTxId} was with purse ${open[0]?.record.purseId}, this card is ${purseId}`,
      );
    }
    const log = await this.#readLog(card);
    const results: { terminalTxId: number; status: RecoveryStatus; sale?: Sale }[] = [];
    for (const intent of mine) {
      const { terminalTxId, slip, slipHash, time } = intent.record;
      const found = log.find((r) => r.kind === 'purchase' && equalBytes(r.hash, slipHash));
      if (!found) {
        await this.book.closeSlip({
          terminalId: this.terminalId,
          terminalTxId,
          outcome: 'not-charged',
          code: 0,
          evidence: new Uint8Array(0),
        });
        results.push({ terminalTxId, status: 'not charged' });
        continue;
      }
      const check = await this.#card(() => card.reissueCheck(found.serial), 'REISSUE CHECK');
      // Judged as of the sale: the revocation list's age was checked before the card was charged.
      const policy = this.book.acceptancePolicy(time);
      delete policy.revocationMaxAgeS;
      const verifiedSlip = verifySlip(slip, { anchors: this.book.anchors, now: time });
      try {
        results.push({
          terminalTxId,
          status: 'recovered',
          sale: await this.#accept(intent, check, verifiedSlip, policy),
        });
      } catch (error) {
        if (!(error instanceof TerminalError) || error.kind === 'bad_record') throw error;
        results.push({ terminalTxId, status: 'refused' });
      }
    }
    const [last, ...others] = results as [(typeof results)[number], ...typeof results];
    return {
      status: last.status,
      terminalTxId: last.terminalTxId,
      ...(last.sale ? { sale: last.sale } : {}),
      others: others.map(({ terminalTxId, status }) => ({ terminalTxId, status })),
    };
  }

  #lastStatus(): Omit<Recovery, 'others'> {
    const terminalTxId = this.book.lastTerminalTxId(this.terminalId);
    const slip = terminalTxId ? this.book.slip(this.terminalId, terminalTxId) : undefined;
    if (!slip) return { status: 'none' };
    const status: RecoveryStatus =
      slip.state === 'completed' ? 'completed' : slip.state === 'refused' ? 'refused' : 'not charged';
    return { status, terminalTxId };
  }

  /** The card's whole transaction log, newest first (16 records on the emulated card). */
  async #readLog(card: CardPort): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    for (let i = 0; i < 256; i++) {
      try {
        out.push(await card.readLog(i));
      } catch (error) {
        // Only "no record at this index" ends the log. Any other refusal (PIN not verified…) says
        // nothing about the log: it must not be mistaken for "not charged".
        if (error instanceof CardError && error.sw === SW.notFound) break;
        if (error instanceof CardError) throw TerminalError.fromCard(error, 'READ LOG');
        throw interrupted(error, 'READ LOG', 'try again');
      }
    }
    return out;
  }

  /** This terminal's last sale in the book (the one cancelLast would refund), if any. */
  lastSale(): BookEntry | undefined {
    const terminalTxId = this.book.lastTerminalTxId(this.terminalId);
    const slip = terminalTxId ? this.book.slip(this.terminalId, terminalTxId) : undefined;
    return slip?.checkHash ? this.book.entry(slip.checkHash) : undefined;
  }

  /**
   * Cancels this terminal's last sale: a merchant-signed refund goes back to the card, and the
   * check is voided so it is never deposited. Order, so that a crash anywhere neither creates nor
   * loses value: (1) the refund is journalled and the check held (never deposited while held);
   * (2) the card credits the refund; (3) the check is voided. A crash after (1) leaves the check
   * held: calling cancelLast(card) again sends the same refund; the card either credits it or
   * says it already did (both: void), or refuses it (release: the sale stands).
   */
  cancelLast(card: CardPort): Promise<Cancellation> {
    return this.#serial(() => this.#cancelLast(card));
  }

  async #cancelLast(card: CardPort): Promise<Cancellation> {
    const entry = this.lastSale();
    if (!entry)
      throw new TerminalError(
        'not_cancellable',
        `terminal ${this.terminalId} has no stored sale to cancel (see recover() for an interrupted one)`,
      );
    if (entry.status !== 'pending' && entry.status !== 'held')
      throw new TerminalError('not_cancellable', `the last sale is ${entry.status}`);
    const { checkHash, amount } = entry.record;
    const retry = entry.status === 'held';
    let refund: Uint8Array;
    if (retry) refund = entry.refund as Uint8Array;
    else {
      const verified = verifyCheck(entry.record.check, { anchors: this.book.anchors, now: entry.record.time });
      refund = makeRefund(this.book.merchant, verified, this.book.clock());
      await this.book.holdForRefund(checkHash, refund);
    }
    let balance: number;
    try {
      balance = await card.refund(refund, this.book.clock());
    } catch (error) {
      if (!(error instanceof CardError))
        throw interrupted(error, 'REFUND', 'present the card again and call cancelLast(card)');
      if (error.code === ErrorCode.RefundAlreadyApplied) {
        await this.book.void(checkHash, 'refunded to the card');
        return { checkHash, amount };
      }
      if (!retry) {
        // First attempt, refused by the card: nothing was credited, the sale stands.
        await this.book.releaseRefund(checkHash, error.code);
        throw TerminalError.fromCard(error, 'REFUND');
      }
      return this.#settleHeldRefund(card, entry, error);
    }
    await this.book.void(checkHash, 'refunded to the card');
    return { checkHash, amount, balance };
  }

  /**
   * A held refund sent again and refused (e.g. the card paid someone else since): the card's log
   * says whether the earlier attempt was credited (its refund record, or the purchase marked
   * refunded) → void; the purchase present and not refunded → release; neither → stays held.
   */
  async #settleHeldRefund(card: CardPort, entry: BookEntry, error: CardError): Promise<Cancellation> {
    const { checkHash, amount, slipHash } = entry.record;
    if (error.code === ErrorCode.WrongPurse)
      throw new TerminalError('wrong_card', `the refund is for purse ${entry.record.purseId}`, {
        code: error.code,
        sw: error.sw,
        cause: error,
      });
    const log = await this.#readLog(card);
    if (
      log.some(
        (r) =>
          (r.kind === 'refund' && equalBytes(r.hash, checkHash)) ||
          (r.kind === 'purchase' && r.refunded && equalBytes(r.hash, slipHash)),
      )
    ) {
      await this.book.void(checkHash, 'refunded to the card');
      return { checkHash, amount };
    }
    if (log.some((r) => r.kind === 'purchase' && !r.refunded && equalBytes(r.hash, slipHash))) {
      await this.book.releaseRefund(checkHash, error.code);
      throw TerminalError.fromCard(error, 'REFUND');
    }
    throw new TerminalError(
      'refund_unresolved',
      `the card refused the refund (${error.code}) and its log no longer shows the purchase: the check stays held (${toHex(checkHash).slice(0, 16)}…)`,
      { code: error.code, sw: error.sw, cause: error },
    );
  }
}
