// ISO 7816-4 command APDUs for the smartcheck purse applet and the status words it answers with.
// core-as/README.md is the reference for each command; this file only encodes them.

/** Status words (ISO 7816-4 §5.6 and the two proprietary e-purse words, core-as/README.md). */
export const SW = Object.freeze({
  ok: 0x9000,
  wrongLength: 0x6700,
  securityNotSatisfied: 0x6982,
  blocked: 0x6983,
  conditionsNotSatisfied: 0x6985,
  wrongData: 0x6a80,
  fileFull: 0x6a84,
  wrongP1P2: 0x6a86,
  notFound: 0x6a88,
  insNotSupported: 0x6d00,
  claNotSupported: 0x6e00,
  /** 63Cx: wrong PIN, x tries left. */
  pinTries: 0x63c0,
  insufficientFunds: 0x9401,
  limitExceeded: 0x9402,
} as const);

export const AID = Uint8Array.of(0xf0, 0x53, 0x4d, 0x43, 0x48, 0x4b, 0x01);

export const Ins = Object.freeze({
  select: 0xa4,
  verify: 0x20,
  resetRetryCounter: 0x2c,
  getData: 0xca,
  generateKeys: 0x12,
  installRoot: 0x14,
  installCertificate: 0x16,
  setPin: 0x18,
  loadRequest: 0x50,
  loadApply: 0x52,
  purchase: 0x54,
  readLog: 0x56,
  reissueCheck: 0x58,
  internetCheck: 0x5a,
  /** Cancel the last purchase: the merchant-signed refund is credited back once. */
  refund: 0x5c,
} as const);

/** GET DATA tags (P2). */
export const Tag = Object.freeze({
  status: 0xc1,
  publicKeys: 0xc2,
  certificate: 0xc3,
  lastError: 0xc4,
  purseId: 0xc5,
  outstanding: 0xc6,
} as const);

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
