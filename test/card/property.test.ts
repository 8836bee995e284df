// Property: random sequences of loads, POS and Internet purchases, wrong PINs, bank unblocks,
// power cycles and power cuts at random writes keep the purse's books: balance + checks issued = value loaded;
// serials run 1, 2, 3… with no gap and no repeat; every check verifies; refusals change nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ed25519 } from '../../bindings/index.ts';
import { command, Ins, parseResponse, SW } from '../../src/card/apdu.ts';
import { CardError, splitInternet } from '../../src/card/purse.ts';
import { PowerCutError } from '../../src/card/reader.ts';
import { assembleMulti, signPart } from '../../src/protocol/cose.ts';
import { makeCheckRequest, makeInternetSlip, verifyInternetCheck } from '../../src/protocol/internet.ts';
import { certifyParty } from '../../src/protocol/pki.ts';
import { Role } from '../../src/protocol/registry.ts';
import { unblockMessage } from '../../src/protocol/unblock.ts';
import {
  bankAnswer,
  getWorld,
  LIMITS,
  NOW,
  newCard,
  PIN,
  PURSE_ID,
  type Rig,
  slip,
  VALIDITY,
  verify,
} from './support.ts';

type Op =
  | { kind: 'load'; amount: number; cut: number }
  | { kind: 'purchase'; amount: number; cut: number; internet: boolean }
  | { kind: 'wrongPin' }
  | { kind: 'powerCycle' };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('load' as const),
      amount: fc.integer({ min: 1, max: 400_000 }),
      cut: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 16 })),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('purchase' as const),
      amount: fc.integer({ min: 0, max: 250_000 }),
      cut: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 8 })),
      internet: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'wrongPin' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'powerCycle' as const }) },
);

class Model {
  loaded = 0;
  checks: { serial: number; amount: number }[] = [];
  pinOk = true;
  tries = 3;
  unblockCounter = 0;
  get spent() {
    return this.checks.reduce((n, c) => n + c.amount, 0);
  }
}

let shopTx = 0;
/** A POS purchase (the signed check) or an Internet one (payload length ‖ payload ‖ purse signature). */
async function pay(rig: Rig, o: { amount: number; internet: boolean }): Promise<Uint8Array> {
  const w = getWorld();
  if (!o.internet) return rig.card.purchase(slip(w, o.amount), NOW);
  const nonce = new Uint8Array(16);
  new DataView(nonce.buffer).setUint32(0, ++shopTx);
  const shopSlip = makeInternetSlip(w.merchant, {
    merchantId: w.merchant.id,
    amount: o.amount,
    currency: 'EUR',
    time: NOW,
    terminalId: 'SHOP',
    terminalTxId: shopTx,
    terminalNonce: nonce,
  });
  const d = await rig.card.internetCheck(makeCheckRequest(shopSlip, 'CH-1'), NOW);
  return concatBytes(Uint8Array.of(d.payload.length >> 8, d.payload.length & 0xff), d.payload, d.purseSignature);
}

const concatBytes = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

/** The check body, verified: a POS check by verifyCheck, an Internet one after the cardholder's approval. */
function checkBody(internet: boolean, bytes: Uint8Array) {
  const w = getWorld();
  if (!internet) return verify(w, bytes).body;
  const { payload, purseSignature } = splitInternet(bytes);
  const signed = assembleMulti(payload, [purseSignature, signPart(payload, cardholder())]);
  return verifyInternetCheck(signed, { anchors: w.anchors, now: NOW }).body;
}

let holder: ReturnType<typeof certifyParty> | undefined;
const cardholder = () => (holder ??= certifyParty(getWorld().bank, 'CH-1', Role.Cardholder, VALIDITY));

async function restore(rig: Rig, m: Model) {
  await rig.emulator.powerOn();
  await rig.card.select();
  m.pinOk = false;
}

async function ensurePin(rig: Rig, m: Model) {
  if (m.pinOk) return;
  if (m.tries === 0) {
    const counter = ++m.unblockCounter;
    await rig.card.unblock(counter, ed25519.sign(unblockMessage(PURSE_ID, counter), getWorld().bank.secretKey));
    m.tries = 3;
  }
  await rig.card.verifyPin(PIN);
  m.pinOk = true;
  m.tries = 3;
}

async function step(rig: Rig, m: Model, o: Op) {
  const before = await rig.card.status();
  if (o.kind === 'powerCycle') {
    rig.emulator.powerOff();
    await restore(rig, m);
    return;
  }
  if (o.kind === 'wrongPin') {
    const { sw } = parseResponse(
      await rig.emulator.transmit(command(0x00, Ins.verify, 0, 0x80, new TextEncoder().encode('0000'))),
    );
    if (m.tries === 0) expect(sw).toBe(SW.blocked);
    else {
      m.tries--;
      expect(sw).toBe(m.tries === 0 ? SW.blocked : 0x63c0 | m.tries);
    }
    m.pinOk = false;
    expect((await rig.card.status()).balance).toBe(before.balance);
    return;
  }
  if (!m.pinOk) {
    // refused before the PIN (6982) or when blocked (6983), and nothing changes
    const attempt = o.kind === 'load' ? rig.card.loadRequest(o.amount, NOW) : pay(rig, o);
    await expect(attempt).rejects.toMatchObject({ sw: m.tries === 0 ? SW.blocked : SW.securityNotSatisfied });
    expect(await rig.card.status()).toEqual(before);
    await ensurePin(rig, m);
  }
  const arm = () => {
    if (o.cut) rig.emulator.cutAtWrite = rig.emulator.writes + o.cut;
  };
  if (o.kind === 'load') {
    if (before.balance + o.amount > LIMITS.maxBalance) {
      await expect(rig.card.loadRequest(o.amount, NOW)).rejects.toMatchObject({ sw: SW.limitExceeded });
      expect(await rig.card.status()).toEqual(before);
      return;
    }
    let token: Uint8Array | undefined;
    arm();
    try {
      token = bankAnswer(getWorld(), await rig.card.loadRequest(o.amount, NOW));
      await rig.card.applyToken(token, NOW);
      m.loaded += o.amount;
    } catch (error) {
      if (!(error instanceof PowerCutError)) throw error;
      await restore(rig, m);
      await ensurePin(rig, m);
      if (token) {
        // the wallet applies the token again: it counts exactly once
        try {
          await rig.card.applyToken(token, NOW);
        } catch (e) {
          expect(e).toBeInstanceOf(CardError);
          expect((e as CardError).code).toBe(312);
        }
        m.loaded += o.amount;
      } else {
        // the request's reply was lost: if the card committed it, it sends it again, and it loads once
        const outstanding = await rig.card.outstandingLoads();
        if ((await rig.card.status()).loadCounter > before.loadCounter) {
          expect(outstanding).toEqual([{ counter: before.loadCounter + 1, amount: o.amount }]);
          const again = bankAnswer(getWorld(), await rig.card.resendLoadRequest(before.loadCounter + 1));
          await rig.card.applyToken(again, NOW);
          m.loaded += o.amount;
        } else expect(outstanding).toEqual([]);
      }
    } finally {
      rig.emulator.cutAtWrite = undefined;
    }
    return;
  }
  // purchase
  if (o.amount > LIMITS.maxPerCheck) {
    await expect(pay(rig, o)).rejects.toMatchObject({ sw: SW.limitExceeded });
    expect(await rig.card.status()).toEqual(before);
    return;
  }
  if (o.amount > before.balance) {
    await expect(pay(rig, o)).rejects.toMatchObject({ sw: SW.insufficientFunds });
    expect(await rig.card.status()).toEqual(before);
    return;
  }
  arm();
  try {
    const body = checkBody(o.internet, await pay(rig, o));
    m.checks.push({ serial: body.serial, amount: body.amount });
  } catch (error) {
    if (!(error instanceof PowerCutError)) throw error;
    await restore(rig, m);
    await ensurePin(rig, m);
    const now = await rig.card.status();
    if (now.serial > before.serial) {
      const body = checkBody(o.internet, await rig.card.reissueCheck(now.serial));
      expect(body.amount).toBe(o.amount);
      m.checks.push({ serial: body.serial, amount: body.amount });
    }
  } finally {
    rig.emulator.cutAtWrite = undefined;
  }
}

describe('purse invariant under random use and power cuts', () => {
  it('balance + checks = loaded; serials 1..n; refusals change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const rig = await newCard();
        const m = new Model();
        for (const o of ops) {
          await step(rig, m, o);
          await ensurePin(rig, m);
          const s = await rig.card.status();
          expect(s.balance + m.spent).toBe(m.loaded);
          expect(Number(s.loadedTotal)).toBe(m.loaded);
          expect(Number(s.spentTotal)).toBe(m.spent);
          expect(m.checks.map((c) => c.serial)).toEqual(m.checks.map((_, i) => i + 1));
          expect(s.serial).toBe(m.checks.length);
        }
      }),
      { numRuns: Number(process.env.SMARTCHECK_SLOW) ? 500 : 40 },
    );
  });
});
