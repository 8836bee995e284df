// Tearing: the power is cut at every EEPROM write of load request, token application, purchase,
// Internet check and certificate renewal (enumerated, not sampled), in two ways (none of the write lands, or its first half does), and
// again at every write of the recovery that follows. After each, the card powers on from the
// stored EEPROM and must be exactly before or exactly after the step: balance + checks issued =
// value loaded, serials unique, a committed check re-issued byte for byte, a token applied once.
import { afterAll, describe, expect, it } from 'vitest';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { PurseCard, type PurseStatus, splitInternet } from '../../src/card/purse.ts';
import { PowerCutError } from '../../src/card/reader.ts';
import { MemoryEeprom } from '../../src/card/store.ts';
import { makeCheckRequest, makeInternetSlip } from '../../src/protocol/internet.ts';
import { digitalCheck } from '../../src/protocol/messages.ts';
import { bankAnswer, getWorld, load, NOW, newCard, PIN, renewal, slip, verify } from './support.ts';

const JOURNAL = 0x1200; // layout.ts E_JOURNAL - EE: the journal area may differ between before and after
const outsideJournal = (image: Uint8Array) => image.slice(0, JOURNAL);
const tally = { points: 0, recoveryPoints: 0 };

async function boot(image: Uint8Array, cut?: { at: number; lands: 'none' | 'half' }) {
  const store = new MemoryEeprom(image);
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

async function restart(store: MemoryEeprom) {
  const emulator = await EmulatedCard.create({ store });
  const card = new PurseCard(emulator);
  await card.select();
  await card.verifyPin(PIN);
  return { emulator, card, status: await card.status() };
}

const sameValue = (a: PurseStatus, b: PurseStatus) => {
  const strip = (s: PurseStatus) => ({ ...s, pinTries: 0, pinVerified: false });
  return (
    JSON.stringify(strip(a), (_, v) => (typeof v === 'bigint' ? v.toString() : v)) ===
    JSON.stringify(strip(b), (_, v) => (typeof v === 'bigint' ? v.toString() : v))
  );
};

interface Step {
  name: string;
  /** Runs the step on a card booted from `start`; returns what the checker needs. */
  run: (card: PurseCard) => Promise<unknown>;
  /** Deterministic steps leave the same EEPROM bytes every time (a load request draws a nonce). */
  deterministic: boolean;
  /** Extra checks once the card is known to be before or after. */
  check: (card: PurseCard, after: boolean) => Promise<void>;
}

async function enumerate(start: Uint8Array, step: Step) {
  // the step uncut: how many writes it makes, and the state after it
  const clean = await boot(start);
  const writesBefore = clean.emulator.writes;
  const statusBefore = await clean.card.status();
  await step.run(clean.card);
  const writes = clean.emulator.writes - writesBefore;
  const statusAfter = await clean.card.status();
  const imageAfter = clean.store.image!;
  expect(writes).toBeGreaterThan(3);
  for (const lands of ['none', 'half'] as const) {
    for (let at = 1; at <= writes; at++) {
      const torn = await boot(start, { at, lands });
      await expect(step.run(torn.card)).rejects.toBeInstanceOf(PowerCutError);
      tally.points++;
      // a second cut during the recovery, at each of its writes, then a clean restart
      for (let r = 0; ; r++) {
        const store = new MemoryEeprom(torn.store.image);
        if (r > 0) {
          if (!(await tearRecovery(store, r, lands))) break; // the recovery has no write r: done
          tally.recoveryPoints++;
        }
        const back = await restart(store);
        const status = back.status;
        const before = sameValue(status, statusBefore);
        const after = sameValue(status, statusAfter);
        expect(
          before || after,
          `${step.name}: cut at write ${at} (${lands}), recovery cut ${r}: neither before nor after`,
        ).toBe(true);
        if (step.deterministic) {
          const image = outsideJournal(store.image!);
          expect(
            Buffer.compare(image, outsideJournal(after ? imageAfter : start)),
            `${step.name}: EEPROM between states`,
          ).toBe(0);
        }
        expect(status.balance + Number(status.spentTotal)).toBe(Number(status.loadedTotal));
        await step.check(back.card, after);
      }
    }
  }
  return writes;
}

describe('tearing', () => {
  afterAll(() => {
    console.log(`tearing: ${tally.points} tear points in steps, ${tally.recoveryPoints} more in recoveries`);
  });

  it('purchase: before or after at every write; a committed check is re-issued identically; serials unique', async () => {
    const rig = await newCard();
    await load(rig, 50_000);
    await rig.card.purchase(slip(rig.w, 1_000), NOW);
    const start = rig.store.image!;
    const s = slip(rig.w, 2_500);
    const writes = await enumerate(start, {
      name: 'purchase',
      deterministic: true,
      run: (card) => card.purchase(s, NOW),
      check: async (card, after) => {
        const st = await card.status();
        expect(st.serial).toBe(after ? 2 : 1);
        if (after) {
          const again = await card.reissueCheck(2);
          expect(verify(getWorld(), again).body).toMatchObject({ serial: 2, amount: 2_500 });
        }
        // the next purchase takes the next serial, never one already signed
        const next = verify(getWorld(), await card.purchase(slip(getWorld(), 100), NOW)).body;
        expect(next.serial).toBe(st.serial + 1);
        const c1 = verify(getWorld(), await card.reissueCheck(1)).body;
        expect(c1.amount).toBe(1_000);
        const issued = 1_000 + (after ? 2_500 : 0) + 100;
        expect((await card.status()).balance + issued).toBe(50_000);
      },
    });
    expect(writes).toBe(6);
  });

  it('token application: before or after at every write; the token applies exactly once', async () => {
    const rig = await newCard();
    const request = await rig.card.loadRequest(7_000, NOW);
    const token = bankAnswer(rig.w, request);
    const start = rig.store.image!;
    const writes = await enumerate(start, {
      name: 'load apply',
      deterministic: true,
      run: (card) => card.applyToken(token, NOW),
      check: async (card, after) => {
        if (after) await expect(card.applyToken(token, NOW)).rejects.toMatchObject({ code: 312 });
        else expect(await card.applyToken(token, NOW)).toBe(7_000);
        const st = await card.status();
        expect(st).toMatchObject({ balance: 7_000, appliedTotal: 1 });
        expect(Number(st.loadedTotal)).toBe(7_000);
      },
    });
    expect(writes).toBe(10); // 2 of them remember the bank certificate's verified signature
  });

  it('load request: before or after at every write; an outstanding nonce is never half written', async () => {
    const rig = await newCard();
    await load(rig, 1_000);
    const start = rig.store.image!;
    const writes = await enumerate(start, {
      name: 'load request',
      deterministic: false,
      run: (card) => card.loadRequest(2_000, NOW),
      check: async (card, after) => {
        expect((await card.status()).loadCounter).toBe(after ? 2 : 1);
        const w = getWorld();
        // committed: the lost reply is sent again and its token loads once
        if (after) {
          expect(await card.outstandingLoads()).toEqual([{ counter: 2, amount: 2_000 }]);
          expect(await card.applyToken(bankAnswer(w, await card.resendLoadRequest(2)), NOW)).toBe(3_000);
        } else expect(await card.outstandingLoads()).toEqual([]);
        // whatever happened, a new request and its token still load exactly once
        const token = bankAnswer(w, await card.loadRequest(500, NOW));
        expect(await card.applyToken(token, NOW)).toBe(after ? 3_500 : 1_500);
      },
    });
    expect(writes).toBe(6);
  });

  it('Internet check: before or after at every write; a committed purse signature is re-issued identically', async () => {
    const w = getWorld();
    const rig = await newCard();
    await load(rig, 10_000);
    await rig.card.purchase(slip(w, 1_000), NOW);
    const start = rig.store.image!;
    const shopSlip = makeInternetSlip(w.merchant, {
      merchantId: w.merchant.id,
      amount: 3_000,
      currency: 'EUR',
      time: NOW,
      terminalId: 'SHOP',
      terminalTxId: 9,
      terminalNonce: new Uint8Array(16).fill(9),
    });
    const request = makeCheckRequest(shopSlip, 'CH-1');
    let first: Uint8Array | undefined;
    const writes = await enumerate(start, {
      name: 'internet check',
      deterministic: true,
      run: async (card) => {
        const d = await card.internetCheck(request, NOW);
        first ??= d.payload;
        return d;
      },
      check: async (card, after) => {
        expect((await card.status()).serial).toBe(after ? 2 : 1);
        if (after) {
          const again = splitInternet(await card.reissueCheck(2));
          expect(again.payload).toEqual(first);
          expect(digitalCheck.decode(again.payload)).toMatchObject({ serial: 2, amount: 3_000, channel: 1 });
        }
        expect((await card.status()).balance).toBe(after ? 6_000 : 9_000);
      },
    });
    expect(writes).toBe(6);
  });

  it('certificate renewal: the old certificate or the new one, whole, with its own limits; the value unchanged', async () => {
    const w = getWorld();
    const rig = await newCard();
    await load(rig, 400_000);
    await rig.card.purchase(slip(w, 1_000), NOW);
    const start = rig.store.image!;
    const fresh = renewal(rig);
    const writes = await enumerate(start, {
      name: 'renew certificate',
      // the value block is the same before and after: the certificate tells them apart (below)
      deterministic: false,
      run: (card) => card.renewCertificate(fresh),
      check: async (card) => {
        const held = await card.certificate();
        const renewed = Buffer.compare(held, fresh) === 0;
        expect(renewed || Buffer.compare(held, rig.certificate) === 0, 'a whole certificate').toBe(true);
        expect((await card.status()).balance).toBe(399_000);
        // the limits the card applies are those of the certificate it holds (per check 200,000 → 300,000)
        const big = card.purchase(slip(w, 250_000), NOW);
        if (renewed) expect(verify(w, await big).signer.bytes).toEqual(fresh);
        else await expect(big).rejects.toMatchObject({ code: 305 });
        // not renewed: it still can be; renewed: the same renewal again is a replay
        if (renewed) await expect(card.renewCertificate(fresh)).rejects.toMatchObject({ code: 333 });
        else await card.renewCertificate(fresh);
        expect(await card.certificate()).toEqual(fresh);
      },
    });
    expect(writes).toBe(7); // journal, length, flag, 3 entries applied (personal block, length, certificate), flag
  });

  it('counts tear points', () => {
    expect(tally.points).toBe(2 * (6 + 10 + 6 + 6 + 7));
    expect(tally.recoveryPoints).toBeGreaterThan(0);
  });
});
