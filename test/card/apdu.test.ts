// Every command: right, wrong length, wrong class, wrong P1/P2, wrong state (not selected, before
// PIN, blocked), wrong data; every status word; the balance unchanged by every refusal.
import { beforeAll, describe, expect, it } from 'vitest';
import { AID, command, DataTag, Ins, parseResponse, SW } from '../../src/card/apdu.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { CardError, PurseCard } from '../../src/card/purse.ts';
import { exchange } from '../../src/card/transport.ts';
import { certifyBank, certifyParty, createRoot } from '../../src/protocol/pki.ts';
import { Channel, Role } from '../../src/protocol/registry.ts';
import { bankAnswer, getWorld, LIMITS, load, NOW, newCard, PIN, type Rig, slip, VALIDITY } from './support.ts';

const raw = async (card: EmulatedCard, apdu: Uint8Array) => parseResponse(await card.transmit(apdu));
const swOf = async (card: EmulatedCard, apdu: Uint8Array) => (await raw(card, apdu)).sw;
const u64 = (n: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
};
const cat = (...p: Uint8Array[]) => {
  const o = new Uint8Array(p.reduce((n, x) => n + x.length, 0));
  let a = 0;
  for (const x of p) {
    o.set(x, a);
    a += x.length;
  }
  return o;
};
const pinBytes = new TextEncoder().encode(PIN);

async function refusedWith(rig: Rig, sw: number, code: number | undefined, run: () => Promise<unknown>) {
  const before = await rig.card.status();
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CardError);
  expect((error as CardError).sw.toString(16)).toBe(sw.toString(16));
  if (code !== undefined) expect((error as CardError).code).toBe(code);
  const after = await rig.card.status();
  expect({ ...after, pinTries: 0, pinVerified: false }).toEqual({ ...before, pinTries: 0, pinVerified: false });
}

let rig: Rig;
beforeAll(async () => {
  rig = await newCard();
  await load(rig, 500_000);
});

describe('framing', () => {
  it('an APDU shorter than 4 bytes is 6700', async () => {
    expect(await swOf(rig.emulator, Uint8Array.of(0x00, 0xa4, 0x04))).toBe(SW.wrongLength);
  });
  it('an Lc that disagrees with the data is 6700 (short and extended)', async () => {
    expect(await swOf(rig.emulator, cat(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 9), AID))).toBe(SW.wrongLength);
    expect(await swOf(rig.emulator, cat(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0, 0, 9), AID))).toBe(SW.wrongLength);
    expect(await swOf(rig.emulator, cat(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0, 0, 0), AID))).toBe(SW.wrongLength);
  });
  it('extended Lc and Le are accepted', async () => {
    expect(
      await swOf(rig.emulator, cat(Uint8Array.of(0x00, 0xa4, 0x04, 0x00, 0, 0, 7), AID, Uint8Array.of(0, 0))),
    ).toBe(SW.ok);
    await rig.card.verifyPin(PIN);
  });
  it('an APDU larger than the buffer is 6700', async () => {
    expect(await swOf(rig.emulator, new Uint8Array(0x2001))).toBe(SW.wrongLength);
  });
  it('an unknown class is 6E00, an ISO INS under CLA 80 or a proprietary one under CLA 00 too', async () => {
    for (const cla of [0x01, 0x84, 0x90, 0xa0, 0xff])
      expect(await swOf(rig.emulator, command(cla, Ins.getData, 0, DataTag.status))).toBe(SW.claNotSupported);
    for (const ins of [Ins.select, Ins.verify, Ins.resetRetryCounter, Ins.getData])
      expect(await swOf(rig.emulator, command(0x80, ins, 0, 0))).toBe(SW.claNotSupported);
    for (const ins of [
      Ins.generateKeys,
      Ins.installRoot,
      Ins.installCertificate,
      Ins.setPin,
      Ins.loadRequest,
      Ins.loadApply,
      Ins.purchase,
      Ins.readLog,
      Ins.reissueCheck,
      Ins.internetCheck,
    ]) {
      expect(await swOf(rig.emulator, command(0x00, ins, 0, 0))).toBe(SW.claNotSupported);
    }
  });
  it('an unknown INS is 6D00 in both classes', async () => {
    for (const ins of [0x00, 0xb0, 0xd6, 0x84, 0xff]) {
      expect(await swOf(rig.emulator, command(0x00, ins, 0, 0))).toBe(SW.insNotSupported);
      expect(await swOf(rig.emulator, command(0x80, ins, 0, 0))).toBe(SW.insNotSupported);
    }
  });
});

describe('SELECT', () => {
  it('selects by AID and forgets the PIN', async () => {
    const card = await EmulatedCard.create();
    expect(await swOf(card, command(0x00, Ins.select, 0x04, 0x00, AID))).toBe(SW.ok);
    const r = await newCard();
    expect((await r.card.status()).pinVerified).toBe(true);
    await r.card.select();
    expect((await r.card.status()).pinVerified).toBe(false);
  });
  it('wrong AID 6A82 (ISO: application not found), wrong P1/P2 6A86, wrong length 6700', async () => {
    const card = await EmulatedCard.create();
    expect(await swOf(card, command(0x00, Ins.select, 0x04, 0x00, Uint8Array.of(0xa0, 0, 0, 0, 3, 0x10, 0x10)))).toBe(
      SW.applicationNotFound,
    );
    expect(await swOf(card, command(0x00, Ins.select, 0x00, 0x00, AID))).toBe(SW.wrongP1P2);
    for (const p2 of [0x01, 0x02, 0x04, 0x08])
      expect(await swOf(card, command(0x00, Ins.select, 0x04, p2, AID))).toBe(SW.wrongP1P2);
    expect(await swOf(card, command(0x00, Ins.select, 0x04, 0x00, AID.subarray(0, 5)))).toBe(SW.wrongLength);
  });
  it('every other command before SELECT is 6985', async () => {
    const card = await EmulatedCard.create();
    const cmds = [
      command(0x00, Ins.verify, 0, 0x80, pinBytes),
      command(0x00, Ins.getData, 0, DataTag.status),
      command(0x80, Ins.generateKeys, 0, 0),
      command(0x80, Ins.purchase, 0, 0, u64(1)),
      command(0x00, Ins.resetRetryCounter, 0, 0x80, new Uint8Array(72)),
    ];
    for (const c of cmds) expect(await swOf(card, c)).toBe(SW.conditionsNotSatisfied);
  });
});

describe('personalisation', () => {
  it('runs in order once; each step out of order is 6985', async () => {
    const w = getWorld();
    const card = await EmulatedCard.create();
    const purse = new PurseCard(card);
    await purse.select();
    expect(await swOf(card, command(0x00, Ins.getData, 0, DataTag.publicKeys))).toBe(SW.notFound);
    expect(await swOf(card, command(0x00, Ins.getData, 0, DataTag.certificate))).toBe(SW.notFound);
    expect(await swOf(card, command(0x00, Ins.getData, 0, DataTag.purseId))).toBe(SW.notFound);
    expect(
      await swOf(
        card,
        command(0x80, Ins.installRoot, 0, 0, cat(w.root.publicKey, new TextEncoder().encode(w.root.id))),
      ),
    ).toBe(SW.conditionsNotSatisfied);
    expect(await swOf(card, command(0x80, Ins.setPin, 0, 0, pinBytes))).toBe(SW.conditionsNotSatisfied);
    expect(await swOf(card, command(0x00, Ins.verify, 0, 0x80, pinBytes))).toBe(SW.conditionsNotSatisfied);
    expect(await swOf(card, command(0x80, Ins.generateKeys, 0, 0, Uint8Array.of(1)))).toBe(SW.wrongLength);
    expect(await swOf(card, command(0x80, Ins.generateKeys, 1, 0))).toBe(SW.wrongP1P2);
    const keys = await purse.generateKeys();
    expect(await swOf(card, command(0x80, Ins.generateKeys, 0, 0))).toBe(SW.conditionsNotSatisfied);
    expect(await purse.publicKeys()).toEqual(keys);
    expect(await swOf(card, command(0x80, Ins.installRoot, 0, 0, new Uint8Array(32)))).toBe(SW.wrongLength);
    expect(await swOf(card, command(0x80, Ins.installRoot, 0, 1, new Uint8Array(40)))).toBe(SW.wrongP1P2);
    // a certificate before its root is installed: unknown issuer
    const { issueCertificate } = await import('../../src/protocol/certificate.ts');
    const cert = (signingKey: Uint8Array, kxKey: Uint8Array, role: number = Role.Purse, limits = LIMITS) =>
      issueCertificate(
        {
          issuer: w.bank.id,
          subject: 'P-NEW',
          role: role as 3,
          notBefore: VALIDITY.notBefore,
          notAfter: VALIDITY.notAfter,
          issuedAt: VALIDITY.notBefore,
          serial: new Uint8Array(8),
          signingKey,
          kxKey,
          limits,
        },
        w.bank.secretKey,
        w.bank.certificate,
      );
    await expect(purse.installCertificate(cert(keys.signingKey, keys.kxKey))).rejects.toMatchObject({
      sw: SW.wrongData,
      code: 202,
    });
    await purse.installRoot(w.root.id, w.root.publicKey);
    expect(
      await swOf(
        card,
        command(0x80, Ins.installRoot, 0, 0, cat(w.root.publicKey, new TextEncoder().encode(w.root.id))),
      ),
    ).toBe(SW.wrongData);
    for (let i = 2; i <= 4; i++) await purse.installRoot(`R-${i}`, new Uint8Array(32).fill(i));
    expect(
      await swOf(card, command(0x80, Ins.installRoot, 0, 0, cat(new Uint8Array(32), new TextEncoder().encode('R-5')))),
    ).toBe(SW.fileFull);
    await expect(purse.installCertificate(cert(new Uint8Array(32).fill(9), keys.kxKey))).rejects.toMatchObject({
      sw: SW.wrongData,
      code: 106,
    });
    await expect(purse.installCertificate(cert(keys.signingKey, new Uint8Array(32).fill(9)))).rejects.toMatchObject({
      sw: SW.wrongData,
      code: 106,
    });
    await expect(purse.installCertificate(cert(keys.signingKey, keys.kxKey, Role.Merchant))).rejects.toMatchObject({
      sw: SW.wrongData,
      code: 205,
    });
    const good = cert(keys.signingKey, keys.kxKey);
    const flipped = good.slice();
    flipped[flipped.length - 5]! ^= 1;
    await expect(purse.installCertificate(flipped)).rejects.toMatchObject({ sw: SW.wrongData, code: 201 });
    expect(await swOf(card, command(0x80, Ins.installCertificate, 0, 0, new Uint8Array(0x401)))).toBe(SW.wrongLength);
    expect(await swOf(card, command(0x80, Ins.setPin, 0, 0, pinBytes))).toBe(SW.conditionsNotSatisfied);
    await purse.installCertificate(good);
    expect(await purse.certificate()).toEqual(good);
    expect(await swOf(card, command(0x80, Ins.installCertificate, 0, 0, good))).toBe(SW.conditionsNotSatisfied);
    expect(await swOf(card, command(0x80, Ins.setPin, 0, 0, new TextEncoder().encode('12a4')))).toBe(SW.wrongData);
    expect(await swOf(card, command(0x80, Ins.setPin, 0, 0, new TextEncoder().encode('123')))).toBe(SW.wrongLength);
    expect(await swOf(card, command(0x80, Ins.setPin, 0, 0, new TextEncoder().encode('123456789')))).toBe(
      SW.wrongLength,
    );
    await purse.setPin('98765432');
    expect(await swOf(card, command(0x80, Ins.setPin, 0, 0, pinBytes))).toBe(SW.conditionsNotSatisfied);
    expect(
      await swOf(card, command(0x80, Ins.installRoot, 0, 0, cat(new Uint8Array(32), new TextEncoder().encode('R-9')))),
    ).toBe(SW.conditionsNotSatisfied);
    expect(
      new TextDecoder().decode(parseResponse(await card.transmit(command(0x00, Ins.getData, 0, DataTag.purseId))).data),
    ).toBe('P-NEW');
    const s = await purse.status();
    expect(s).toMatchObject({ lifecycle: 3, pinTries: 3, roots: 4, balance: 0, serial: 0 });
  });
  it('a purse certificate without offline limits is refused (104)', async () => {
    const w = getWorld();
    const purse = new PurseCard(await EmulatedCard.create());
    await purse.select();
    const keys = await purse.generateKeys();
    await purse.installRoot(w.root.id, w.root.publicKey);
    const { issueCertificate } = await import('../../src/protocol/certificate.ts');
    const c = issueCertificate(
      {
        issuer: w.bank.id,
        subject: 'P-X',
        role: Role.Purse,
        ...VALIDITY,
        issuedAt: 0,
        serial: new Uint8Array(8),
        signingKey: keys.signingKey,
        kxKey: keys.kxKey,
      },
      w.bank.secretKey,
      w.bank.certificate,
    );
    await expect(purse.installCertificate(c)).rejects.toMatchObject({ code: 104 });
  });
});

describe('GET DATA', () => {
  it('answers each tag; unknown tag 6A88; data or P1 is refused', async () => {
    for (const tag of [DataTag.status, DataTag.publicKeys, DataTag.certificate, DataTag.lastError, DataTag.purseId])
      expect(parseResponse(await exchange(rig.emulator, command(0x00, Ins.getData, 0, tag))).sw).toBe(SW.ok);
    expect(await swOf(rig.emulator, command(0x00, Ins.getData, 0, 0x5f))).toBe(SW.notFound);
    expect(await swOf(rig.emulator, command(0x00, Ins.getData, 1, DataTag.status))).toBe(SW.wrongP1P2);
    expect(await swOf(rig.emulator, command(0x00, Ins.getData, 0, DataTag.status, Uint8Array.of(1)))).toBe(
      SW.wrongLength,
    );
  });
  it('status needs no PIN', async () => {
    const r = await newCard({ verify: false });
    expect(await r.card.status()).toMatchObject({ pinVerified: false, balance: 0, pinTries: 3 });
  });
});

describe('value commands: length, P1/P2, state', () => {
  const cmds = [
    { name: 'LOAD REQUEST', ins: Ins.loadRequest, good: cat(u64(1), u64(NOW)), bad: [u64(1), new Uint8Array(17)] },
    { name: 'LOAD APPLY', ins: Ins.loadApply, good: new Uint8Array(100), bad: [new Uint8Array(56)] },
    { name: 'PURCHASE', ins: Ins.purchase, good: new Uint8Array(20), bad: [new Uint8Array(8)] },
    { name: 'READ LOG', ins: Ins.readLog, good: new Uint8Array(0), bad: [Uint8Array.of(1)] },
    { name: 'INTERNET CHECK', ins: Ins.internetCheck, good: new Uint8Array(20), bad: [new Uint8Array(8)] },
    { name: 'REISSUE CHECK', ins: Ins.reissueCheck, good: u64(1), bad: [u64(1).subarray(0, 7), new Uint8Array(9)] },
  ];
  for (const c of cmds) {
    it(`${c.name}: wrong length 6700, wrong P1 6A86, before PIN 6982, blocked 6983, not active 6985`, async () => {
      for (const bad of c.bad) expect(await swOf(rig.emulator, command(0x80, c.ins, 0, 0, bad))).toBe(SW.wrongLength);
      if (c.ins !== Ins.readLog) expect(await swOf(rig.emulator, command(0x80, c.ins, 0, 0))).toBe(SW.wrongLength);
      expect(await swOf(rig.emulator, command(0x80, c.ins, 2, 0, c.good))).toBe(SW.wrongP1P2);
      const fresh = await newCard({ verify: false });
      expect(await swOf(fresh.emulator, command(0x80, c.ins, 0, 0, c.good))).toBe(SW.securityNotSatisfied);
      for (let i = 0; i < 3; i++)
        await swOf(fresh.emulator, command(0x00, Ins.verify, 0, 0x80, new TextEncoder().encode('0000')));
      expect(await swOf(fresh.emulator, command(0x80, c.ins, 0, 0, c.good))).toBe(SW.blocked);
      const blank = await EmulatedCard.create();
      await new PurseCard(blank).select();
      expect(await swOf(blank, command(0x80, c.ins, 0, 0, c.good))).toBe(SW.conditionsNotSatisfied);
    });
  }
});

describe('PURCHASE', () => {
  it('pays, and every refusal leaves the purse as it was', async () => {
    const w = getWorld();
    const r = await newCard({
      limits: { ...LIMITS, maxPerCheck: 5_000, maxOfflineChecks: 3, maxOfflineAmount: 9_000 },
    });
    await load(r, 8_000);
    await r.card.purchase(slip(w, 4_000), NOW);
    await refusedWith(r, SW.insufficientFunds, 306, () => r.card.purchase(slip(w, 4_001), NOW));
    await refusedWith(r, SW.limitExceeded, 305, () => r.card.purchase(slip(w, 5_001), NOW));
    await refusedWith(r, SW.wrongData, 304, () => r.card.purchase(slip(w, 10, { currency: 'USD' }), NOW));
    await refusedWith(r, SW.wrongData, 311, () => r.card.purchase(slip(w, 10, { channel: Channel.Internet }), NOW));
    await refusedWith(r, SW.wrongData, 209, () => r.card.purchase(slip(w, 10, { merchantId: 'M-OTHER' }), NOW));
    const flipped = slip(w, 10);
    flipped[flipped.length - 1]! ^= 1;
    await refusedWith(r, SW.wrongData, 200, () => r.card.purchase(flipped, NOW));
    await refusedWith(r, SW.wrongData, 100, () => r.card.purchase(slip(w, 10).subarray(0, 200), NOW));
    await refusedWith(r, SW.wrongData, 100, () => r.card.purchase(cat(slip(w, 10), Uint8Array.of(0)), NOW));
    await refusedWith(r, SW.wrongData, 107, () => r.card.purchase(new Uint8Array(30), NOW));
    await refusedWith(r, SW.wrongData, 203, () => r.card.purchase(slip(w, 10), VALIDITY.notAfter + 1));
    await refusedWith(r, SW.wrongData, 204, () => r.card.purchase(slip(w, 10), VALIDITY.notBefore - 1));
    // a slip signed by a bank the card's roots do not know, by a purse instead of a merchant, by a merchant with a broken chain
    const otherRoot = createRoot('ROOT-Z', new Uint8Array(32).fill(77));
    const otherBank = certifyBank(otherRoot, 'BANK-Z', VALIDITY);
    const stranger = certifyParty(otherBank, 'M-Z', Role.Merchant, VALIDITY);
    await refusedWith(r, SW.wrongData, 202, () => r.card.purchase(slip(w, 10, {}, stranger), NOW));
    const notMerchant = certifyParty(w.bank, 'P-Q', Role.Purse, { ...VALIDITY, limits: LIMITS });
    await refusedWith(r, SW.wrongData, 205, () => r.card.purchase(slip(w, 10, {}, notMerchant), NOW));
    const impostorBank = certifyBank(otherRoot, w.bank.id, VALIDITY);
    const forged = certifyParty(impostorBank, 'M-F', Role.Merchant, VALIDITY);
    await refusedWith(r, SW.wrongData, 202, () => r.card.purchase(slip(w, 10, {}, forged), NOW));
    // offline limits: count and amount since the last load
    await r.card.purchase(slip(w, 1_000), NOW);
    await refusedWith(r, SW.limitExceeded, 305, () => r.card.purchase(slip(w, 4_001), NOW)); // offline amount 9,001 > 9,000
    await r.card.purchase(slip(w, 1_000), NOW);
    await refusedWith(r, SW.limitExceeded, 305, () => r.card.purchase(slip(w, 1), NOW)); // a fourth offline check
    expect((await r.card.status()).balance).toBe(2_000);
  });
  it('a check serial is one more than the last, and REISSUE gives the same bytes', async () => {
    const w = getWorld();
    const before = (await rig.card.status()).serial;
    const a = await rig.card.purchase(slip(w, 100), NOW);
    const b = await rig.card.purchase(slip(w, 200), NOW);
    expect((await rig.card.status()).serial).toBe(before + 2);
    expect(await rig.card.reissueCheck(before + 1)).toEqual(a);
    expect(await rig.card.reissueCheck(before + 2)).toEqual(b);
    await expect(rig.card.reissueCheck(before + 3)).rejects.toMatchObject({ sw: SW.notFound, code: 318 });
    await expect(rig.card.reissueCheck(0)).rejects.toMatchObject({ sw: SW.notFound });
  });
});

describe('LOAD', () => {
  it('applies a token once; refusals leave the purse as it was', async () => {
    const w = getWorld();
    const r = await newCard({ limits: { ...LIMITS, maxBalance: 10_000 } });
    const request = await r.card.loadRequest(3_000, NOW);
    const token = bankAnswer(w, request, new Uint8Array(16).fill(7));
    const tampered = token.slice();
    tampered[tampered.length - 3]! ^= 1;
    await refusedWith(r, SW.wrongData, 400, () => r.card.applyToken(tampered, NOW));
    await refusedWith(r, SW.wrongData, 203, () => r.card.applyToken(token, VALIDITY.notAfter + 1));
    expect(await r.card.applyToken(token, NOW)).toBe(3_000);
    await refusedWith(r, SW.wrongData, 312, () => r.card.applyToken(token, NOW));
    // a token answering a nonce the card never asked for (same token id space, other request)
    const other = await newCard();
    const foreign = bankAnswer(w, await other.card.loadRequest(3_000, NOW));
    await refusedWith(r, SW.wrongData, undefined, () => r.card.applyToken(foreign, NOW));
    // limits: the balance plus everything outstanding stays under the certified maximum
    await r.card.loadRequest(7_000, NOW);
    await refusedWith(r, SW.limitExceeded, 305, () => r.card.loadRequest(1, NOW));
    await refusedWith(r, SW.wrongData, 106, () => r.card.loadRequest(0, NOW));
    expect((await r.card.status()).loadCounter).toBe(2);
  });
  it('an outstanding request is sent again byte for byte (P1 = 01), listed in GET DATA C6, and loads once', async () => {
    const w = getWorld();
    const r = await newCard();
    const a = await r.card.loadRequest(1_500, NOW);
    await r.card.loadRequest(2_500, NOW + 1);
    expect(await r.card.outstandingLoads()).toEqual([
      { counter: 1, amount: 1_500 },
      { counter: 2, amount: 2_500 },
    ]);
    expect(await r.card.resendLoadRequest(1)).toEqual(a);
    await refusedWith(r, SW.notFound, 303, () => r.card.resendLoadRequest(3));
    expect(await swOf(r.emulator, command(0x80, Ins.loadRequest, 1, 0, u64(1).subarray(0, 7)))).toBe(SW.wrongLength);
    expect(await r.card.applyToken(bankAnswer(w, await r.card.resendLoadRequest(1)), NOW)).toBe(1_500);
    expect(await r.card.outstandingLoads()).toEqual([{ counter: 2, amount: 2_500 }]);
    await expect(r.card.resendLoadRequest(1)).rejects.toMatchObject({ sw: SW.notFound });
    const blank = await EmulatedCard.create();
    await new PurseCard(blank).select();
    expect(await swOf(blank, command(0x00, Ins.getData, 0, DataTag.outstanding))).toBe(SW.conditionsNotSatisfied);
  });

  it('at most 8 loads outstanding (6A84)', async () => {
    const r = await newCard();
    for (let i = 0; i < 8; i++) await r.card.loadRequest(1, NOW);
    await refusedWith(r, SW.fileFull, 305, () => r.card.loadRequest(1, NOW));
  });
  it("the request is the protocol layer's value-token request, signed by the card", async () => {
    const { parseSign1 } = await import('../../src/protocol/cose.ts');
    const { valueTokenRequest } = await import('../../src/protocol/messages.ts');
    const r = await newCard();
    const req = await r.card.loadRequest(1234, NOW);
    const body = valueTokenRequest.decode(parseSign1(req).payload);
    expect(body).toMatchObject({
      purseId: 'P-CARD-1',
      bankId: 'BANK-C',
      amount: 1234,
      currency: 'EUR',
      purseCounter: 1,
      time: NOW,
    });
    expect(valueTokenRequest.encode(body)).toEqual(parseSign1(req).payload);
  });
});

describe('READ LOG', () => {
  it('reads back purchases and loads, newest first; past the end 6A88', async () => {
    const w = getWorld();
    const r = await newCard();
    await load(r, 5_000);
    await r.card.purchase(slip(w, 321), NOW);
    expect(await r.card.readLog(0)).toMatchObject({
      kind: 'purchase',
      serial: 1,
      amount: 321,
      counterparty: 'M-CARD',
      currency: 'EUR',
      time: NOW,
    });
    expect(await r.card.readLog(1)).toMatchObject({
      kind: 'load',
      serial: 1,
      amount: 5_000,
      counterparty: 'BANK-C',
      currency: 'EUR',
    });
    await expect(r.card.readLog(2)).rejects.toMatchObject({ sw: SW.notFound });
    await expect(r.card.readLog(16)).rejects.toMatchObject({ sw: SW.notFound });
  });
  it('keeps the last 16 records', async () => {
    const w = getWorld();
    const r = await newCard();
    await load(r, 100_000);
    for (let i = 1; i <= 20; i++) await r.card.purchase(slip(w, i), NOW);
    expect(await r.card.readLog(0)).toMatchObject({ serial: 20, amount: 20 });
    expect(await r.card.readLog(15)).toMatchObject({ serial: 5, amount: 5 });
    await expect(r.card.readLog(16)).rejects.toMatchObject({ sw: SW.notFound });
    await expect(r.card.reissueCheck(4)).rejects.toMatchObject({ code: 318 });
  });
});

describe('certificate signature cache', () => {
  it('a remembered certificate is still checked for validity, and a new merchant costs two EEPROM writes once', async () => {
    const w = getWorld();
    const r = await newCard();
    await load(r, 10_000);
    await r.card.purchase(slip(w, 1), NOW);
    const first = r.emulator.lastCommandWrites;
    await r.card.purchase(slip(w, 1), NOW);
    expect(r.emulator.lastCommandWrites).toBe(6);
    expect(first).toBe(8);
    await expect(r.card.purchase(slip(w, 1), VALIDITY.notAfter + 1)).rejects.toMatchObject({ code: 203 });
    // a certificate with the same claims but a bad signature is not taken for the remembered one
    const s = slip(w, 1);
    const at = Buffer.from(s).indexOf(Buffer.from(w.merchant.certificate.subarray(w.merchant.certificate.length - 64)));
    expect(at).toBeGreaterThan(0);
    s[at]! ^= 1;
    await expect(r.card.purchase(s, NOW)).rejects.toMatchObject({ code: 201 });
    expect((await r.card.status()).balance).toBe(9_998);
  });
});
