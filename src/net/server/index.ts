// What the bank's and the shop's HTTP servers share (Node only; the browser-safe clients are ../).

export type { AppOptions } from './app.ts';
export { CBOR_TYPE, createApp, LOOPBACK_ORIGIN } from './app.ts';
export type { BadRequest } from './bodies.ts';
export { base64Field, isLoopback, jsonObject, messageBytes, sentCbor } from './bodies.ts';
export type { ErrorMapper, ErrorReply } from './errors.ts';
export { installErrorEnvelope } from './errors.ts';
