// Pool worker entry for browsers' Web Workers: a worker script calls this with its API. (The script
// itself is the caller's, so that its bundler sees `new Worker(new URL(…))` and bundles it.)
import { expose } from 'comlink';
import { installErrorTransfer } from './errors.ts';

/** Serves `api` to the pool that started this Web Worker. */
export function exposeInWebWorker(api: object): void {
  installErrorTransfer();
  expose(api);
}
