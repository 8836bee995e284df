// The emulated card: the applet in a fresh WebAssembly instance per power cycle, its EEPROM region
// loaded from and saved to a store after every command that wrote to it. Every EEPROM write goes
// through the host (the applet's "eeprom.write" import), which keeps the durable image, counts
// writes, and can cut the power in the middle of write k: the tearing tests enumerate k.
import { ATR, SW } from '../protocol/purse-apdu.ts';
import { type AppletInstance, type AppletModule, instantiate, loadApplet } from './applet.ts';
import { CardNotPoweredError, type CardReader, PowerCutError } from './reader.ts';
import { type EepromStore, MemoryEeprom } from './store.ts';

export interface EmulatorOptions {
  store?: EepromStore;
  /** Power the card on at once (default true); false lets a test arm a power cut for the power on. */
  powered?: boolean;
}

export interface CommandTiming {
  /** Applet compute (including coprocessor calls), ms. */
  computeMs: number;
  /** Saving the EEPROM image to the store, ms (0 when the command wrote nothing). */
  persistMs: number;
}

export class EmulatedCard implements CardReader {
  readonly store: EepromStore;
  /** The durable EEPROM: what survives a power cut, written only through the write hook. */
  image: Uint8Array = new Uint8Array(0);
  /** EEPROM writes since power on. */
  writes = 0;
  /** Writes made by the last command. */
  lastCommandWrites = 0;
  lastTiming: CommandTiming = { computeMs: 0, persistMs: 0 };
  /** Cut the power during this write (counted since power on, from 1). */
  cutAtWrite: number | undefined;
  /** How much of the cut write reaches the cells: none of it, or its first half (a torn write). */
  cutLands: 'none' | 'half' = 'half';
  private instance: AppletInstance | undefined;
  private base = 0;

  private constructor(
    readonly applet: AppletModule,
    store: EepromStore,
  ) {
    this.store = store;
  }

  static async create(options: EmulatorOptions = {}): Promise<EmulatedCard> {
    const card = new EmulatedCard(await loadApplet(), options.store ?? new MemoryEeprom());
    if (options.powered !== false) await card.powerOn();
    return card;
  }

  /** The Answer To Reset a reader reads at power on (T=1, the AID in the historical bytes). */
  get atr(): Uint8Array {
    return ATR.slice();
  }

  get powered(): boolean {
    return this.instance !== undefined;
  }

  /** Powers the card on: a fresh instance, EEPROM from the store, an interrupted step redone. */
  async powerOn(): Promise<void> {
    this.instance = undefined;
    const stored = await this.store.load();
    const instance = instantiate(this.applet, (memory, dst, src, length) => this.onWrite(memory, dst, src, length));
    const { exports } = instance;
    this.base = exports.eepromBase();
    const size = exports.eepromSize();
    if (stored && stored.length !== size)
      throw new RangeError(`EEPROM image: expected ${size} bytes, got ${stored.length}`);
    this.image = stored ?? new Uint8Array(size);
    instance.memory().set(this.image, this.base);
    this.instance = instance;
    this.writes = 0;
    try {
      this.runGuarded(() => exports.powerOn());
    } catch (error) {
      if (error instanceof PowerCutError) await this.store.save(this.image);
      throw error;
    }
    if (this.writes > 0) await this.store.save(this.image);
  }

  /** Removes power now (between commands): nothing is lost, since every command saved its writes. */
  powerOff(): void {
    this.instance = undefined;
  }

  private onWrite(memory: Uint8Array, dst: number, src: number, length: number): void {
    this.writes++;
    const offset = dst - this.base;
    if (offset < 0 || offset + length > this.image.length)
      throw new RangeError(`EEPROM write outside the region: ${dst}+${length}`);
    const bytes = memory.slice(src, src + length);
    if (this.cutAtWrite === this.writes) {
      const landed = this.cutLands === 'half' ? length >> 1 : 0;
      this.image.set(bytes.subarray(0, landed), offset);
      memory.set(bytes.subarray(0, landed), dst);
      throw new PowerCutError(this.writes);
    }
    this.image.set(bytes, offset);
    memory.set(bytes, dst);
  }

  private runGuarded<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      this.instance = undefined;
      if (error instanceof PowerCutError) {
        this.cutAtWrite = undefined;
        throw error;
      }
      throw error;
    }
  }

  /**
   * Runs one command APDU and returns the response APDU without persisting (the benchmark times
   * this apart); transmit() persists as well. Throws PowerCutError when the power was cut: the
   * image then holds exactly what reached EEPROM; save it with persist() as a real card keeps it.
   */
  execute(apdu: Uint8Array): Uint8Array {
    const instance = this.instance;
    if (!instance) throw new CardNotPoweredError();
    const { exports } = instance;
    const max = exports.apduMax();
    if (apdu.length > max) return Uint8Array.of(SW.wrongLength >> 8, SW.wrongLength & 0xff);
    instance.memory().set(apdu, exports.apduBuffer());
    const before = this.writes;
    const started = performance.now();
    let result: number;
    try {
      result = this.runGuarded(() => exports.transmit(apdu.length));
    } finally {
      this.lastCommandWrites = this.writes - before;
      this.lastTiming = { computeMs: performance.now() - started, persistMs: 0 };
    }
    const sw = result & 0xffff;
    const length = result >>> 16;
    const out = new Uint8Array(length + 2);
    out.set(instance.memory().subarray(exports.responseBuffer(), exports.responseBuffer() + length));
    out[length] = sw >> 8;
    out[length + 1] = sw & 0xff;
    this.checkImage();
    return out;
  }

  /** Saves the durable image (after a command that wrote, or after a power cut). */
  async persist(): Promise<void> {
    const started = performance.now();
    await this.store.save(this.image);
    this.lastTiming.persistMs = performance.now() - started;
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    try {
      const response = this.execute(apdu);
      if (this.lastCommandWrites > 0) await this.persist();
      return response;
    } catch (error) {
      if (error instanceof PowerCutError) await this.persist();
      throw error;
    }
  }

  /** The applet must change EEPROM only through the write hook: its region equals the durable image. */
  private checkImage(): void {
    const memory = this.instance?.memory();
    if (!memory) return;
    const region = memory.subarray(this.base, this.base + this.image.length);
    if (!sameBytes(region, this.image))
      throw new Error('applet EEPROM region differs from the durable image: a write bypassed the EEPROM controller');
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (typeof Buffer !== 'undefined') return Buffer.compare(a, b) === 0;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
