// The reader interface, shaped like PC/SC's SCardTransmit: one command APDU in, one response APDU
// (data ‖ SW1 SW2) out. The emulator implements it; a PC/SC reader with a real card could too.

export interface CardReader {
  /** Sends a command APDU and resolves to the response APDU (data followed by the status word). */
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
}

/** The card lost power during a command (the tearing tests cut it on purpose). */
export class PowerCutError extends Error {
  constructor(readonly writes: number) {
    super(`power cut at EEPROM write ${writes}`);
    this.name = 'PowerCutError';
  }
}

/** The card has no power: power it on first. */
export class CardNotPoweredError extends Error {
  constructor() {
    super('the card is not powered: call powerOn()');
    this.name = 'CardNotPoweredError';
  }
}

/** The card left the reader, or stopped answering, in the middle of a command (a real reader's power cut). */
export class CardRemovedError extends Error {
  constructor(detail: string) {
    super(`the card was removed mid-command (${detail})`);
    this.name = 'CardRemovedError';
  }
}
