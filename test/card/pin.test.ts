// PIN: three tries, blocked, unblocked by the bank; the counter survives power cycles and tearing.
import { describe, expect, it } from 'vitest';
import { ed25519 } from '../../bindings/index.ts';
import { command, Ins, parseResponse, SW } from '../../src/card/apdu.ts';
import { CardError } from '../../src/card/purse.ts';
import { PowerCutError } from '../../src/card/reader.ts';
import { unblockMessage } from '../../src/protocol/unblock.ts';
import { getWorld, load, NOW, newCard, PIN, PURSE_ID, slip } from './support.ts';

const verifyApdu = (pin: string) => command(0x00, Ins.verify, 0, 0x80, new TextEncoder().encode(pin));
const swOf = async (rig: Awaited<ReturnType<typeof newCard>>, apdu: Uint8Array) =>
  parseResponse(await rig.emulator.transmit(apdu)).sw;
const u64 = (n: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
};

describe('PIN', () => {
  it('63C2, 63C1, then 6983: blocked, the right PIN refused, value commands 6983, balance unchanged', async () => {
    const rig = await newCard();
    await load(rig, 10_000);
    await rig.card.select();
    expect(await swOf(rig, command(0x00, Ins.verify, 0, 0x80))).toBe(0x63c3);
    expect(await swOf(rig, verifyApdu('0000'))).toBe(0x63c2);
    expect(await swOf(rig, verifyApdu('1111'))).toBe(0x63c1);
    expect(await swOf(rig, verifyApdu('2222'))).toBe(SW.blocked);
    expect(await swOf(rig, verifyApdu(PIN))).toBe(SW.blocked);
    expect(await swOf(rig, command(0x00, Ins.verify, 0, 0x80))).toBe(SW.blocked);
    await expect(rig.card.purchase(slip(rig.w, 10), NOW)).rejects.toMatchObject({ sw: SW.blocked });
    await expect(rig.card.loadRequest(10, NOW)).rejects.toMatchObject({ sw: SW.blocked });
    const s = await rig.card.status();
    expect(s).toMatchObject({ pinTries: 0, balance: 10_000, serial: 0 });
    // still blocked after a power cycle
    rig.emulator.powerOff();
    await rig.emulator.powerOn();
    await rig.card.select();
    expect(await swOf(rig, verifyApdu(PIN))).toBe(SW.blocked);
  });

  it('the right PIN resets the counter; a power cycle forgets the verification', async () => {
    const rig = await newCard({ verify: false });
    expect(await swOf(rig, verifyApdu('0000'))).toBe(0x63c2);
    expect(await swOf(rig, verifyApdu('9999'))).toBe(0x63c1);
    expect(await swOf(rig, verifyApdu(PIN))).toBe(SW.ok);
    expect(await swOf(rig, command(0x00, Ins.verify, 0, 0x80))).toBe(SW.ok);
    expect((await rig.card.status()).pinTries).toBe(3);
    rig.emulator.powerOff();
    await rig.emulator.powerOn();
    await rig.card.select();
    await expect(rig.card.loadRequest(10, NOW)).rejects.toMatchObject({ sw: SW.securityNotSatisfied });
  });

  it('VERIFY: wrong P1/P2 6A86, PIN shorter than 4 or longer than 8 bytes 6700, no try spent', async () => {
    const rig = await newCard({ verify: false });
    expect(await swOf(rig, command(0x00, Ins.verify, 0, 0x81, new TextEncoder().encode(PIN)))).toBe(SW.wrongP1P2);
    expect(await swOf(rig, command(0x00, Ins.verify, 1, 0x80, new TextEncoder().encode(PIN)))).toBe(SW.wrongP1P2);
    expect(await swOf(rig, verifyApdu('123'))).toBe(SW.wrongLength);
    expect(await swOf(rig, verifyApdu('123456789'))).toBe(SW.wrongLength);
    expect((await rig.card.status()).pinTries).toBe(3);
  });

  it('a power cut during VERIFY never gives a free try: the counter is decremented before the comparison', async () => {
    const rig = await newCard({ verify: false });
    for (const [pin, cut] of [
      [PIN, 2],
      ['0000', 1],
      [PIN, 1],
    ] as const) {
      const before = (await rig.card.status()).pinTries;
      rig.emulator.cutAtWrite = rig.emulator.writes + cut;
      await expect(rig.emulator.transmit(verifyApdu(pin))).rejects.toBeInstanceOf(PowerCutError);
      await rig.emulator.powerOn();
      await rig.card.select();
      const after = (await rig.card.status()).pinTries;
      expect(after).toBeLessThanOrEqual(before);
      if (cut === 2) expect(after).toBe(before - 1); // cut after the decrement: the try is spent
    }
  });
});

describe('unblock by the bank (RESET RETRY COUNTER)', () => {
  async function blocked() {
    const rig = await newCard({ verify: false });
    for (const pin of ['0000', '0001', '0002']) await swOf(rig, verifyApdu(pin));
    expect((await rig.card.status()).pinTries).toBe(0);
    return rig;
  }
  const bankSign = (counter: number, key = getWorld().bank.secretKey) =>
    ed25519.sign(unblockMessage(PURSE_ID, counter), key);

  it('a bank signature over the next counter resets the tries; with a new PIN too', async () => {
    const rig = await blocked();
    await rig.card.unblock(1, bankSign(1));
    expect((await rig.card.status()).pinTries).toBe(3);
    await rig.card.verifyPin(PIN);
    for (const pin of ['0000', '0001', '0002']) await swOf(rig, verifyApdu(pin));
    await rig.card.unblock(5, bankSign(5), '24680');
    expect(await swOf(rig, verifyApdu(PIN))).toBe(0x63c2);
    expect(await swOf(rig, verifyApdu('24680'))).toBe(SW.ok);
  });

  it('refuses a replayed counter, another key, a wrong length or P2, without changing anything', async () => {
    const rig = await blocked();
    await rig.card.unblock(1, bankSign(1));
    for (const pin of ['0000', '0001', '0002']) await swOf(rig, verifyApdu(pin));
    await expect(rig.card.unblock(1, bankSign(1))).rejects.toMatchObject({ sw: SW.wrongData });
    await expect(rig.card.unblock(2, bankSign(2, getWorld().merchant.secretKey))).rejects.toMatchObject({
      sw: SW.wrongData,
      code: 200,
    });
    const sig = bankSign(2);
    expect(
      await swOf(
        rig,
        command(0x00, Ins.resetRetryCounter, 0, 0x80, new Uint8Array([...u64(2), ...sig.subarray(0, 63)])),
      ),
    ).toBe(SW.wrongLength);
    expect(await swOf(rig, command(0x00, Ins.resetRetryCounter, 0, 0x81, new Uint8Array([...u64(2), ...sig])))).toBe(
      SW.wrongP1P2,
    );
    expect(
      await swOf(rig, command(0x00, Ins.resetRetryCounter, 0, 0x80, new Uint8Array([...u64(2), ...sig, 0x31]))),
    ).toBe(SW.wrongLength);
    expect((await rig.card.status()).pinTries).toBe(0);
    await rig.card.unblock(2, sig);
    expect((await rig.card.status()).pinTries).toBe(3);
  });

  it('is refused (6985) before the card is active', async () => {
    const { EmulatedCard } = await import('../../src/card/emulator.ts');
    const { PurseCard } = await import('../../src/card/purse.ts');
    const card = new PurseCard(await EmulatedCard.create());
    await card.select();
    await expect(card.unblock(1, new Uint8Array(64))).rejects.toBeInstanceOf(CardError);
    await expect(card.unblock(1, new Uint8Array(64))).rejects.toMatchObject({ sw: SW.conditionsNotSatisfied });
  });
});

describe('secrets in the applet RAM', () => {
  it('no PIN digits and no PIN hash stay in RAM after VERIFY, SET PIN or RESET RETRY COUNTER', async () => {
    const { sha256 } = await import('../../bindings/index.ts');
    const rig = await newCard({ verify: false });
    const pin = '86420975';
    const counter = 1;
    const sig = ed25519.sign(unblockMessage(PURSE_ID, counter), getWorld().bank.secretKey);
    await rig.card.unblock(counter, sig, pin);
    await rig.card.verifyPin(pin);
    await swOf(rig, verifyApdu('13579086'));
    const memory = (rig.emulator as unknown as { instance: { memory(): Uint8Array } }).instance.memory();
    const ram = Buffer.from(memory.subarray(0, 0x8000)); // RAM only: EEPROM keeps the hash by design
    for (const secret of [pin, '13579086']) {
      expect(ram.indexOf(Buffer.from(secret))).toBe(-1);
      expect(ram.indexOf(Buffer.from(sha256(new TextEncoder().encode(secret))))).toBe(-1);
    }
  });
});

describe('secret keys in the applet RAM', () => {
  it('the card keys never stay in RAM: only EEPROM holds them', async () => {
    const rig = await newCard();
    await rig.card.purchase(new Uint8Array(0), 0).catch(() => undefined);
    const memory = (rig.emulator as unknown as { instance: { memory(): Uint8Array } }).instance.memory();
    const seed = memory.slice(0x8028, 0x8048); // layout.ts E_SIGN_SEED
    const kx = memory.slice(0x8068, 0x8088); // E_KX_SK
    expect(seed.some((b) => b !== 0)).toBe(true);
    const ram = Buffer.from(memory.subarray(0, 0x8000));
    expect(ram.indexOf(Buffer.from(seed))).toBe(-1);
    expect(ram.indexOf(Buffer.from(kx))).toBe(-1);
  });
});
