// The emulated card in a real PC/SC stack: a client of vsmartcard's virtual reader driver (vpcd,
// Debian's vsmartcard-vpcd), which pcscd loads and which listens on TCP (localhost:35963 for its
// first slot by default). vpcd frames everything as a 2-byte big-endian length then the bytes; a
// 1-byte frame is a control (00 power off, 01 power on, 02 reset, 04 send the ATR), anything
// longer a command APDU the card answers with its response APDU. While the connection is open
// pcscd lists a card in that reader; closing it removes the card. Node only (node:net).
import { connect, type Socket } from 'node:net';
import type { EmulatedCard } from './emulator.ts';
import { PowerCutError } from './reader.ts';

export const VPCD_PORT = 35963;

/** vpcd's one-byte control frames. */
export const VpcdControl = Object.freeze({ powerOff: 0x00, powerOn: 0x01, reset: 0x02, atr: 0x04 } as const);

export interface VpcdOptions {
  host?: string;
  port?: number;
  /**
   * Pull the card out during command `command` (counted from 1 since the card was inserted): with
   * `write`, the power is cut at that EEPROM write of the command (EmulatedCard.cutAtWrite);
   * without, the command runs to its end and the answer is lost. Either way the connection closes
   * without an answer, as a card taken out of a reader mid-command.
   */
  pullAt?: { command: number; write?: number };
}

export interface VpcdSession {
  /** Resolves when the card is out: removed by close(), pulled, or vpcd gone. */
  readonly closed: Promise<void>;
  /** Command APDUs answered so far. */
  readonly commands: number;
  /** Takes the card out: the command in flight, if any, ends as a power cut does (no answer). */
  close(): Promise<void>;
}

const frame = (bytes: Uint8Array): Uint8Array => {
  const out = new Uint8Array(2 + bytes.length);
  out[0] = bytes.length >> 8;
  out[1] = bytes.length & 0xff;
  out.set(bytes, 2);
  return out;
};

/** Connects `card` to vpcd: the card is then in that reader until close(). */
export async function insertIntoVpcd(card: EmulatedCard, options: VpcdOptions = {}): Promise<VpcdSession> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? VPCD_PORT;
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
  socket.setNoDelay(true);
  let buffered = new Uint8Array(0);
  let commands = 0;
  let queue = Promise.resolve();
  let out = false;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const takeOut = () => {
    if (out) return;
    out = true;
    card.powerOff();
    socket.destroy();
  };
  socket.on('close', () => {
    out = true;
    card.powerOff();
    // The command in flight finishes saving what reached EEPROM before the card counts as out.
    void queue.then(resolveClosed);
  });
  socket.on('error', () => takeOut());

  const answer = (bytes: Uint8Array) => {
    if (!out) socket.write(frame(bytes));
  };

  async function handle(message: Uint8Array): Promise<void> {
    if (out) return;
    if (message.length === 1) {
      const control = message[0];
      if (control === VpcdControl.powerOff) card.powerOff();
      else if (control === VpcdControl.powerOn || control === VpcdControl.reset) await card.powerOn();
      else if (control === VpcdControl.atr) answer(card.atr);
      return;
    }
    if (!card.powered) await card.powerOn();
    commands++;
    const pull = options.pullAt?.command === commands ? options.pullAt : undefined;
    if (pull?.write !== undefined) card.cutAtWrite = card.writes + pull.write;
    let response: Uint8Array;
    try {
      response = await card.transmit(message);
    } catch (error) {
      if (!(error instanceof PowerCutError)) throw error;
      takeOut(); // the cut: the image is saved as the cells hold it, no answer
      return;
    } finally {
      card.cutAtWrite = undefined; // a command with fewer writes than `pull.write` ran whole
    }
    if (pull) return takeOut();
    answer(response);
  }

  socket.on('data', (chunk: Buffer) => {
    const joined = new Uint8Array(buffered.length + chunk.length);
    joined.set(buffered);
    joined.set(chunk, buffered.length);
    let at = 0;
    while (joined.length - at >= 2) {
      const length = (joined[at]! << 8) | joined[at + 1]!;
      if (joined.length - at - 2 < length) break;
      const message = joined.slice(at + 2, at + 2 + length);
      at += 2 + length;
      queue = queue.then(() => handle(message)).catch(() => takeOut());
    }
    buffered = joined.slice(at);
  });

  return {
    closed,
    get commands() {
      return commands;
    },
    async close() {
      takeOut();
      await closed;
    },
  };
}
