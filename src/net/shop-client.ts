// ShopClient: the web shop's HTTP API (src/shop/server.ts) over fetch, for Node 20 and browsers.
import { baseUrlOf, type ErrorBody, fromBase64, jsonOf, request, toBase64 } from './http.ts';
import {
  type OrderRequest,
  type PaymentConfirmation,
  type PurchaseOffer,
  type ShopLink,
  ShopRejectedError,
  ShopUnreachableError,
} from './shop-link.ts';

export class ShopClient implements ShopLink {
  readonly baseUrl: string;
  readonly timeoutMs: number;

  constructor(baseUrl: string, o: { timeoutMs?: number } = {}) {
    this.baseUrl = baseUrlOf(baseUrl);
    this.timeoutMs = o.timeoutMs ?? 10_000;
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const url = this.baseUrl + path;
    const unreachable = (cause: unknown) => new ShopUnreachableError(url, cause);
    const rejected = (status: number, e: ErrorBody) => new ShopRejectedError(status, e.kind, e.code, e.message);
    return jsonOf<T>(
      await request(url, { timeoutMs: this.timeoutMs, json: body, accept: 'application/json' }, unreachable, rejected),
      unreachable,
    );
  }

  async purchase(order: OrderRequest): Promise<PurchaseOffer> {
    const r = await this.post<{ orderId: string; slip: string; expiresAt: number }>('/v1/orders', order);
    return { orderId: r.orderId, slip: fromBase64(r.slip), expiresAt: r.expiresAt };
  }

  async pay(orderId: string, sealedCheck: Uint8Array): Promise<PaymentConfirmation> {
    return this.post(`/v1/orders/${encodeURIComponent(orderId)}/pay`, { check: toBase64(sealedCheck) });
  }
}
