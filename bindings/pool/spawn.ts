// Starts one worker thread, in Node (worker_threads) or a browser (Web Worker), behind one shape.
import type { Endpoint } from 'comlink';

export interface SpawnedWorker {
  endpoint: Endpoint;
  /** Called once if the worker dies or fails to start. */
  onExit(listener: (reason: string) => void): void;
  /** Resolves never; rejects once the worker dies (to race against calls into it). */
  exited: Promise<never>;
  terminate(): Promise<void>;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * In browsers the default worker is named by a placeholder: spawnWeb starts worker-web.ts from a
 * literal `new URL(…)` that bundlers rewrite (a URL computed here would be copied as raw .ts).
 */
const WEB_DEFAULT_WORKER = 'about:smartcheck-pool-worker';

export function defaultWorkerUrl(): URL {
  return isNode ? new URL('./worker-node.mjs', import.meta.url) : new URL(WEB_DEFAULT_WORKER);
}

export async function spawnWorker(url: URL): Promise<SpawnedWorker> {
  return isNode ? spawnNode(url) : spawnWeb(url);
}

async function spawnNode(url: URL): Promise<SpawnedWorker> {
  const { Worker } = await import('node:worker_threads');
  const nodeEndpoint = (await import('comlink/dist/esm/node-adapter.mjs')).default;
  const worker = new Worker(url);
  worker.unref();
  const exited = new Promise<never>((_, reject) => {
    worker.once('error', (error) => reject(new Error(`worker error: ${error.message}`)));
    worker.once('exit', (code) => reject(new Error(`worker exited with code ${code}`)));
  });
  exited.catch(() => undefined);
  return {
    endpoint: nodeEndpoint(worker),
    exited,
    onExit(listener) {
      exited.catch((error: Error) => listener(error.message));
    },
    async terminate() {
      await worker.terminate();
    },
  };
}

async function spawnWeb(url: URL): Promise<SpawnedWorker> {
  // The default worker is written out as `new Worker(new URL(…), …)` so that bundlers (Vite,
  // webpack 5, Parcel) recognise it and bundle worker-web.ts with its imports.
  const worker =
    url.href === WEB_DEFAULT_WORKER
      ? new Worker(new URL('./worker-web.ts', import.meta.url), { type: 'module' })
      : new Worker(url, { type: 'module' });
  const exited = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => reject(new Error(`worker error: ${event.message}`)), { once: true });
  });
  exited.catch(() => undefined);
  return {
    endpoint: worker,
    exited,
    onExit(listener) {
      exited.catch((error: Error) => listener(error.message));
    },
    async terminate() {
      worker.terminate();
    },
  };
}
