// Pool worker entry for Node's worker_threads: exposes the `workerApi` of the module the pool names
// in workerData (WorkerSpec.api), over comlink's node adapter. The same entry for every pool; what
// a worker does is its API module's.
import { parentPort, workerData } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { installErrorTransfer } from './errors.ts';

if (!parentPort) throw new Error('worker-node.ts must run in a worker thread');
const { api } = workerData as { api: string };
const { workerApi } = (await import(api)) as { workerApi: object };
installErrorTransfer();
expose(workerApi, nodeEndpoint(parentPort));
