// The Python venv with pycose that test/protocol/cose-interop.test.ts runs (an independent COSE
// implementation). Idempotent: a stamp of the pinned requirements and the Python version makes a
// second run a no-op. Node built-ins only, like the rest of setup.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, hashInputs, run, say } from './run.mjs';

export function ensurePythonCose(root) {
  const venv = join(root, '.tools', 'pyvenv');
  const python = join(venv, 'bin', 'python');
  const requirements = join(root, 'scripts', 'lib', 'python-cose-requirements.txt');
  const stampFile = join(venv, '.smartcheck-requirements-sha256');
  const version = capture('python3', ['--version'])?.trim();
  if (!version)
    throw new Error('python3 is needed for the COSE interop test (pycose): install python3 with its venv module');
  const stamp = `${hashInputs([requirements])} ${version}`;
  if (existsSync(python) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  say(`creating .tools/pyvenv with pycose (${version})`);
  if (!existsSync(python)) run('python3', ['-m', 'venv', venv]);
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements]);
  writeFileSync(stampFile, stamp);
}
