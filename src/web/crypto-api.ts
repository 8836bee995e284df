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

/** What the worker posts once its module (and the core, top-level await) is ready for calls. */
export const WORKER_READY = 'smartcheck-crypto-ready';

/**
 * Starts the crypto worker (Vite bundles it from the literal `new Worker(new URL(…))`) and waits
 * until it is ready: a module worker's messages that arrive while its top-level await is still
 * running reach no listener yet and would be lost.
 */
export async function startCryptoWorker(): Promise<{ api: Remote<CryptoWorker>; worker: Worker }> {
  const worker = new Worker(new URL('./crypto-worker.ts', import.meta.url), { type: 'module', name: 'smartcheck-crypto' });
  await new Promise<void>((resolve, reject) => {
    const ready = (event: MessageEvent) => {
      if (event.data !== WORKER_READY) return;
      worker.removeEventListener('message', ready);
      resolve();
    };
    worker.addEventListener('message', ready);
    worker.addEventListener('error', (event) => reject(new Error(`the crypto worker did not start: ${event.message}`)), { once: true });
  });
  return { api: wrap<CryptoWorker>(worker), worker };
}
