// The card's checks are the protocol layer's checks: verifyCheck (TypeScript) and verifyChecks
// (the Rust batch verifier) accept them, their payload is the protocol codec's encoding of the
// same body byte for byte, and the whole COSE_Sign1 is what sign1 writes around that signature.
import { describe, expect, it } from 'vitest';
import { acceptCheck } from '../../src/protocol/acceptance.ts';
import { decode, encode, Tagged } from '../../src/protocol/cbor.ts';
import { PROTECTED_EDDSA, parseSign1 } from '../../src/protocol/cose.ts';
import { digitalCheck } from '../../src/protocol/messages.ts';
import { checkFor, checkMatchesSlip, hashOf, verifySlip } from '../../src/protocol/pos.ts';
import { verifyChecks } from '../../src/protocol/verifier/index.ts';
import { load, NOW, newCard, PURSE_ID, slip, verify } from './support.ts';

describe('checks signed by the card', () => {
  it('verify with the protocol layer, match their slip, and are accepted offline', async () => {
    const rig = await newCard();
    await load(rig, 300_000);
    for (const amount of [0, 1, 23, 255, 256, 65_535, 65_536, 99_999]) {
      const s = slip(rig.w, amount);
      const check = await rig.card.purchase(s, NOW);
      const v = verify(rig.w, check);
      const verifiedSlip = verifySlip(s, { anchors: rig.w.anchors, now: NOW });
      checkMatchesSlip(v.body, verifiedSlip);
      expect(v.body).toEqual(checkFor(verifiedSlip, PURSE_ID, v.body.serial, NOW));
      expect(acceptCheck(check, verifiedSlip, { anchors: rig.w.anchors, now: NOW }).decision).toBe('accept');
    }
  });

  it('are byte for byte what the protocol layer encodes and wraps', async () => {
    const rig = await newCard();
    await load(rig, 1_000);
    const s = slip(rig.w, 777);
    const check = await rig.card.purchase(s, NOW);
    const signed = parseSign1(check);
    const body = checkFor(verifySlip(s, { anchors: rig.w.anchors, now: NOW }), PURSE_ID, 1, NOW);
    expect(signed.payload).toEqual(digitalCheck.encode(body));
    expect(signed.certificate).toEqual(rig.certificate);
    const rebuilt = encode(
      new Tagged(18, [PROTECTED_EDDSA, new Map([[13, decode(rig.certificate)]]), signed.payload, signed.signature]),
    );
    expect(check).toEqual(rebuilt);
    expect(hashOf(check)).toEqual(verify(rig.w, check).hash);
  });

  it('pass the Rust batch verifier (verifyChecks), with the same fields', async () => {
    const rig = await newCard();
    await load(rig, 50_000);
    const checks: Uint8Array[] = [];
    for (let i = 1; i <= 12; i++) checks.push(await rig.card.purchase(slip(rig.w, i * 100), NOW));
    const verdicts = verifyChecks(checks, { anchors: rig.w.anchors, now: NOW });
    verdicts.forEach((v, i) => {
      expect(v).toMatchObject({
        ok: true,
        purseId: PURSE_ID,
        serial: i + 1,
        amount: (i + 1) * 100,
        currency: 'EUR',
        merchantId: 'M-CARD',
      });
      const ts = verify(rig.w, checks[i]!);
      expect((v as { checkHash: Uint8Array }).checkHash).toEqual(ts.hash);
    });
    // one byte flipped in one check: that one refused, by both verifiers, the others accepted
    const bad = checks.map((c) => c.slice());
    bad[5]![bad[5]!.length - 1]! ^= 1;
    const again = verifyChecks(bad, { anchors: rig.w.anchors, now: NOW });
    expect(again.map((v) => v.ok)).toEqual(bad.map((_, i) => i !== 5));
    expect(() => verify(rig.w, bad[5]!)).toThrow();
  });
});
