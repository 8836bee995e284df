// What the bank's and the shop's HTTP servers share (Node only; the browser-safe clients are ../).

export type { AppOptions, TlsFiles } from './app.ts';
export { createApp, LOOPBACK_ORIGIN } from './app.ts';
export type { BadRequest } from './bodies.ts';
export { base64Field, CBOR_TYPE, isLoopback, jsonObject, messageBytes, sentCbor } from './bodies.ts';
export type { ErrorMapper, ErrorReply } from './errors.ts';
export { installErrorEnvelope, validationErrors } from './errors.ts';
export type { LogLevel, LogOptions } from './logging.ts';
export { LOG_LEVELS, REDACTED } from './logging.ts';
export { installMetrics, SECONDS_BUCKETS } from './metrics.ts';
export type { ApiInfo } from './openapi.ts';
export { BASE64, ERROR_ENVELOPE, errorResponses, jsonOrCbor, messageBody } from './openapi.ts';
export { stopGracefully } from './probes.ts';
export type { RateLimit } from './rate-limit.ts';
export { limited } from './rate-limit.ts';
