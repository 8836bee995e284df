// ISO 7816 as a real reader needs it: the ATR and its historical bytes, SELECT's FCI, responses
// longer than Ne read on with GET RESPONSE (61xx), and commands over 255 bytes as chained short
// APDUs (CLA bit b5) as well as extended ones.
import { describe, expect, it } from 'vitest';
import { AID, command, DataTag, Ins, Param, parseResponse, SW } from '../../src/card/apdu.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { PurseCard, personalise } from '../../src/card/purse.ts';
import type { CardReader } from '../../src/card/reader.ts';
import { chainParts, exchange, getResponse } from '../../src/card/transport.ts';
import { ATR, HISTORICAL_BYTES } from '../../src/protocol/purse-apdu.ts';
import { bankAnswer, getWorld, LIMITS, NOW, newCard, PIN, PURSE_ID, slip, VALIDITY, verify } from './support.ts';

const raw = async (reader: CardReader, apdu: Uint8Array) => parseResponse(await reader.transmit(apdu));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

describe('ATR', () => {
  it('is T=1 with a valid TCK and the AID in COMPACT-TLV historical bytes', async () => {
    const card = await EmulatedCard.create();
    expect(card.atr).toEqual(ATR);
    expect(ATR[0]).toBe(0x3b); // direct convention
    expect(ATR[1]! & 0x0f).toBe(HISTORICAL_BYTES.length);
    expect(ATR[2]).toBe(0x01); // TD1: T=1, no more interface bytes
    expect(ATR.subarray(3, 3 + HISTORICAL_BYTES.length)).toEqual(HISTORICAL_BYTES);
    expect(ATR.subarray(1).reduce((x, b) => x ^ b, 0)).toBe(0); // TCK: T0 … TCK XOR to 0
    expect(HISTORICAL_BYTES[0]).toBe(0x80);
    expect(hex(HISTORICAL_BYTES)).toContain(`F7${hex(AID)}`);
    expect(hex(ATR)).toBe('3B8F01803181738001C0F7F0534D43484B01D4');
  });
});

describe('SELECT', () => {
  it('answers the FCI with P2 00 and nothing with P2 0C', async () => {
    const card = await EmulatedCard.create();
    const fci = await raw(card, command(0x00, Ins.select, Param.selectByName, Param.selectFci, AID, true));
    expect(fci.sw).toBe(SW.ok);
    expect(hex(fci.data)).toBe(`6F0984${'07'}${hex(AID)}`);
    const none = await raw(card, command(0x00, Ins.select, Param.selectByName, Param.selectNoData, AID));
    expect(none).toEqual({ data: new Uint8Array(0), sw: SW.ok });
  });
});

describe('responses longer than Ne', () => {
  it('61xx, then GET RESPONSE until 9000; the pieces are the whole response', async () => {
    const r = await newCard();
    const whole = await raw(r.emulator, command(0x00, Ins.getData, 0, DataTag.certificate, undefined, true));
    // Le 00 short = 256 bytes: the certificate is longer
    expect(whole.data.length).toBe(256);
    const rest = r.certificate.length - 256;
    expect(whole.sw).toBe(SW.bytesRemaining | (rest > 255 ? 0 : rest));
    const next = await raw(r.emulator, getResponse());
    expect(next.sw).toBe(SW.ok);
    expect(Uint8Array.of(...whole.data, ...next.data)).toEqual(r.certificate);
    // Nothing left: GET RESPONSE is 6985.
    expect((await raw(r.emulator, getResponse())).sw).toBe(SW.conditionsNotSatisfied);
  });
  it('a short Le is honoured; an extended Le takes it all at once', async () => {
    const r = await newCard();
    const first = await raw(r.emulator, Uint8Array.of(0x00, Ins.getData, 0, DataTag.status, 10));
    expect(first.data.length).toBe(10);
    expect(first.sw & 0xff00).toBe(SW.bytesRemaining);
    expect(parseResponse(await exchange(r.emulator, Uint8Array.of(0x00, Ins.getData, 0, DataTag.status, 10))).sw).toBe(
      SW.ok,
    );
    const all = await raw(r.emulator, Uint8Array.of(0x00, Ins.getData, 0, DataTag.certificate, 0, 0, 0));
    expect(all).toEqual({ data: r.certificate, sw: SW.ok });
  });
  it('another command drops what was left', async () => {
    const r = await newCard();
    await raw(r.emulator, command(0x00, Ins.getData, 0, DataTag.certificate, undefined, true));
    await raw(r.emulator, command(0x00, Ins.getData, 0, DataTag.purseId, undefined, true));
    expect((await raw(r.emulator, getResponse())).sw).toBe(SW.conditionsNotSatisfied);
  });
});

/** A reader that takes short APDUs only (at most 261 bytes), as a CCID reader at short APDU level. */
class ShortApduReader implements CardReader {
  longest = 0;
  constructor(readonly card: EmulatedCard) {}
  transmit(apdu: Uint8Array) {
    this.longest = Math.max(this.longest, apdu.length);
    if (apdu.length > 261 || (apdu.length > 5 && apdu[4] === 0)) return Promise.resolve(Uint8Array.of(0x67, 0x00));
    return this.card.transmit(apdu);
  }
}

describe('command chaining', () => {
  it('personalises, loads and pays through a reader that takes short APDUs only', async () => {
    const w = getWorld();
    const reader = new ShortApduReader(await EmulatedCard.create());
    const card = new PurseCard(reader, { chaining: true });
    await personalise(card, {
      ...VALIDITY,
      bank: w.bank,
      roots: [{ id: w.root.id, publicKey: w.root.publicKey }],
      purseId: PURSE_ID,
      limits: LIMITS,
      pin: PIN,
    });
    await card.verifyPin(PIN);
    await card.applyToken(bankAnswer(w, await card.loadRequest(5_000, NOW)), NOW);
    const check = await card.purchase(slip(w, 1_200), NOW);
    expect(verify(w, check).body.amount).toBe(1_200);
    expect((await card.status()).balance).toBe(3_800);
    expect(reader.longest).toBeLessThanOrEqual(261);
  });
  it('splits into 255-byte parts, the chaining bit on all but the last, Le on the last', () => {
    const apdu = command(0x80, Ins.purchase, 0, 0, new Uint8Array(600).fill(7), true);
    const parts = chainParts(apdu);
    expect(parts.map((p) => [p[0], p[4], p.length])).toEqual([
      [0x90, 255, 260],
      [0x90, 255, 260],
      [0x80, 90, 96],
    ]);
    expect(chainParts(command(0x00, Ins.select, 4, 0, AID, true))).toHaveLength(1);
  });
  it('a part with another INS, P1 or P2 breaks the chain: 6883, and the chain is gone', async () => {
    const r = await newCard();
    const part = command(0x90, Ins.purchase, 0, 0, new Uint8Array(100));
    expect((await raw(r.emulator, part)).sw).toBe(SW.ok);
    expect((await raw(r.emulator, command(0x80, Ins.reissueCheck, 0, 0, new Uint8Array(8)))).sw).toBe(
      SW.lastCommandExpected,
    );
    expect((await raw(r.emulator, command(0x00, Ins.getData, 0, DataTag.purseId, undefined, true))).sw).toBe(SW.ok);
  });
});
