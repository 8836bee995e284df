// Protocol 3 in the browser: the page drives the card and the shop, the crypto worker verifies the
// slip and adds the cardholder's approval. The same steps as Wallet.payInternet (src/wallet/),
// split so the cardholder's key never leaves the worker. Each payment is written to IndexedDB
// before the check is sent, so a page closed mid-payment can send the same check again.
import type { Remote } from 'comlink';
import type { PurseCard } from '../card/purse.ts';
import { makeCheckRequest } from '../protocol/internet.ts';
import type { OrderRequest, PaymentConfirmation, ShopLink } from '../net/shop-link.ts';
import { WalletError } from '../wallet/errors.ts';
import type { SlipSummary } from './crypto-api.ts';
import type { CryptoWorker } from './crypto-worker.ts';
import * as db from './wallet-db.ts';

export interface PaymentRecord {
  serial: number;
  orderId: string;
  item: string;
  merchantId: string;
  amount: number;
  currency: string;
  time: number;
  checkId: string;
  /** The signed check (receipt, re-verified by the history check). */
  check: Uint8Array;
  /** The check sealed to the merchant, kept until the shop confirms. */
  envelope: Uint8Array;
  shopUrl: string;
  status: 'sent' | 'paid';
}

export interface PayContext {
  card: PurseCard;
  crypto: Remote<CryptoWorker>;
  shop: ShopLink & { baseUrl: string };
  cardholderId: string;
  clock: () => number;
  /** Asks the cardholder; resolves true to pay. */
  approve: (offer: SlipSummary & { item: string; orderId: string }) => Promise<boolean>;
}

export async function payOrder(c: PayContext, order: OrderRequest): Promise<PaymentRecord> {
  const offer = await c.shop.purchase(order);
  const now = c.clock();
  let slip: SlipSummary;
  try {
    slip = await c.crypto.inspectSlip(offer.slip, now);
  } catch (cause) {
    throw new Error(`the shop's signed request does not check out (${(cause as Error).message}): nothing was charged`, { cause });
  }
  if (slip.amount !== order.amount || slip.currency !== order.currency) {
    throw new WalletError('offer_mismatch', `the shop's slip says ${slip.amount} ${slip.currency}, the order ${order.amount} ${order.currency}`);
  }
  if (offer.expiresAt <= now) throw new WalletError('offer_expired', `order ${offer.orderId} expired`);
  if (!(await c.approve({ ...slip, item: order.item, orderId: offer.orderId }))) {
    throw new WalletError('declined', 'you cancelled the payment: nothing was charged');
  }
  // From here the card deducts: the check must reach the shop, now or on the next start.
  const draft = await c.card.internetCheck(makeCheckRequest(offer.slip, c.cardholderId), c.clock());
  const approved = await c.crypto.approve({ ...draft, slip: offer.slip }, c.clock());
  const record: PaymentRecord = {
    serial: approved.serial, orderId: offer.orderId, item: order.item, merchantId: approved.merchantId, amount: approved.amount,
    currency: approved.currency, time: now, checkId: approved.checkId, check: approved.check, envelope: approved.envelope,
    shopUrl: c.shop.baseUrl, status: 'sent',
  };
  await db.put('payments', record.serial, record);
  return send(c.shop, record);
}

/** Sends a recorded payment's sealed check (again); the shop confirms one check once. */
export async function send(shop: ShopLink, record: PaymentRecord): Promise<PaymentRecord> {
  let confirmation: PaymentConfirmation;
  try {
    confirmation = await shop.pay(record.orderId, record.envelope);
  } catch (cause) {
    throw new WalletError('payment_incomplete', `the card signed check ${record.serial}, the shop did not confirm yet (${(cause as Error).message}); it is sent again on the next unlock`, { cause });
  }
  if (confirmation.checkId !== record.checkId || confirmation.orderId !== record.orderId) {
    throw new WalletError('payment_incomplete', `the shop confirmed ${confirmation.orderId}/${confirmation.checkId}, not ${record.orderId}/${record.checkId}`);
  }
  const paid: PaymentRecord = { ...record, status: 'paid' };
  await db.put('payments', paid.serial, paid);
  return paid;
}
