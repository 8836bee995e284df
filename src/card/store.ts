// Where the emulated card keeps its EEPROM between power cycles. The image is stored with a
// header naming the format version and the applet build it belongs to; a store refuses an image
// written by another build (its memory map may differ) rather than run the card on it.
import { sha256 } from '../../bindings/index.ts';

export interface EepromStore {
  /** The stored image, or undefined for a blank card. Throws EepromMismatchError for another build's image. */
  load(): Promise<Uint8Array | undefined>;
  /** Replaces the stored image atomically: after a crash the old or the new image, never a mix. */
  save(image: Uint8Array): Promise<void>;
}

export class EepromMismatchError extends Error {
  constructor(why: string) {
    super(`EEPROM image refused: ${why}`);
    this.name = 'EepromMismatchError';
  }
}

const MAGIC = new TextEncoder().encode('SMCKEEP\0');
export const EEPROM_FORMAT_VERSION = 1;
/** magic 8 ‖ version u32 ‖ image length u32 ‖ applet build hash 32 ‖ SHA-256 of the image 32. */
export const HEADER_SIZE = 8 + 4 + 4 + 32 + 32;

export function encodeImage(image: Uint8Array, buildHash: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + image.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, EEPROM_FORMAT_VERSION);
  view.setUint32(12, image.length);
  out.set(buildHash, 16);
  out.set(sha256(image), 48);
  out.set(image, HEADER_SIZE);
  return out;
}

export function decodeImage(bytes: Uint8Array, buildHash: Uint8Array): Uint8Array {
  if (bytes.length < HEADER_SIZE) throw new EepromMismatchError('shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw new EepromMismatchError('not a smartcheck EEPROM file');
  if (view.getUint32(8) !== EEPROM_FORMAT_VERSION)
    throw new EepromMismatchError(`format version ${view.getUint32(8)}, expected ${EEPROM_FORMAT_VERSION}`);
  const length = view.getUint32(12);
  if (bytes.length !== HEADER_SIZE + length) throw new EepromMismatchError('length differs from its header');
  if (!buildHash.every((b, i) => bytes[16 + i] === b)) throw new EepromMismatchError('written by another applet build');
  const image = bytes.slice(HEADER_SIZE);
  const digest = sha256(image);
  if (!digest.every((b, i) => bytes[48 + i] === b)) throw new EepromMismatchError('image checksum does not match');
  return image;
}

/** In memory (tests): keeps a copy of the last image saved. */
export class MemoryEeprom implements EepromStore {
  image: Uint8Array | undefined;
  saves = 0;
  constructor(image?: Uint8Array) {
    this.image = image?.slice();
  }
  async load() {
    return this.image?.slice();
  }
  async save(image: Uint8Array) {
    this.image = image.slice();
    this.saves++;
  }
}
