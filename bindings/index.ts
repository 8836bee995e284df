// smartcheck bindings: the typed API over the Rust/WASM crypto core. Importing this module
// instantiates the core (top-level await), so every function is ready to call.

import * as ed25519 from './ed25519.ts';
import * as hpke from './hpke.ts';
import { initCore } from './loader.ts';
import * as x25519 from './x25519.ts';

await initCore();

export type { CheckFields, CheckRefused, CheckVerdict, VerifyChecksOptions } from './checks.ts';
export { verifyChecks } from './checks.ts';
export type { BatchItem, BatchResult, KeyPair } from './ed25519.ts';
export { CoreError, CoreErrorCode, DecryptError } from './errors.ts';
export { hkdf, sha256, sha512 } from './hash.ts';
export type { HpkeContext, Sealed } from './hpke.ts';
export { lengths } from './lengths.ts';
export { compileCore, initCore } from './loader.ts';
export { ed25519, hpke, x25519 };
