// What a wallet needs from a web shop (protocol 3), as an interface: ShopClient (shop-client.ts)
// implements it over HTTP, tests may implement it in-process. Bytes travel as the protocol's.

export interface OrderRequest {
  /** What is bought (the shop's item reference, shown on the order). */
  item: string;
  /** Minor units. */
  amount: number;
  currency: string;
}

export interface PurchaseOffer {
  orderId: string;
  /** The merchant-signed Internet purchase slip (COSE_Sign1 with the merchant certificate). */
  slip: Uint8Array;
  /** Unix seconds after which the shop no longer takes payment for this order. */
  expiresAt: number;
}

export interface PaymentConfirmation {
  orderId: string;
  status: 'paid';
  /** The check's id at the shop: hex SHA-256 of the signed check. */
  checkId: string;
  purseId: string;
  serial: number;
  amount: number;
  currency: string;
}

export interface ShopLink {
  /** Asks to buy: the shop answers with an order id and its signed slip. */
  purchase(order: OrderRequest): Promise<PurchaseOffer>;
  /** Pays an order with the dual-signed check sealed to the merchant; the shop confirms or refuses. */
  pay(orderId: string, sealedCheck: Uint8Array): Promise<PaymentConfirmation>;
}

/** The shop could not be reached: nothing was decided by this request (the order may still be open). */
export class ShopUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`shop unreachable at ${url}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'ShopUnreachableError';
  }
}

/** The shop answered and refused: HTTP status and its typed error (kind shop/protocol/http, code). */
export class ShopRejectedError extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    readonly code: string | number,
    message: string,
  ) {
    super(`shop refused (${status} ${kind}/${code}): ${message}`);
    this.name = 'ShopRejectedError';
  }
}
