// The emulated smartcard purse: reader interface, emulator, EEPROM stores and the typed purse API.
export { AID, Ins, SW, Tag, command, parseResponse, swHex } from './apdu.ts';
export type { Response } from './apdu.ts';
export { CardNotPoweredError, PowerCutError } from './reader.ts';
export type { CardReader } from './reader.ts';
export { EmulatedCard } from './emulator.ts';
export type { CommandTiming, EmulatorOptions } from './emulator.ts';
export { EepromMismatchError, MemoryEeprom, decodeImage, encodeImage } from './store.ts';
export type { EepromStore } from './store.ts';
export { FileEeprom } from './file-store.ts';
export { IndexedDbEeprom } from './idb-store.ts';
export { CardError, PurseCard, personalise, unblockMessage } from './purse.ts';
export type { LogRecord, PersonaliseOptions, PurseStatus } from './purse.ts';
export { loadApplet } from './applet.ts';
