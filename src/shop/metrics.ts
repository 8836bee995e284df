// The shop's Prometheus metrics (on the server's registry, src/net/server/metrics.ts): orders made,
// checks judged by outcome and protocol code, orders open now.
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import type { Order, OrderBook } from './orders.ts';

export interface ShopMetrics {
  ordered(order: Order): void;
  /** A check judged against its order: 0 accepted, else the protocol error code it was refused with. */
  judged(code: number): void;
}

export function shopMetrics(registry: Registry, orders: OrderBook): ShopMetrics {
  const registers = [registry];
  const made = new Counter({
    name: 'smartcheck_shop_orders_total',
    help: 'Orders made, by currency',
    labelNames: ['currency'],
    registers,
  });
  const checks = new Counter({
    name: 'smartcheck_shop_checks_total',
    help: 'Checks judged: accepted, or refused with its protocol error code (src/protocol/errors.ts)',
    labelNames: ['outcome', 'code'],
    registers,
  });
  new Gauge({
    name: 'smartcheck_shop_open_orders',
    help: 'Orders open now (made, not yet paid or expired)',
    registers,
    collect() {
      this.set(orders.openCount());
    },
  });
  return {
    ordered: (order) => made.inc({ currency: order.currency }),
    judged: (code) =>
      checks.inc(code === 0 ? { outcome: 'accepted', code: '0' } : { outcome: 'refused', code: String(code) }),
  };
}
