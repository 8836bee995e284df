// The EEPROM in a file, replaced atomically: write a temporary file beside it, fsync it, rename it
// over the old one, fsync the directory. A crash leaves the old image or the new one.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeImage, type EepromStore, encodeImage } from './store.ts';

export class FileEeprom implements EepromStore {
  constructor(
    readonly path: string,
    readonly buildHash: Uint8Array,
  ) {}

  async load(): Promise<Uint8Array | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return decodeImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), this.buildHash);
  }

  async save(image: Uint8Array): Promise<void> {
    this.saveSync(image);
  }

  saveSync(image: Uint8Array): void {
    const temp = `${this.path}.tmp-${process.pid}`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, encodeImage(image, this.buildHash));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.path);
    const dir = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }
}
