// PC/SC for the real-reader tests (test/pcsc/) and `--reader`: Debian's pcscd, libpcsclite-dev (the
// headers the optional binding @pokusew/pcsclite compiles against), vsmartcard-vpcd (the virtual
// reader `smartcheck card serve` puts the emulated card into) and opensc (opensc-tool, the
// independent PC/SC client of the tests). The packages come first, so that `npm ci` can build the
// binding; the binding is rebuilt afterwards when it is missing (npm drops an optional package
// whose build failed, e.g. when npm ran before the headers were there). Node built-ins only.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall } from './apt.mjs';
import { capture, run, say } from './run.mjs';

/** Each package, by a file it installs. */
const PACKAGES = [
  ['pcscd', '/usr/sbin/pcscd'],
  ['libpcsclite-dev', '/usr/include/PCSC/winscard.h'],
  ['vsmartcard-vpcd', '/usr/lib/pcsc/drivers/serial/libifdvpcd.so'],
  ['opensc', '/usr/bin/opensc-tool'],
];

/** Installs the Debian packages that are missing (Linux with apt-get only: elsewhere PC/SC is the system's). */
export function ensurePcscPackages() {
  if (process.platform !== 'linux' || capture('sh', ['-c', 'command -v apt-get']) === null) return;
  const missing = PACKAGES.filter(([, file]) => !existsSync(file)).map(([name]) => name);
  if (missing.length) aptInstall(missing, { why: 'PC/SC for the real-reader tests and --reader', recommends: false });
}

/** Builds the optional binding when npm left it out or unbuilt (its install script needs the headers). */
export function ensurePcscBinding(root) {
  const dir = join(root, 'node_modules', '@pokusew', 'pcsclite');
  if (existsSync(join(dir, 'build', 'Release', 'pcsclite.node'))) return;
  const wanted = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).optionalDependencies?.[
    '@pokusew/pcsclite'
  ];
  if (!wanted) return;
  if (existsSync(dir)) {
    say('building the PC/SC binding (npm rebuild @pokusew/pcsclite)');
    run('npm', ['rebuild', '@pokusew/pcsclite'], { cwd: root });
  } else {
    say(`installing the PC/SC binding (@pokusew/pcsclite@${wanted})`);
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', `@pokusew/pcsclite@${wanted}`], { cwd: root });
  }
}
