// The web shop (protocol 3) over HTTP (fastify), on loopback by default. JSON bodies, bytes in
// base64 (the pay route also takes the sealed check as a raw application/cbor body):
//
//   POST /v1/orders            { item, amount, currency } → { orderId, slip, expiresAt, merchantId, item, amount, currency }
//   POST /v1/orders/:id/pay    { check } (sealed to the merchant) → { orderId, status: 'paid', checkId, purseId, serial, amount, currency }
//   GET  /v1/orders/:id        the order's status
//   GET  /v1/shop              { merchantId, merchantCertificate }
//   POST /v1/deposit           deposits the pending checks at the bank (loopback clients only)
//   GET  /ready, /health, /live, /metrics (Prometheus text), /openapi.json (OpenAPI 3.1)
//
// JSON bodies are validated by the routes' schemas (schemas.ts); orders and payments are
// rate-limited per client (option `rateLimit`; src/net/server/rate-limit.ts says who that is).
//
// Errors are typed JSON as the bank's: { error: { kind: 'shop' | 'protocol' | 'merchant' | 'http' | 'internal', code, message } }
// (protocol: a refused check, code from src/protocol/errors.ts; merchant: the book's TerminalError kind).
// A payment is confirmed only after the check is durable in the merchant's journal. The same
// check sent again for its paid order gets the same confirmation (a lost reply is safe to retry);
// any other check for a paid order is refused.

import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { equalBytes, toBase64, toHex } from '../bytes.ts';
import type { DepositReport } from '../merchant/book.ts';
import { TerminalError } from '../merchant/errors.ts';
import { formatMoney } from '../money.ts';
import {
  createApp,
  type ErrorReply,
  installErrorEnvelope,
  installMetrics,
  isLoopback,
  type LogOptions,
  limited,
  messageBytes,
  type RateLimit,
  type TlsFiles,
  validationErrors,
} from '../net/server/index.ts';
import type { PaymentConfirmation } from '../net/shop-link.ts';
import type { AcceptancePolicy } from '../protocol/acceptance.ts';
import { open } from '../protocol/envelope.ts';
import { type ErrorCode, ProtocolError } from '../protocol/errors.ts';
import type { VerifiedInternetCheck } from '../protocol/internet.ts';
import { acceptInternetCheck, makeInternetSlip } from '../protocol/internet.ts';
import type { Party } from '../protocol/pki.ts';
import { verifySlip } from '../protocol/pos.ts';
import { MessageType } from '../protocol/registry.ts';
import { shopMetrics } from './metrics.ts';
import { type Order, OrderBook, ShopError, shopErrorStatus } from './orders.ts';
import { shopSchemas } from './schemas.ts';

/** What the shop needs of the merchant's book: MerchantBook (src/merchant/book.ts) is one. */
export interface ShopBook {
  /** The merchant (its certified keys: it signs slips and opens the sealed checks). */
  readonly merchant: Party;
  acceptancePolicy(now?: number): AcceptancePolicy;
  /** Records an accepted check durably; resolves once it survives a crash. */
  record(check: VerifiedInternetCheck): Promise<unknown>;
  /** Deposits the pending checks at the bank; returns the per-check outcome report. */
  deposit(): Promise<DepositReport>;
}

export interface ShopServerOptions {
  /** The merchant's book (MerchantBook): acceptance policy, durable journal, deposits. */
  book: ShopBook;
  /** The shop's name in slips (terminal id); default 'WEB'. */
  terminalId?: string;
  /** Seconds an order can be paid after it was made; default 900. */
  orderTtlS?: number;
  /** Orders open at once before new ones are refused (overloaded); default 10,000. */
  maxOpenOrders?: number;
  /** Seconds a paid order stays answerable (retries of the same check); default 1 day. */
  keepPaidS?: number;
  /** Prices the shop sells at; when set, an order must name one of these items at its price. */
  catalogue?: Record<string, { amount: number; currency: string }>;
  /** Currencies accepted; default any. */
  currencies?: string[];
  /** Serves this directory at / (the browser wallet's built page). */
  staticDir?: string;
  /** Origins allowed by CORS; default loopback origins (any port). */
  corsOrigins?: (string | RegExp)[];
  clock?: () => number;
  /** JSON log lines (src/net/server/logging.ts); default none. */
  log?: LogOptions;
  /** Serve HTTPS with this certificate and key. */
  tls?: TlsFiles;
  /** Orders and payments per client per window; default unlimited. */
  rateLimit?: RateLimit;
}

const badRequest = (message: string) => new ShopError('bad_request', message);

function shopErrors(error: Error): ErrorReply | undefined {
  if (error instanceof ShopError)
    return { status: shopErrorStatus[error.code], kind: 'shop', code: error.code, message: error.message };
  if (error instanceof TerminalError) {
    const status =
      error.kind === 'bank_unreachable'
        ? 503
        : error.kind === 'bank_rejected' || error.kind === 'bad_receipt'
          ? 502
          : 409;
    return { status, kind: 'merchant', code: error.kind, message: error.message };
  }
  return undefined;
}

/** The sealed check: a raw CBOR body, or base64 in JSON { check }. */
const sealedCheckOf = (request: FastifyRequest) => messageBytes(request, 'check', badRequest);

interface OrderRequest {
  item: string;
  amount: number;
  currency: string;
}

/** The shop's own rules for an order the schema let through: its currencies and its prices. */
function checkOrder(wanted: OrderRequest, o: ShopServerOptions): OrderRequest {
  const { item, amount, currency } = wanted;
  if (o.currencies && !o.currencies.includes(currency))
    throw new ShopError('bad_request', `currency ${currency} not accepted (${o.currencies.join(', ')})`);
  if (o.catalogue) {
    const price = Object.hasOwn(o.catalogue, item) ? o.catalogue[item] : undefined;
    if (!price) throw new ShopError('bad_request', `item ${item} is not sold here`);
    if (price.amount !== amount || price.currency !== currency)
      throw new ShopError('price_mismatch', `${item} costs ${formatMoney(price.amount, price.currency)}`);
  }
  return wanted;
}

/** Bytes as hex, for JSON answers (the deposit report carries check hashes and batch ids). */
function jsonSafe(value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}

export async function createShopServer(o: ShopServerOptions): Promise<FastifyInstance> {
  const merchant = o.book.merchant;
  const merchantKx = merchant.kx;
  if (!merchantKx) throw new TypeError(`merchant ${merchant.id} has no key-exchange key`);
  const clock = o.clock ?? (() => Math.floor(Date.now() / 1000));
  const ttlS = o.orderTtlS ?? 900;
  const orders = new OrderBook({ ttlS, maxOpen: o.maxOpenOrders ?? 10_000, keepPaidS: o.keepPaidS ?? 86_400 });
  const terminalId = o.terminalId ?? 'WEB';
  let txCounter = Date.now();

  const app = await createApp({
    bodyLimit: 64 << 10,
    ...(o.log ? { log: o.log } : {}),
    ...(o.tls ? { tls: o.tls } : {}),
    ...(o.corsOrigins ? { corsOrigins: o.corsOrigins } : {}),
    api: {
      title: 'smartcheck web shop',
      version: '1',
      description: 'Orders with merchant-signed slips, paid with checks sealed to the merchant (protocol 3).',
    },
    ready: async () => ({ merchantId: merchant.id, openOrders: orders.openCount() }),
  });
  installErrorEnvelope(app, [shopErrors, validationErrors('shop')]);
  const metrics = shopMetrics(installMetrics(app), orders);
  const limit = { config: limited(o.rateLimit) };

  app.post<{ Body: OrderRequest }>('/v1/orders', { schema: shopSchemas.order, ...limit }, async (request) => {
    const wanted = checkOrder(request.body, o);
    const now = clock();
    const terminalNonce = crypto.getRandomValues(new Uint8Array(16));
    const slipBytes = makeInternetSlip(merchant, {
      merchantId: merchant.id,
      amount: wanted.amount,
      currency: wanted.currency,
      time: now,
      terminalId,
      terminalTxId: ++txCounter,
      terminalNonce,
    });
    const slip = verifySlip(slipBytes, { anchors: o.book.acceptancePolicy().anchors, now });
    const order: Order = {
      orderId: orders.newId(),
      ...wanted,
      createdAt: now,
      expiresAt: now + ttlS,
      slip,
      status: 'open',
    };
    orders.add(order, now);
    metrics.ordered(order);
    return {
      orderId: order.orderId,
      slip: toBase64(slipBytes),
      expiresAt: order.expiresAt,
      merchantId: merchant.id,
      item: order.item,
      amount: order.amount,
      currency: order.currency,
    };
  });

  app.post<{ Params: { id: string } }>(
    '/v1/orders/:id/pay',
    { schema: shopSchemas.pay, ...limit },
    async (request): Promise<PaymentConfirmation> => {
      const sealed = sealedCheckOf(request);
      const now = clock();
      const order = orders.get(request.params.id, now);
      if (order.status === 'paid') return sameCheckAgain(order, sealed);
      if (order.status === 'paying') throw new ShopError('payment_in_progress', `order ${order.orderId}`);
      if (order.status === 'expired')
        throw new ShopError('order_expired', `order ${order.orderId} expired at ${order.expiresAt}`);
      order.status = 'paying';
      try {
        const verdict = acceptInternetCheck(merchant, sealed, order.slip, o.book.acceptancePolicy(now));
        metrics.judged(verdict.decision === 'accept' ? 0 : (verdict.code as number));
        if (verdict.decision !== 'accept' || !verdict.check)
          throw new ProtocolError(verdict.code as ErrorCode, verdict.detail);
        const check = verdict.check;
        try {
          await o.book.record(check);
        } catch (error) {
          // Recorded by a concurrent payment or before a restart (the journal's replay rule).
          if (error instanceof TerminalError && error.details.code !== undefined)
            throw new ProtocolError(error.details.code as ErrorCode, error.message);
          throw error;
        }
        const confirmation: PaymentConfirmation = {
          orderId: order.orderId,
          status: 'paid',
          checkId: toHex(check.hash),
          purseId: check.body.purseId,
          serial: check.body.serial,
          amount: check.body.amount,
          currency: check.body.currency,
        };
        Object.assign(order, { status: 'paid', check: check.bytes, confirmation });
        return confirmation;
      } finally {
        if (order.status === 'paying') order.status = 'open';
      }
    },
  );

  /** A paid order: the very check it was paid with gets its confirmation again; any other is refused. */
  function sameCheckAgain(order: Order, sealed: Uint8Array): PaymentConfirmation {
    let opened: Uint8Array | undefined;
    try {
      opened = open(MessageType.InternetCheck, merchantKx!.secretKey, sealed);
    } catch {
      opened = undefined;
    }
    if (opened && order.check && order.confirmation && equalBytes(opened, order.check)) return order.confirmation;
    throw new ShopError('already_paid', `order ${order.orderId} is paid (check ${order.confirmation?.checkId})`);
  }

  app.get<{ Params: { id: string } }>('/v1/orders/:id', { schema: shopSchemas.status }, async (request) => {
    const order = orders.get(request.params.id, clock());
    return {
      orderId: order.orderId,
      status: order.status,
      item: order.item,
      amount: order.amount,
      currency: order.currency,
      expiresAt: order.expiresAt,
      ...(order.confirmation ? { checkId: order.confirmation.checkId } : {}),
    };
  });

  app.get('/v1/shop', { schema: shopSchemas.shop }, async () => ({
    merchantId: merchant.id,
    merchantCertificate: toBase64(merchant.certificate),
    ...(o.currencies ? { currencies: o.currencies } : {}),
  }));

  app.post('/v1/deposit', { schema: shopSchemas.deposit }, async (request) => {
    if (!isLoopback(request.ip)) throw new ShopError('forbidden', 'deposits are started from loopback only');
    return jsonSafe(await o.book.deposit());
  });

  if (o.staticDir) await app.register(fastifyStatic, { root: o.staticDir, prefix: '/' });
  return app;
}
