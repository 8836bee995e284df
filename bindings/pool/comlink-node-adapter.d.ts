// comlink ships node-adapter.d.ts beside node-adapter.mjs, which TypeScript does not pair with an
// .mjs import; this declares the same signature for the path we import.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { MessagePort, Worker } from 'node:worker_threads';
  import type { Endpoint } from 'comlink';
  export default function nodeEndpoint(nep: MessagePort | Worker): Endpoint;
}
