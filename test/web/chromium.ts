// Finds and launches the machine's Chromium for the browser tests, through playwright-core (which
// ships no browser): CHROMIUM_PATH, else Debian's /usr/bin/chromium (scripts/setup.mjs installs it
// with apt-get when missing). Never a browser downloaded by `playwright install`.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

/** The Chromium executable to drive, or undefined when none is installed. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv}: no such file`);
    return fromEnv;
  }
  return CANDIDATES.find((path) => existsSync(path));
}

/** Launches Chromium headless; as root it needs --no-sandbox (the sandbox refuses to run as root). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath)
    throw new Error(
      "no Chromium found: run `node scripts/setup.mjs` (installs Debian's chromium) or set CHROMIUM_PATH",
    );
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath, headless: true, args });
}
