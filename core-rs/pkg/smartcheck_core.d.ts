/* tslint:disable */
/* eslint-disable */

/**
 * Ed25519 key pair from a 32-byte seed (empty: random). Returns secretKey(32) || publicKey(32).
 */
export function ed25519_keygen(seed: Uint8Array | number[]): Uint8Array;

/**
 * Ed25519 public key of a secret key.
 */
export function ed25519_public_key(secret_key: Uint8Array | number[]): Uint8Array;

/**
 * Ed25519 signature of `message`.
 */
export function ed25519_sign(message: Uint8Array | number[], secret_key: Uint8Array | number[]): Uint8Array;

/**
 * ZIP-215 verification of one signature; false for any malformed input.
 */
export function ed25519_verify(signature: Uint8Array | number[], message: Uint8Array | number[], public_key: Uint8Array | number[]): boolean;

/**
 * Batch verification over packed arrays: all messages concatenated with `message_ends[i]` the end
 * offset of message i, signatures as n·64 bytes, public keys as n·32 bytes. Returns the indices of
 * the invalid items (empty when all are valid).
 */
export function ed25519_verify_batch(messages: Uint8Array | number[], message_ends: Uint32Array | number[], signatures: Uint8Array | number[], public_keys: Uint8Array | number[]): Uint32Array;

/**
 * HKDF-SHA256 (RFC 5869) to `length` bytes.
 */
export function hkdf_sha256(ikm: Uint8Array | number[], salt: Uint8Array | number[], info: Uint8Array | number[], length: number): Uint8Array;

/**
 * HPKE base-mode open; one opaque error on any failure.
 */
export function hpke_open(recipient_secret_key: Uint8Array | number[], enc: Uint8Array | number[], ciphertext: Uint8Array | number[], info: Uint8Array | number[], aad: Uint8Array | number[]): Uint8Array;

/**
 * HPKE base-mode seal. Returns enc(32) || ciphertext.
 */
export function hpke_seal(recipient_public_key: Uint8Array | number[], plaintext: Uint8Array | number[], info: Uint8Array | number[], aad: Uint8Array | number[]): Uint8Array;

/**
 * SHA-256.
 */
export function sha256(data: Uint8Array | number[]): Uint8Array;

/**
 * SHA-512.
 */
export function sha512(data: Uint8Array | number[]): Uint8Array;

/**
 * X25519 key pair from a 32-byte seed (empty: random). Returns secretKey(32) || publicKey(32).
 */
export function x25519_keygen(seed: Uint8Array | number[]): Uint8Array;

/**
 * X25519 public key of a secret key.
 */
export function x25519_public_key(secret_key: Uint8Array | number[]): Uint8Array;

/**
 * X25519 shared secret; fails on an all-zero result.
 */
export function x25519_shared_secret(secret_key: Uint8Array | number[], public_key: Uint8Array | number[]): Uint8Array;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly ed25519_keygen: (a: number, b: number) => [number, number, number, number];
    readonly ed25519_public_key: (a: number, b: number) => [number, number, number, number];
    readonly ed25519_sign: (a: number, b: number, c: number, d: number) => [number, number, number, number];
    readonly ed25519_verify: (a: number, b: number, c: number, d: number, e: number, f: number) => number;
    readonly ed25519_verify_batch: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number, number];
    readonly hkdf_sha256: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => [number, number, number, number];
    readonly hpke_open: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => [number, number, number, number];
    readonly hpke_seal: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number, number];
    readonly sha256: (a: number, b: number) => [number, number];
    readonly sha512: (a: number, b: number) => [number, number];
    readonly x25519_keygen: (a: number, b: number) => [number, number, number, number];
    readonly x25519_public_key: (a: number, b: number) => [number, number, number, number];
    readonly x25519_shared_secret: (a: number, b: number, c: number, d: number) => [number, number, number, number];
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
