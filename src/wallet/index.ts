// The cardholder wallet library: works in Node and in browsers (no node: imports); the browser
// wallet (createBrowserWallet) needs IndexedDB (a browser, or fake-indexeddb in Node's tests).

export type {
  BankClientOptions,
  BankInfo,
  PersonalisedPurse,
  RegisteredCardholder,
  RegisteredMerchant,
  RootKey,
} from '../net/bank-client.ts';
export { BankClient } from '../net/bank-client.ts';
export type { BankLink } from '../net/bank-link.ts';
export { BankRejectedError, BankUnreachableError } from '../net/bank-link.ts';
export { ShopClient } from '../net/shop-client.ts';
export type { OrderRequest, PaymentConfirmation, PurchaseOffer, ShopLink } from '../net/shop-link.ts';
export { ShopRejectedError, ShopUnreachableError } from '../net/shop-link.ts';
export type {
  BrowserWalletOptions,
  BrowserWalletSetUp,
  PaymentRecord,
  WalletSettings,
} from './browser.ts';
export { BrowserWallet, createBrowserWallet } from './browser.ts';
export type { CardholderCrypto } from './cardholder-crypto.ts';
export { cardholderCrypto } from './cardholder-crypto.ts';
export { serveCardholderCrypto } from './cardholder-worker.ts';
export type { WalletErrorCode } from './errors.ts';
export { WalletError } from './errors.ts';
export type { IssueCardOptions } from './issue.ts';
export { issueCard } from './issue.ts';
export type {
  ApprovedCheck,
  CardholderSigner,
  CheckDraft,
  LoadResult,
  PaymentJournal,
  PaymentResult,
  PendingPayment,
  SlipApproval,
  WalletOptions,
} from './wallet.ts';
export { partySigner, Wallet } from './wallet.ts';
