// The web shop (protocol 3): HTTP server, orders and their errors.

export { ShopClient } from '../net/shop-client.ts';
export type { OrderRequest, PaymentConfirmation, PurchaseOffer, ShopLink } from '../net/shop-link.ts';
export type { Order, OrderStatus, ShopErrorCode } from './orders.ts';
export { OrderBook, ShopError, shopErrorStatus } from './orders.ts';
export type { ShopBook, ShopServerOptions } from './server.ts';
export { createShopServer } from './server.ts';
