// The cardholder's wallet: drives a PurseCard against a bank (protocol 1, loading) and web shops
// (protocol 3, Internet payment). It holds no value itself: the card does; the wallet seals,
// carries and approves. No node: imports (the browser wallet runs it).

import { equalBytes, toHex } from '../bytes.ts';
import { CardError, type LogRecord, type PurseCard, type PurseStatus, splitInternet } from '../card/purse.ts';
import { type BankLink, BankRejectedError } from '../net/bank-link.ts';
import type { OrderRequest, PaymentConfirmation, ShopLink } from '../net/shop-link.ts';
import { parseCertificate, type TrustAnchors, verifyChain } from '../protocol/certificate.ts';
import { seal } from '../protocol/envelope.ts';
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import { approveInternetCheck, makeCheckRequest } from '../protocol/internet.ts';
import { digitalCheck } from '../protocol/messages.ts';
import type { Party } from '../protocol/pki.ts';
import { verifySlip } from '../protocol/pos.ts';
import { Channel, MessageType } from '../protocol/registry.ts';
import { WalletError } from './errors.ts';

/** What the cardholder is asked to approve: the shop's signed slip, decoded and verified. */
export interface SlipApproval {
  orderId: string;
  item: string;
  merchantId: string;
  /** The bank that certified the merchant (the slip signer's issuer). */
  bankId: string;
  amount: number;
  currency: string;
  /** The slip's time (unix seconds). */
  time: number;
  expiresAt: number;
}

/** The purse's half of an Internet check (PurseCard.internetCheck) and the slip it answers. */
export interface CheckDraft {
  payload: Uint8Array;
  purseSignature: Uint8Array;
  slip: Uint8Array;
}

/** A check with both signatures, verified against its slip and sealed to the merchant. */
export interface ApprovedCheck {
  /** The two-signature check sealed to the merchant: what the shop is sent. */
  sealedCheck: Uint8Array;
  /** The signed check itself (COSE_Sign, purse and cardholder): the wallet's receipt. */
  check: Uint8Array;
  /** Hex SHA-256 of the check's payload: its id at the shop and the bank. */
  checkId: string;
  serial: number;
  amount: number;
  currency: string;
  merchantId: string;
}

/**
 * Holds the cardholder's certified key and adds its approval to the card's half of a check. The
 * default signs in process with `WalletOptions.cardholder`; the browser wallet keeps the key in a
 * crypto Web Worker and implements this over comlink, so the key never reaches the page.
 */
export interface CardholderSigner {
  /** The certified cardholder id (the check request names it to the card). */
  readonly id: string;
  /** Adds the cardholder's signature, verifies the whole check against the slip, seals it to the merchant. */
  approveAndSeal(draft: CheckDraft, now: number): Promise<ApprovedCheck>;
}

/** Where an app keeps payments the card signed, so a closed app can send them again. */
export interface PaymentJournal {
  /** Called after the card signed and before the check is sent: keep it durably (a throw stops the send). */
  signed(pending: PendingPayment, shop: ShopLink): Promise<void>;
  /** Called once the shop confirmed the check. */
  confirmed(pending: PendingPayment, confirmation: PaymentConfirmation): Promise<void>;
}

/** Signs in process with the cardholder's key (a CLI, a test, a scripted wallet). */
export function partySigner(
  cardholder: Pick<Party, 'id' | 'secretKey' | 'certificate'>,
  anchors: TrustAnchors,
): CardholderSigner {
  parseCertificate(cardholder.certificate);
  return {
    id: cardholder.id,
    async approveAndSeal(draft, now) {
      return approveDraft(cardholder, draft, anchors, now);
    },
  };
}

/**
 * Adds the cardholder's approving signature to the purse's half of the check, verifies the whole
 * check against the slip, and seals it to the merchant: what every CardholderSigner does with its key.
 */
export function approveDraft(
  cardholder: Pick<Party, 'secretKey' | 'certificate'>,
  draft: CheckDraft,
  anchors: TrustAnchors,
  now: number,
): ApprovedCheck {
  const { envelope, check } = approveInternetCheck(
    cardholder,
    { ...draft, check: digitalCheck.decode(draft.payload) },
    { anchors, now },
  );
  const b = check.body;
  return {
    sealedCheck: envelope,
    check: check.bytes,
    checkId: toHex(check.hash),
    serial: b.serial,
    amount: b.amount,
    currency: b.currency,
    merchantId: b.merchantId,
  };
}

export interface WalletOptions {
  card: PurseCard;
  bank: BankLink;
  /** The bank's certificate (BankClient.bankInfo()): its key-exchange key seals load requests. */
  bankCertificate: Uint8Array;
  /** The roots the wallet trusts (root id → public key). */
  anchors: TrustAnchors;
  /** The cardholder's certified signing key: needed for Internet payments only. */
  cardholder?: Pick<Party, 'id' | 'secretKey' | 'certificate'>;
  /** Instead of `cardholder`: a signer that holds the key elsewhere (the browser's crypto worker). */
  cardholderSigner?: CardholderSigner;
  /** Keeps signed payments durably before they are sent (the browser wallet: IndexedDB). */
  journal?: PaymentJournal;
  /** Unix seconds; default the system clock. */
  clock?: () => number;
  /** Asks the cardholder to approve a purchase; absent: approved (a scripted wallet). */
  approve?: (slip: SlipApproval) => Promise<boolean>;
}

export interface LoadResult {
  amount: number;
  balance: number;
  /** True when an outstanding request (an earlier reply lost) was sent again instead of a new one. */
  resumed: boolean;
  /** True when the card installed a certificate the bank renewed at this load (RENEW CERTIFICATE). */
  renewed?: boolean;
  /** Why a renewal the bank offered was not installed (the load itself went through): tried again at the next load. */
  renewalError?: Error;
}

/** A payment the card signed that the shop has not confirmed yet. */
/** A payment the card was asked to sign when it stopped answering: charged or not, its log tells. */
export interface InterruptedPayment {
  orderId: string;
  item: string;
  /** The shop's signed slip the card was paying. */
  slip: Uint8Array;
  /** When the card was asked (unix seconds). */
  time: number;
}

export interface PendingPayment extends ApprovedCheck {
  orderId: string;
  item: string;
  /** When the card signed (unix seconds). */
  time: number;
}

export interface PaymentResult extends PaymentConfirmation {
  merchantId: string;
  balance: number;
}

/** The shop's slip, verified (merchant signature and chain, signer = merchant id), or WalletError 'offer_invalid'. */
function verifiedSlip(slip: Uint8Array, anchors: TrustAnchors, now: number): ReturnType<typeof verifySlip> {
  try {
    const verified = verifySlip(slip, { anchors, now });
    if (verified.signer.subject !== verified.body.merchantId)
      throw new ProtocolError(ErrorCode.SubjectMismatch, 'slip merchant id differs from its signer');
    return verified;
  } catch (cause) {
    throw new WalletError(
      'offer_invalid',
      `the shop's signed slip does not verify (${(cause as Error).message}): nothing was charged`,
      { cause },
    );
  }
}

export class Wallet {
  readonly card: PurseCard;
  readonly bank: BankLink;
  readonly bankId: string;
  readonly #bankKx: Uint8Array;
  readonly #anchors: TrustAnchors;
  readonly #signer: CardholderSigner | undefined;
  readonly #journal: PaymentJournal | undefined;
  readonly #clock: () => number;
  readonly #approve: WalletOptions['approve'];
  readonly #pending = new Map<string, PendingPayment>();
  readonly #interrupted = new Map<string, InterruptedPayment>();

  /** Verifies the bank certificate up to a trusted root (a wrong bank is refused here, before any envelope). */
  constructor(o: WalletOptions) {
    this.card = o.card;
    this.bank = o.bank;
    this.#anchors = o.anchors;
    this.#journal = o.journal;
    this.#clock = o.clock ?? (() => Math.floor(Date.now() / 1000));
    this.#approve = o.approve;
    const bank = verifyChain(o.bankCertificate, o.anchors, { now: this.#clock() });
    if (!bank.kxKey)
      throw new ProtocolError(ErrorCode.MissingField, `bank certificate of ${bank.subject} has no key-exchange key`);
    this.bankId = bank.subject;
    this.#bankKx = bank.kxKey;
    this.#signer = o.cardholderSigner ?? (o.cardholder ? partySigner(o.cardholder, o.anchors) : undefined);
  }

  /** Selects the purse and presents the PIN (CardError 63Cx on a wrong PIN: x tries left). */
  async unlock(pin: string): Promise<void> {
    await this.card.select();
    await this.card.verifyPin(pin);
  }

  /**
   * Loads `amount` from the cardholder's account. Safe to call again after a lost reply (bank
   * unreachable, page closed): when the card still holds an outstanding request for this amount,
   * the same signed request goes again and the bank answers it with the same token (it moves the
   * money once). A request the bank refused as expired is left and a new one made.
   */
  async load(amount: number): Promise<LoadResult> {
    if (!Number.isSafeInteger(amount) || amount < 1)
      throw new WalletError('bad_request', `amount: a positive integer, got ${amount}`);
    const outstanding = (await this.card.outstandingLoads()).find((o) => o.amount === amount);
    if (outstanding) {
      try {
        const balance = await this.#complete(await this.card.resendLoadRequest(outstanding.counter));
        return { amount, balance, resumed: true, ...(await this.#renew()) };
      } catch (error) {
        if (
          !(error instanceof BankRejectedError && error.kind === 'protocol' && error.code === ErrorCode.MessageExpired)
        )
          throw error;
      }
    }
    const request = await this.card.loadRequest(amount, this.#clock());
    const balance = await this.#complete(request);
    return { amount, balance, resumed: false, ...(await this.#renew()) };
  }

  /**
   * After a load: the bank renews a certificate near its end, or issued under a key it has since
   * rotated, when the purse loads (src/bank/renewal.ts); the card installs the renewal, checking
   * it is its own and newer. A failure here leaves the load done and is tried at the next load.
   */
  async #renew(): Promise<{ renewed?: true; renewalError?: Error }> {
    if (!this.bank.purseCertificate) return {};
    try {
      const held = await this.card.certificate();
      const current = await this.bank.purseCertificate(parseCertificate(held).subject);
      if (equalBytes(current, held)) return {};
      await this.card.renewCertificate(current);
      return { renewed: true };
    } catch (error) {
      return { renewalError: error as Error };
    }
  }

  /** Sends every outstanding load request again (after a restart); returns what each did. */
  async recoverLoads(): Promise<{ counter: number; amount: number; balance?: number; error?: Error }[]> {
    const out: { counter: number; amount: number; balance?: number; error?: Error }[] = [];
    for (const o of await this.card.outstandingLoads()) {
      try {
        out.push({ ...o, balance: await this.#complete(await this.card.resendLoadRequest(o.counter)) });
      } catch (error) {
        out.push({ ...o, error: error as Error });
      }
    }
    return out;
  }

  async #complete(signedRequest: Uint8Array): Promise<number> {
    const token = await this.bank.load(seal(MessageType.ValueTokenRequest, this.#bankKx, signedRequest));
    return this.card.applyToken(token, this.#clock());
  }

  /**
   * Pays a web-shop order (protocol 3): asks the shop for its signed slip, checks it says what was
   * ordered, asks the cardholder, lets the card deduct and sign, adds the cardholder's signature,
   * seals the check to the merchant and sends it. Everything before the card signs can fail with
   * nothing charged; after, a failure is WalletError 'payment_incomplete' with the pending check
   * (resumePayment sends it again: the shop confirms the same check once).
   */
  async payInternet(shop: ShopLink, order: OrderRequest): Promise<PaymentResult> {
    if (!Number.isSafeInteger(order.amount) || order.amount < 1)
      throw new WalletError('bad_request', `amount: a positive integer, got ${order.amount}`);
    const signer = this.#signer;
    if (!signer)
      throw new WalletError('no_cardholder', 'Internet payment needs the cardholder key certified by the bank');
    const offer = await shop.purchase(order);
    const now = this.#clock();
    const verified = verifiedSlip(offer.slip, this.#anchors, now);
    const slip = verified.body;
    if (slip.channel !== Channel.Internet || slip.amount !== order.amount || slip.currency !== order.currency) {
      throw new WalletError(
        'offer_mismatch',
        `slip says ${slip.amount} ${slip.currency} on channel ${slip.channel}, ordered ${order.amount} ${order.currency}`,
      );
    }
    if (offer.expiresAt <= now)
      throw new WalletError('offer_expired', `order ${offer.orderId} expired at ${offer.expiresAt}`);
    const approval: SlipApproval = {
      orderId: offer.orderId,
      item: order.item,
      merchantId: slip.merchantId,
      bankId: verified.signer.issuer,
      amount: slip.amount,
      currency: slip.currency,
      time: slip.time,
      expiresAt: offer.expiresAt,
    };
    if (this.#approve && !(await this.#approve(approval)))
      throw new WalletError('declined', `the cardholder declined order ${offer.orderId}`);
    // The cardholder may have taken a while: the order must still be open when the card pays.
    const signedAt = this.#clock();
    if (offer.expiresAt <= signedAt)
      throw new WalletError(
        'offer_expired',
        `order ${offer.orderId} expired at ${offer.expiresAt} while waiting for approval`,
      );
    let draft: { payload: Uint8Array; purseSignature: Uint8Array };
    try {
      draft = await this.card.internetCheck(makeCheckRequest(offer.slip, signer.id), signedAt);
    } catch (error) {
      if (error instanceof CardError) throw error; // a refusal: nothing was deducted
      // The card stopped mid-command (power, reader): it may have deducted and signed. Its log will tell.
      const interrupted: InterruptedPayment = {
        orderId: offer.orderId,
        item: order.item,
        slip: offer.slip,
        time: signedAt,
      };
      this.#interrupted.set(offer.orderId, interrupted);
      throw Object.assign(
        new WalletError(
          'payment_interrupted',
          `the card stopped while paying order ${offer.orderId}: present it again, unlock it and call recoverPayment`,
          { cause: error },
        ),
        { interrupted },
      );
    }
    return this.#approveAndSend(shop, signer, offer.orderId, order.item, offer.slip, draft, signedAt);
  }

  /**
   * After a payment interrupted inside the card (WalletError 'payment_interrupted'), with the card
   * powered and unlocked again: looks the slip up in the card's log. Charged: the card reissues
   * its half of the check byte for byte, the cardholder signs, and it goes to the shop as if
   * nothing had happened; not in the log: nothing was charged ({ status: 'not charged' }).
   */
  async recoverPayment(
    shop: ShopLink,
    payment: string | InterruptedPayment,
  ): Promise<PaymentResult | { orderId: string; status: 'not charged' }> {
    const interrupted = typeof payment === 'string' ? this.#interrupted.get(payment) : payment;
    if (!interrupted) throw new WalletError('bad_request', `no interrupted payment for order ${String(payment)}`);
    const signer = this.#signer;
    if (!signer)
      throw new WalletError('no_cardholder', 'Internet payment needs the cardholder key certified by the bank');
    const slipHash = verifiedSlip(interrupted.slip, this.#anchors, interrupted.time).hash;
    const found = (await this.log()).find((r) => r.kind === 'purchase' && equalBytes(r.hash, slipHash));
    this.#interrupted.delete(interrupted.orderId);
    if (!found) return { orderId: interrupted.orderId, status: 'not charged' };
    const draft = splitInternet(await this.card.reissueCheck(found.serial));
    return this.#approveAndSend(
      shop,
      signer,
      interrupted.orderId,
      interrupted.item,
      interrupted.slip,
      draft,
      interrupted.time,
    );
  }

  /** Payments interrupted inside the card, not yet resolved by recoverPayment. */
  interruptedPayments(): InterruptedPayment[] {
    return [...this.#interrupted.values()];
  }

  async #approveAndSend(
    shop: ShopLink,
    signer: CardholderSigner,
    orderId: string,
    item: string,
    slip: Uint8Array,
    draft: { payload: Uint8Array; purseSignature: Uint8Array },
    signedAt: number,
  ): Promise<PaymentResult> {
    // From here the card has deducted: the check must reach the shop, now or later.
    const approved = await signer.approveAndSeal({ ...draft, slip }, signedAt);
    const pending: PendingPayment = { ...approved, orderId, item, time: signedAt };
    this.#pending.set(orderId, pending);
    if (this.#journal) {
      try {
        await this.#journal.signed(pending, shop);
      } catch (cause) {
        throw Object.assign(
          new WalletError(
            'payment_incomplete',
            `the card signed check ${pending.checkId} for order ${pending.orderId}; it could not be kept, so it was not sent: ${(cause as Error).message}`,
            { cause },
          ),
          { pending },
        );
      }
    }
    return this.#send(shop, pending);
  }

  /**
   * Sends a pending payment's sealed check again (after a lost reply): by order id (this wallet's
   * own pending payments), or the payment itself (kept by the app's journal across a restart).
   */
  async resumePayment(shop: ShopLink, payment: string | PendingPayment): Promise<PaymentResult> {
    const pending = typeof payment === 'string' ? this.#pending.get(payment) : payment;
    if (!pending) throw new WalletError('bad_request', `no pending payment for order ${String(payment)}`);
    return this.#send(shop, pending);
  }

  /** Payments the card signed and no shop confirmed yet. */
  pendingPayments(): PendingPayment[] {
    return [...this.#pending.values()];
  }

  async #send(shop: ShopLink, pending: PendingPayment): Promise<PaymentResult> {
    let confirmation: PaymentConfirmation;
    try {
      confirmation = await shop.pay(pending.orderId, pending.sealedCheck);
    } catch (cause) {
      throw Object.assign(
        new WalletError(
          'payment_incomplete',
          `the card signed check ${pending.checkId} for order ${pending.orderId}; the shop did not confirm: ${(cause as Error).message}`,
          { cause },
        ),
        { pending },
      );
    }
    if (confirmation.checkId !== pending.checkId || confirmation.orderId !== pending.orderId) {
      throw Object.assign(
        new WalletError(
          'payment_incomplete',
          `the shop confirmed ${confirmation.orderId}/${confirmation.checkId}, not ${pending.orderId}/${pending.checkId}`,
        ),
        { pending },
      );
    }
    this.#pending.delete(pending.orderId);
    await this.#journal?.confirmed(pending, confirmation);
    return { ...confirmation, merchantId: pending.merchantId, balance: (await this.card.status()).balance };
  }

  status(): Promise<PurseStatus> {
    return this.card.status();
  }

  /** The card's transaction log, newest first (the card keeps the last 16). */
  async log(limit = 16): Promise<LogRecord[]> {
    const { logTotal } = await this.card.status();
    const out: LogRecord[] = [];
    for (let i = 0; i < Math.min(limit, logTotal, 16); i++) out.push(await this.card.readLog(i));
    return out;
  }
}
