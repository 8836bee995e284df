// SoftHSM2, the software PKCS#11 token the bank's HSM key store is tested on (Debian's softhsm2):
// where its module is, and installing it when missing (setup and the HSM test's fixture).
import { existsSync } from 'node:fs';
import { aptInstall } from './apt.mjs';

/** Where Debian puts the SoftHSM2 PKCS#11 module. */
export const SOFTHSM_MODULES = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'];

/** The module's path, installing softhsm2 with apt-get first when it is missing (throws why not). */
export function ensureSoftHsm() {
  const found = () => SOFTHSM_MODULES.find((p) => existsSync(p));
  if (found()) return found();
  aptInstall(['softhsm2'], { why: 'no SoftHSM2 for the PKCS#11 key store tests', recommends: false });
  const module = found();
  if (!module) throw new Error(`softhsm2 installed, but no module at ${SOFTHSM_MODULES.join(' or ')}`);
  return module;
}
