// smartcheck bindings: the typed API over the Rust/WASM crypto core's primitives (Ed25519, SHA-2,
// HKDF, X25519, HPKE). Importing this module instantiates the core (top-level await), so every
// function is ready to call. Nothing here knows payments: the check verifier is the protocol
// layer's (src/protocol/verifier/), a WebAssembly module of its own.

import { initCore } from './core.ts';
import * as ed25519 from './ed25519.ts';
import * as hpke from './hpke.ts';
import * as x25519 from './x25519.ts';

await initCore();

export { compileCore, initCore } from './core.ts';
export type { BatchItem, BatchResult, KeyPair } from './ed25519.ts';
export { CoreError, CoreErrorCode, DecryptError } from './errors.ts';
export { hkdf, sha256, sha256Many, sha512 } from './hash.ts';
export type { HpkeContext, Sealed } from './hpke.ts';
export { lengths } from './lengths.ts';
export { ed25519, hpke, x25519 };
