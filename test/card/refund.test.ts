// REFUND (cancel the last purchase) on the emulated card: the merchant-signed refund is checked
// like a slip (chain, role, signature) and against the card's own record of its last purchase,
// credited once, and all or nothing at every EEPROM write. Every refusal answers its status word
// and protocol code, the same code src/protocol/refund.ts applyRefund gives, and changes nothing.
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../bindings/index.ts';
import { command, concat, Ins, SW, u64 } from '../../src/card/apdu.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { PurseCard, type PurseStatus } from '../../src/card/purse.ts';
import { PowerCutError } from '../../src/card/reader.ts';
import { MemoryEeprom } from '../../src/card/store.ts';
import { ProtocolError } from '../../src/protocol/errors.ts';
import { makeCheckRequest, makeInternetSlip } from '../../src/protocol/internet.ts';
import { newPurseState } from '../../src/protocol/load.ts';
import { digitalCheck, type Refund, refund } from '../../src/protocol/messages.ts';
import { certifyParty, type Party } from '../../src/protocol/pki.ts';
import { applyRefund, makeRefund, recordPurchase } from '../../src/protocol/refund.ts';
import { Role } from '../../src/protocol/registry.ts';
import { signMessage } from '../../src/protocol/signed.ts';
import { bankAnswer, load, NOW, newCard, PIN, PURSE_ID, type Rig, slip, VALIDITY, verify } from './support.ts';

const seed = (n: number) => new Uint8Array(32).fill(n);
const JOURNAL = 0x1200; // layout.ts E_JOURNAL - EE
const CACHE = 0x1ef0; // layout.ts E_CACHE_NEXT - EE: remembered certificate signatures
const value = (s: PurseStatus) => ({ ...s, pinTries: 0, pinVerified: false });

/** A card with 50 000 loaded that paid 1 000 then 3 000 at the world's merchant. */
async function paidCard() {
  const rig = await newCard();
  await load(rig, 50_000);
  await rig.card.purchase(slip(rig.w, 1_000), NOW);
  const check = verify(rig.w, await rig.card.purchase(slip(rig.w, 3_000), NOW));
  return { rig, check };
}

/** A refund of the last check with some fields changed, signed by `signer`. */
function refundOf(check: ReturnType<typeof verify>, signer: Party, over: Partial<Refund> = {}): Uint8Array {
  const b = check.body;
  return signMessage(
    refund,
    {
      checkHash: check.hash,
      purseId: b.purseId,
      amount: b.amount,
      currency: b.currency,
      merchantId: signer.id,
      serial: b.serial,
      time: NOW + 60,
      ...over,
    },
    signer,
  );
}

/** The refused refund answers `sw` and `code` and leaves value, log and EEPROM (but the certificate cache) as they were. */
async function expectRefused(rig: Rig, bytes: Uint8Array, code: number, sw: number = SW.wrongData, now = NOW) {
  const before = await rig.card.status();
  const image = rig.store.image!.slice(0, CACHE);
  await expect(rig.card.refund(bytes, now)).rejects.toMatchObject({ name: 'CardError', sw, code });
  expect(await rig.card.status()).toEqual(before);
  expect(Buffer.compare(rig.store.image!.slice(0, CACHE), image)).toBe(0);
}

/** What the protocol layer says of the same refund, for a purse whose last purchase is `check`. */
function protocolCode(
  rig: Rig,
  check: ReturnType<typeof verify>,
  balance: number,
  bytes: Uint8Array,
  now = NOW,
): number {
  const state = recordPurchase(newPurseState('EUR', balance + check.body.amount), check.body, check.hash);
  try {
    applyRefund(state, { certificate: rig.certificate } as Party, bytes, { anchors: rig.w.anchors, now });
    return 0;
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
}

describe('REFUND', () => {
  it('credits the last purchase back once, logs it, and keeps loaded = balance + spent (net)', async () => {
    const { rig, check } = await paidCard();
    const before = await rig.card.status();
    expect(before).toMatchObject({
      balance: 46_000,
      serial: 2,
      spentTotal: 4_000n,
      refundedTotal: 0n,
      loadedTotal: 50_000n,
    });
    const r = makeRefund(rig.w.merchant, check, NOW + 60);
    expect(await rig.card.refund(r, NOW + 60)).toBe(49_000);
    const after = await rig.card.status();
    expect(after).toMatchObject({
      balance: 49_000,
      serial: 2,
      spentTotal: 1_000n,
      refundedTotal: 3_000n,
      loadedTotal: 50_000n,
      logTotal: before.logTotal + 1,
    });
    // the offline risk counters are not given back (conservative; core-as/README.md)
    expect(after).toMatchObject({ offlineChecks: before.offlineChecks, offlineAmount: before.offlineAmount });
    expect(BigInt(after.balance) + after.spentTotal).toBe(after.loadedTotal);
    expect(await rig.card.readLog(0)).toMatchObject({
      kind: 'refund',
      serial: 2,
      amount: 3_000,
      time: NOW + 60,
      counterparty: 'M-CARD',
      currency: 'EUR',
      hash: check.hash,
      refunded: false,
    });
    expect(await rig.card.readLog(1)).toMatchObject({ kind: 'purchase', serial: 2, amount: 3_000, refunded: true });
    expect(await rig.card.readLog(2)).toMatchObject({ kind: 'purchase', serial: 1, refunded: false });
    // the second time: 316, nothing changes
    await expectRefused(rig, r, 316);
    expect(protocolCode(rig, check, 0, r)).toBe(0); // the protocol layer would take it once too
    // the refunded check is still the one the card signed: re-issued byte for byte
    expect(await rig.card.reissueCheck(2)).toEqual(check.bytes);
    // the next purchase takes the next serial, and can itself be refunded
    const next = verify(rig.w, await rig.card.purchase(slip(rig.w, 500), NOW));
    expect(next.body.serial).toBe(3);
    await expectRefused(rig, r, 318); // no longer the last purchase
    expect(await rig.card.refund(makeRefund(rig.w.merchant, next, NOW), NOW)).toBe(49_000);
    expect(await rig.card.status()).toMatchObject({ spentTotal: 1_000n, refundedTotal: 3_500n, loadedTotal: 50_000n });
  });

  it('needs no PIN, but an active card', async () => {
    const { rig, check } = await paidCard();
    await rig.card.select(); // a new session: PIN not verified
    expect((await rig.card.status()).pinVerified).toBe(false);
    expect(await rig.card.refund(makeRefund(rig.w.merchant, check, NOW), NOW)).toBe(49_000);
    const blank = new PurseCard(await EmulatedCard.create());
    await blank.select();
    await expect(blank.refund(makeRefund(rig.w.merchant, check, NOW), NOW)).rejects.toMatchObject({
      sw: SW.conditionsNotSatisfied,
    });
  });

  it('refunds an Internet purchase (the hash of the shared payload)', async () => {
    const rig = await newCard();
    const w = rig.w;
    await load(rig, 10_000);
    const shopSlip = makeInternetSlip(w.merchant, {
      merchantId: w.merchant.id,
      amount: 2_500,
      currency: 'EUR',
      time: NOW,
      terminalId: 'SHOP',
      terminalTxId: 77,
      terminalNonce: new Uint8Array(16).fill(7),
    });
    const { payload } = await rig.card.internetCheck(makeCheckRequest(shopSlip, 'CH-1'), NOW);
    const body = digitalCheck.decode(payload);
    const r = signMessage(
      refund,
      {
        checkHash: sha256(payload),
        purseId: PURSE_ID,
        amount: 2_500,
        currency: 'EUR',
        merchantId: w.merchant.id,
        serial: body.serial,
        time: NOW,
      },
      w.merchant,
    );
    expect(await rig.card.refund(r, NOW)).toBe(10_000);
    expect(await rig.card.readLog(0)).toMatchObject({ kind: 'refund', channel: 1, serial: 1 });
  });

  it('refuses, with the code the protocol layer gives and nothing changed: not the last purchase, wrong merchant, purse, amount, currency, hash, signature, expired certificate', async () => {
    const { rig, check } = await paidCard();
    const w = rig.w;
    const other = certifyParty(w.bank, 'M-OTHER', Role.Merchant, { ...VALIDITY, seed: seed(61), kxSeed: seed(62) });
    const first = verify(w, await rig.card.reissueCheck(1));
    const tampered = makeRefund(w.merchant, check, NOW);
    tampered[tampered.length - 1]! ^= 1; // the refund's signature is its last 64 bytes
    const cases: [string, Uint8Array, number][] = [
      ['a purchase that is not the last (serial 1)', makeRefund(w.merchant, first, NOW), 318],
      ['another merchant, naming itself', refundOf(check, other), 300],
      ['another merchant, naming the one paid', refundOf(check, other, { merchantId: w.merchant.id }), 209],
      ['another purse', refundOf(check, w.merchant, { purseId: 'P-OTHER' }), 314],
      ['a wrong amount', refundOf(check, w.merchant, { amount: 2_999 }), 106],
      ['a higher amount', refundOf(check, w.merchant, { amount: 3_001 }), 106],
      ['another currency', refundOf(check, w.merchant, { currency: 'USD' }), 304],
      ['another check hash', refundOf(check, w.merchant, { checkHash: new Uint8Array(32).fill(1) }), 318],
      ['a serial the card never signed', refundOf(check, w.merchant, { serial: 3 }), 318],
      ['a tampered signature', tampered, 200],
      ['a purchase slip instead of a refund', slip(w, 3_000), 102],
    ];
    for (const [name, bytes, code] of cases) {
      expect(protocolCode(rig, check, 46_000, bytes), name).toBe(code);
      await expectRefused(rig, bytes, code);
    }
    await expectRefused(rig, new Uint8Array([1, 2, 3]), 107); // not a COSE_Sign1, as for a slip
    await expect(rig.card.refund(new Uint8Array(0), NOW)).rejects.toMatchObject({ sw: SW.wrongLength });
    const data = concat(u64(NOW), makeRefund(w.merchant, check, NOW));
    await expect(rig.card.send('REFUND', command(0x00, Ins.refund, 0, 0, data))).rejects.toMatchObject({
      sw: SW.claNotSupported,
    });
    await expect(rig.card.send('REFUND', command(0x80, Ins.refund, 1, 0, data))).rejects.toMatchObject({
      sw: SW.wrongP1P2,
    });
    await expect(rig.card.send('REFUND', command(0x80, Ins.refund, 0, 0))).rejects.toMatchObject({
      sw: SW.wrongLength,
    });
    // still refundable after all of these
    expect(await rig.card.refund(makeRefund(w.merchant, check, NOW), NOW)).toBe(49_000);
  });

  it('refuses the refund with any one byte changed (every byte, enumerated), and nothing changes', async () => {
    const { rig, check } = await paidCard();
    const r = makeRefund(rig.w.merchant, check, NOW);
    const before = await rig.card.status();
    const codes = new Set<number>();
    for (let at = 0; at < r.length; at++) {
      const bad = r.slice();
      bad[at]! ^= 0x01;
      const error = await rig.card.refund(bad, NOW).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `byte ${at}`).toMatchObject({ name: 'CardError' });
      codes.add((error as { code: number }).code);
    }
    expect(await rig.card.status()).toEqual(before);
    expect(codes.size).toBeGreaterThan(3);
    expect(await rig.card.refund(r, NOW)).toBe(49_000);
  });

  it('refuses a merchant certificate that expired since the sale (203), checked at the terminal time', async () => {
    const rig = await newCard();
    const w = rig.w;
    const shortLived = certifyParty(w.bank, 'M-SHORT', Role.Merchant, {
      notBefore: NOW - 3_600,
      notAfter: NOW + 60,
      seed: seed(63),
      kxSeed: seed(64),
    });
    await load(rig, 10_000);
    const check = verify(w, await rig.card.purchase(slip(w, 400, { merchantId: shortLived.id }, shortLived), NOW));
    const r = makeRefund(shortLived, check, NOW + 120);
    expect(protocolCode(rig, check, 9_600, r, NOW + 120)).toBe(203);
    await expectRefused(rig, r, 203, SW.wrongData, NOW + 120);
    expect(await rig.card.refund(r, NOW + 30)).toBe(10_000);
  });

  it('respects the certified max balance, outstanding loads included (9402, code 305)', async () => {
    const limits = {
      currency: 'EUR',
      maxBalance: 20_000,
      maxPerCheck: 20_000,
      maxOfflineChecks: 100,
      maxOfflineAmount: 100_000,
    };
    const rig = await newCard({ limits });
    await load(rig, 20_000);
    const check = verify(rig.w, await rig.card.purchase(slip(rig.w, 5_000), NOW));
    const r = makeRefund(rig.w.merchant, check, NOW);
    // a load requested (the bank may have debited it) reserves room the refund may not take
    const request = await rig.card.loadRequest(2_000, NOW);
    await expectRefused(rig, r, 305, SW.limitExceeded);
    expect(await rig.card.applyToken(bankAnswer(rig.w, request), NOW)).toBe(17_000);
    await expectRefused(rig, r, 305, SW.limitExceeded);
    const spend = verify(rig.w, await rig.card.purchase(slip(rig.w, 2_000), NOW));
    // the refund of 5 000 is for the check before this one: no longer the last purchase
    expect(spend.body.serial).toBe(2);
    await expectRefused(rig, r, 318);
    expect(await rig.card.refund(makeRefund(rig.w.merchant, spend, NOW), NOW)).toBe(17_000);
  });

  it('still knows a refund when the refunded purchase has left the 16-record log', async () => {
    const { rig, check } = await paidCard();
    const r = makeRefund(rig.w.merchant, check, NOW);
    await rig.card.refund(r, NOW);
    // 15 loads push the purchase (serial 2) out of the ring; its refund record is still in it
    for (let i = 0; i < 15; i++) await load(rig, 1);
    await expect(rig.card.reissueCheck(2)).rejects.toMatchObject({ code: 318 });
    expect(await rig.card.readLog(15)).toMatchObject({ kind: 'refund', serial: 2 });
    await expectRefused(rig, r, 316);
    await load(rig, 1); // and now the refund record too: the card no longer knows the check
    await expectRefused(rig, r, 318);
  });
});

// ---------------------------------------------------------------- tearing

const tally = { points: 0, recoveryPoints: 0 };

async function boot(from: Uint8Array | MemoryEeprom, cut?: { at: number; lands: 'none' | 'half' }) {
  const store = from instanceof MemoryEeprom ? from : new MemoryEeprom(from);
  const emulator = await EmulatedCard.create({ store });
  const card = new PurseCard(emulator);
  await card.select();
  await card.verifyPin(PIN);
  if (cut) {
    emulator.cutAtWrite = emulator.writes + cut.at;
    emulator.cutLands = cut.lands;
  }
  return { store, emulator, card };
}

/** Powers on from `store` with a cut at recovery write `at`; false when the power on had fewer writes. */
async function tearRecovery(store: MemoryEeprom, at: number, lands: 'none' | 'half'): Promise<boolean> {
  const emulator = await EmulatedCard.create({ store, powered: false });
  emulator.cutAtWrite = at;
  emulator.cutLands = lands;
  try {
    await emulator.powerOn();
    return false;
  } catch (error) {
    if (error instanceof PowerCutError) return true;
    throw error;
  }
}

describe('REFUND tearing', () => {
  afterAll(() =>
    console.log(`refund tearing: ${tally.points} tear points, ${tally.recoveryPoints} more in recoveries`),
  );

  it('a power cut at any EEPROM write of the refund, or of its recovery, leaves no refund or the whole refund', async () => {
    const { rig, check } = await paidCard();
    const r = makeRefund(rig.w.merchant, check, NOW + 60);
    const start = rig.store.image!;
    const clean = await boot(start);
    const statusBefore = await clean.card.status();
    const writesBefore = clean.emulator.writes;
    expect(await clean.card.refund(r, NOW + 60)).toBe(49_000);
    const writes = clean.emulator.writes - writesBefore;
    const statusAfter = await clean.card.status();
    const imageAfter = clean.store.image!;
    // journal data, its length, commit flag, 4 entries (purchase mark, refund record, value block, refunded total), flag cleared
    expect(writes).toBe(8);
    for (const lands of ['none', 'half'] as const) {
      for (let at = 1; at <= writes; at++) {
        const torn = await boot(start, { at, lands });
        await expect(torn.card.refund(r, NOW + 60)).rejects.toBeInstanceOf(PowerCutError);
        tally.points++;
        for (let k = 0; ; k++) {
          const store = new MemoryEeprom(torn.store.image);
          if (k > 0) {
            if (!(await tearRecovery(store, k, lands))) break;
            tally.recoveryPoints++;
          }
          const back = await boot(store); // powers on: finishes a committed refund
          const status = await back.card.status();
          const where = `cut at write ${at} (${lands}), recovery cut ${k}`;
          const after = JSON.stringify(value(status), big) === JSON.stringify(value(statusAfter), big);
          const before = JSON.stringify(value(status), big) === JSON.stringify(value(statusBefore), big);
          expect(before || after, `${where}: neither before nor after`).toBe(true);
          expect(
            Buffer.compare(store.image!.slice(0, JOURNAL), (after ? imageAfter : start).slice(0, JOURNAL)),
            `${where}: EEPROM between states`,
          ).toBe(0);
          expect(BigInt(status.balance) + status.spentTotal).toBe(status.loadedTotal);
          expect(status.spentTotal + status.refundedTotal).toBe(4_000n);
          // credited exactly once, whichever side of the cut the card is on
          if (after) await expect(back.card.refund(r, NOW + 60)).rejects.toMatchObject({ code: 316 });
          else expect(await back.card.refund(r, NOW + 60)).toBe(49_000);
          expect(await back.card.status()).toMatchObject({
            balance: 49_000,
            refundedTotal: 3_000n,
            spentTotal: 1_000n,
          });
          expect(await back.card.readLog(1)).toMatchObject({ kind: 'purchase', serial: 2, refunded: true });
        }
      }
    }
    expect(tally.points).toBe(2 * 8);
    expect(tally.recoveryPoints).toBeGreaterThan(0);
  });
});

function big(_: string, v: unknown) {
  return typeof v === 'bigint' ? v.toString() : v;
}
