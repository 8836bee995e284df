// Node worker bootstrap: registers tsx's loader in this thread, then loads the TypeScript worker.
// (A loader given through the Worker's execArgv is not active for the worker's main module on
// Node 20, so the registration has to happen here, before the first TypeScript import.)
import { register } from 'tsx/esm/api';

register();
await import('./worker-node.ts');
