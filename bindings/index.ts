// smartcheck bindings: the typed API over the Rust/WASM crypto core. Importing this module
// instantiates the core (top-level await), so every function is ready to call.
import { initCore } from './loader.ts';
import * as ed25519 from './ed25519.ts';
import * as x25519 from './x25519.ts';
import * as hpke from './hpke.ts';

await initCore();

export { ed25519, x25519, hpke };
export { sha256, sha512, hkdf } from './hash.ts';
export { lengths } from './lengths.ts';
export { CoreError, CoreErrorCode, DecryptError } from './errors.ts';
export { initCore, compileCore } from './loader.ts';
export { verifyChecks } from './checks.ts';
export type { CheckFields, CheckRefused, CheckVerdict, VerifyChecksOptions } from './checks.ts';
export type { KeyPair, BatchItem, BatchResult } from './ed25519.ts';
export type { Sealed, HpkeContext } from './hpke.ts';
