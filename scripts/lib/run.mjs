// Small process and file helpers shared by the setup and build scripts (Node built-ins only:
// these run before `npm ci` has installed anything).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Runs a command with inherited stdio; throws with the command line when it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
}

/** Runs a command and returns its stdout, or null when it cannot run or fails. */
export function capture(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  return result.status === 0 ? result.stdout : null;
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * SHA-256 over the contents of files and directories (recursively, in sorted order), each named by
 * its path relative to the repository, so a clone that moves, or a second worktree, keeps its stamps.
 */
export function hashInputs(paths) {
  const hash = createHash('sha256');
  const visit = (path) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) visit(join(path, name));
    } else {
      hash.update(relative(REPO_ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  paths.forEach(visit);
  return hash.digest('hex');
}

/** Prints one line of progress to stderr, prefixed so it reads apart from tool output. */
export function say(message) {
  process.stderr.write(`[setup] ${message}\n`);
}
