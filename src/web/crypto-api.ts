// The types the page and the crypto worker exchange (structured-cloned by comlink), and the page's
// handle on the worker.
import { wrap, type Remote } from 'comlink';
import type { CryptoWorker } from './crypto-worker.ts';

export interface RootKey {
  id: string;
  publicKey: Uint8Array;
}

/** A verified shop slip, as the cardholder is asked to approve it. */
export interface SlipSummary {
  merchantId: string;
  /** The bank that certified the merchant. */
  bankId: string;
  amount: number;
  currency: string;
  time: number;
  /** Hex SHA-256 of the slip's body. */
  slipHash: string;
}

/** The purse's half of an Internet check (PurseCard.internetCheck) and the slip it answers. */
export interface CheckDraft {
  payload: Uint8Array;
  purseSignature: Uint8Array;
  slip: Uint8Array;
}

export interface ApprovedCheck {
  /** The two-signature check sealed to the merchant: what the shop is sent. */
  envelope: Uint8Array;
  /** The signed check itself (COSE_Sign, purse and cardholder): the wallet's receipt. */
  check: Uint8Array;
  /** Hex SHA-256 of the check's payload: its id at the shop and the bank. */
  checkId: string;
  serial: number;
  amount: number;
  currency: string;
  merchantId: string;
}

/** Starts the crypto worker (Vite bundles it from the literal `new Worker(new URL(…))`). */
export function startCryptoWorker(): { api: Remote<CryptoWorker>; worker: Worker } {
  const worker = new Worker(new URL('./crypto-worker.ts', import.meta.url), { type: 'module', name: 'smartcheck-crypto' });
  return { api: wrap<CryptoWorker>(worker), worker };
}
