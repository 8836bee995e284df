// One merchant's offline state, shared by its POS terminals and its web shop: the keys and
// certificate, the roots, the bank's certificate, the newest verified revocation list of each bank
// (its own, and in a scheme every issuer's, relayed by its bank), the risk
// policy, the accepted checks and what became of each (pending → in a deposit → deposited or
// refused by the bank, or presented by it to the card's issuer and then deposited or refused when
// a later deposit asks again; or held for a refund → voided, the refund then deposited at the bank
// with the next deposit), and the terminals' slip intents. Every
// change is a journal record appended durably (CheckStore) before it takes effect, and the state
// is the replay of the journal, so a restarted terminal is exactly where the crashed one was.

import { ed25519 } from '../../bindings/index.ts';
import { equalBytes, toHex } from '../bytes.ts';
import { type BankLink, BankRejectedError, BankUnreachableError } from '../net/bank-link.ts';
import type { AcceptancePolicy } from '../protocol/acceptance.ts';
import { makeDeposit, verifyReceipt } from '../protocol/capture.ts';
import { CertificateCache, parseCertificate, type TrustAnchors } from '../protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import type { CaptureReceipt, DigitalCheck, RevocationList } from '../protocol/messages.ts';
import type { Party } from '../protocol/pki.ts';
import { sealRefund } from '../protocol/refund.ts';
import { newerList, verifyRevocationList } from '../protocol/revocation.ts';
import type { KeySigner, Verified } from '../protocol/signed.ts';
import { TerminalError } from './errors.ts';
import type {
  BatchRecord,
  CheckRecord,
  CheckStore,
  JournalRecord,
  RefundDepositedRecord,
  SlipClosedRecord,
  SlipRecord,
} from './store.ts';

export interface MerchantPolicy {
  /**
   * Refuse checks offline when the revocation list of their issuer is older than this (seconds),
   * each issuer's list on its own. Undefined: no limit, for tests and embedders that decide
   * otherwise; the shipped terminals set DEFAULT_REVOCATION_MAX_AGE_S.
   */
  revocationMaxAgeS?: number;
  /** The terminal's own ceiling per check (floor limit), on top of the purse's certified one. */
  terminalMaxPerCheck?: number;
  /** Currency of this merchant's slips (ISO 4217 code). */
  currency?: string;
  /** Certificate signatures remembered (least recently used evicted first). Default 1024. */
  certificateCacheSize?: number;
  /** Checks per deposit batch. Default 1000 (the bank takes up to 10,000). */
  depositBatchMax?: number;
}

export interface MerchantBookOptions {
  merchant: Party;
  /** The bank's certificate: deposits are sealed to its key-exchange key. */
  bankCertificate: Uint8Array;
  anchors: TrustAnchors;
  store: CheckStore;
  bank?: BankLink;
  /** Unix seconds; default the system clock. */
  clock?: () => number;
  policy?: MerchantPolicy;
}

export type CheckStatus =
  /** Accepted, waiting for a deposit. */
  | 'pending'
  /** In a deposit batch sent (or about to be sent) to the bank, no receipt yet. */
  | 'sending'
  /** A refund of it is in progress: not deposited until the card's answer is known. */
  | 'held'
  /** Credited by the bank (receipt verified). */
  | 'deposited'
  /** Refused by the bank (receipt code kept): reported, never dropped. */
  | 'refused'
  /**
   * A check of another bank's purse, which the merchant's bank presented to that issuer (receipt
   * code PresentedToIssuer): not credited yet; each deposit asks again, until the issuer's answer
   * makes it deposited or refused.
   */
  | 'presented'
  /** Refunded or cancelled: never deposited. */
  | 'voided';

export interface BookEntry {
  record: CheckRecord;
  status: CheckStatus;
  /** Deposit batches this check was sent in (hex batch ids), oldest first. */
  batches: string[];
  /** The bank's code when refused (status 'refused'). */
  refusalCode?: number;
  /** Amount credited by the bank (status 'deposited'; 0 when credited under an earlier, unanswered batch). */
  credited?: number;
  /** The signed refund in progress (status 'held'), then given to the card (status 'voided'). */
  refund?: Uint8Array;
  voidReason?: string;
  /** The bank's answer to the refund, once deposited (a voided check's refund without one is sent next deposit). */
  refundDeposited?: Pick<RefundDepositedRecord, 'outcome' | 'code' | 'amount'>;
}

/** What the bank did with one refund deposited by `deposit()`. */
export interface RefundDepositOutcome {
  checkHash: Uint8Array;
  purseId: string;
  serial: number;
  amount: number;
  outcome: RefundDepositedRecord['outcome'];
  /** 0, or the bank's ErrorCode when refused. */
  code: number;
  /** Debited from the merchant (the check had been credited and is now reversed), else 0. */
  debited: number;
}

export interface DepositOutcome {
  checkHash: Uint8Array;
  purseId: string;
  serial: number;
  amount: number;
  status: 'deposited' | 'refused' | 'presented';
  /** 0 when credited, else the bank's ErrorCode for this check (PresentedToIssuer: not answered yet). */
  code: number;
  credited: number;
  /** Credited by an earlier batch whose receipt never arrived (the bank answered "duplicate"). */
  creditedEarlier?: boolean;
}

export interface DepositReport {
  batches: { batchId: Uint8Array; totalCredited: number; checks: number }[];
  outcomes: DepositOutcome[];
  /** Sum credited by the receipts of this call. */
  credited: number;
  /** The checks the bank refused (also kept in the book with status 'refused'). */
  refused: DepositOutcome[];
  /** The refunds given to cards since the last deposit, deposited first. */
  refunds: RefundDepositOutcome[];
}

export interface SlipIntent {
  record: SlipRecord;
  state: 'open' | 'completed' | 'not-charged' | 'refused';
  /** Completed: the stored check's hash. */
  checkHash?: Uint8Array;
  /** Refused / not charged: the code recorded. */
  code?: number;
}

const seenKey = (purseId: string, serial: number) => `${purseId}#${serial}`;
const slipKey = (terminalId: string, txId: number) => `${terminalId}#${txId}`;
const systemClock = () => Math.floor(Date.now() / 1000);

export class MerchantBook {
  readonly merchant: Party;
  /** The merchant's key held by the core, expanded once for all the slips this book signs. */
  readonly signer: KeySigner;
  readonly bankCertificate: Uint8Array;
  readonly bankId: string;
  readonly anchors: TrustAnchors;
  readonly store: CheckStore;
  readonly bank: BankLink | undefined;
  readonly clock: () => number;
  readonly policy: Readonly<MerchantPolicy>;
  readonly certificateCache: CertificateCache;

  /** The newest verified list of each bank, by bank id. */
  readonly #lists = new Map<string, Verified<RevocationList>>();
  /** Their bodies, one array until a list changes, so the revoked set is built once per change. */
  #listBodies: RevocationList[] = [];
  readonly #entries = new Map<string, BookEntry>();
  readonly #seen = new Set<string>();
  readonly #slips = new Map<string, SlipIntent>();
  readonly #lastTx = new Map<string, number>();
  readonly #batches = new Map<string, BatchRecord>();
  #openBatch: BatchRecord | undefined;
  /**
   * The open batch may have reached the bank without a definitive answer (a lost reply, a timeout,
   * or a restart after the batch was journalled): the bank may have credited it. Such a batch is
   * never abandoned on a later refusal, which could be a damaged resend; only its receipt closes it.
   */
  #openBatchMaybeDelivered = false;
  #depositing: Promise<unknown> = Promise.resolve();

  private constructor(o: MerchantBookOptions) {
    this.merchant = o.merchant;
    this.signer = {
      signingKey: ed25519.SigningKey.fromSecretKey(o.merchant.secretKey),
      certificate: o.merchant.certificate,
    };
    this.bankCertificate = o.bankCertificate;
    this.bankId = parseCertificate(o.bankCertificate).subject;
    this.anchors = o.anchors;
    this.store = o.store;
    this.bank = o.bank;
    this.clock = o.clock ?? systemClock;
    this.policy = { ...(o.policy ?? {}) };
    this.certificateCache = new CertificateCache(this.policy.certificateCacheSize ?? 1024);
    const merchantCert = parseCertificate(o.merchant.certificate);
    if (merchantCert.subject !== o.merchant.id)
      throw new TypeError(`merchant: certificate of ${merchantCert.subject} for ${o.merchant.id}`);
    if (merchantCert.issuer !== this.bankId)
      throw new TypeError(`bankCertificate: ${this.bankId}, but the merchant is certified by ${merchantCert.issuer}`);
  }

  /** Opens the book: reads the journal and replays it. */
  static async open(o: MerchantBookOptions): Promise<MerchantBook> {
    const book = new MerchantBook(o);
    for (const record of await o.store.load()) book.#apply(record, true);
    // Journalled before the send: after a restart nobody knows whether it went out.
    book.#openBatchMaybeDelivered = book.#openBatch !== undefined;
    return book;
  }

  // ---------------------------------------------------------------- journal

  /** Appends a record durably, then applies it to the state (never the other way round). */
  async #commit(record: JournalRecord): Promise<void> {
    await this.store.append(record);
    this.#apply(record, false);
  }

  #apply(r: JournalRecord, replay: boolean): void {
    switch (r.kind) {
      case 'slip': {
        this.#slips.set(slipKey(r.terminalId, r.terminalTxId), { record: r, state: 'open' });
        this.#lastTx.set(r.terminalId, Math.max(this.#lastTx.get(r.terminalId) ?? 0, r.terminalTxId));
        return;
      }
      case 'slip-closed': {
        const slip = this.#slips.get(slipKey(r.terminalId, r.terminalTxId));
        if (slip) Object.assign(slip, { state: r.outcome, code: r.code });
        return;
      }
      case 'check': {
        const hex = toHex(r.checkHash);
        if (this.#entries.has(hex)) return;
        this.#entries.set(hex, { record: r, status: 'pending', batches: [] });
        this.#seen.add(seenKey(r.purseId, r.serial));
        if (r.terminalId) {
          const slip = this.#slips.get(slipKey(r.terminalId, r.terminalTxId));
          if (slip) Object.assign(slip, { state: 'completed', checkHash: r.checkHash });
          this.#lastTx.set(r.terminalId, Math.max(this.#lastTx.get(r.terminalId) ?? 0, r.terminalTxId));
        }
        return;
      }
      case 'refund': {
        const e = this.#entries.get(toHex(r.checkHash));
        if (e) Object.assign(e, { status: 'held', refund: r.refund });
        return;
      }
      case 'refund-released': {
        const e = this.#entries.get(toHex(r.checkHash));
        if (e && e.status === 'held') {
          e.status = 'pending';
          delete e.refund;
        }
        return;
      }
      case 'refund-deposited': {
        const e = this.#entries.get(toHex(r.checkHash));
        if (e) e.refundDeposited = { outcome: r.outcome, code: r.code, amount: r.amount };
        return;
      }
      case 'void': {
        const e = this.#entries.get(toHex(r.checkHash));
        if (e) {
          e.status = 'voided';
          e.voidReason = r.reason;
        }
        return;
      }
      case 'batch': {
        const id = toHex(r.batchId);
        this.#batches.set(id, r);
        this.#openBatch = r;
        this.#openBatchMaybeDelivered = false;
        for (const h of r.checkHashes) {
          const e = this.#entries.get(toHex(h));
          if (!e) continue;
          e.status = 'sending';
          e.batches.push(id);
        }
        return;
      }
      case 'receipt': {
        if (this.#openBatch && equalBytes(this.#openBatch.batchId, r.batchId)) this.#openBatch = undefined;
        const id = toHex(r.batchId);
        for (const [hash, code, credited] of r.outcomes) {
          const e = this.#entries.get(toHex(hash));
          if (!e) continue;
          const earlier = code === ErrorCode.DuplicateCheck && e.batches.some((b) => b !== id);
          if (code === 0 || earlier) {
            e.status = 'deposited';
            e.credited = credited;
          } else if (code === ErrorCode.PresentedToIssuer) {
            e.status = 'presented';
          } else {
            e.status = 'refused';
            e.refusalCode = code;
          }
        }
        return;
      }
      case 'batch-abandoned': {
        if (this.#openBatch && equalBytes(this.#openBatch.batchId, r.batchId)) this.#openBatch = undefined;
        const batch = this.#batches.get(toHex(r.batchId));
        for (const h of batch?.checkHashes ?? []) {
          const e = this.#entries.get(toHex(h));
          if (e?.status === 'sending') e.status = 'pending';
        }
        return;
      }
      case 'revocation-list': {
        if (!replay) return; // applied by setRevocationList, which verified it
        try {
          this.#keep(this.#verifyList(r.list));
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
          // A stored list that no longer verifies (the bank's certificate expired) is not used.
        }
        return;
      }
    }
  }

  // ---------------------------------------------------------------- revocation

  #verifyList(bytes: Uint8Array): Verified<RevocationList> {
    return verifyRevocationList(bytes, { anchors: this.anchors, now: this.clock() });
  }

  /** Keeps `candidate` when it is newer than the list held of its bank; true when it was. */
  #keep(candidate: Verified<RevocationList>): boolean {
    const bankId = candidate.body.bankId;
    if (newerList(this.#lists.get(bankId), candidate) !== candidate) return false;
    this.#lists.set(bankId, candidate);
    this.#listBodies = [...this.#lists.values()].map((l) => l.body);
    return true;
  }

  /**
   * Verifies a revocation list (signed by a bank under the trusted roots: this merchant's own, or
   * in a scheme another issuer's, relayed as signed) and keeps it when it is newer than the one
   * held of that bank; true when it became that bank's current list. A bad list throws
   * ProtocolError and changes nothing.
   */
  async setRevocationList(bytes: Uint8Array): Promise<boolean> {
    const candidate = this.#verifyList(bytes);
    const held = this.#lists.get(candidate.body.bankId);
    if (newerList(held, candidate) !== candidate) return false;
    await this.store.append({ kind: 'revocation-list', list: bytes.slice() });
    return this.#keep(candidate);
  }

  /**
   * Fetches the current lists through the merchant's bank (its own, and the other issuers' it
   * relays, when the link offers them) and keeps each that is newer; true when any was.
   * BankUnreachable: TerminalError, nothing changed. A relayed list that does not verify is
   * refused like any other (ProtocolError) after the good ones were kept.
   */
  async refreshRevocationList(): Promise<boolean> {
    const bank = this.#needBank();
    let lists: Uint8Array[];
    try {
      lists = bank.revocationLists ? await bank.revocationLists() : [await bank.revocationList()];
    } catch (error) {
      throw bankFailure(error, 'revocation list');
    }
    let changed = false;
    let failure: unknown;
    for (const bytes of lists) {
      try {
        changed = (await this.setRevocationList(bytes)) || changed;
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        failure ??= error;
      }
    }
    if (failure) throw failure;
    return changed;
  }

  /** The list held of this merchant's own bank. */
  get revocationList(): Verified<RevocationList> | undefined {
    return this.#lists.get(this.bankId);
  }

  /** Every list held, one per bank. */
  get revocationLists(): Verified<RevocationList>[] {
    return [...this.#lists.values()];
  }

  /** Seconds since the held list of `bankId` (default this merchant's bank) was issued; null when none is held. */
  revocationListAgeS(now = this.clock(), bankId = this.bankId): number | null {
    const list = this.#lists.get(bankId);
    return list ? now - list.body.issuedAt : null;
  }

  /**
   * True when policy says the list of `bankId` is too old (or missing) to accept its cards
   * offline; without `bankId`, when no list held is young enough to accept any card.
   */
  revocationListStale(now = this.clock(), bankId?: string): boolean {
    const max = this.policy.revocationMaxAgeS;
    if (max === undefined) return false;
    const ages =
      bankId === undefined
        ? [...this.#lists.keys()].map((b) => this.revocationListAgeS(now, b))
        : [this.revocationListAgeS(now, bankId)];
    return !ages.some((age) => age !== null && age <= max);
  }

  // ---------------------------------------------------------------- acceptance

  /** The policy for acceptCheck / acceptInternetCheck, as of now. */
  acceptancePolicy(now = this.clock()): AcceptancePolicy {
    const p: AcceptancePolicy = {
      anchors: this.anchors,
      now,
      seen: (purseId, serial) => this.#seen.has(seenKey(purseId, serial)),
      verifiedCache: this.certificateCache,
    };
    if (this.#listBodies.length) p.revocationLists = this.#listBodies;
    if (this.policy.revocationMaxAgeS !== undefined) p.revocationMaxAgeS = this.policy.revocationMaxAgeS;
    if (this.policy.terminalMaxPerCheck !== undefined) p.terminalMaxPerCheck = this.policy.terminalMaxPerCheck;
    return p;
  }

  /** True when a check with this purse and serial is already in the book. */
  seen(purseId: string, serial: number): boolean {
    return this.#seen.has(seenKey(purseId, serial));
  }

  /**
   * Records an accepted check durably; resolves once it survives a crash. Call it before the goods
   * are handed over. A check for another merchant, or one already recorded, is refused.
   */
  async record(
    check: Verified<DigitalCheck>,
    origin: { terminalId: string; terminalTxId: number } = { terminalId: '', terminalTxId: 0 },
  ): Promise<BookEntry> {
    const b = check.body;
    if (b.merchantId !== this.merchant.id)
      throw new TerminalError('bad_record', `check paid to ${b.merchantId}, this book is ${this.merchant.id}`, {
        code: ErrorCode.WrongMerchant,
      });
    if (this.#seen.has(seenKey(b.purseId, b.serial)) || this.#entries.has(toHex(check.hash))) {
      throw new TerminalError('bad_record', `check ${b.purseId}#${b.serial} already recorded`, {
        code: ErrorCode.DuplicateCheck,
      });
    }
    // Reserve the (purse, serial) now: a second record of it racing this append is refused.
    this.#seen.add(seenKey(b.purseId, b.serial));
    try {
      await this.#commit({
        kind: 'check',
        check: check.bytes.slice(),
        checkHash: check.hash,
        purseId: b.purseId,
        serial: b.serial,
        amount: b.amount,
        currency: b.currency,
        channel: b.channel,
        slipHash: b.slipHash,
        terminalId: origin.terminalId,
        terminalTxId: origin.terminalTxId,
        time: this.clock(),
      });
    } catch (error) {
      this.#seen.delete(seenKey(b.purseId, b.serial));
      throw error;
    }
    return this.#entries.get(toHex(check.hash)) as BookEntry;
  }

  /** Every check in the book, in the order accepted. */
  checks(): BookEntry[] {
    return [...this.#entries.values()];
  }

  entry(checkHash: Uint8Array): BookEntry | undefined {
    return this.#entries.get(toHex(checkHash));
  }

  /** Checks not yet deposited: waiting for a deposit, or in a batch whose receipt has not come. */
  pending(): BookEntry[] {
    return this.checks().filter((e) => e.status === 'pending' || e.status === 'sending');
  }

  /** Checks the bank refused, with its code: for the merchant to follow up. */
  refused(): BookEntry[] {
    return this.checks().filter((e) => e.status === 'refused');
  }

  /** Voided checks whose refund the card took and the bank has not answered yet: sent at the next deposit. */
  pendingRefunds(): BookEntry[] {
    return this.checks().filter((e) => e.status === 'voided' && e.refund && !e.refundDeposited);
  }

  /** Checks the bank presented to their issuer, not answered yet: the next deposit asks again. */
  presented(): BookEntry[] {
    return this.checks().filter((e) => e.status === 'presented');
  }

  /** Sum of the presented checks (deposited, not credited until their issuer accepts them). */
  presentedAmount(): number {
    return this.presented().reduce((s, e) => s + e.record.amount, 0);
  }

  /** Sum of pending checks (what the merchant is owed and has not deposited yet). */
  pendingAmount(): number {
    return this.pending().reduce((s, e) => s + e.record.amount, 0);
  }

  /**
   * Voids a pending check (cancelled without a card refund, e.g. the goods were never handed
   * over and the cardholder got value back another way): it is never deposited.
   */
  async void(checkHash: Uint8Array, reason: string): Promise<void> {
    const e = this.#cancellable(checkHash);
    if (e.status !== 'pending' && e.status !== 'held')
      throw new TerminalError('not_cancellable', `check is ${e.status}`);
    await this.#commit({ kind: 'void', checkHash: e.record.checkHash, reason, time: this.clock() });
  }

  /** Holds a pending check for a refund about to be sent to the card (durable before it is sent). */
  async holdForRefund(checkHash: Uint8Array, refund: Uint8Array): Promise<void> {
    const e = this.#cancellable(checkHash);
    if (e.status !== 'pending') throw new TerminalError('not_cancellable', `check is ${e.status}`);
    await this.#commit({ kind: 'refund', checkHash: e.record.checkHash, refund: refund.slice(), time: this.clock() });
  }

  /** The card did not take the refund: the check is pending again. */
  async releaseRefund(checkHash: Uint8Array, code: number): Promise<void> {
    const e = this.#cancellable(checkHash);
    if (e.status !== 'held') throw new TerminalError('not_cancellable', `check is ${e.status}`);
    await this.#commit({ kind: 'refund-released', checkHash: e.record.checkHash, code, time: this.clock() });
  }

  #cancellable(checkHash: Uint8Array): BookEntry {
    const e = this.#entries.get(toHex(checkHash));
    if (!e) throw new TerminalError('not_cancellable', 'no such check in the book');
    return e;
  }

  // ---------------------------------------------------------------- slip intents (terminals)

  /** The highest transaction id this terminal used (0: none). */
  lastTerminalTxId(terminalId: string): number {
    return this.#lastTx.get(terminalId) ?? 0;
  }

  /** Records that a slip is about to go to a card (durable before it is sent). */
  async recordSlip(record: Omit<SlipRecord, 'kind'>): Promise<void> {
    if (record.terminalTxId <= this.lastTerminalTxId(record.terminalId))
      throw new RangeError(`terminalTxId ${record.terminalTxId} not above ${this.lastTerminalTxId(record.terminalId)}`);
    await this.#commit({ kind: 'slip', ...record });
  }

  /** Closes a slip that ended without a stored check. */
  async closeSlip(record: Omit<SlipClosedRecord, 'kind' | 'time'>): Promise<void> {
    await this.#commit({ kind: 'slip-closed', ...record, time: this.clock() });
  }

  slip(terminalId: string, terminalTxId: number): SlipIntent | undefined {
    return this.#slips.get(slipKey(terminalId, terminalTxId));
  }

  /** This terminal's slips still open (sent, or about to be, with no outcome recorded), newest first. */
  openSlips(terminalId: string): SlipIntent[] {
    return [...this.#slips.values()]
      .filter((s) => s.state === 'open' && s.record.terminalId === terminalId)
      .sort((a, b) => b.record.terminalTxId - a.record.terminalTxId);
  }

  // ---------------------------------------------------------------- deposit (protocol 5)

  /**
   * Deposits the refunds given to cards since the last deposit (each sealed to the bank: the bank
   * then never credits the refunded check, or reverses it), then every pending check (held and
   * voided ones excepted) in batches, and reconciles each receipt check by check. A batch whose reply was lost is first sent again, with the same batch
   * id and contents, so the bank answers with the same receipt and credits nothing twice. Bank
   * unreachable: TerminalError 'bank_unreachable', and the checks stay pending.
   */
  deposit(): Promise<DepositReport> {
    const run = this.#depositing.then(() => this.#deposit());
    this.#depositing = run.catch(() => undefined);
    return run;
  }

  async #deposit(): Promise<DepositReport> {
    this.#needBank();
    const report: DepositReport = { batches: [], outcomes: [], credited: 0, refused: [], refunds: [] };
    for (const e of this.pendingRefunds()) report.refunds.push(await this.#sendRefund(e));
    if (this.#openBatch) await this.#send(this.#openBatch, report);
    // Batches with checks presented to their issuer: the same batch again gets the current receipt.
    for (const id of new Set(this.presented().map((e) => e.batches[e.batches.length - 1] as string))) {
      const batch = this.#batches.get(id);
      if (batch) await this.#ask(batch, report);
    }
    const max = this.policy.depositBatchMax ?? 1000;
    for (;;) {
      const ready = this.checks()
        .filter((e) => e.status === 'pending')
        .slice(0, max);
      if (ready.length === 0) break;
      const batch: BatchRecord = {
        kind: 'batch',
        batchId: crypto.getRandomValues(new Uint8Array(16)),
        checkHashes: ready.map((e) => e.record.checkHash),
        time: this.clock(),
      };
      await this.#commit(batch);
      await this.#send(batch, report);
    }
    return report;
  }

  async #send(batch: BatchRecord, report: DepositReport): Promise<void> {
    const bank = this.#needBank();
    const checks = batch.checkHashes.map((h) => (this.#entries.get(toHex(h)) as BookEntry).record.check);
    const envelope = makeDeposit(this.merchant, this.bankCertificate, checks, batch.batchId, batch.time);
    let receipt: Uint8Array;
    try {
      receipt = await bank.deposit(envelope);
    } catch (error) {
      const failure = bankFailure(error, 'deposit');
      if (failure.kind === 'bank_rejected' && !this.#openBatchMaybeDelivered) {
        // The only delivery was refused: the bank holds nothing of this batch; its checks go out again.
        await this.#commit({
          kind: 'batch-abandoned',
          batchId: batch.batchId,
          reason: failure.message,
          time: this.clock(),
        });
      } else {
        // Unreachable, or refused after an earlier delivery of unknown outcome: the batch stays
        // open and the next deposit sends the same batch again (same id, time and checks), which
        // the bank either answers with its stored receipt or captures now.
        this.#openBatchMaybeDelivered = true;
      }
      throw failure;
    }
    await this.#reconcile(batch, checks, receipt, report, false);
  }

  /**
   * Asks the bank again about a batch it answered, some of whose checks it presented to their
   * issuer: the same batch (same id, time and checks) gets the current receipt, with the issuer's
   * outcome for those answered since. Only the presented checks are reported (the others were
   * reported and counted by the first receipt). The bank unreachable: they stay presented.
   */
  async #ask(batch: BatchRecord, report: DepositReport): Promise<void> {
    const bank = this.#needBank();
    const checks = batch.checkHashes.map((h) => (this.#entries.get(toHex(h)) as BookEntry).record.check);
    const envelope = makeDeposit(this.merchant, this.bankCertificate, checks, batch.batchId, batch.time);
    const receipt = await bank.deposit(envelope).catch((error: unknown) => {
      throw bankFailure(error, 'deposit');
    });
    await this.#reconcile(batch, checks, receipt, report, true);
  }

  /** Verifies a batch's receipt, journals it, and reports its outcomes (`asked`: the presented checks only). */
  async #reconcile(
    batch: BatchRecord,
    checks: Uint8Array[],
    receipt: Uint8Array,
    report: DepositReport,
    asked: boolean,
  ): Promise<void> {
    const presented = new Set(this.presented().map((e) => toHex(e.record.checkHash)));
    let verified: Verified<CaptureReceipt>;
    try {
      verified = verifyReceipt(
        this.merchant,
        receipt,
        { batchId: batch.batchId, checks },
        { anchors: this.anchors, now: this.clock() },
      );
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#openBatchMaybeDelivered = true; // the bank answered: it may well have captured the batch
      throw new TerminalError('bad_receipt', `deposit receipt: ${error.message}`, { code: error.code, cause: error });
    }
    const outcomes = verified.body.outcomes.map(([h, c, n]): [Uint8Array, number, number] => [h, c, n]);
    await this.#commit({ kind: 'receipt', batchId: batch.batchId, receipt, outcomes, time: this.clock() });
    const reported = asked ? outcomes.filter(([hash]) => presented.has(toHex(hash))) : outcomes;
    const credited = reported.reduce((sum, [, , c]) => sum + c, 0);
    report.batches.push({ batchId: batch.batchId, totalCredited: credited, checks: reported.length });
    report.credited += credited;
    for (const [hash, code, credited] of reported) {
      const e = this.#entries.get(toHex(hash)) as BookEntry;
      const outcome: DepositOutcome = {
        checkHash: hash,
        purseId: e.record.purseId,
        serial: e.record.serial,
        amount: e.record.amount,
        status: e.status === 'deposited' || e.status === 'presented' ? e.status : 'refused',
        code,
        credited,
        ...(code !== 0 && e.status === 'deposited' ? { creditedEarlier: true } : {}),
      };
      report.outcomes.push(outcome);
      if (outcome.status === 'refused') report.refused.push(outcome);
    }
  }

  /**
   * One refund to the bank. Its answer, or a refusal with a protocol code (the same refund would be
   * refused again), is journalled and ends it; no answer (unreachable, overloaded) leaves it for the
   * next deposit and stops this one, as a batch would.
   */
  async #sendRefund(e: BookEntry): Promise<RefundDepositOutcome> {
    const bank = this.#needBank();
    const r = e.record;
    let record: RefundDepositedRecord;
    try {
      const answer = await bank.refund(sealRefund(this.bankCertificate, e.refund as Uint8Array));
      const { outcome, amount } = answer;
      record = { kind: 'refund-deposited', checkHash: r.checkHash, outcome, code: 0, amount, time: this.clock() };
    } catch (error) {
      const code = protocolCode(error);
      if (code === undefined) throw bankFailure(error, 'refund');
      record = {
        kind: 'refund-deposited',
        checkHash: r.checkHash,
        outcome: 'refused',
        code,
        amount: 0,
        time: this.clock(),
      };
    }
    await this.#commit(record);
    return {
      checkHash: r.checkHash,
      purseId: r.purseId,
      serial: r.serial,
      amount: r.amount,
      outcome: record.outcome,
      code: record.code,
      debited: record.amount,
    };
  }

  #needBank(): BankLink {
    if (!this.bank) throw new TypeError('MerchantBook: no bank link given (options.bank)');
    return this.bank;
  }
}

/** The protocol code of a bank's refusal (in-process or over HTTP); undefined when the bank decided nothing. */
function protocolCode(error: unknown): number | undefined {
  if (error instanceof ProtocolError) return error.code;
  if (error instanceof BankRejectedError && error.kind === 'protocol' && typeof error.code === 'number')
    return error.code;
  return undefined;
}

/** A failed bank call as a TerminalError: unreachable (nothing decided) or rejected. */
function bankFailure(error: unknown, what: string): TerminalError {
  if (error instanceof TerminalError) return error;
  if (error instanceof BankUnreachableError)
    return new TerminalError('bank_unreachable', `${what}: ${error.message}`, { cause: error });
  const code = error instanceof ProtocolError ? error.code : undefined;
  return new TerminalError('bank_rejected', `${what}: ${(error as Error)?.message ?? String(error)}`, {
    ...(code !== undefined ? { code } : {}),
    cause: error,
  });
}
