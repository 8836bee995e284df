// The small HTTP layer the clients share: fetch with a timeout, CBOR and JSON bodies, base64
// (src/bytes.ts, re-exported for the clients' callers), and the servers' typed JSON error bodies turned
// into typed errors. No node: imports: runs in Node 20 and in browsers.

export const CBOR_TYPE = 'application/cbor';

export { fromBase64, toBase64 } from '../bytes.ts';

/** A server's typed error body: `{ error: { kind, code, message } }`. */
export interface ErrorBody {
  kind: string;
  code: string | number;
  message: string;
}

/** The server answered with an error: its status and, when the body was typed, kind/code/message. */
export interface HttpFailure {
  status: number;
  error: ErrorBody;
}

/** Reads a typed error body, or makes one from the status when the body is not one. */
export async function errorOf(response: Response): Promise<ErrorBody> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: Partial<ErrorBody> };
    const e = body.error;
    if (e && typeof e.kind === 'string' && (typeof e.code === 'string' || typeof e.code === 'number')) {
      return { kind: e.kind, code: e.code, message: typeof e.message === 'string' ? e.message : '' };
    }
  } catch {
    // not JSON: fall through
  }
  return { kind: 'http', code: String(response.status), message: text.slice(0, 200) || response.statusText };
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  /** Raw bytes sent as application/cbor, or a value sent as JSON. */
  cbor?: Uint8Array;
  json?: unknown;
  accept?: string;
  timeoutMs: number;
  headers?: Record<string, string>;
}

/**
 * One request. Throws `unreachable(cause)` when no answer came (refused, reset, timeout, DNS) and
 * `rejected(status, body)` for a non-2xx answer; returns the response otherwise.
 */
export async function request(
  url: string,
  o: RequestOptions,
  unreachable: (cause: unknown) => Error,
  rejected: (status: number, body: ErrorBody) => Error,
): Promise<Response> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  let body: BodyInit | undefined;
  if (o.cbor) {
    headers['content-type'] = CBOR_TYPE;
    body = o.cbor as unknown as BodyInit;
  } else if (o.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(o.json);
  }
  if (o.accept) headers.accept = o.accept;
  let response: Response;
  try {
    response = await fetch(url, {
      method: o.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(o.timeoutMs),
    });
  } catch (cause) {
    throw unreachable(cause);
  }
  if (!response.ok) throw rejected(response.status, await errorOf(response));
  return response;
}

/** The body as bytes; a reply cut mid-body counts as no answer. */
export async function bytesOf(response: Response, unreachable: (cause: unknown) => Error): Promise<Uint8Array> {
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    throw unreachable(cause);
  }
}

export async function jsonOf<T>(response: Response, unreachable: (cause: unknown) => Error): Promise<T> {
  try {
    return (await response.json()) as T;
  } catch (cause) {
    throw unreachable(cause);
  }
}

/** Base URL without a trailing slash; refuses what is not http(s). */
export function baseUrlOf(baseUrl: string): string {
  const u = new URL(baseUrl);
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new TypeError(`base URL must be http(s), got ${baseUrl}`);
  return u.toString().replace(/\/+$/, '');
}
