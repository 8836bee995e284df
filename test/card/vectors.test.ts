// The AssemblyScript side of the shared protocol vectors: core-as/tests/vectors.ts reads every
// valid check of test/vectors/protocol/checks.json with the applet's own COSE and CBOR readers,
// and the applet's check encoder (the one the card signs with) must give back the payload bytes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../bindings/index.ts';
import { signedPayload } from '../../src/protocol/cose.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/protocol/checks.json', import.meta.url), 'utf8')) as {
  cases: { name: string; check: string; expected: { ok?: Record<string, string | number> } }[];
};
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function instance() {
  const bytes = readFileSync(new URL('../../core-as/build/vectors-test.wasm', import.meta.url));
  const stub = () => {
    throw new Error('no coprocessor in the vector test');
  };
  const { instance } = await WebAssembly.instantiate(bytes, {
    coprocessor: {
      sha256: stub,
      random: stub,
      ed25519_public: stub,
      ed25519_sign: stub,
      ed25519_verify: stub,
      x25519_public: stub,
      hpke_open: stub,
    },
    eeprom: { write: stub },
  });
  return instance.exports as {
    memory: WebAssembly.Memory;
    input(): number;
    record(): number;
    roundTrip(len: number): number;
  };
}

describe('AssemblyScript reads and re-encodes the protocol vectors', async () => {
  const as = await instance();
  // The applet's reader takes single-signed (COSE_Sign1) checks; an Internet check (COSE_Sign, tag
  // 98: CBOR d8 62) is co-signed by the cardholder's wallet, not read back by the card.
  const valid = vectors.cases.filter((c) => c.expected.ok && !c.check.startsWith('d862'));
  it('has valid vectors to read', () => expect(valid.length).toBeGreaterThanOrEqual(10));
  for (const c of valid) {
    it(c.name, () => {
      const check = hex(c.check);
      const mem = new Uint8Array(as.memory.buffer);
      mem.set(check, as.input());
      expect(as.roundTrip(check.length)).toBe(1);
      const rec = new Uint8Array(as.memory.buffer, as.record(), 128);
      const v = new DataView(rec.buffer, rec.byteOffset, 128);
      const text = (at: number, n: number) => new TextDecoder().decode(rec.subarray(at, at + n));
      const ok = c.expected.ok!;
      expect({
        serial: Number(v.getBigUint64(4, true)),
        amount: Number(v.getBigUint64(12, true)),
        slipHash: toHex(rec.subarray(28, 60)),
        merchantId: text(60, rec[2]!),
        currency: text(124, 3),
        channel: rec[1],
      }).toEqual({
        serial: ok.serial,
        amount: ok.amount,
        slipHash: ok.slipHash,
        merchantId: ok.merchantId,
        currency: ok.currency,
        channel: ok.channel,
      });
      expect(toHex(sha256(signedPayload(check)))).toBe(ok.checkHash);
    });
  }
  it('refuses the encoding vectors the applet reader can see (non-shortest integer, unsorted keys)', () => {
    for (const c of vectors.cases.filter((x) =>
      /^encoding: (amount 1234 in a 4-byte|check body map keys not sorted)/.test(x.name),
    )) {
      const check = hex(c.check);
      new Uint8Array(as.memory.buffer).set(check, as.input());
      expect(as.roundTrip(check.length), c.name).toBeLessThan(0);
    }
  });
});
