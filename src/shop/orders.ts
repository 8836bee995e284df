// The web shop's orders: each one a signed Internet slip waiting for one payment. In memory: an
// order that was never paid is worth nothing to lose on a restart (the customer orders again); a
// paid one's check is in the merchant's durable journal (MerchantBook) before the shop confirms,
// and the journal's replay rule refuses the same check again after a restart.

import { toHex } from '../bytes.ts';
import type { PaymentConfirmation } from '../net/shop-link.ts';
import type { PurchaseSlip } from '../protocol/messages.ts';
import type { Verified } from '../protocol/signed.ts';

export type OrderStatus = 'open' | 'paying' | 'paid' | 'expired';

export interface Order {
  orderId: string;
  item: string;
  amount: number;
  currency: string;
  createdAt: number;
  expiresAt: number;
  slip: Verified<PurchaseSlip>;
  status: OrderStatus;
  /** Set once paid: the signed check's bytes and the confirmation given (answered again to a retry). */
  check?: Uint8Array;
  confirmation?: PaymentConfirmation;
}

export class ShopError extends Error {
  override readonly name = 'ShopError';
  constructor(
    readonly code: ShopErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type ShopErrorCode =
  | 'bad_request'
  /** The item is not sold at this amount and currency (a catalogue is configured). */
  | 'price_mismatch'
  | 'unknown_order'
  | 'order_expired'
  /** A different check for an order already paid. */
  | 'already_paid'
  /** Another payment of this order is being verified or recorded right now. */
  | 'payment_in_progress'
  | 'overloaded'
  | 'forbidden';

export const shopErrorStatus: Record<ShopErrorCode, number> = {
  bad_request: 400,
  price_mismatch: 400,
  unknown_order: 404,
  order_expired: 410,
  already_paid: 409,
  payment_in_progress: 409,
  overloaded: 503,
  forbidden: 403,
};

export class OrderBook {
  readonly #orders = new Map<string, Order>();

  constructor(readonly o: { ttlS: number; maxOpen: number; keepPaidS: number }) {}

  newId(): string {
    return toHex(crypto.getRandomValues(new Uint8Array(16)));
  }

  add(order: Order, now: number): void {
    this.sweep(now);
    if (this.openCount() >= this.o.maxOpen) throw new ShopError('overloaded', `${this.o.maxOpen} orders open`);
    this.#orders.set(order.orderId, order);
  }

  /** The order, with its status brought up to date at `now` (an open order past its time is expired). */
  get(orderId: string, now: number): Order {
    const order = this.#orders.get(orderId);
    if (!order) throw new ShopError('unknown_order', `order ${orderId}`);
    if (order.status === 'open' && now > order.expiresAt) order.status = 'expired';
    return order;
  }

  openCount(): number {
    let n = 0;
    for (const o of this.#orders.values()) if (o.status === 'open' || o.status === 'paying') n++;
    return n;
  }

  /** Forgets expired orders and paid ones older than keepPaidS (their checks live in the journal). */
  sweep(now: number): void {
    for (const [id, o] of this.#orders) {
      if ((o.status === 'open' || o.status === 'expired') && now > o.expiresAt + this.o.ttlS) this.#orders.delete(id);
      else if (o.status === 'paid' && now > o.createdAt + this.o.keepPaidS) this.#orders.delete(id);
    }
  }
}
