// One command APDU over a CardReader the way ISO 7816-4 carries long ones: split into short parts
// chained with CLA bit b5 (§5.3.3) for a reader that takes short APDUs only, and the response read
// on with GET RESPONSE (§5.3.4) for as long as the card answers 61xx. The emulator and a PC/SC
// reader are driven alike; docs/apdu.md § Long commands and responses describes both sides.
import { concat } from '../bytes.ts';
import { Cla, Ins, SW } from '../protocol/purse-apdu.ts';
import { command } from './apdu.ts';
import type { CardReader } from './reader.ts';

export interface TransportOptions {
  /** Send data over 255 bytes as chained short APDUs instead of one extended APDU. */
  chaining?: boolean;
}

/** The short parts of `apdu` when it is an extended command with data, else `[apdu]`. */
export function chainParts(apdu: Uint8Array): Uint8Array[] {
  if (apdu.length <= 7 || apdu[4] !== 0) return [apdu];
  const lc = (apdu[5]! << 8) | apdu[6]!;
  const data = apdu.subarray(7, 7 + lc);
  const le = apdu.length > 7 + lc;
  const [cla, ins, p1, p2] = apdu as unknown as [number, number, number, number];
  const parts: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += 255) {
    const last = at + 255 >= data.length;
    parts.push(command(last ? cla : cla | Cla.chaining, ins, p1, p2, data.subarray(at, at + 255), last && le));
  }
  return parts;
}

/** The GET RESPONSE command: up to 256 more bytes (Le 00). */
export const getResponse = (): Uint8Array => command(Cla.iso, Ins.getResponse, 0, 0, undefined, true);

/** Sends one command and returns the whole response APDU (data ‖ SW1 SW2), however it was carried. */
export async function exchange(
  reader: CardReader,
  apdu: Uint8Array,
  options: TransportOptions = {},
): Promise<Uint8Array> {
  const parts = options.chaining ? chainParts(apdu) : [apdu];
  let response: Uint8Array = new Uint8Array(0);
  for (const part of parts) {
    response = await reader.transmit(part);
    const sw = swOf(response);
    if (part !== parts.at(-1) && sw !== SW.ok) return response; // the card refused a part: that is its answer
  }
  const chunks: Uint8Array[] = [];
  while ((swOf(response) & 0xff00) === SW.bytesRemaining) {
    chunks.push(response.subarray(0, response.length - 2));
    response = await reader.transmit(getResponse());
  }
  return chunks.length ? concat(...chunks, response) : response;
}

const swOf = (response: Uint8Array): number =>
  response.length < 2 ? 0 : (response[response.length - 2]! << 8) | response[response.length - 1]!;
