// The cardholder's crypto in a module Web Worker, over comlink. The worker script is the page's own
// (two lines: import serveCardholderCrypto, call it), started by the page with a literal
// `new Worker(new URL('./x.ts', import.meta.url), { type: 'module' })` so that its bundler sees it
// and bundles the script (the same convention as the verifier pool's workers).
import { expose, wrap } from 'comlink';
import { type CardholderCrypto, cardholderCrypto } from './cardholder-crypto.ts';

/** What the worker posts once its module (and the core, top-level await) is ready for calls. */
const WORKER_READY = 'smartcheck-crypto-ready';

/** Serves the cardholder's crypto from this worker: the one call a worker script makes. */
export function serveCardholderCrypto(): void {
  expose(cardholderCrypto());
  postMessage(WORKER_READY);
}

/**
 * Connects to a started crypto worker and waits until it is ready: a module worker's messages that
 * arrive while its top-level await is still running reach no listener yet and would be lost.
 */
export async function connectCardholderCrypto(worker: Worker): Promise<CardholderCrypto> {
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
  // Every method of CardholderCrypto is async, so comlink's remote has the same signatures.
  return wrap<CardholderCrypto>(worker) as unknown as CardholderCrypto;
}
