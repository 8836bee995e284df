// The network clients and interfaces the roles use: the bank (BankLink, BankClient) and web shops
// (ShopLink, ShopClient). Browser-safe: no node: imports.

export type {
  BankClientOptions,
  BankInfo,
  PersonalisedPurse,
  RegisteredCardholder,
  RegisteredMerchant,
  RootKey,
} from './bank-client.ts';
export { BankClient } from './bank-client.ts';
export type { BankLink } from './bank-link.ts';
export { BankRejectedError, BankUnreachableError } from './bank-link.ts';
export { fromBase64, toBase64 } from './http.ts';
export { ShopClient } from './shop-client.ts';
export type { OrderRequest, PaymentConfirmation, PurchaseOffer, ShopLink } from './shop-link.ts';
export { ShopRejectedError, ShopUnreachableError } from './shop-link.ts';
