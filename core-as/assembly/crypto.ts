// The crypto coprocessor: imports the host backs with the Rust core (core-rs through bindings/).
// Keys are passed by their EEPROM address, like a key handle on a card's crypto chip.

@external("coprocessor", "sha256")
export declare function sha256(ptr: usize, len: usize, out: usize): void;

@external("coprocessor", "random")
export declare function random(out: usize, len: usize): void;

@external("coprocessor", "ed25519_public")
export declare function ed25519Public(seed: usize, out: usize): void;

@external("coprocessor", "ed25519_sign")
export declare function ed25519Sign(seed: usize, msg: usize, len: usize, out: usize): void;

@external("coprocessor", "ed25519_verify")
export declare function ed25519Verify(sig: usize, msg: usize, len: usize, pk: usize): i32;

@external("coprocessor", "x25519_public")
export declare function x25519Public(sk: usize, out: usize): void;

/** HPKE open (RFC 9180 base mode, WIRE.md suite): plaintext length, or −1. */
@external("coprocessor", "hpke_open")
export declare function hpkeOpen(sk: usize, enc: usize, ct: usize, ctLen: usize, info: usize, infoLen: usize, out: usize, outMax: usize): i32;
