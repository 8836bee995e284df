// Pool worker entry for Node's worker_threads (comlink needs its node adapter there).
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { workerApi } from './worker-api.ts';

if (!parentPort) throw new Error('worker-node.ts must run in a worker thread');
expose(workerApi, nodeEndpoint(parentPort));
