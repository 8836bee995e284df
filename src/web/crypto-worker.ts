// The wallet's crypto worker (a module Web Worker started by main.ts through createBrowserWallet):
// it holds the cardholder's signing key; the library serves it (src/wallet/cardholder-worker.ts).
import { serveCardholderCrypto } from '../wallet/cardholder-worker.ts';

serveCardholderCrypto();
