// Batch verification of signed checks (WIRE.md message type 4), POS (COSE_Sign1) and Internet
// (COSE_Sign, purse and cardholder), in the check verifier's WebAssembly module: the bank's hot
// path. One call parses every check and its certificate chain, verifies all signatures of the
// batch in one Ed25519 batch (each distinct certificate once) and returns per check the fields the
// bank books or the protocol error code (src/protocol/errors.ts). It reaches the same verdict as
// verifyCheck in src/protocol/pos.ts (verifyInternetCheck in src/protocol/internet.ts for a COSE_Sign);
// test/protocol/core-checks.test.ts holds it to that.

import { bytes } from '../../../bindings/check.ts';
import { guarded } from '../../../bindings/errors.ts';
import { lengths } from '../../../bindings/lengths.ts';
import { verifierWasm } from './loader.ts';

export interface CheckFields {
  ok: true;
  purseId: string;
  serial: number;
  /** Minor units, ≤ 2^53 - 1. */
  amount: number;
  currency: string;
  merchantId: string;
  /** SHA-256 of the purchase slip the check answers. */
  slipHash: Uint8Array;
  /** 0 POS, 1 Internet. */
  channel: number;
  /** SHA-256 of the check's payload (the signed body), not of its COSE bytes: its identity. */
  checkHash: Uint8Array;
  /**
   * What the purse's certificate certified per check (its offline limits), or null when it
   * certifies none. Not applied here: the verdict is verifyCheck's; the bank refuses a check above
   * it at capture (certifiedLimitCode in src/protocol/capture.ts), as card and terminal do.
   */
  limit: PerCheckLimit | null;
}

/** A certificate's maximum per check, in its limits' currency. */
export interface PerCheckLimit {
  currency: string;
  /** Minor units. */
  maxPerCheck: number;
}

export interface CheckRefused {
  ok: false;
  /** A protocol error code (src/protocol/errors.ts). */
  code: number;
}

export type CheckVerdict = CheckFields | CheckRefused;

export interface VerifyChecksOptions {
  /** Trusted roots: root subject id → 32-byte Ed25519 public key. */
  anchors: ReadonlyMap<string, Uint8Array>;
  /** Unix seconds. */
  now: number;
  /**
   * Revoked certificates, each qualified by its issuer as `issuer/subject` (revocationKey and
   * revokedSet in src/protocol/): a bank's list revokes only what that bank certified. Pass a
   * frozen array (`Object.freeze([...])`) to have it checked and packed once for all calls.
   */
  revoked?: Iterable<string>;
  /**
   * Names this revocation list: the same version always means the same ids (a bank's snapshot of
   * its revocations, src/bank/revocations.ts). The list is then checked and packed once, and each
   * thread builds the core's revoked set once and keeps it by this name: a worker receives the ids
   * only the first time it sees the version, not with every batch.
   */
  revokedVersion?: string;
}

const utf8 = new TextEncoder();
/** `issuer/subject`: two non-empty parts, one '/' (which no identifier contains). */
const REVOCATION_KEY = /^[^/]+\/[^/]+$/;

/** Concatenates byte strings with their end offsets (the core's packed layout). */
export function pack(items: readonly Uint8Array[]): { data: Uint8Array; ends: Uint32Array } {
  let total = 0;
  for (const item of items) total += item.length;
  if (total > 0xffffffff) throw new RangeError('checks: more than 4 GiB in one call');
  const data = new Uint8Array(total);
  const ends = new Uint32Array(items.length);
  let end = 0;
  items.forEach((item, i) => {
    data.set(item, end);
    end += item.length;
    ends[i] = end;
  });
  return { data, ends };
}

/** The packed ids of a revocation list, and the version that names it (if any). */
export interface PreparedRevoked {
  version?: string;
  /** Absent when only the version is sent: a thread that does not hold its set asks for the ids. */
  ids?: { data: Uint8Array; ends: Uint32Array };
}

// A frozen array cannot change: it gets a version of its own, so that it is checked and packed
// once and its set is kept like a named version's (10,000 ids cost ~6 ms per call otherwise).
const frozenVersions = new WeakMap<readonly string[], string>();
let frozenCount = 0;
// The ids of the last few versions, packed (this thread's side of a pool).
const packedByVersion = new Map<string, { data: Uint8Array; ends: Uint32Array }>();
const VERSIONS_KEPT = 2;

function keepNewest<V>(map: Map<string, V>, key: string, value: V, drop?: (v: V) => void): void {
  map.set(key, value);
  for (const [oldest, v] of map) {
    if (map.size <= VERSIONS_KEPT) break;
    map.delete(oldest);
    drop?.(v);
  }
}

function packIds(revoked: Iterable<string>): { data: Uint8Array; ends: Uint32Array } {
  const ids: Uint8Array[] = [];
  for (const id of revoked) {
    if (typeof id !== 'string' || !REVOCATION_KEY.test(id))
      throw new TypeError(`options.revoked: expected issuer-qualified ids "issuer/subject", got ${JSON.stringify(id)}`);
    ids.push(utf8.encode(id));
  }
  return pack(ids);
}

function prepareRevoked(revoked: Iterable<string>, named: string | undefined): PreparedRevoked {
  if (named !== undefined && (typeof named !== 'string' || named === ''))
    throw new TypeError('options.revokedVersion: expected a non-empty string');
  const frozen = Array.isArray(revoked) && Object.isFrozen(revoked) ? (revoked as readonly string[]) : undefined;
  let version = named;
  if (version === undefined && frozen) {
    version = frozenVersions.get(frozen);
    if (version === undefined) {
      version = `frozen list ${++frozenCount}`;
      frozenVersions.set(frozen, version);
    }
  }
  if (version === undefined) return { ids: packIds(revoked) };
  let ids = packedByVersion.get(version);
  if (!ids) {
    ids = packIds(revoked);
    keepNewest(packedByVersion, version, ids);
  }
  return { version, ids };
}

/** The verify options checked and packed into the core's layout: plain buffers, so they can be
 * made once per batch and posted to every worker of a pool. */
export interface PreparedOptions {
  anchorIds: { data: Uint8Array; ends: Uint32Array };
  anchorKeys: Uint8Array;
  revoked: PreparedRevoked;
  now: number;
}

export function prepareOptions(options: VerifyChecksOptions): PreparedOptions {
  if (options === null || typeof options !== 'object')
    throw new TypeError('options: expected { anchors, now, revoked? }');
  const { anchors, now, revoked = [], revokedVersion } = options;
  if (!(anchors instanceof Map)) throw new TypeError('options.anchors: expected a Map of root id → public key');
  if (typeof now !== 'number' || !Number.isSafeInteger(now) || now < 0)
    throw new RangeError(`options.now: expected Unix seconds (an integer in [0, 2^53 - 1]), got ${String(now)}`);
  const anchorIds: Uint8Array[] = [];
  const anchorKeys = new Uint8Array(anchors.size * lengths.ed25519PublicKey);
  let k = 0;
  for (const [id, key] of anchors) {
    if (typeof id !== 'string') throw new TypeError('options.anchors: keys must be root ids (strings)');
    bytes(`options.anchors.get(${JSON.stringify(id)})`, key, lengths.ed25519PublicKey);
    anchorIds.push(utf8.encode(id));
    anchorKeys.set(key, k * lengths.ed25519PublicKey);
    k++;
  }
  return { anchorIds: pack(anchorIds), anchorKeys, revoked: prepareRevoked(revoked, revokedVersion), now };
}

type RevocationSet = InstanceType<ReturnType<typeof verifierWasm.exports>['RevocationSet']>;
// This thread's revoked sets in the core, by version: the last few kept, older ones freed.
const setsByVersion = new Map<string, RevocationSet>();

/**
 * The core call on checks already packed (`pack`) and options already prepared: the result
 * records as the core wrote them (readVerdicts decodes them), or null when the options name a
 * revocation version this thread does not hold and carry no ids (send them again with the ids).
 */
export function verifyPackedChecksRaw(
  checks: { data: Uint8Array; ends: Uint32Array },
  prepared: PreparedOptions,
): Uint8Array | null {
  const { anchorIds, anchorKeys, revoked, now } = prepared;
  const wasm = verifierWasm.exports();
  let set = revoked.version === undefined ? undefined : setsByVersion.get(revoked.version);
  const once = !set && revoked.version === undefined;
  if (!set) {
    if (!revoked.ids) return null;
    const { data, ends } = revoked.ids;
    set = guarded(() => new wasm.RevocationSet(data, ends));
    if (revoked.version !== undefined) keepNewest(setsByVersion, revoked.version, set, (old) => old.free());
  }
  try {
    const kept = set;
    return guarded(() =>
      wasm.verify_checks(checks.data, checks.ends, anchorIds.data, anchorIds.ends, anchorKeys, kept, now),
    );
  } finally {
    if (once) set.free();
  }
}

/** The core call itself, on checks already packed (`pack`) and options already prepared. */
export function verifyPackedChecks(
  checks: { data: Uint8Array; ends: Uint32Array },
  prepared: PreparedOptions,
): CheckVerdict[] {
  const out = verifyPackedChecksRaw(checks, prepared);
  if (!out) throw new Error(`verify_checks: revocation version ${prepared.revoked.version} not held and no ids given`);
  return readVerdicts(out, checks.ends.length);
}

/** Verifies signed checks in one core call; one verdict per check, in order. */
export function verifyChecks(checks: readonly Uint8Array[], options: VerifyChecksOptions): CheckVerdict[] {
  if (!Array.isArray(checks)) throw new TypeError(`checks: expected an array, got ${typeof checks}`);
  checks.forEach((c, i) => {
    bytes(`checks[${i}]`, c);
  });
  const prepared = prepareOptions(options);
  return verifyPackedChecks(pack(checks), prepared);
}

/**
 * Reads the verifier's result records (core-rs/checks/src/packed.rs): per check a u16 LE code, and when
 * it is 0, serial u64, amount u64, channel u8, currency (3), slip hash (32), check hash (32), the
 * certified limit (a flag byte, currency (3), max per check u64), then purse id and merchant id,
 * each a length byte and ASCII. A pool's workers send these bytes back as they are (one
 * transferred buffer per chunk), and the caller's thread decodes them here.
 */
export function readVerdicts(out: Uint8Array, count: number): CheckVerdict[] {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const verdicts: CheckVerdict[] = [];
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > out.length)
      throw new Error('verify_checks: result shorter than its records (core and bindings disagree on the layout)');
  };
  const u53 = (at: number) => {
    const value = view.getUint32(at, true) + view.getUint32(at + 4, true) * 0x100000000;
    if (!Number.isSafeInteger(value)) throw new Error('verify_checks: integer beyond 2^53 - 1 in the result');
    return value;
  };
  // The core writes only ASCII here (ids, currency codes: fields.rs). Read byte by byte: a
  // TextDecoder call per field cost ~1 µs per check on the pool's main thread.
  const text = (n: number) => {
    need(n);
    let s = '';
    for (const end = pos + n; pos < end; pos++) {
      const byte = out[pos] as number;
      if (byte > 0x7f) throw new Error('verify_checks: a text field of the result is not ASCII');
      s += String.fromCharCode(byte);
    }
    return s;
  };
  for (let i = 0; i < count; i++) {
    need(2);
    const code = view.getUint16(pos, true);
    pos += 2;
    if (code !== 0) {
      verdicts.push({ ok: false, code });
      continue;
    }
    need(96);
    const serial = u53(pos);
    const amount = u53(pos + 8);
    const channel = out[pos + 16] as number;
    pos += 17;
    const currency = text(3);
    const slipHash = out.slice(pos, pos + 32);
    const checkHash = out.slice(pos + 32, pos + 64);
    pos += 64;
    const limited = out[pos++] === 1;
    const limitCurrency = text(3);
    const maxPerCheck = u53(pos);
    pos += 8;
    const limit = limited ? { currency: limitCurrency, maxPerCheck } : null;
    need(1);
    const purseId = text(out[pos++] as number);
    need(1);
    const merchantId = text(out[pos++] as number);
    verdicts.push({ ok: true, purseId, serial, amount, currency, merchantId, slipHash, channel, checkHash, limit });
  }
  if (pos !== out.length)
    throw new Error('verify_checks: result longer than its records (core and bindings disagree on the layout)');
  return verdicts;
}
