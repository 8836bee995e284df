/* tslint:disable */
/* eslint-disable */
export const memory: WebAssembly.Memory;
export const ed25519_keygen: (a: number, b: number) => [number, number, number, number];
export const ed25519_public_key: (a: number, b: number) => [number, number, number, number];
export const ed25519_sign: (a: number, b: number, c: number, d: number) => [number, number, number, number];
export const ed25519_verify: (a: number, b: number, c: number, d: number, e: number, f: number) => number;
export const ed25519_verify_batch: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number, number];
export const hkdf_sha256: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => [number, number, number, number];
export const hpke_open: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => [number, number, number, number];
export const hpke_seal: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number, number];
export const sha256: (a: number, b: number) => [number, number];
export const sha512: (a: number, b: number) => [number, number];
export const x25519_keygen: (a: number, b: number) => [number, number, number, number];
export const x25519_public_key: (a: number, b: number) => [number, number, number, number];
export const x25519_shared_secret: (a: number, b: number, c: number, d: number) => [number, number, number, number];
export const __wbindgen_exn_store: (a: number) => void;
export const __externref_table_alloc: () => number;
export const __wbindgen_externrefs: WebAssembly.Table;
export const __wbindgen_malloc: (a: number, b: number) => number;
export const __wbindgen_free: (a: number, b: number, c: number) => void;
export const __externref_table_dealloc: (a: number) => void;
export const __wbindgen_start: () => void;
