// The protocol vectors (test/vectors/protocol/checks.json): the committed file is exactly what the
// generator writes, and the TypeScript verifier reaches every case's verdict.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CheckVectors,
  VECTORS_PATH,
  type VectorCase,
  vectorsText,
  verifyAnyCheck,
} from '../../scripts/gen-protocol-vectors.ts';
import { ProtocolError } from '../../src/protocol/errors.ts';
import { hex, toHex } from '../support/vectors.ts';

const committed = readFileSync(VECTORS_PATH, 'utf8');
const file = JSON.parse(committed) as CheckVectors;
const context = {
  anchors: new Map(file.anchors.map((a) => [a.id, hex(a.publicKey)])),
  now: file.now,
  revoked: new Set(file.revoked),
};

function tsVerdict(check: Uint8Array): VectorCase['expected'] {
  try {
    // a COSE_Sign (tag 98) is an Internet check: verifyInternetCheck; else verifyCheck
    const { body, hash } = verifyAnyCheck(check, context);
    const { purseId, serial, amount, currency, merchantId, channel } = body;
    return {
      ok: {
        purseId,
        serial,
        amount,
        currency,
        merchantId,
        slipHash: toHex(body.slipHash),
        channel,
        checkHash: toHex(hash),
      },
    };
  } catch (error) {
    if (error instanceof ProtocolError) return { error: error.code };
    throw error;
  }
}

describe('protocol vectors: checks.json', () => {
  it('is what scripts/gen-protocol-vectors.ts writes (regenerated in memory, byte for byte)', () => {
    expect(vectorsText() === committed, 'stale: run npx tsx scripts/gen-protocol-vectors.ts').toBe(true);
  });

  it('covers valid checks from both banks and every failure the brief lists', () => {
    const codes = new Set(file.cases.map((c) => ('error' in c.expected ? c.expected.error : 0)));
    for (const code of [
      0, 100, 101, 102, 103, 104, 105, 106, 107, 108, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 311,
    ])
      expect(codes, `code ${code}`).toContain(code);
    const purses = new Set(file.cases.flatMap((c) => ('ok' in c.expected ? [c.expected.ok.purseId] : [])));
    expect([...purses].some((p) => p.startsWith('P-A')) && [...purses].some((p) => p.startsWith('P-B'))).toBe(true);
    // Internet checks (COSE_Sign, CBOR d8 62): valid ones and refused ones
    const internet = file.cases.filter((c) => c.check.startsWith('d862'));
    expect(internet.some((c) => 'ok' in c.expected && c.expected.ok.channel === 1)).toBe(true);
    for (const code of [107, 200, 201, 203, 205, 207, 208, 209, 311])
      expect(
        internet.some((c) => 'error' in c.expected && c.expected.error === code),
        `Internet code ${code}`,
      ).toBe(true);
  });

  for (const c of file.cases) {
    it(`TS verifyCheck / verifyInternetCheck: ${c.name}`, () => {
      expect(tsVerdict(hex(c.check))).toEqual(c.expected);
    });
  }
});
