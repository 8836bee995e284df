// The Python venv of test tools from PyPI (python-tools-requirements.txt says what each is for):
// pycose for test/protocol/cose-interop.test.ts, and Node 22 for test/package/pack.test.ts.
// Idempotent: a stamp of the pinned requirements and the Python version makes a second run a no-op.
// Node built-ins only, like the rest of setup.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capture, hashInputs, run, say } from './run.mjs';

export function ensurePythonTools(root) {
  const venv = join(root, '.tools', 'pyvenv');
  const python = join(venv, 'bin', 'python');
  const requirements = join(root, 'scripts', 'lib', 'python-tools-requirements.txt');
  const stampFile = join(venv, '.smartcheck-requirements-sha256');
  const version = capture('python3', ['--version'])?.trim();
  if (!version)
    throw new Error('python3 is needed for the test tools (pycose, Node 22): install python3 with its venv module');
  const stamp = `${hashInputs([requirements])} ${version}`;
  if (existsSync(python) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  say(`installing the test tools into .tools/pyvenv: pycose, Node 22 (${version})`);
  if (!existsSync(python)) run('python3', ['-m', 'venv', venv]);
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements]);
  writeFileSync(stampFile, stamp);
}
