// Loads the AssemblyScript applet (core-as/build/purse.wasm) once per process and instantiates it
// with its crypto coprocessor (backed by the Rust core through bindings/) and its EEPROM
// controller (the host hook every EEPROM write goes through). Each instance is one power cycle.
import { ed25519, hpke, sha256, x25519 } from '../../bindings/index.ts';
import { equalBytes } from '../bytes.ts';

const wasmUrl = new URL('../../core-as/build/purse.wasm', import.meta.url);

export interface AppletModule {
  module: WebAssembly.Module;
  /** SHA-256 of the applet's .wasm: an EEPROM image is only valid for the build that wrote it. */
  buildHash: Uint8Array;
  size: number;
}

let compiled: Promise<AppletModule> | undefined;

async function readWasm(): Promise<Uint8Array> {
  if (wasmUrl.protocol === 'file:' && typeof process !== 'undefined' && process.versions?.node) {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(wasmUrl));
  }
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`cannot load ${wasmUrl}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Compiles the applet once; later calls return the same module. */
export function loadApplet(): Promise<AppletModule> {
  compiled ??= readWasm().then(async (bytes) => ({
    module: await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>),
    buildHash: sha256(bytes),
    size: bytes.length,
  }));
  return compiled;
}

interface Exports {
  memory: WebAssembly.Memory;
  apduBuffer(): number;
  apduMax(): number;
  responseBuffer(): number;
  eepromBase(): number;
  eepromSize(): number;
  powerOn(): number;
  transmit(length: number): number;
}

/** Called for every EEPROM write before it happens; may write part of it and throw (a power cut). */
export type EepromWriteHook = (memory: Uint8Array, dst: number, src: number, length: number) => void;

const INFO_MAX = 64;

export interface AppletInstance {
  exports: Exports;
  memory: () => Uint8Array;
}

/** One power cycle of the applet: RAM is fresh, EEPROM is what the caller copies in. */
export function instantiate(applet: AppletModule, onWrite: EepromWriteHook): AppletInstance {
  let exports: Exports | undefined;
  const mem = () => new Uint8Array((exports as Exports).memory.buffer);
  const view = (ptr: number, len: number) => mem().subarray(ptr, ptr + len);
  const put = (ptr: number, bytes: Uint8Array) => mem().set(bytes, ptr);
  // The coprocessor keeps the purse's signing key expanded, as a card's crypto unit keeps its key
  // loaded: one base-point multiplication per check instead of two. Re-expanded if the applet
  // passes another seed (personalisation); dropped with this power cycle.
  let held: { seed: Uint8Array; key: ed25519.SigningKey } | undefined;
  const signingKey = (seed: Uint8Array): ed25519.SigningKey => {
    if (!held || !equalBytes(held.seed, seed)) {
      held?.key.free();
      held = { seed: seed.slice(), key: ed25519.SigningKey.fromSecretKey(seed) };
    }
    return held.key;
  };
  const coprocessor = {
    sha256: (ptr: number, len: number, out: number) => put(out, sha256(view(ptr, len))),
    random: (out: number, len: number) => put(out, crypto.getRandomValues(new Uint8Array(len))),
    ed25519_public: (seed: number, out: number) => put(out, signingKey(view(seed, 32)).publicKey),
    ed25519_sign: (seed: number, msg: number, len: number, out: number) =>
      put(out, signingKey(view(seed, 32)).sign(view(msg, len))),
    ed25519_verify: (sig: number, msg: number, len: number, pk: number) =>
      ed25519.verify(view(sig, 64), view(msg, len), view(pk, 32)) ? 1 : 0,
    x25519_public: (sk: number, out: number) => put(out, x25519.getPublicKey(view(sk, 32))),
    hpke_open: (
      sk: number,
      enc: number,
      ct: number,
      ctLen: number,
      info: number,
      infoLen: number,
      out: number,
      outMax: number,
    ) => {
      if (infoLen > INFO_MAX) return -1;
      try {
        const plain = hpke.open(view(sk, 32), view(enc, 32), view(ct, ctLen), { info: view(info, infoLen) });
        if (plain.length > outMax) return -1;
        put(out, plain);
        return plain.length;
      } catch {
        return -1;
      }
    },
  };
  const eeprom = { write: (dst: number, src: number, len: number) => onWrite(mem(), dst, src, len) };
  const instance = new WebAssembly.Instance(applet.module, { coprocessor, eeprom });
  exports = instance.exports as unknown as Exports;
  return { exports, memory: mem };
}
