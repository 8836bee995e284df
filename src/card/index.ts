// The emulated smartcard purse: reader interface, emulator, EEPROM stores and the typed purse API.
// Browser-safe: the Node-only FileEeprom (node:fs) is its own entry, ./file-store.ts
// (`smartcheck/card/file-store`), so a browser bundle of this one never pulls node:fs.

export { ATR, HISTORICAL_BYTES } from '../protocol/purse-apdu.ts';
export type { Response } from './apdu.ts';
export { AID, Cla, command, DataTag, Ins, Param, parseResponse, SW, swHex } from './apdu.ts';
export { loadApplet } from './applet.ts';
export type { CommandTiming, EmulatorOptions } from './emulator.ts';
export { EmulatedCard } from './emulator.ts';
export { IndexedDbEeprom } from './idb-store.ts';
export type { LogRecord, PersonaliseOptions, PurseStatus } from './purse.ts';
export { CardError, PurseCard, personalise } from './purse.ts';
export type { CardReader } from './reader.ts';
export { CardNotPoweredError, CardRemovedError, PowerCutError } from './reader.ts';
export type { EepromStore } from './store.ts';
export { decodeImage, EepromMismatchError, encodeImage, MemoryEeprom } from './store.ts';
export type { TransportOptions } from './transport.ts';
export { chainParts, exchange, getResponse } from './transport.ts';
