// The identity of a signed object (WIRE.md § Hashes): SHA-256 of its payload, the body bytes the
// signatures cover, never of the COSE bytes, whose unprotected headers (certificate chains) are not
// signed. A check re-wrapped with another valid certificate for the same key is the same check, in
// the TypeScript verifiers and in the Rust batch verifier alike.
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../bindings/index.ts';
import { acceptCheck } from '../../src/protocol/acceptance.ts';
import { parseMulti, parseSign1, signedHash, signedPayload, signMulti } from '../../src/protocol/cose.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { verifyInternetCheck } from '../../src/protocol/internet.ts';
import { digitalCheck } from '../../src/protocol/messages.ts';
import {
  checkFor,
  checkMatchesSlip,
  hashOf,
  makeSlip,
  signCheck,
  verifyCheck,
  verifySlip,
} from '../../src/protocol/pos.ts';
import { Channel } from '../../src/protocol/registry.ts';
import { verifyChecks } from '../../src/protocol/verifier/index.ts';
import { ctx, expectCode, makeWorld, nonce, reissued, rewrap, T0, type World } from './support/world.ts';

let w: World;
beforeAll(() => {
  w = makeWorld();
});

const slipBytes = (txId: number, channel: Channel = Channel.Pos) =>
  makeSlip(w.merchant, {
    merchantId: 'shop-1',
    amount: 4_200,
    currency: 'IDR',
    time: T0,
    terminalId: 'till-2',
    terminalTxId: txId,
    terminalNonce: nonce(txId),
    channel,
  });

/** A POS check, and the same check (payload and signature) under a reissued purse certificate. */
function checkAndRewrapped(txId: number) {
  const slip = verifySlip(slipBytes(txId), ctx(w));
  const check = signCheck(w.purse, checkFor(slip, 'purse-1', txId, T0));
  return { slip, check, rewrapped: rewrap(check, reissued(w.bank, w.purse).certificate) };
}

describe('signedHash', () => {
  it('is SHA-256 of the payload, from the signed bytes or a parsed COSE_Sign1 / COSE_Sign', () => {
    const { check } = checkAndRewrapped(1);
    const { payload } = parseSign1(check);
    expect(signedPayload(check)).toEqual(payload);
    expect(signedHash(check)).toEqual(sha256(payload));
    expect(signedHash(parseSign1(check))).toEqual(sha256(payload));
    expect(hashOf(check)).toEqual(sha256(payload));
    expect(signedHash(check)).not.toEqual(sha256(check));
    const body = digitalCheck.encode({ ...digitalCheck.decode(payload), channel: Channel.Internet });
    const internet = signMulti(body, [w.purse, w.cardholder]);
    expect(signedHash(internet)).toEqual(sha256(body));
    expect(signedHash(parseMulti(internet, 2))).toEqual(sha256(body));
  });

  it('refuses what is not a COSE_Sign1 or COSE_Sign, with a protocol code', () => {
    expectCode(() => signedHash(Uint8Array.of(0xff)), ErrorCode.MalformedCbor);
    expectCode(() => signedHash(Uint8Array.of(0x01)), ErrorCode.BadCoseStructure);
  });
});

describe('a check re-wrapped with another valid certificate for the same purse key', () => {
  it('has the same hash in TS (verifyCheck, acceptCheck) though its bytes differ', () => {
    const { slip, check, rewrapped } = checkAndRewrapped(2);
    expect(rewrapped).not.toEqual(check);
    const first = verifyCheck(check, ctx(w));
    const second = verifyCheck(rewrapped, ctx(w));
    expect(second.signer.serial).not.toEqual(first.signer.serial);
    expect(second.hash).toEqual(first.hash);
    expect(first.hash).toEqual(sha256(parseSign1(check).payload));
    const verdicts = [check, rewrapped].map((c) => acceptCheck(c, slip, { anchors: w.anchors, now: T0 }));
    expect(verdicts.map((v) => v.decision)).toEqual(['accept', 'accept']);
    expect(verdicts[1]?.check?.hash).toEqual(verdicts[0]?.check?.hash);
  });

  it('has the same hash in Rust (verifyChecks), equal to the TS hash', () => {
    const { check, rewrapped } = checkAndRewrapped(3);
    const [a, b] = verifyChecks([check, rewrapped], { anchors: w.anchors, now: T0 });
    if (!a?.ok || !b?.ok) throw new Error(`refused: ${JSON.stringify([a, b])}`);
    expect(b.checkHash).toEqual(a.checkHash);
    expect(a.checkHash).toEqual(verifyCheck(check, ctx(w)).hash);
  });

  it('a slip re-wrapped with another merchant certificate keeps its slip hash: the check still answers it', () => {
    const { slip, check } = checkAndRewrapped(4);
    const again = verifySlip(rewrap(slip.bytes, reissued(w.bank, w.merchant).certificate), ctx(w));
    expect(again.bytes).not.toEqual(slip.bytes);
    expect(again.hash).toEqual(slip.hash);
    expect(() => checkMatchesSlip(verifyCheck(check, ctx(w)).body, again)).not.toThrow();
  });

  it('an Internet check (COSE_Sign) keeps its hash under other purse and cardholder certificates', () => {
    const slip = verifySlip(slipBytes(5, Channel.Internet), ctx(w));
    const payload = digitalCheck.encode(checkFor(slip, 'purse-1', 5, T0));
    const one = verifyInternetCheck(signMulti(payload, [w.purse, w.cardholder]), ctx(w));
    const other = verifyInternetCheck(
      signMulti(payload, [reissued(w.bank, w.purse), reissued(w.bank, w.cardholder)]),
      ctx(w),
    );
    expect(other.bytes).not.toEqual(one.bytes);
    expect(other.hash).toEqual(one.hash);
    expect(one.hash).toEqual(sha256(payload));
  });
});
