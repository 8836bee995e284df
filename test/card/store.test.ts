// Durable EEPROM: the file store's header (version, applet build hash, checksum), atomic replace,
// and a card that keeps its purse across processes' worth of power cycles.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadApplet } from '../../src/card/applet.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { FileEeprom } from '../../src/card/file-store.ts';
import { PurseCard } from '../../src/card/purse.ts';
import { PowerCutError } from '../../src/card/reader.ts';
import { decodeImage, EepromMismatchError, encodeImage, HEADER_SIZE } from '../../src/card/store.ts';
import { load, NOW, newCard, PIN, slip, verify } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'smartcheck-card-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('EEPROM image header', () => {
  it('round-trips and refuses another build, another version, a flipped byte, a truncation', async () => {
    const { buildHash } = await loadApplet();
    const image = crypto.getRandomValues(new Uint8Array(8192));
    const bytes = encodeImage(image, buildHash);
    expect(bytes.length).toBe(HEADER_SIZE + 8192);
    expect(decodeImage(bytes, buildHash)).toEqual(image);
    const other = buildHash.slice();
    other[0]! ^= 1;
    expect(() => decodeImage(bytes, other)).toThrow(/another applet build/);
    const version = bytes.slice();
    version[11] = 2;
    expect(() => decodeImage(version, buildHash)).toThrow(/format version 2/);
    const flipped = bytes.slice();
    flipped[HEADER_SIZE + 100]! ^= 1;
    expect(() => decodeImage(flipped, buildHash)).toThrow(/checksum/);
    expect(() => decodeImage(bytes.subarray(0, bytes.length - 1), buildHash)).toThrow(EepromMismatchError);
    expect(() => decodeImage(bytes.subarray(0, 10), buildHash)).toThrow(EepromMismatchError);
    const magic = bytes.slice();
    magic[0] = 0;
    expect(() => decodeImage(magic, buildHash)).toThrow(/not a smartcheck EEPROM/);
  });
});

describe('FileEeprom', () => {
  it('keeps the purse across power cycles and new emulator instances; leaves no temporary file', async () => {
    const { buildHash } = await loadApplet();
    const path = join(dir, 'card-1.eeprom');
    const rig = await newCard({ store: new FileEeprom(path, buildHash) });
    await load(rig, 9_000);
    const check = await rig.card.purchase(slip(rig.w, 1_500), NOW);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // a new emulator (a new process, say) from the same file
    const again = await EmulatedCard.create({ store: new FileEeprom(path, buildHash) });
    const card = new PurseCard(again);
    await card.select();
    await card.verifyPin(PIN);
    expect(await card.status()).toMatchObject({ balance: 7_500, serial: 1 });
    expect(await card.reissueCheck(1)).toEqual(check);
    verify(rig.w, check);
  });

  it('refuses a file written by another applet build, and a corrupted one', async () => {
    const { buildHash } = await loadApplet();
    const path = join(dir, 'card-2.eeprom');
    await newCard({ store: new FileEeprom(path, buildHash) });
    const other = buildHash.slice();
    other[31]! ^= 0xff;
    await expect(EmulatedCard.create({ store: new FileEeprom(path, other) })).rejects.toThrow(EepromMismatchError);
    const bytes = readFileSync(path);
    bytes[HEADER_SIZE + 4]! ^= 1;
    writeFileSync(path, bytes);
    await expect(EmulatedCard.create({ store: new FileEeprom(path, buildHash) })).rejects.toThrow(/checksum/);
  });

  it('a power cut mid-purchase is saved as the cells hold it, and the next power on finishes or undoes it', async () => {
    const { buildHash } = await loadApplet();
    const path = join(dir, 'card-3.eeprom');
    const rig = await newCard({ store: new FileEeprom(path, buildHash) });
    await load(rig, 5_500);
    await rig.card.purchase(slip(rig.w, 500), NOW); // the merchant's certificate is now remembered
    rig.emulator.cutAtWrite = rig.emulator.writes + 4; // after the commit point
    await expect(rig.card.purchase(slip(rig.w, 1_000), NOW)).rejects.toBeInstanceOf(PowerCutError);
    const back = await EmulatedCard.create({ store: new FileEeprom(path, buildHash) });
    const card = new PurseCard(back);
    await card.select();
    await card.verifyPin(PIN);
    expect(await card.status()).toMatchObject({ balance: 4_000, serial: 2 });
    verify(rig.w, await card.reissueCheck(2));
  });

  it('a blank file path is a blank card', async () => {
    const { buildHash } = await loadApplet();
    const card = await EmulatedCard.create({ store: new FileEeprom(join(dir, 'nothing-yet.eeprom'), buildHash) });
    const purse = new PurseCard(card);
    await purse.select();
    expect((await purse.status()).lifecycle).toBe(0);
  });
});
