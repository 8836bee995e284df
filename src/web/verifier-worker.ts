// The wallet's verifier worker (a module Web Worker started by the page's verifier pool, main.ts):
// it serves the protocol layer's check-verifying worker API, so it is the only thread of the wallet
// that loads the check verifier's WebAssembly; the page and the crypto worker load the primitives.
import { exposeInWebWorker } from '../../bindings/pool/index.ts';
import { workerApi } from '../protocol/verifier/worker-api.ts';

exposeInWebWorker(workerApi);
