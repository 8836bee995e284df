// The types the page and the crypto worker exchange (structured-cloned by comlink), and the page's
// handle on the worker.
import { type Remote, wrap } from 'comlink';
import type { CryptoWorker } from './crypto-worker.ts';

export type { ApprovedCheck, CheckDraft } from '../wallet/wallet.ts';

export interface RootKey {
  id: string;
  publicKey: Uint8Array;
}

/** What the worker posts once its module (and the core, top-level await) is ready for calls. */
export const WORKER_READY = 'smartcheck-crypto-ready';

/**
 * Starts the crypto worker (Vite bundles it from the literal `new Worker(new URL(…))`) and waits
 * until it is ready: a module worker's messages that arrive while its top-level await is still
 * running reach no listener yet and would be lost.
 */
export async function startCryptoWorker(): Promise<{ api: Remote<CryptoWorker>; worker: Worker }> {
  const worker = new Worker(new URL('./crypto-worker.ts', import.meta.url), {
    type: 'module',
    name: 'smartcheck-crypto',
  });
  await new Promise<void>((resolve, reject) => {
    const ready = (event: MessageEvent) => {
      if (event.data !== WORKER_READY) return;
      worker.removeEventListener('message', ready);
      resolve();
    };
    worker.addEventListener('message', ready);
    worker.addEventListener(
      'error',
      (event) => reject(new Error(`the crypto worker did not start: ${event.message}`)),
      { once: true },
    );
  });
  return { api: wrap<CryptoWorker>(worker), worker };
}
