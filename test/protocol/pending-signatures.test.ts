// The signatures of a message and its chain, checked together at the end (verifyMessage): the
// same errors, in the same order, as checking each on the spot.
import { describe, expect, it } from 'vitest';
import { ed25519 } from '../../bindings/index.ts';
import { ErrorCode, ProtocolError } from '../../src/protocol/errors.ts';
import { PendingSignatures } from '../../src/protocol/pending-signatures.ts';

const utf8 = new TextEncoder();

/** Three signature checks, the `bad`-th (if any) with a flipped bit; `good` records who passed. */
function checks(bad: number | undefined, good: number[]) {
  return [0, 1, 2].map((i) => {
    const { secretKey, publicKey } = ed25519.keygen();
    const message = utf8.encode(`message ${i}`);
    const signature = ed25519.sign(message, secretKey);
    if (i === bad) signature[9] = (signature[9] as number) ^ 1;
    return {
      signature,
      message,
      publicKey,
      error: () => new ProtocolError(ErrorCode.BadCertificateSignature, `signature ${i}`),
      good: () => good.push(i),
    };
  });
}

const errorOf = (run: () => void) => {
  try {
    run();
  } catch (error) {
    return (error as ProtocolError).detail;
  }
  return 'none';
};

describe('PendingSignatures', () => {
  it('all good: one batch, each marked good', () => {
    const good: number[] = [];
    const pending = new PendingSignatures();
    for (const c of checks(undefined, good)) pending.defer(c);
    pending.settle();
    expect(good).toEqual([0, 1, 2]);
  });

  it('a bad one: its error, the ones before it marked good, as on the spot', () => {
    for (const bad of [0, 1, 2]) {
      const good: number[] = [];
      const pending = new PendingSignatures();
      for (const c of checks(bad, good)) pending.defer(c);
      expect(errorOf(() => pending.settle())).toBe(`signature ${bad}`);
      expect(good).toEqual([0, 1, 2].slice(0, bad));
    }
  });

  it('a failure after recording: the recorded ones in order first', () => {
    const good: number[] = [];
    const pending = new PendingSignatures();
    const [first, second] = checks(1, good);
    pending.defer(first as never);
    pending.defer(second as never);
    expect(errorOf(() => pending.inOrder())).toBe('signature 1');
    expect(good).toEqual([0]);
    // settled: nothing left to check
    expect(errorOf(() => pending.settle())).toBe('none');
  });
});
