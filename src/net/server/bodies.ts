// Reading request bodies the way both servers take them: a protocol message as a raw CBOR body or
// as base64 in a JSON field. JSON bodies are checked by each route's schema before the handler runs
// (fastify's validation, the schemas the OpenAPI document shows); what is left here is what no
// JSON schema says: a raw body that is empty, or no body at all.
import type { FastifyRequest } from 'fastify';
import { fromBase64 } from '../../bytes.ts';

export const CBOR_TYPE = 'application/cbor';

export type BadRequest = (message: string) => Error;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Whether the request came as raw CBOR (then the answer is CBOR too). */
export const sentCbor = (request: FastifyRequest): boolean => Buffer.isBuffer(request.body);

/** The message: the raw CBOR body, or base64 in the JSON body's `field` (validated by the route's schema). */
export function messageBytes(request: FastifyRequest, field: string, badRequest: BadRequest): Uint8Array {
  const body = request.body;
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) throw badRequest('empty body');
    return new Uint8Array(body.buffer, body.byteOffset, body.length);
  }
  if (body && typeof body === 'object' && !Array.isArray(body))
    return base64Field((body as Record<string, unknown>)[field], field, badRequest);
  throw badRequest(`expected a CBOR body (${CBOR_TYPE}) or JSON { "${field}": base64 }`);
}

/** Standard base64 of a JSON field, refused when missing, empty or not base64. */
export function base64Field(value: unknown, field: string, badRequest: BadRequest): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw badRequest(`${field}: base64 expected`);
  return fromBase64(value);
}

/** The JSON object body (the back office's handlers read their fields from it after the schema checked them). */
export function jsonObject(request: FastifyRequest, badRequest: BadRequest): Record<string, unknown> {
  const body = request.body;
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body) || Array.isArray(body))
    throw badRequest('expected a JSON object body');
  return body as Record<string, unknown>;
}

/** Loopback peers (127/8, ::1, IPv4-mapped 127/8). */
export const isLoopback = (ip: string): boolean => /^(127\.|::1$|::ffff:127\.)/.test(ip);
