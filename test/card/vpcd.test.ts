// The card side of vsmartcard's vpcd protocol against a stand-in vpcd (a TCP server here), so it
// runs where pcscd does not: length-prefixed frames, the power and ATR controls, APDUs answered,
// and a card pulled mid-command (no answer, the connection closed, EEPROM as a power cut leaves it).
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AID, command, Ins, parseResponse, SW } from '../../src/card/apdu.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { insertIntoVpcd, VpcdControl } from '../../src/card/vpcd.ts';
import { ATR } from '../../src/protocol/purse-apdu.ts';
import { newCard, PIN } from './support.ts';

/** A stand-in vpcd: accepts one card and exchanges frames with it. */
async function fakeVpcd() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const connected = new Promise<Socket>((resolve) => server.once('connection', resolve));
  let pending = Buffer.alloc(0);
  const waiting: ((frame: Uint8Array | undefined) => void)[] = [];
  const closed = connected.then((s) => new Promise<void>((resolve) => s.on('close', () => resolve())));
  void connected.then((s) => {
    s.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const n = pending.readUInt16BE(0);
        waiting.shift()?.(new Uint8Array(pending.subarray(2, 2 + n)));
        pending = pending.subarray(2 + n);
      }
    });
    s.on('close', () => {
      for (const w of waiting.splice(0)) w(undefined);
    });
  });
  const send = async (bytes: Uint8Array) => {
    const s = await connected;
    const head = Buffer.alloc(2);
    head.writeUInt16BE(bytes.length);
    s.write(Buffer.concat([head, bytes]));
  };
  return {
    port,
    closed,
    /** Sends a frame and resolves with the card's answer (undefined: the card left). */
    ask: (bytes: Uint8Array) =>
      new Promise<Uint8Array | undefined>((resolve) => {
        waiting.push(resolve);
        void send(bytes);
      }),
    send,
    close: () => server.close(),
  };
}

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('vpcd', () => {
  it('answers the ATR control and APDUs in length-prefixed frames', async () => {
    const vpcd = await fakeVpcd();
    stop = vpcd.close;
    const card = await EmulatedCard.create({ powered: false });
    const session = await insertIntoVpcd(card, { port: vpcd.port });
    await vpcd.send(Uint8Array.of(VpcdControl.powerOn));
    expect(await vpcd.ask(Uint8Array.of(VpcdControl.atr))).toEqual(ATR);
    const fci = parseResponse((await vpcd.ask(command(0x00, Ins.select, 4, 0, AID, true))) as Uint8Array);
    expect(fci.sw).toBe(SW.ok);
    expect(session.commands).toBe(1);
    await session.close();
    await vpcd.closed;
    expect(card.powered).toBe(false);
  });

  it('a card pulled at an EEPROM write of VERIFY leaves without an answer and powers on whole', async () => {
    const rig = await newCard({ verify: false });
    rig.emulator.powerOff();
    const vpcd = await fakeVpcd();
    stop = vpcd.close;
    // Command 2 is VERIFY: its first EEPROM write (the try counter, decremented first) is cut.
    const session = await insertIntoVpcd(rig.emulator, { port: vpcd.port, pullAt: { command: 2, write: 1 } });
    await vpcd.send(Uint8Array.of(VpcdControl.powerOn));
    expect(parseResponse((await vpcd.ask(command(0x00, Ins.select, 4, 0x0c, AID))) as Uint8Array).sw).toBe(SW.ok);
    expect(await vpcd.ask(command(0x00, Ins.verify, 0, 0x80, new TextEncoder().encode(PIN)))).toBeUndefined();
    await session.closed;
    // Powered again, the card is whole: the PIN still verifies (the cut write landed none of its byte).
    await rig.emulator.powerOn();
    await rig.card.select();
    await rig.card.verifyPin(PIN);
    expect((await rig.card.status()).pinTries).toBe(3);
  });
});
