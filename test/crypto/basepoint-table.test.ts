// Neither crypto module carries curve25519-dalek's static base-point table (issue 13): its 30,720
// bytes were a third of the gzipped primitives' module, and the core now makes the same table at
// run time (core-rs/primitives/src/basepoint.rs). The table comes back as soon as anything linked
// calls dalek's `mul_base` (ed25519-zebra, x25519-dalek's `PublicKey::from(&secret)`, hpke's own
// X25519 KEM), so the test looks for the table's bytes in each module's data.
//
// Why bytes and not a size bound: a size bound also moves with unrelated code and toolchains; the
// table's bytes are there or not. Which bytes: entries are affine Niels points (y+x, y−x, 2dxy), ten
// 32-bit limbs each on wasm32 (dalek's serial u32 backend, limbs unreduced as dalek wrote them in
// src/backend/serial/u32/constants.rs, 4.1.3). The table's first entry is B itself, which the odd
// multiples of B that verification keeps also begin with; so the control looks for B (it must be
// found: the needle is laid out right) and the test for 2B, which only the base-point table holds.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const wasm = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url));
const modules = {
  primitives: wasm('core-rs/primitives/pkg/smartcheck_core_bg.wasm'),
  verifier: wasm('core-rs/checks/pkg/smartcheck_checks_bg.wasm'),
};

/** The first 64 bytes of an affine Niels point as dalek's u32 backend stores it: y+x, then y−x. */
const entry = (yPlusX: number[], yMinusX: number[]) =>
  new Uint8Array(new Uint32Array([...yPlusX, ...yMinusX]).buffer).subarray(0, 64);

// ED25519_BASEPOINT_TABLE[0][0] = AFFINE_ODD_MULTIPLES_OF_BASEPOINT[0] = B.
const B = entry(
  [93076338, 52752828, 29566454, 37215328, 54414518, 37569218, 94653489, 21800160, 61029707, 35602036],
  [54563134, 934261, 64385954, 3049989, 66381436, 9406985],
);
// ED25519_BASEPOINT_TABLE[0][1] = 2B: in no other table.
const TWO_B = entry(
  [54292951, 54132516, 45527619, 11784319, 41753206, 30803714, 55390960, 29739860, 66750418, 23343128],
  [45405608, 6903824, 27185491, 6451973, 37531140, 24000426],
);

describe("curve25519-dalek's static base-point table is in neither module", () => {
  for (const [name, bytes] of Object.entries(modules)) {
    it(`${name}: B's entry of the odd multiples is found (control: the needle is laid out as dalek stores it)`, () => {
      expect(bytes.indexOf(B)).toBeGreaterThan(0);
    });

    it(`${name}: 2B's entry of the base-point table is not`, () => {
      expect(bytes.indexOf(TWO_B)).toBe(-1);
    });
  }
});
