// ISO 7816-4 command APDUs for the smartcheck purse applet. core-as/README.md is the reference for
// each command; the codes (AID, CLA, INS, P1/P2, GET DATA tags, status words) are declared once in
// src/protocol/purse-apdu.ts, which the applet's constants are generated from; this file encodes.

export { AID, Cla, DataTag, Ins, Param, SW } from '../protocol/purse-apdu.ts';

/**
 * A command APDU: short form when the data fits in 255 bytes, else extended (ISO 7816-4 §5.1).
 * `le` adds Le = 0 (up to 256, or 65536 extended, bytes expected).
 */
export function command(
  cla: number,
  ins: number,
  p1: number,
  p2: number,
  data: Uint8Array = new Uint8Array(0),
  le = false,
): Uint8Array {
  const extended = data.length > 255;
  if (data.length > 65535) throw new RangeError(`data: at most 65535 bytes, got ${data.length}`);
  const out: number[] = [cla, ins, p1, p2];
  if (data.length) out.push(...(extended ? [0, data.length >> 8, data.length & 0xff] : [data.length]));
  const head = Uint8Array.from(out);
  const tail = le
    ? extended
      ? Uint8Array.of(0, 0)
      : data.length
        ? Uint8Array.of(0)
        : Uint8Array.of(0)
    : new Uint8Array(0);
  const apdu = new Uint8Array(head.length + data.length + tail.length);
  apdu.set(head);
  apdu.set(data, head.length);
  apdu.set(tail, head.length + data.length);
  return apdu;
}

// The byte helpers the card's commands are built with (src/bytes.ts).
export { concat, u64 } from '../bytes.ts';

export interface Response {
  data: Uint8Array;
  sw: number;
}

/** Splits a response APDU into its data and status word. */
export function parseResponse(response: Uint8Array): Response {
  if (response.length < 2) throw new RangeError(`response: at least 2 bytes, got ${response.length}`);
  const n = response.length - 2;
  return { data: response.slice(0, n), sw: (response[n]! << 8) | response[n + 1]! };
}

export const swHex = (sw: number): string => sw.toString(16).toUpperCase().padStart(4, '0');
