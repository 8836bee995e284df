// Starts one worker thread, in Node (worker_threads) or a browser (Web Worker), behind one shape.
import type { Endpoint } from 'comlink';
import { siblingModule } from './module-url.ts';
import type { WorkerSpec } from './types.ts';

export interface SpawnedWorker {
  endpoint: Endpoint;
  /** Called once if the worker dies or fails to start. */
  onExit(listener: (reason: string) => void): void;
  /** Resolves never; rejects once the worker dies (to race against calls into it). */
  exited: Promise<never>;
  terminate(): Promise<void>;
}

/** How to start a worker: a Node script (and the data it gets), or a browser's Web Worker. */
export type WorkerStart = { script: URL; data?: unknown } | { web: () => Worker };

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * The script a test named, else in Node the generic entry told which API module to expose, else
 * the spec's Web Worker. From the sources the entry is worker-node.mjs (it registers tsx so that
 * the worker can load TypeScript); from the built package it is the compiled worker-node.js, which
 * needs no loader.
 */
export function workerStart(spec: WorkerSpec<unknown>, workerUrl?: URL): WorkerStart {
  if (workerUrl) return { script: workerUrl };
  if (isNode) return { script: nodeEntry(), data: { api: spec.api.href } };
  if (spec.web) return { web: spec.web };
  throw new TypeError('a pool in a browser needs its Web Worker: pass `web: () => new Worker(new URL(…))`');
}

function nodeEntry(): URL {
  const fromSources = import.meta.url.endsWith('.ts');
  return fromSources ? new URL(TSX_ENTRY, import.meta.url) : siblingModule('worker-node', import.meta.url);
}
// A name, not a literal in `new URL(…)`: bundlers would copy it as an asset into browser builds.
const TSX_ENTRY = './worker-node.mjs';

export async function spawnWorker(start: WorkerStart): Promise<SpawnedWorker> {
  return 'web' in start ? spawnWeb(start.web()) : spawnNode(start.script, start.data);
}

async function spawnNode(url: URL, workerData: unknown): Promise<SpawnedWorker> {
  const { Worker } = await import('node:worker_threads');
  const nodeEndpoint = (await import('comlink/dist/esm/node-adapter.mjs')).default;
  const worker = new Worker(url, { workerData });
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

async function spawnWeb(worker: Worker): Promise<SpawnedWorker> {
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
