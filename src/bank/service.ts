// The bank as one object: a database, the bank's keys, a verifier pool and a clock, with the
// load, capture and merchant-refund services, the back office (cardholders, funding, merchants,
// purses, lost cards and their settlement, PIN unblocks, certificate renewal at the counter, the
// reports on purses and merchants), the revocation list and the metrics the HTTP API reports.
// The HTTP API (server.ts) only maps requests to these methods.
import { toBase64 } from '../bytes.ts';
import { BankClient } from '../net/bank-client.ts';
import type { OfflineLimits } from '../protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import type { GuaranteePolicy } from '../protocol/guarantee.ts';
import { openRefund, type RefundOutcome } from '../protocol/refund.ts';
import { RENEWAL_WINDOW_S } from '../protocol/renewal.ts';
import type { VerifierPool } from '../protocol/verifier/index.ts';
import { type Actor, IN_PROCESS, recordAction } from './back-office/actions.ts';
import { issueActivationCode } from './back-office/activation.ts';
import { type Enrolled, type Enrolment, enrol } from './back-office/enrol.ts';
import { type CaptureResult, captureBatch } from './capture/index.ts';
import type { Database } from './db.ts';
import { BankError } from './errors.ts';
import { acceptOffer } from './interbank/cycles.ts';
import { closeCycles, type PairClose } from './interbank/exchange.ts';
import { type AnsweredPresentment, answerPresentment } from './interbank/issuer.ts';
import { type PresentmentSent, sendPresentments } from './interbank/send.ts';
import {
  type Bank,
  createBank,
  currentGeneration,
  fund,
  loadBank,
  openWithAnyKey,
  personalisePurseKeys,
  registerCardholderKey,
  registerMerchantKeys,
  revocationList,
  rotateKeys,
} from './issuing.ts';
import type { KeyStore } from './keys/store.ts';
import { balance } from './ledger.ts';
import { type LoadResult, loadValue } from './load.ts';
import { migrate } from './migrate.ts';
import { bookRefund } from './refunds.ts';
import { type PeerBank, type PeerRefresh, refreshPeerLists, relayedLists } from './relay.ts';
import { purseCertificate, renewAtCounter, renewalNonce } from './renewal.ts';
import { type MerchantStatement, merchantStatement, type StatementQuery } from './reports/merchant.ts';
import { type PurseReport, purseReport } from './reports/purse.ts';
import { Revocations } from './revocations.ts';
import type { SchemeMembership } from './scheme.ts';
import { reportLostOnce, type Settled, settleLost } from './settlement.ts';
import { checkUnblockRequest, unblockSignature } from './unblock.ts';

export interface ServiceOptions {
  /** Where the bank's secret keys are (src/bank/keys/): loaded from, and rotated into. */
  keys: KeyStore;
  /** Unix seconds; default the system clock. */
  clock?: () => number;
  /** Captures running or waiting at once; more are refused (BankError overloaded). Default 64. */
  capturesMax?: number;
  /** Checks per deposit batch; default 10,000. */
  batchChecksMax?: number;
  maxSkewS?: number;
  /**
   * The guarantee (docs/guarantee.md): the revocation-list age the bank's terminals are held to and
   * the deposit window; default DEFAULT_GUARANTEE_POLICY (one day, 30 days).
   */
  guarantee?: GuaranteePolicy;
  /** How long a card reported lost waits before its remaining value is settled; default 30 days. */
  lostSettleWindowS?: number;
  /** A purse certificate this close to its end is renewed at its next load; default 30 days. */
  renewalWindowS?: number;
  /**
   * In a scheme: the other issuers whose revocation lists this bank relays to its merchants,
   * fetched from their own API (GET /v1/revocation-list) at most every `peerRefreshS`.
   */
  peers?: PeerBank[];
  /** Seconds between two fetches of the peers' lists; default 60. */
  peerRefreshS?: number;
  /** Milliseconds a peer has to answer; default 3,000 (a merchant's refresh waits for it). */
  peerTimeoutMs?: number;
  /**
   * Seconds between two sends of the unanswered presentments to the peers (interbank/send.ts), while
   * the server runs; default 30. Each deposit with foreign checks also sends at once.
   */
  presentEveryS?: number;
}

/** What a cardholder's, merchant's or terminal's software needs to trust this bank. */
export interface BankInfo {
  bankId: string;
  /** The bank's certificate, base64. */
  bankCertificate: string;
  /** The trusted roots, public keys in base64. */
  roots: { id: string; publicKey: string }[];
}

/** A purse's or merchant's own public keys, for the bank to certify. */
export interface PublicKeys {
  signingKey: Uint8Array;
  kxKey: Uint8Array;
}

export interface Metrics {
  loads: number;
  batches: number;
  checks: number;
  /** Checks captured per second over the last 10 s. */
  checksPerS: number;
  /** Captures running or waiting now. */
  queue: number;
  queueMax: number;
  /** Cumulative milliseconds spent per capture phase. */
  timeMs: { open: number; verify: number; db: number };
  /** Lost cards this process settled, and the value paid back (minor units, all currencies). */
  lostSettled: { purses: number; value: number };
}

const WINDOW_MS = 10_000;

export class BankService {
  private inflight = 0;
  private readonly recent: { at: number; checks: number }[] = [];
  private readonly totals = { loads: 0, batches: 0, checks: 0, open: 0, verify: 0, db: 0, settled: 0, settledValue: 0 };
  readonly clock: () => number;
  readonly capturesMax: number;
  readonly batchChecksMax: number;
  /** What loads and captures refuse, kept between requests (revocations.ts). */
  readonly revocations: Revocations;

  #bank: Bank;
  /** When the peers' lists were last fetched (Unix seconds), and the fetch under way. */
  #peersFetchedAt = Number.NEGATIVE_INFINITY;
  #peersFetch: Promise<PeerRefresh[]> | undefined;
  /** The issuers this bank presents foreign checks to (its peers); none outside a scheme. */
  readonly #presentTo: ReadonlySet<string> | undefined;
  /** The send of the outbox under way: one at a time. */
  #sending: Promise<PresentmentSent[]> | undefined;
  /** The run asked for while one was under way. */
  #sendNext: Promise<PresentmentSent[]> | undefined;

  constructor(
    readonly db: Database,
    bank: Bank,
    readonly verifier: VerifierPool,
    private readonly options: ServiceOptions,
  ) {
    this.#bank = bank;
    this.revocations = new Revocations(db, bank.id);
    this.clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    this.capturesMax = options.capturesMax ?? 64;
    this.batchChecksMax = options.batchChecksMax ?? 10_000;
    const peers = options.peers ?? [];
    this.#presentTo = peers.length ? new Set(peers.map((p) => p.bankId)) : undefined;
  }

  /**
   * Migrates the database, then loads the bank stored in it or creates one named `bankId`: under
   * its own root, or with `scheme` a bank of that scheme (its root certifies the new bank's keys).
   */
  static async open(
    db: Database,
    verifier: VerifierPool,
    o: ServiceOptions & { bankId?: string; scheme?: SchemeMembership },
  ): Promise<BankService> {
    await migrate(db);
    const now = (o.clock ?? (() => Math.floor(Date.now() / 1000)))();
    const bank =
      (await loadBank(db, o.keys, o.bankId)) ??
      (await createBank(db, o.keys, { bankId: o.bankId ?? 'bank-1', now, ...(o.scheme ? { scheme: o.scheme } : {}) }));
    return new BankService(db, bank, verifier, o);
  }

  /** The bank with its current key generation (and the earlier ones). */
  get bank(): Bank {
    return this.#bank;
  }

  /**
   * Rotates the bank's keys (see rotateKeys in issuing.ts): the new generation signs and issues
   * everything from now on; envelopes sealed to earlier key-exchange keys still open.
   */
  async rotateKeys(o: { validityS?: number } = {}): Promise<Bank> {
    this.#bank = await rotateKeys(this.db, this.options.keys, this.#bank, { now: this.clock(), ...o });
    return this.#bank;
  }

  /**
   * Reloads the keys when another bank process sharing the database rotated them; true when it
   * did. Called before a revocation list is signed and when an envelope opens under no known key.
   */
  async refreshKeys(): Promise<boolean> {
    if ((await currentGeneration(this.db, this.#bank.id)) <= this.#bank.generation) return false;
    this.#bank = (await loadBank(this.db, this.options.keys, this.#bank.id)) ?? this.#bank;
    return true;
  }

  /** Runs `fn`; when the envelope opened under none of our keys and the stored keys changed, once more. */
  private async withFreshKeys<T>(fn: (bank: Bank) => Promise<T>): Promise<T> {
    try {
      return await fn(this.#bank);
    } catch (error) {
      if (error instanceof ProtocolError && error.code === ErrorCode.EnvelopeOpenFailed && (await this.refreshKeys()))
        return fn(this.#bank);
      throw error;
    }
  }

  async load(envelope: Uint8Array): Promise<LoadResult> {
    const r = await this.withFreshKeys((bank) =>
      loadValue(this.db, bank, envelope, {
        now: this.clock(),
        revocations: this.revocations,
        ...(this.options.maxSkewS !== undefined ? { maxSkewS: this.options.maxSkewS } : {}),
        ...(this.options.renewalWindowS !== undefined ? { renewalWindowS: this.options.renewalWindowS } : {}),
      }),
    );
    this.totals.loads += 1;
    return r;
  }

  async deposit(envelope: Uint8Array): Promise<CaptureResult> {
    if (this.inflight >= this.capturesMax) throw new BankError('overloaded', `${this.inflight} captures in progress`);
    this.inflight += 1;
    try {
      const r = await this.withFreshKeys((bank) =>
        captureBatch(this.db, bank, envelope, {
          now: this.clock(),
          verifier: this.verifier,
          revocations: this.revocations,
          checksMax: this.batchChecksMax,
          ...(this.#presentTo ? { presentTo: this.#presentTo } : {}),
          ...(this.options.guarantee ? { guarantee: this.options.guarantee } : {}),
          ...(this.options.maxSkewS !== undefined ? { maxSkewS: this.options.maxSkewS } : {}),
        }),
      );
      this.totals.batches += 1;
      this.totals.checks += r.outcomes.length;
      this.totals.open += r.timings.openMs;
      this.totals.verify += r.timings.verifyMs;
      this.totals.db += r.timings.dbMs;
      this.recent.push({ at: Date.now(), checks: r.outcomes.length });
      // Committed with its presentments: sent now, not awaited (a failure is retried by the schedule).
      if (!r.replayed && r.outcomes.some((x) => x.code === ErrorCode.PresentedToIssuer))
        this.sendPresentments().catch(() => undefined);
      return r;
    } finally {
      this.inflight -= 1;
    }
  }

  /**
   * A merchant's sealed, signed refund (refunds.ts): the refunded check is reversed once if it was
   * credited, else never credited; the same refund again gets the same answer.
   */
  refund(envelope: Uint8Array): Promise<RefundOutcome> {
    return this.withFreshKeys((bank) => {
      const context = { anchors: bank.anchors, now: this.clock() };
      return bookRefund(
        this.db,
        bank,
        openWithAnyKey(bank, (keys) => openRefund(keys, envelope, context)),
      );
    });
  }

  async revocationList(): Promise<Uint8Array> {
    await this.refreshKeys();
    return revocationList(this.db, this.#bank, this.clock());
  }

  /**
   * This bank's own signed list and the relayed lists of the other issuers (fetched from the
   * peers first when due), each as signed; with `issuer`, that issuer's alone (none: empty).
   */
  async revocationLists(issuer?: string): Promise<{ issuer: string; bytes: Uint8Array }[]> {
    if (this.clock() - this.#peersFetchedAt >= (this.options.peerRefreshS ?? 60)) await this.refreshPeerLists();
    const own = issuer === undefined || issuer === this.#bank.id;
    return [
      ...(own ? [{ issuer: this.#bank.id, bytes: await this.revocationList() }] : []),
      ...(issuer === this.#bank.id ? [] : await relayedLists(this.db, issuer)),
    ];
  }

  /**
   * Fetches every peer issuer's current list and keeps each newer one (an unreachable peer or a
   * refused list is reported, the others still refreshed); one fetch at a time.
   */
  refreshPeerLists(): Promise<PeerRefresh[]> {
    const peers = this.options.peers ?? [];
    this.#peersFetch ??= refreshPeerLists(
      this.db,
      this.#bank,
      peers,
      (peer) => new BankClient(peer.url, { timeoutMs: this.options.peerTimeoutMs ?? 3_000 }).revocationList(),
      this.clock(),
    ).finally(() => {
      this.#peersFetchedAt = this.clock();
      this.#peersFetch = undefined;
    });
    return this.#peersFetch;
  }

  /**
   * Sends the unanswered presentments to their issuers and applies their answers (interbank/send.ts);
   * one send at a time. A call during one gets the next run, which starts when that one ends (once
   * for all such calls), so a presentment committed after the running one read the outbox is sent
   * too. An issuer without a peer URL is reported, its presentment kept.
   */
  sendPresentments(): Promise<PresentmentSent[]> {
    if (this.#sending) {
      // After the running one, whatever its end (a failed run must not stop the next).
      this.#sendNext ??= this.#sending
        .catch(() => undefined)
        .then(() => {
          this.#sendNext = undefined;
          return this.sendPresentments();
        });
      return this.#sendNext;
    }
    const peers = new Map((this.options.peers ?? []).map((p) => [p.bankId, p.url]));
    this.#sending ??= sendPresentments(
      this.db,
      this.#bank,
      (issuerId, envelope) => {
        const url = peers.get(issuerId);
        if (url === undefined) throw new BankError('not_found', `no route to ${issuerId}`);
        return new BankClient(url, { timeoutMs: this.options.peerTimeoutMs ?? 3_000 }).present(envelope);
      },
      this.clock,
    ).finally(() => {
      this.#sending = undefined;
    });
    return this.#sending;
  }

  /**
   * Sends the outbox every `presentEveryS` (default 30) and once now (a presentment left by a
   * process that stopped between its commit and its send goes out); returns the stop. Nothing
   * to do outside a scheme.
   */
  schedulePresentments(): () => Promise<void> {
    if (!this.#presentTo) return async () => undefined;
    const tick = () => void this.sendPresentments().catch(() => undefined);
    const handle = setInterval(tick, (this.options.presentEveryS ?? 30) * 1000);
    handle.unref();
    tick();
    return async () => {
      clearInterval(handle);
      await this.#sending?.catch(() => undefined);
    };
  }

  /**
   * Interbank, at the issuer: an acquirer's sealed presentment booked by this bank's capture rules
   * for its purses (interbank/issuer.ts) → the signed answer; the same presentment again → the same answer.
   */
  answerPresentment(envelope: Uint8Array): Promise<AnsweredPresentment> {
    return this.withFreshKeys((bank) =>
      answerPresentment(this.db, bank, envelope, {
        now: this.clock(),
        verifier: this.verifier,
        revocations: this.revocations,
        ...(this.options.guarantee ? { guarantee: this.options.guarantee } : {}),
      }),
    );
  }

  /** The bank's identity and trust anchors, after reloading keys another process may have rotated. */
  async info(): Promise<BankInfo> {
    await this.refreshKeys();
    return {
      bankId: this.#bank.id,
      bankCertificate: toBase64(this.#bank.party.certificate),
      roots: [...this.#bank.anchors].map(([id, publicKey]) => ({ id, publicKey: toBase64(publicKey) })),
    };
  }

  /** Throws when the database does not answer. */
  async health(): Promise<{ driver: string; bankId: string }> {
    await this.db.query('select 1');
    return { driver: this.db.driver, bankId: this.#bank.id };
  }

  // The back office. Each operation records itself as an action of `by` (back-office/actions.ts):
  // the HTTP API passes the authenticated credential, an in-process caller is IN_PROCESS.

  /** A cardholder account; with `signingKey`, its certificate for Internet approvals. */
  registerCardholder(
    cardholderId: string,
    signingKey?: Uint8Array,
    by: Actor = IN_PROCESS,
  ): Promise<Uint8Array | undefined> {
    return registerCardholderKey(this.db, this.#bank, cardholderId, {
      now: this.clock(),
      by,
      ...(signingKey ? { signingKey } : {}),
    });
  }

  /**
   * Money paid in to a cardholder's account; returns the new balance. The same `reference` twice
   * is one payment (a retried request); without one, each call is a new payment.
   */
  async fund(
    cardholderId: string,
    amount: number,
    currency: string,
    reference?: string,
    by: Actor = IN_PROCESS,
  ): Promise<number> {
    if (!/^[A-Z]{3}$/.test(currency)) throw new BankError('bad_request', 'currency: three capital letters');
    const ref = reference ?? `admin:${Date.now()}:${Math.random().toString(36).slice(2)}`;
    await fund(this.db, cardholderId, amount, currency, ref, by);
    return balance(this.db, 'cardholder', cardholderId, currency);
  }

  /** A merchant certified from its own public keys; returns its certificate. */
  registerMerchant(merchantId: string, keys: PublicKeys, by: Actor = IN_PROCESS): Promise<Uint8Array> {
    return registerMerchantKeys(this.db, this.#bank, merchantId, { now: this.clock(), by, ...keys });
  }

  /** A purse personalised for a cardholder from the card's own public keys; returns its certificate. */
  personalisePurse(
    purseId: string,
    o: PublicKeys & { cardholderId: string; limits: OfflineLimits },
    by: Actor = IN_PROCESS,
  ): Promise<Uint8Array> {
    return personalisePurseKeys(this.db, this.#bank, purseId, { ...o, now: this.clock(), by });
  }

  /** A lost or stolen card: revoked now, its value settled after the window; reporting again changes nothing. */
  reportLost(purseId: string, by: Actor = IN_PROCESS): Promise<void> {
    return reportLostOnce(this.db, purseId, this.clock(), this.options.lostSettleWindowS ?? 30 * 86_400, by);
  }

  /**
   * Settles the lost cards whose window has passed (settlement.ts: settleLost), each recorded as
   * an action of `by` (the server's schedule is SCHEDULER); returns those this call settled.
   */
  async settleLost(by: Actor = IN_PROCESS): Promise<Settled[]> {
    const settled = await settleLost(this.db, this.#bank, this.clock(), by);
    this.totals.settled += settled.length;
    this.totals.settledValue += settled.reduce((s, p) => s + p.refunded, 0);
    return settled;
  }

  /**
   * Interbank settlement (interbank/README.md): closes the cycle with every peer now, each offer
   * sent to the peer's API; recorded as a `settle` action of `by` with what each pair gave.
   */
  async closeSettlement(by: Actor = IN_PROCESS): Promise<PairClose[]> {
    await this.refreshKeys();
    const pairs = await closeCycles(
      this.db,
      this.#bank,
      this.options.peers ?? [],
      (peer, offer) =>
        new BankClient(peer.url, { timeoutMs: this.options.peerTimeoutMs ?? 3_000 }).offerStatement(offer),
      this.clock(),
    );
    await recordAction(this.db, by, 'settle', 'interbank', { pairs });
    return pairs;
  }

  /** A peer's settlement offer (POST /v1/interbank/statements) → this bank's signed statement. */
  async acceptStatementOffer(offer: Uint8Array): Promise<Uint8Array> {
    await this.refreshKeys();
    return acceptOffer(this.db, this.#bank, offer, this.clock());
  }

  /** A purse's shadow account, serial gaps and value not deposited after `days` (reports/purse.ts). */
  purseReport(purseId: string, days?: number): Promise<PurseReport> {
    return purseReport(this.db, purseId, this.clock(), days);
  }

  /** A merchant's credited checks and receipts over a period (reports/merchant.ts). */
  merchantStatement(merchantId: string, o: StatementQuery = {}): Promise<MerchantStatement> {
    return merchantStatement(this.db, merchantId, this.clock(), o);
  }

  /**
   * The bank's signature that unblocks an active purse's PIN (unblock.ts says why `counter` is a
   * time). Recorded before it is handed out: no unblock signature leaves the bank unrecorded.
   */
  async unblock(purseId: string, counter: number, by: Actor = IN_PROCESS): Promise<Uint8Array> {
    const signature = await unblockSignature(this.db, this.#bank, purseId, counter, this.clock());
    await recordAction(this.db, by, 'unblock', purseId, { counter });
    return signature;
  }

  /**
   * Cardholder-facing: the unblock signature for a purse, asked by its cardholder with a signature
   * of its certified approval key (unblock.ts: checkUnblockRequest); recorded as an unblock.
   */
  async cardholderUnblock(
    o: { purseId: string; counter: number; signature: Uint8Array },
    request?: Record<string, unknown>,
  ): Promise<Uint8Array> {
    const cardholderId = await checkUnblockRequest(this.db, this.#bank, { ...o, now: this.clock() });
    return this.unblock(o.purseId, o.counter, {
      credentialId: null,
      name: `cardholder ${cardholderId}`,
      ...(request ? { request } : {}),
    });
  }

  /** The purse's current certificate (renewed ones included): public, it travels in every check. */
  purseCertificate(purseId: string): Promise<Uint8Array> {
    return purseCertificate(this.db, purseId);
  }

  /** The counter's renewal, step 1: a nonce for the card to sign (renewal.ts). */
  renewalNonce(purseId: string): Promise<Uint8Array> {
    return renewalNonce(this.db, purseId, this.clock());
  }

  /** The counter's renewal, step 2: the card's signature over the nonce → the renewed certificate. */
  renewAtCounter(
    r: { purseId: string; nonce: Uint8Array; signature: Uint8Array },
    by: Actor = IN_PROCESS,
  ): Promise<Uint8Array> {
    return renewAtCounter(this.db, this.#bank, r, {
      now: this.clock(),
      windowS: this.options.renewalWindowS ?? RENEWAL_WINDOW_S,
      by,
    });
  }

  /** A one-time activation code with which the cardholder's own device enrols a purse (enrol). */
  issueActivationCode(
    cardholderId: string,
    o: { limits: OfflineLimits; ttlS?: number },
    by: Actor = IN_PROCESS,
  ): Promise<{ code: string; expiresAt: number }> {
    return issueActivationCode(this.db, { cardholderId, ...o, now: this.clock(), by });
  }

  /** Cardholder-facing: a purse enrolled with an activation code, no back-office credential. */
  enrol(o: Enrolment, request?: Record<string, unknown>): Promise<Enrolled> {
    return enrol(this.db, this.#bank, { ...o, now: this.clock(), ...(request ? { request } : {}) });
  }

  metrics(): Metrics {
    const since = Date.now() - WINDOW_MS;
    while (this.recent.length && (this.recent[0] as { at: number }).at < since) this.recent.shift();
    const windowChecks = this.recent.reduce((s, r) => s + r.checks, 0);
    const t = this.totals;
    return {
      loads: t.loads,
      batches: t.batches,
      checks: t.checks,
      checksPerS: Math.round(windowChecks / (WINDOW_MS / 1000)),
      queue: this.inflight,
      queueMax: this.capturesMax,
      timeMs: { open: Math.round(t.open), verify: Math.round(t.verify), db: Math.round(t.db) },
      lostSettled: { purses: t.settled, value: t.settledValue },
    };
  }
}
