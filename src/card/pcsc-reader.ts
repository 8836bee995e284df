// A real PC/SC reader as a CardReader: pcsc-lite (Linux, macOS) through the optional native
// binding @pokusew/pcsclite, built against Debian's libpcsclite-dev. Whatever card is in the named
// reader answers: a smartcard with the purse applet, or the emulated card that `smartcheck card
// serve` puts behind pcscd. Without the binding everything else runs; opening a reader then says
// how to get it. Node only: its own entry point, never in index.ts.
import { createRequire } from 'node:module';
import { type CardReader, CardRemovedError } from './reader.ts';

// The binding's surface used here (its own typings are not imported: it may be absent).
interface PcscBinding {
  on(type: 'reader', listener: (reader: PcscDevice) => void): void;
  on(type: 'error', listener: (error: Error) => void): void;
  close(): void;
}
interface PcscDevice {
  name: string;
  SCARD_STATE_PRESENT: number;
  SCARD_SHARE_EXCLUSIVE: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_UNPOWER_CARD: number;
  on(type: 'status', listener: (status: { state: number; atr?: Buffer }) => void): void;
  on(type: 'error', listener: (error: Error) => void): void;
  on(type: 'end', listener: () => void): void;
  connect(options: { share_mode: number; protocol: number }, cb: (err: Error | null, protocol: number) => void): void;
  disconnect(disposition: number, cb: (err: Error | null) => void): void;
  transmit(data: Buffer, resLen: number, protocol: number, cb: (err: Error | null, response: Buffer) => void): void;
  close(): void;
}

/** The binding is not installed or not built (no libpcsclite-dev when npm installed it). */
export class PcscUnavailableError extends Error {
  constructor(cause: unknown) {
    super(
      'PC/SC is not available: the optional binding @pokusew/pcsclite is not installed or not built ' +
        '(it needs libpcsclite-dev; `node scripts/setup.mjs` installs both)',
      { cause },
    );
    this.name = 'PcscUnavailableError';
  }
}

/** The named reader did not appear, or holds no card, within the time allowed. */
export class ReaderNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReaderNotFoundError';
  }
}

function loadBinding(): () => PcscBinding {
  try {
    return createRequire(import.meta.url)('@pokusew/pcsclite') as () => PcscBinding;
  } catch (error) {
    throw new PcscUnavailableError(error);
  }
}

/** Whether the PC/SC binding loads here (tests and `--help` use it to say what is missing). */
export function pcscAvailable(): boolean {
  try {
    loadBinding();
    return true;
  } catch {
    return false;
  }
}

// pcsc-lite's codes for a card that went away mid-command (winscard.h).
const REMOVED = ['0x80100069', '0x80100066', '0x80100068', '0x80100017', '0x8010002E'];
/** Extended APDUs: up to 65536 data bytes and the status word. */
const RESPONSE_MAX = 65538;

function closeAll(pcsc: PcscBinding, devices: PcscDevice[]): void {
  for (const device of devices) device.close();
  pcsc.close();
}

export interface PcscOpenOptions {
  /** How long to wait for the reader and a card in it, ms (default 10 s). */
  timeoutMs?: number;
}

export class PcscReader implements CardReader {
  private constructor(
    private readonly pcsc: PcscBinding,
    /** Every reader the binding reported: each one's status thread must be stopped to let Node exit. */
    private readonly devices: PcscDevice[],
    private readonly device: PcscDevice,
    private readonly protocol: number,
    /** The card's Answer To Reset, as pcsc-lite read it. */
    readonly atr: Uint8Array,
  ) {}

  get name(): string {
    return this.device.name;
  }

  /** Waits for the reader called `name` and a card in it, and connects to the card (exclusively). */
  static async open(name: string, options: PcscOpenOptions = {}): Promise<PcscReader> {
    const pcsc = loadBinding()();
    const timeoutMs = options.timeoutMs ?? 10_000;
    const devices: PcscDevice[] = [];
    try {
      return await new Promise<PcscReader>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new ReaderNotFoundError(
                devices.some((d) => d.name === name)
                  ? `no card in the PC/SC reader "${name}"`
                  : `no PC/SC reader "${name}" (readers: ${devices.length ? devices.map((d) => `"${d.name}"`).join(', ') : 'none'})`,
              ),
            ),
          timeoutMs,
        );
        pcsc.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        pcsc.on('reader', (device) => {
          devices.push(device);
          if (device.name !== name) return;
          let connecting = false;
          device.on('error', () => {}); // status errors: the timeout says what is missing
          device.on('status', (status) => {
            if (connecting || !(status.state & device.SCARD_STATE_PRESENT)) return;
            connecting = true;
            const protocols = device.SCARD_PROTOCOL_T0 | device.SCARD_PROTOCOL_T1;
            device.connect({ share_mode: device.SCARD_SHARE_EXCLUSIVE, protocol: protocols }, (err, protocol) => {
              clearTimeout(timer);
              if (err) reject(err);
              else resolve(new PcscReader(pcsc, devices, device, protocol, new Uint8Array(status.atr ?? [])));
            });
          });
        });
      });
    } catch (error) {
      closeAll(pcsc, devices);
      throw error;
    }
  }

  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.device.transmit(Buffer.from(apdu), RESPONSE_MAX, this.protocol, (err, response) => {
        if (!err) return resolve(new Uint8Array(response));
        const removed = REMOVED.some((code) => err.message.includes(code));
        reject(removed ? new CardRemovedError(err.message) : err);
      });
    });
  }

  /** Powers the card down and lets the reader go. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.device.disconnect(this.device.SCARD_UNPOWER_CARD, () => resolve()));
    closeAll(this.pcsc, this.devices);
  }
}
