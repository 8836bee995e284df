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

export function defaultWorkerUrl(): URL {
  return isNode ? new URL('./worker-node.mjs', import.meta.url) : new URL('./worker-web.ts', import.meta.url);
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
  const worker = new Worker(url, { type: 'module' });
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
