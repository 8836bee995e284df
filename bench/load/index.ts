// One load run: the world in the database, the bank server as a child process, the traffic for a
// fixed time, then the server stopped and the books verified. Always cleans up its child process
// and its temp directory (or PostgreSQL schema).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { runTraffic, type TrafficOptions, type TrafficResult } from './traffic.ts';
import { type Verification, verifyBooks } from './verify.ts';
import { makeStore, type ServerProcess, setupParties, startServer } from './world.ts';

export interface LoadOptions extends TrafficOptions {
  merchants: number;
  purses: number;
  /** Purses set aside for clone events (one each); default one per 2 s of traffic. */
  clonePurses?: number;
  /** Verifier worker threads in the server. */
  workers: number;
  /** postgres://… server to run on (a fresh schema); PGlite on disk when absent. */
  databaseUrl?: string;
  /** Keep the PGlite directory or the PostgreSQL schema afterwards. */
  keep?: boolean;
  log?: (line: string) => void;
}

export interface LoadRun {
  options: Omit<LoadOptions, 'log' | 'databaseUrl'> & { driver: 'pglite' | 'pg' };
  machine: { cpus: number; cpuModel: string; node: string; loadavgBefore: string; loadavgAfter: string; date: string };
  setupS: number;
  serverStartS: number;
  traffic: TrafficResult;
  serverExit: number | null;
  verification: Verification;
  /** True when the traffic saw no broken expectation, no 5xx, and the books verified. */
  ok: boolean;
}

const loadavg = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim();
  } catch {
    return os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  }
};

export async function runLoad(o: LoadOptions): Promise<LoadRun> {
  const log = o.log ?? (() => undefined);
  const loadavgBefore = loadavg();
  const store = await makeStore(o.databaseUrl);
  let server: ServerProcess | undefined;
  const onSignal = () => {
    server?.child.kill('SIGKILL');
    void store.drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  try {
    const clonePurses = o.clonePurses ?? Math.max(3, Math.ceil(o.seconds / 2));
    const t0 = performance.now();
    log(`setting up ${o.merchants} merchants, ${o.purses} purses and ${clonePurses} clone purses on ${store.driver}`);
    const parties = await setupParties(store, {
      merchants: o.merchants,
      purses: o.purses,
      clonePurses,
      now: Math.floor(Date.now() / 1000),
    });
    const setupS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    server = await startServer(store, { workers: o.workers });
    const serverStartS = (performance.now() - t1) / 1000;
    log(`bank server pid ${server.pid} on ${server.address}; traffic for ${o.seconds} s`);
    const traffic = await runTraffic(server.address, server.pid, parties.bank, parties, o);
    const serverExit = await server.stop();
    log(
      `traffic done: ${traffic.stats.requests} requests, ${traffic.stats.checksAccepted} checks accepted; verifying the books`,
    );
    const verification = await verifyBooks(store, traffic.tally, traffic.finalRevoked);
    const ok = traffic.stats.violations.length === 0 && traffic.stats.serverErrors() === 0 && verification.ok;
    const { log: _log, databaseUrl: _url, ...options } = o;
    return {
      options: { ...options, clonePurses, driver: store.driver },
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? '?',
        node: process.version,
        loadavgBefore,
        loadavgAfter: loadavg(),
        date: new Date().toISOString(),
      },
      setupS,
      serverStartS,
      traffic,
      serverExit,
      verification,
      ok,
    };
  } catch (error) {
    if (server) log(`server output:\n${server.output()}`);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    await server?.stop();
    if (!o.keep) await store.drop();
  }
}
