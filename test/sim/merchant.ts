// The merchant side as the simulator drives it: an offline book of checks over a durable journal
// (the simulator's stand-in for MerchantBook + CheckStore of src/merchant/ until that lands; same
// duties: journal before goods, replay refusal, revocation list, idempotent deposit with the batch
// journalled before it is sent), a POS terminal that sells to a card and recovers a torn sale from
// the card's log, and a web shop that accepts sealed Internet checks.
import type { SimCard } from './cards.ts';
import { CardTorn, CURRENCY } from './cards.ts';
import type { Faults } from './faults.ts';
import { flipByte } from './faults.ts';
import type { Prng } from './prng.ts';
import { CardError } from '../../src/card/purse.ts';
import type { BankLink } from '../../src/net/bank-link.ts';
import { BankUnreachableError } from '../../src/net/bank-link.ts';
import { acceptCheck, type AcceptancePolicy, type Verdict } from '../../src/protocol/acceptance.ts';
import { makeDeposit, verifyReceipt } from '../../src/protocol/capture.ts';
import { equalBytes } from '../../src/protocol/cbor.ts';
import { parseCertificate, revocationKey, type TrustAnchors } from '../../src/protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { acceptInternetCheck, approveInternetCheck, makeCheckRequest, makeInternetSlip } from '../../src/protocol/internet.ts';
import { digitalCheck, type DigitalCheck, type PurchaseSlip, type RevocationList } from '../../src/protocol/messages.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { makeSlip, verifySlip } from '../../src/protocol/pos.ts';
import { Channel } from '../../src/protocol/registry.ts';
import { newerList, revokedSet, verifyRevocationList } from '../../src/protocol/revocation.ts';
import type { Verified } from '../../src/protocol/signed.ts';
import { splitInternet } from '../../src/card/purse.ts';

export const hex = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('hex');

export interface CheckEntry {
  hash: string;
  purseId: string;
  serial: number;
  amount: number;
  channel: number;
  bytes: Uint8Array;
}

export type JournalRecord =
  | ({ kind: 'check' } & CheckEntry)
  | { kind: 'batch'; batchId: Uint8Array; time: number; hashes: string[] }
  | { kind: 'settled'; batchId: string; outcomes: { hash: string; code: number; credited: number }[] };

/** The simulated terminal process died (a crash injected at its journal). */
export class TerminalCrash extends Error {
  constructor(readonly when: 'before' | 'after') {
    super(`terminal crashed ${when} storing the check`);
    this.name = 'TerminalCrash';
  }
}

/** A durable journal in memory; the simulator arms a crash just before or just after the next check append. */
export class CrashingJournal {
  readonly records: JournalRecord[] = [];
  crashAt: 'before' | 'after' | undefined;
  async append(record: JournalRecord): Promise<void> {
    const crash = record.kind === 'check' ? this.crashAt : undefined;
    this.crashAt = undefined;
    if (crash === 'before') throw new TerminalCrash('before');
    this.records.push(record);
    if (crash === 'after') throw new TerminalCrash('after');
  }
}

export interface BookOptions {
  merchant: Party;
  bankCertificate: Uint8Array;
  anchors: TrustAnchors;
  journal: CrashingJournal;
  bank: BankLink;
  clock: () => number;
  prng: Prng;
  revocationMaxAgeS: number;
  batchMax: number;
}

export interface CheckState extends CheckEntry {
  /** undefined: not deposited yet; else the bank's outcome. */
  code?: number;
  credited?: number;
  inBatch?: string;
}

/** One merchant's offline state, rebuilt from its journal when its process (re)starts. */
export class Book {
  readonly checks = new Map<string, CheckState>();
  private readonly seenKeys = new Set<string>();
  private inflight: { batchId: Uint8Array; time: number; hashes: string[] } | undefined;
  private list: Verified<RevocationList> | undefined;
  /** Terminal transaction ids: from the journal's length on (a restarted terminal does not reuse recorded ones). */
  private txIds: number;

  constructor(readonly o: BookOptions) {
    for (const r of o.journal.records) this.apply(r);
    this.txIds = o.journal.records.length;
  }

  nextTxId(): number {
    return ++this.txIds;
  }

  /** Keeps the revocation list of an earlier incarnation of this merchant's process (it is in its journal). */
  adoptList(list: Verified<RevocationList> | undefined): void {
    if (list) this.list = newerList(this.list, list);
  }

  get verifiedList(): Verified<RevocationList> | undefined {
    return this.list;
  }

  get id(): string {
    return this.o.merchant.id;
  }

  private apply(r: JournalRecord): void {
    if (r.kind === 'check') {
      const { kind: _, ...entry } = r;
      if (!this.checks.has(r.hash)) this.checks.set(r.hash, { ...entry });
      this.seenKeys.add(`${r.purseId}/${r.serial}`);
    } else if (r.kind === 'batch') {
      this.inflight = { batchId: r.batchId, time: r.time, hashes: r.hashes };
      for (const h of r.hashes) (this.checks.get(h) as CheckState).inBatch = hex(r.batchId);
    } else {
      for (const o of r.outcomes) Object.assign(this.checks.get(o.hash) as CheckState, { code: o.code, credited: o.credited });
      if (this.inflight && hex(this.inflight.batchId) === r.batchId) this.inflight = undefined;
    }
  }

  private async append(r: JournalRecord): Promise<void> {
    await this.o.journal.append(r);
    this.apply(r);
  }

  /** The revocation list kept (the newest seen); the simulator may keep it stale on purpose. */
  async refreshRevocationList(): Promise<number> {
    const verified = verifyRevocationList(await this.o.bank.revocationList(), { anchors: this.o.anchors, now: this.o.clock() });
    this.list = newerList(this.list, verified);
    return this.list.body.listNumber;
  }

  get revocationList(): RevocationList | undefined {
    return this.list?.body;
  }

  acceptancePolicy(): AcceptancePolicy {
    return {
      anchors: this.o.anchors,
      now: this.o.clock(),
      ...(this.list ? { revocationList: this.list.body } : {}),
      revocationMaxAgeS: this.o.revocationMaxAgeS,
      seen: (purseId, serial) => this.seenKeys.has(`${purseId}/${serial}`),
    };
  }

  /** Durably records an accepted check (before the goods are handed over); a check already held is not recorded twice. */
  async record(check: Verified<DigitalCheck>): Promise<CheckEntry> {
    const entry: CheckEntry = { hash: hex(check.hash), purseId: check.body.purseId, serial: check.body.serial, amount: check.body.amount, channel: check.body.channel, bytes: check.bytes };
    if (!this.checks.has(entry.hash)) await this.append({ kind: 'check', ...entry });
    return entry;
  }

  holds(hash: Uint8Array): boolean {
    return this.checks.has(hex(hash));
  }

  /** Checks not yet settled by a receipt (in a batch in flight or not deposited at all). */
  pending(): CheckState[] {
    return [...this.checks.values()].filter((c) => c.code === undefined);
  }

  /**
   * Deposits: the batch in flight again (same id, time and checks: the bank answers a repeat with
   * the stored receipt), or a new batch of pending checks, journalled before it is sent. Returns
   * the settled outcomes, or undefined when nothing was pending. Throws when the bank was
   * unreachable, refused the envelope, or the receipt did not verify: the batch stays in flight.
   */
  async deposit(): Promise<{ batchId: string; outcomes: { hash: string; code: number; credited: number }[]; resent: boolean } | undefined> {
    let resent = true;
    if (!this.inflight) {
      const ready = [...this.checks.values()].filter((c) => c.code === undefined && c.inBatch === undefined).slice(0, this.o.batchMax);
      if (ready.length === 0) return undefined;
      await this.append({ kind: 'batch', batchId: this.o.prng.bytes(16), time: this.o.clock(), hashes: ready.map((c) => c.hash) });
      resent = false;
    }
    const batch = this.inflight as { batchId: Uint8Array; time: number; hashes: string[] };
    const checks = batch.hashes.map((h) => (this.checks.get(h) as CheckState).bytes);
    const receipt = await this.o.bank.deposit(makeDeposit(this.o.merchant, this.o.bankCertificate, checks, batch.batchId, batch.time));
    let verified;
    try {
      verified = verifyReceipt(this.o.merchant, receipt, { batchId: batch.batchId, checks }, { anchors: this.o.anchors, now: this.o.clock() });
    } catch (error) {
      if (error instanceof ProtocolError) throw new BankUnreachableError('sim', error); // a reply that does not verify is no reply
      throw error;
    }
    const outcomes = verified.body.outcomes.map(([h, code, credited], i) => {
      if (hex(h) !== batch.hashes[i]) throw new Error('receipt names another check');
      return { hash: batch.hashes[i] as string, code, credited };
    });
    await this.append({ kind: 'settled', batchId: hex(batch.batchId), outcomes });
    return { batchId: hex(batch.batchId), outcomes, resent };
  }
}

export type SaleResult =
  | { status: 'sold'; entry: CheckEntry; recovered: boolean }
  /** Refused; `paid` is the check the card signed anyway (its value is now lost to the cardholder). */
  | { status: 'refused'; code: number | string; paid?: CheckEntry }
  | { status: 'card-refused'; sw: number; code: number }
  | { status: 'crashed'; when: 'before' | 'after' };

interface InProgress {
  slip: Uint8Array;
  verified: Verified<PurchaseSlip>;
}

const entryOf = (v: Verified<DigitalCheck>): CheckEntry => ({ hash: hex(v.hash), purseId: v.body.purseId, serial: v.body.serial, amount: v.body.amount, channel: v.body.channel, bytes: v.bytes });

/**
 * Refusals decided before the card is asked to pay, so a refused sale never costs the cardholder
 * anything: a revocation list too old for the policy, or the card's purse on the list.
 */
async function preCheck(book: Book, card: SimCard): Promise<number | undefined> {
  const policy = book.acceptancePolicy();
  const list = policy.revocationList;
  if (!list || policy.now - list.issuedAt > (policy.revocationMaxAgeS ?? Infinity)) return ErrorCode.StaleRevocationList;
  const certificate = parseCertificate(await card.card.certificate());
  if (revokedSet([list]).has(revocationKey(certificate.issuer, certificate.subject))) return ErrorCode.Revoked;
  return undefined;
}

/** The card's check for `slipHash` from its log (newest record), or undefined when it did not pay it. */
export async function paidFromLog(card: SimCard, slipHash: Uint8Array, prng: Prng, faults: Faults): Promise<Uint8Array | undefined> {
  for (;;) {
    try {
      return await card.run(prng, faults, async (c) => {
        const st = await c.status();
        if (st.logTotal === 0) return undefined;
        const last = await c.readLog(0);
        if (last.kind !== 'purchase' || !equalBytes(last.hash, slipHash)) return undefined;
        return c.reissueCheck(last.serial);
      });
    } catch (error) {
      if (!(error instanceof CardTorn)) throw error; // reading the log changes nothing: a cut only retries
    }
  }
}

/** A POS terminal of one merchant: slip, card, verdict, journal; recovery of a torn sale from the card's log. */
export class Terminal {
  /** The sale in progress: a real terminal journals its slip before it sends it; the simulator carries it across a crash. */
  inProgress: InProgress | undefined;
  constructor(
    public book: Book,
    readonly terminalId: string,
  ) {}

  slip(amount: number, channel: Channel, prng: Prng): InProgress {
    const o = this.book.o;
    const body = { merchantId: o.merchant.id, amount, currency: CURRENCY, time: o.clock(), terminalId: this.terminalId, terminalTxId: this.book.nextTxId(), terminalNonce: prng.bytes(16) };
    const slip = channel === Channel.Internet ? makeInternetSlip(o.merchant, body) : makeSlip(o.merchant, { ...body, channel: Channel.Pos });
    return { slip, verified: verifySlip(slip, { anchors: o.anchors, now: o.clock() }) };
  }

  /** One sale. A card torn mid-purchase, or a check damaged on its way, is recovered from the card's log. */
  async sell(card: SimCard, amount: number, prng: Prng, faults: Faults): Promise<SaleResult> {
    const early = await preCheck(this.book, card);
    if (early !== undefined) return { status: 'refused', code: early };
    const s = this.slip(amount, Channel.Pos, prng);
    this.inProgress = s;
    const sent = faults.strike('tamper-slip') ? flipByte(prng, s.slip) : s.slip;
    let checkBytes: Uint8Array | undefined;
    try {
      checkBytes = await card.run(prng, faults, (c) => c.purchase(sent, this.book.o.clock()));
    } catch (error) {
      if (error instanceof CardError) {
        this.inProgress = undefined;
        return { status: 'card-refused', sw: error.sw, code: error.code };
      }
      if (!(error instanceof CardTorn)) throw error;
    }
    if (checkBytes && faults.strike('tamper-check')) checkBytes = flipByte(prng, checkBytes);
    let verdict: Verdict | undefined = checkBytes ? acceptCheck(checkBytes, s.verified, this.book.acceptancePolicy()) : undefined;
    let recovered = false;
    if (!verdict || !verdict.genuine) {
      // torn, or the check did not verify: the card's log says whether it paid this slip
      const again = await paidFromLog(card, s.verified.hash, prng, faults);
      if (!again) {
        this.inProgress = undefined;
        return { status: 'refused', code: verdict?.code ?? 'not-charged' };
      }
      verdict = acceptCheck(again, s.verified, this.book.acceptancePolicy());
      recovered = true;
    }
    if (verdict.decision !== 'accept' || !verdict.check) {
      this.inProgress = undefined;
      return { status: 'refused', code: verdict.code ?? 'refused', ...(verdict.check ? { paid: entryOf(verdict.check) } : {}) };
    }
    try {
      const entry = await this.book.record(verdict.check);
      this.inProgress = undefined;
      return { status: 'sold', entry, recovered };
    } catch (error) {
      if (error instanceof TerminalCrash) return { status: 'crashed', when: error.when };
      throw error;
    }
  }

  /**
   * After a restart with the customer's card still in the reader: the sale in progress was stored
   * (completed), paid by the card but not stored (its check re-issued from the card's log, byte for
   * byte, and stored now: recovered), or not paid at all.
   */
  async recover(card: SimCard, prng: Prng, faults: Faults): Promise<{ status: 'completed' | 'recovered' | 'not-charged' | 'nothing'; entry?: CheckEntry }> {
    const s = this.inProgress;
    if (!s) return { status: 'nothing' };
    const bytes = await paidFromLog(card, s.verified.hash, prng, faults);
    this.inProgress = undefined;
    if (!bytes) return { status: 'not-charged' };
    const verdict = acceptCheck(bytes, s.verified, { ...this.book.acceptancePolicy(), seen: () => false });
    if (verdict.decision !== 'accept' || !verdict.check) throw new Error(`the card's own check for this slip refused: ${verdict.code}`);
    const held = this.book.holds(verdict.check.hash);
    const entry = await this.book.record(verdict.check);
    return { status: held ? 'completed' : 'recovered', entry };
  }
}

/** A web shop: an Internet slip, the cardholder's wallet (card + approving signature), the sealed check. */
export class Shop {
  inProgress: InProgress | undefined;
  constructor(public book: Book) {}

  async sell(card: SimCard, cardholder: Party, amount: number, prng: Prng, faults: Faults): Promise<SaleResult> {
    const early = await preCheck(this.book, card);
    if (early !== undefined) return { status: 'refused', code: early };
    const s = new Terminal(this.book, 'WEB').slip(amount, Channel.Internet, prng);
    this.inProgress = s;
    const request = makeCheckRequest(faults.strike('tamper-slip') ? flipByte(prng, s.slip) : s.slip, cardholder.id);
    const now = this.book.o.clock();
    let draft: { payload: Uint8Array; purseSignature: Uint8Array } | undefined;
    try {
      draft = await card.run(prng, faults, (c) => c.internetCheck(request, now));
    } catch (error) {
      if (error instanceof CardError) {
        this.inProgress = undefined;
        return { status: 'card-refused', sw: error.sw, code: error.code };
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
      const verdict = acceptInternetCheck(this.book.o.merchant, sent, s.verified, this.book.acceptancePolicy());
      if (!verdict.genuine && attempt < 5) {
        draft = undefined; // the shop could not read it: the wallet sends it again
        continue;
      }
      if (verdict.decision !== 'accept' || !verdict.check) {
        this.inProgress = undefined;
        return { status: 'refused', code: verdict.code ?? 'refused', ...(verdict.check ? { paid: entryOf(verdict.check) } : {}) };
      }
      try {
        const entry = await this.book.record(verdict.check);
        this.inProgress = undefined;
        return { status: 'sold', entry, recovered };
      } catch (error) {
        if (error instanceof TerminalCrash) return { status: 'crashed', when: error.when };
        throw error;
      }
    }
  }

  /** The wallet pays again after the shop restarted: the same check, re-issued by the card. */
  async recover(card: SimCard, cardholder: Party, prng: Prng, faults: Faults): Promise<{ status: 'completed' | 'recovered' | 'not-charged' | 'nothing'; entry?: CheckEntry }> {
    const s = this.inProgress;
    if (!s) return { status: 'nothing' };
    this.inProgress = undefined;
    const again = await paidFromLog(card, s.verified.hash, prng, faults);
    if (!again) return { status: 'not-charged' };
    const verdict = acceptInternetCheck(this.book.o.merchant, this.approve(cardholder, splitInternet(again), s), s.verified, { ...this.book.acceptancePolicy(), seen: () => false });
    if (verdict.decision !== 'accept' || !verdict.check) throw new Error(`the card's own check for this slip refused: ${verdict.code}`);
    const held = this.book.holds(verdict.check.hash);
    const entry = await this.book.record(verdict.check);
    return { status: held ? 'completed' : 'recovered', entry };
  }

  private approve(cardholder: Party, draft: { payload: Uint8Array; purseSignature: Uint8Array }, s: InProgress): Uint8Array {
    const o = this.book.o;
    return approveInternetCheck(cardholder, { ...draft, check: digitalCheck.decode(draft.payload), slip: s.slip }, { anchors: o.anchors, now: o.clock() }).envelope;
  }
}
