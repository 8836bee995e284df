// Fuzz: the check verifiers. The TypeScript ones a terminal runs (pos.verifyCheck, acceptCheck) and
// the core-rs batch verifier the bank runs (src/protocol/verifier/checks.ts verifyChecks /
// verifyPackedChecks, WebAssembly). Seeds: every check of the shared protocol vectors (good ones
// and each kind of bad one) and the fuzz world's POS and Internet checks. Properties, beyond
// "typed error or value":
//   - the core reaches the same verdict as the TypeScript verifier (code, or all fields);
//   - nothing is accepted unless its payload is one of the genuine checks' (a changed check never
//     verifies);
//   - a mutant between two valid checks of one core call leaves their verdicts intact, and after
//     every batch of mutants a valid check still verifies (no poisoned WebAssembly state).

import { CoreError, CoreErrorCode } from '../../bindings/errors.ts';
import { type CheckVectors, verifyAnyCheck } from '../../scripts/gen-protocol-vectors.ts';
import { acceptCheck } from '../../src/protocol/acceptance.ts';
import { signedHash } from '../../src/protocol/cose.ts';
import { ErrorCode, errorDescriptions, ProtocolError } from '../../src/protocol/errors.ts';
import { verifyCheck } from '../../src/protocol/pos.ts';
import {
  type CheckVerdict,
  pack,
  prepareOptions,
  verifyChecks,
  verifyPackedChecks,
} from '../../src/protocol/verifier/checks.ts';
import '../../src/protocol/verifier/index.ts'; // instantiates the verifier in this thread
import { hex, toHex, vectors } from '../support/vectors.ts';
import { fuzzFamily } from './support/harness.ts';
import { check, context, internetCheck, sale, slipBytes } from './support/world.ts';

const file = vectors<CheckVectors>('protocol/checks.json');
const anchors = new Map(file.anchors.map((a) => [a.id, hex(a.publicKey)]));
const options = { anchors, now: file.now, revoked: Object.freeze([...file.revoked]) };
const prepared = prepareOptions(options);
const tsContext = { anchors, now: file.now, revoked: new Set(file.revoked) };
const vectorChecks = file.cases.map((c) => hex(c.check));
const goodVectors = file.cases.filter((c) => 'ok' in c.expected).map((c) => hex(c.check));
const genuinePayloads = new Set(goodVectors.map((c) => toHex(signedHash(c))));
const [goodA, goodB] = goodVectors as [Uint8Array, Uint8Array];

const policy = { anchors: context.anchors, now: context.now, terminalMaxPerCheck: 50_000 };
const registered = (code: number) => errorDescriptions[code as ErrorCode] !== undefined;

/** The TypeScript verdict in the core's shape. */
function tsVerdict(bytes: Uint8Array): string {
  try {
    const { body, hash, signer } = verifyAnyCheck(bytes, tsContext);
    const { limits } = signer;
    return JSON.stringify({
      ok: true,
      purseId: body.purseId,
      serial: body.serial,
      amount: body.amount,
      currency: body.currency,
      merchantId: body.merchantId,
      slipHash: toHex(body.slipHash),
      channel: body.channel,
      checkHash: toHex(hash),
      // the purse certificate's limit per check, which the core reports for the bank to apply
      limit: limits ? { currency: limits.currency, maxPerCheck: limits.maxPerCheck } : null,
    });
  } catch (error) {
    if (error instanceof ProtocolError) return JSON.stringify({ ok: false, code: error.code });
    throw error;
  }
}
const coreVerdict = (v: CheckVerdict) =>
  JSON.stringify(v.ok ? { ...v, slipHash: toHex(v.slipHash), checkHash: toHex(v.checkHash) } : v);

/** A core verdict must be a registered refusal or a genuine check; returns the code (0: accepted). */
function judged(v: CheckVerdict, bytes: Uint8Array): number {
  if (!v.ok) {
    if (!registered(v.code)) throw new Error(`core refused with an unregistered code ${v.code}`);
    return v.code;
  }
  if (!genuinePayloads.has(toHex(v.checkHash))) throw new Error(`core accepted a changed check: ${toHex(bytes)}`);
  return 0;
}

const sanity = () => {
  const [a, b] = verifyChecks([goodA, goodB], options);
  if (!a?.ok || !b?.ok) throw new Error('a valid check no longer verifies after the mutants');
};

const coreSeeds = [...vectorChecks, goodA, goodB, goodA, goodB];

fuzzFamily('checks', [
  {
    name: 'pos.verifyCheck',
    seeds: [check, check, check, slipBytes, internetCheck],
    budget: 3_000,
    slowFactor: 40,
    run: (b) => void verifyCheck(b, context),
    reaches: [
      ErrorCode.MalformedCbor,
      ErrorCode.BadCoseStructure,
      ErrorCode.BadField,
      ErrorCode.BadCertificateSignature,
      ErrorCode.BadSignature,
    ],
  },
  {
    name: 'acceptance.acceptCheck',
    seeds: [check, check, check, slipBytes, internetCheck],
    budget: 3_000,
    slowFactor: 40,
    run: (b) => {
      const verdict = acceptCheck(b, sale.slip, policy);
      if (verdict.decision === 'accept') {
        if (toHex(signedHash(b)) !== toHex(signedHash(check))) throw new Error('accepted a changed check');
        return 0;
      }
      if (verdict.code === undefined || !registered(verdict.code))
        throw new Error(`refused without a registered code: ${verdict.code}`);
      return verdict.code;
    },
    minRefused: 0,
    reaches: [
      ErrorCode.MalformedCbor,
      ErrorCode.NotDeterministic,
      ErrorCode.BadCoseStructure,
      ErrorCode.BadField,
      ErrorCode.BadCertificateSignature,
      ErrorCode.BadSignature,
    ],
  },
  {
    // One check per core call, and the same verdict as the TypeScript verifier.
    name: 'core.verifyChecks',
    seeds: coreSeeds,
    budget: 3_000,
    slowFactor: 40,
    run: (b) => {
      const [v] = verifyChecks([b], options);
      const code = judged(v as CheckVerdict, b);
      const ts = tsVerdict(b);
      if (coreVerdict(v as CheckVerdict) !== ts)
        throw new Error(`core and TypeScript disagree: core ${coreVerdict(v as CheckVerdict)}, TypeScript ${ts}`);
      return code;
    },
    minRefused: 0,
    sanity,
    reaches: [
      ErrorCode.MalformedCbor,
      ErrorCode.NotDeterministic,
      ErrorCode.BadCoseStructure,
      ErrorCode.BadField,
      ErrorCode.BadCertificateSignature,
      ErrorCode.BadSignature,
      ErrorCode.Revoked,
    ],
  },
  {
    // A mutant between two valid checks of one call: their verdicts do not change.
    name: 'core.verifyChecks.batch',
    seeds: coreSeeds,
    budget: 1_000,
    slowFactor: 20,
    run: (b) => {
      const verdicts = verifyChecks([goodA, b, goodB], options);
      if (!verdicts[0]?.ok || !verdicts[2]?.ok || verdicts.length !== 3)
        throw new Error('a mutant changed the verdict on a valid check beside it');
      return judged(verdicts[1] as CheckVerdict, b);
    },
    minRefused: 0,
  },
  {
    // The packed layout itself: the mutant's first byte picks where the first of two checks ends,
    // anywhere from 0 to past the data; a bad layout is a CoreError (Layout), nothing else.
    name: 'core.verifyPackedChecks',
    seeds: coreSeeds.map((c) => Uint8Array.from([c.length % 256, ...c])),
    budget: 3_000,
    run: (b) => {
      const data = b.subarray(1);
      const cut = b.length ? (b[0] as number) % (data.length + 3) : 0;
      const verdicts = verifyPackedChecks({ data, ends: Uint32Array.of(cut, data.length) }, prepared);
      if (verdicts.length !== 2) throw new Error(`${verdicts.length} verdicts for 2 checks`);
      for (const v of verdicts) judged(v, data);
      return 0;
    },
    typed: (e) => e instanceof CoreError && e.code === CoreErrorCode.Layout,
    codeOf: () => -1,
    minRefused: 0,
    sanity: () => {
      const [a] = verifyPackedChecks(pack([goodA]), prepared);
      if (!a?.ok) throw new Error('a valid packed check no longer verifies');
    },
  },
]);
