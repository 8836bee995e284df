// pcscd for the PC/SC tests: the system's when one runs (its /etc/reader.conf.d/vpcd gives the
// virtual reader "Virtual PCD 00 00" on port 35963), else one started here in the foreground
// (root: it owns /run/pcscd) and stopped after the tests. `why` says why the tests cannot run
// here, and they are skipped with that reason; scripts/setup.mjs installs what they need.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { pcscAvailable } from '../../src/card/pcsc-reader.ts';
import { VPCD_PORT } from '../../src/card/vpcd.ts';

export const READER = 'Virtual PCD 00 00';
const PCSCD = '/usr/sbin/pcscd';
const VPCD_CONF = '/etc/reader.conf.d/vpcd';

/** Why the PC/SC tests cannot run here, or undefined when they can. */
export function unavailable(): string | undefined {
  if (process.platform !== 'linux') return 'PC/SC tests need Linux (pcscd with vsmartcard-vpcd)';
  if (!existsSync(PCSCD)) return 'pcscd is not installed (node scripts/setup.mjs installs it, as root)';
  if (!existsSync(VPCD_CONF)) return 'vsmartcard-vpcd is not installed (node scripts/setup.mjs installs it)';
  if (!existsSync('/usr/bin/opensc-tool')) return 'opensc is not installed (node scripts/setup.mjs installs it)';
  if (!pcscAvailable()) return 'the PC/SC binding @pokusew/pcsclite is not built (node scripts/setup.mjs builds it)';
  if (!running() && process.getuid?.() !== 0) return 'pcscd is not running and only root can start it';
  return undefined;
}

/** A pcscd that answers: its pid file names a live process. */
function running(): boolean {
  try {
    const pid = Number(readFileSync('/run/pcscd/pcscd.pid', 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const vpcdListening = () =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: VPCD_PORT }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

/** Makes sure pcscd runs with vpcd listening; returns how to stop what was started here. */
export async function startPcscd(): Promise<() => Promise<void>> {
  let child: ChildProcess | undefined;
  if (!running()) {
    // A stale socket from a pcscd that died keeps a new one from starting.
    spawnSync('rm', ['-f', '/run/pcscd/pcscd.comm', '/run/pcscd/pcscd.pid']);
    child = spawn(PCSCD, ['--foreground'], { stdio: 'ignore' });
  }
  const deadline = Date.now() + 15_000;
  while (!(await vpcdListening())) {
    if (Date.now() > deadline) throw new Error(`pcscd started, but vpcd does not listen on port ${VPCD_PORT}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
}
