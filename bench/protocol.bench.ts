// The protocol layer (src/protocol/, WIRE.md): encode/decode of every message body, sign/verify of a
// signed check and a slip, a POS terminal's offline acceptance of one check (cold and warm
// certificate cache, 10,000 revoked subjects), and the bank's batch check verification in the core
// (src/protocol/verifier/checks.ts) against raw Ed25519 batch verification and a TypeScript verifyCheck loop.
// Every timed closure first proves a correct result, and a tampered input is refused.
import { isDeepStrictEqual } from 'node:util';
import { type BatchItem, ed25519 } from '../bindings/index.ts';
import {
  type AcceptancePolicy,
  acceptCheck,
  anchorsOf,
  type CaptureOutcome,
  CertificateCache,
  Channel,
  captureReceipt,
  certifyBank,
  certifyParty,
  createRoot,
  type DigitalCheck,
  depositBatch,
  digitalCheck,
  digitalCheckRequest,
  ErrorCode,
  envelope,
  fraudProof,
  hashOf,
  type MessageCodec,
  MessageType,
  makeRevocationList,
  makeSlip,
  type OfflineLimits,
  type Party,
  ProtocolError,
  type PurchaseSlip,
  parseCertificate,
  parseSign1,
  purchaseSlip,
  type RevocationList,
  Role,
  refund,
  revocationKey,
  revocationList,
  revokedSet,
  sealEnvelope,
  signCheck,
  signMessage,
  type Verified,
  type VerifyContext,
  valueToken,
  valueTokenRequest,
  verifyCheck,
  verifyRevocationList,
  verifySlip,
} from '../src/protocol/index.ts';
import { type CheckVerdict, type VerifyChecksOptions, verifyChecks } from '../src/protocol/verifier/index.ts';
import { pseudoBytes, signedItems } from './fixtures.ts';
import { measure, mustBe, type RunOptions, type SuiteResult, table } from './harness.ts';

/** Batch sizes of the core's check verifier, and the purses behind a batch in variant (a). */
export const CHECK_BATCH_SIZES = [256, 1024] as const;
export const BATCH_PURSES = 32;
/** Fewest samples per batch mark, quick runs included (one call of n = 1024 takes ~40-70 ms). */
const BATCH_MIN_SAMPLES = 8;
/** Size of the revocation list a terminal and the bank hold. */
export const REVOKED_COUNT = 10_000;
/** Checks in a realistic deposit batch (and outcomes in its capture receipt). */
const DEPOSIT_CHECKS = 100;

// Table and column names, shared with report.ts (which computes the targets from them).
export const T = {
  messages: 'Protocol messages',
  signed: 'Signed messages',
  acceptance: 'POS acceptance',
  parts: 'POS acceptance, parts',
  batch: 'Batch check verification',
} as const;
export const ACCEPT_OP = `acceptCheck, ${REVOKED_COUNT.toLocaleString('en')} revoked`;
export const COL = {
  cold: 'cold',
  warm: 'warm',
  raw: 'raw ed25519.verifyBatch, n distinct keys (per signature)',
  spread: `verifyChecks, ${BATCH_PURSES} purses`,
  spreadNoList: `verifyChecks, ${BATCH_PURSES} purses, no revocation list`,
  single: 'verifyChecks, 1 purse per check',
  rawSameSpread: `raw ed25519.verifyBatch of the ${BATCH_PURSES}-purse batch's n + ${BATCH_PURSES + 1} signatures`,
  rawSameSingle: "raw ed25519.verifyBatch of the 1-purse-per-check batch's 2n + 1 signatures",
  tsLoop: 'TS verifyCheck loop (no certificate cache)',
} as const;
export const batchOp = (n: number) => `n = ${n}`;

const NOW = 1_750_000_000;
const DAY = 86_400;
const VALID = { notBefore: NOW - 180 * DAY, notAfter: NOW + 2 * 365 * DAY };
const LIMITS: OfflineLimits = {
  currency: 'EUR',
  maxBalance: 150_000,
  maxPerCheck: 20_000,
  maxOfflineChecks: 10,
  maxOfflineAmount: 50_000,
};

/** A seed per role and index, so keys (and with them signatures) repeat from run to run. */
const seed = (kind: number, i: number) => pseudoBytes(32, 7_000_000 + kind * 100_000 + i);

interface World {
  bank: Party;
  merchant: Party;
  cardholder: Party;
  purses: Party[];
  anchors: ReturnType<typeof anchorsOf>;
  rootKey: Uint8Array;
}

function makeWorld(purses: number): World {
  const root = createRoot('root-eu', seed(0, 0));
  const bank = certifyBank(root, 'bank-a', { ...VALID, seed: seed(1, 0), kxSeed: seed(2, 0) });
  const merchant = certifyParty(bank, 'shop-0042', Role.Merchant, { ...VALID, seed: seed(3, 0), kxSeed: seed(4, 0) });
  const cardholder = certifyParty(bank, 'cardholder-0007', Role.Cardholder, { ...VALID, seed: seed(5, 0) });
  const list = Array.from({ length: purses }, (_, i) =>
    certifyParty(bank, `purse-${String(i).padStart(6, '0')}`, Role.Purse, {
      ...VALID,
      seed: seed(6, i),
      kxSeed: seed(7, i),
      limits: LIMITS,
    }),
  );
  return { bank, merchant, cardholder, purses: list, anchors: anchorsOf(root), rootKey: root.publicKey };
}

function slipBody(merchant: Party, i: number): PurchaseSlip {
  return {
    merchantId: merchant.id,
    amount: 500 + ((i * 7_919) % 15_000),
    currency: 'EUR',
    time: NOW - 60 + (i % 60),
    terminalId: 'term-07',
    terminalTxId: 100_000 + i,
    terminalNonce: pseudoBytes(16, 9_000_000 + i),
    channel: Channel.Pos,
  };
}

/** A check body answering `slipBytes` (as checkFor would build it from the verified slip). */
function checkBody(slip: PurchaseSlip, slipBytes: Uint8Array, purse: Party, serial: number): DigitalCheck {
  return {
    slipHash: hashOf(slipBytes),
    amount: slip.amount,
    currency: slip.currency,
    merchantId: slip.merchantId,
    purseId: purse.id,
    serial,
    time: NOW,
    channel: slip.channel,
  };
}

/** One bit of the check's own signature (the last bytes of a COSE_Sign1) flipped. */
function tampered(signed: Uint8Array): Uint8Array {
  const out = signed.slice();
  out[out.length - 5] = (out[out.length - 5] as number) ^ 1;
  return out;
}

function codeOf(fn: () => unknown): number | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
}

/** Subjects on the revocation list: lost, stolen or blocked purses (none of the benchmark's own). */
function revokedIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `purse-r${String(i).padStart(6, '0')}`);
}

// ---------------------------------------------------------------------------------------------
// Messages: encode and decode of each body type.

interface MessageCase<T> {
  codec: MessageCodec<T>;
  value: T;
  /** What the value holds, when its size is the point (a list, a batch). */
  what?: string;
}

function messageCases(w: World, checks: Uint8Array[], revoked: string[]): MessageCase<unknown>[] {
  const purse = w.purses[0] as Party;
  const slip = slipBody(w.merchant, 0);
  const slipBytes = makeSlip(w.merchant, slip);
  const check = checkBody(slip, slipBytes, purse, 3);
  const request = {
    purseId: purse.id,
    bankId: w.bank.id,
    amount: 50_000,
    currency: 'EUR',
    nonce: pseudoBytes(16, 1),
    purseCounter: 12,
    time: NOW,
  };
  const signedRequest = signMessage(valueTokenRequest, request, purse);
  const sealed = envelope.decode(
    sealEnvelope(MessageType.ValueTokenRequest, (w.bank.kx as { publicKey: Uint8Array }).publicKey, signedRequest),
  );
  const deposit = checks.slice(0, DEPOSIT_CHECKS);
  const outcomes: CaptureOutcome[] = deposit.map((c, i) => [
    hashOf(c),
    i % 25 === 0 ? ErrorCode.DuplicateCheck : 0,
    i % 25 === 0 ? 0 : 500 + i,
  ]);
  const credited = outcomes.reduce((sum, [, , amount]) => sum + amount, 0);
  const sameSerial = signCheck(purse, { ...check, amount: check.amount + 1 });
  return [
    { codec: valueTokenRequest, value: request },
    {
      codec: valueToken,
      value: {
        purseId: purse.id,
        bankId: w.bank.id,
        amount: 50_000,
        currency: 'EUR',
        nonce: request.nonce,
        tokenId: pseudoBytes(16, 2),
        time: NOW + 2,
      },
    },
    { codec: purchaseSlip, value: slip },
    { codec: digitalCheck, value: check },
    { codec: digitalCheckRequest, value: { slip: slipBytes, cardholderId: w.cardholder.id } },
    {
      codec: depositBatch,
      value: { merchantId: w.merchant.id, batchId: pseudoBytes(16, 3), checks: deposit, time: NOW },
      what: `${deposit.length} checks`,
    },
    {
      codec: captureReceipt,
      value: { merchantId: w.merchant.id, batchId: pseudoBytes(16, 3), outcomes, totalCredited: credited, time: NOW },
      what: `${outcomes.length} outcomes`,
    },
    {
      codec: revocationList,
      value: { bankId: w.bank.id, issuedAt: NOW - 3_600, nextUpdate: NOW + DAY, revoked, listNumber: 412 },
      what: `${revoked.length.toLocaleString('en')} ids`,
    },
    {
      codec: refund,
      value: {
        checkHash: hashOf(checks[0] as Uint8Array),
        purseId: purse.id,
        amount: 700,
        currency: 'EUR',
        merchantId: w.merchant.id,
        serial: 3,
        time: NOW,
      },
    },
    { codec: fraudProof, value: { first: signCheck(purse, check), second: sameSerial } },
    { codec: envelope, value: sealed, what: 'a sealed value-token request' },
  ];
}

// ---------------------------------------------------------------------------------------------

/** Checks of one batch, the raw signature items they carry, and the expected verdicts. */
interface CheckBatch {
  checks: Uint8Array[];
  /** Every distinct signature the core verifies: each check's, each distinct certificate's once. */
  signatures: BatchItem[];
}

function checkBatch(
  w: World,
  slips: Array<{ slip: PurchaseSlip; bytes: Uint8Array }>,
  n: number,
  purses: number,
): CheckBatch {
  const checks: Uint8Array[] = [];
  const signatures: BatchItem[] = [];
  const certificates = new Set<Party>();
  for (let i = 0; i < n; i++) {
    const purse = w.purses[i % purses] as Party;
    const { slip, bytes } = slips[i] as { slip: PurchaseSlip; bytes: Uint8Array };
    const check = signCheck(purse, checkBody(slip, bytes, purse, 1 + Math.floor(i / purses)));
    checks.push(check);
    const signed = parseSign1(check);
    signatures.push({ message: signed.toBeSigned, signature: signed.signature, publicKey: purse.publicKey });
    certificates.add(purse);
  }
  for (const purse of certificates) {
    const cert = parseCertificate(purse.certificate);
    signatures.push({ message: cert.toBeSigned, signature: cert.signature, publicKey: w.bank.publicKey });
  }
  const bankCert = parseCertificate(w.bank.certificate);
  signatures.push({ message: bankCert.toBeSigned, signature: bankCert.signature, publicKey: w.rootKey });
  return { checks, signatures };
}

const allOk = (verdicts: CheckVerdict[], n: number) => verdicts.length === n && verdicts.every((v) => v.ok);

export async function run(opts: RunOptions): Promise<SuiteResult> {
  const maxN = Math.max(...CHECK_BATCH_SIZES);
  const w = makeWorld(maxN);
  const purse = w.purses[0] as Party;
  const context: VerifyContext = { anchors: w.anchors, now: NOW };
  const rows: SuiteResult['rows'] = [];
  const notes: string[] = [];

  const slips = Array.from({ length: maxN }, (_, i) => {
    const slip = slipBody(w.merchant, i);
    return { slip, bytes: makeSlip(w.merchant, slip) };
  });
  const revoked = revokedIds(REVOKED_COUNT);
  const listBytes = makeRevocationList(w.bank, {
    revoked,
    issuedAt: NOW - 3_600,
    nextUpdate: NOW + DAY,
    listNumber: 412,
  });
  const list: RevocationList = verifyRevocationList(listBytes, context).body;
  mustBe(
    list.revoked.length === REVOKED_COUNT && !list.revoked.includes(purse.id),
    `revocation list of ${REVOKED_COUNT} ids, our purses not on it`,
  );

  // --- Messages: encode, and decode of the encoded body. ---
  const addMessage = table(T.messages, rows);
  const spread = checkBatch(w, slips, maxN, BATCH_PURSES);
  for (const { codec, value, what } of messageCases(w, spread.checks, revoked)) {
    const bytes = codec.encode(value);
    mustBe(isDeepStrictEqual(codec.decode(bytes), value), `${codec.name}: decode(encode(x)) equals x`);
    mustBe(
      Buffer.from(codec.encode(codec.decode(bytes))).equals(bytes),
      `${codec.name}: encode(decode(bytes)) equals bytes`,
    );
    const other = digitalCheck.type === codec.type ? purchaseSlip : digitalCheck;
    mustBe(
      codeOf(() => other.decode(bytes)) === ErrorCode.WrongMessageType,
      `${other.name} decoder refuses a ${codec.name}`,
    );
    const op = `${codec.type} ${codec.name} (${what ? `${what}, ` : ''}${bytes.length.toLocaleString('en')} B)`;
    addMessage(op, 'encode', await measure(() => codec.encode(value), opts));
    addMessage(op, 'decode', await measure(() => codec.decode(bytes), opts));
  }

  // --- Signed check and slip: sign, and verify (chain of 2 certificates, role, signature, body). ---
  const addSigned = table(T.signed, rows);
  {
    const { slip, bytes: slipBytes } = slips[0]!;
    const body = checkBody(slip, slipBytes, purse, 1);
    const check = signCheck(purse, body);
    mustBe(Buffer.from(signCheck(purse, body)).equals(check), 'signCheck is deterministic');
    mustBe(isDeepStrictEqual(verifyCheck(check, context).body, body), 'verifyCheck returns the signed body');
    mustBe(
      codeOf(() => verifyCheck(tampered(check), context)) === ErrorCode.BadSignature,
      'verifyCheck refuses a tampered check (200)',
    );
    mustBe(Buffer.from(makeSlip(w.merchant, slip)).equals(slipBytes), 'makeSlip is deterministic');
    mustBe(isDeepStrictEqual(verifySlip(slipBytes, context).body, slip), 'verifySlip returns the signed slip');
    mustBe(
      codeOf(() => verifySlip(tampered(slipBytes), context)) === ErrorCode.BadSignature,
      'verifySlip refuses a tampered slip (200)',
    );
    const op = (name: string, bytes: Uint8Array) => `${name} (${bytes.length} B with its certificate chain)`;
    addSigned(op('digital check', check), 'sign', await measure(() => signCheck(purse, body), opts));
    addSigned(op('digital check', check), 'verify', await measure(() => verifyCheck(check, context), opts));
    addSigned(op('purchase slip', slipBytes), 'sign', await measure(() => makeSlip(w.merchant, slip), opts));
    addSigned(op('purchase slip', slipBytes), 'verify', await measure(() => verifySlip(slipBytes, context), opts));
  }

  // --- POS acceptance of one check: 64 purchases in turn, each a slip and its check. ---
  const addAccept = table(T.acceptance, rows);
  {
    const ROTATE = 64;
    const seenSerials = new Set(Array.from({ length: 200 }, (_, i) => `purse-r${i}#${i + 1}`));
    const policy = (extra: Partial<AcceptancePolicy> = {}): AcceptancePolicy => ({
      anchors: w.anchors,
      now: NOW,
      revocationLists: [list],
      revocationMaxAgeS: DAY,
      terminalMaxPerCheck: 50_000,
      seen: (p, s) => seenSerials.has(`${p}#${s}`),
      ...extra,
    });
    const purchase = (p: Party, i: number) => {
      const { slip, bytes } = slips[i]!;
      return { slip: verifySlip(bytes, context), check: signCheck(p, checkBody(slip, bytes, p, i + 1)) };
    };
    // Cold: a new card each time (64 purses), nothing cached. Warm: one returning card, its chain cached.
    const cold = Array.from({ length: ROTATE }, (_, i) => purchase(w.purses[i] as Party, i));
    const warm = Array.from({ length: ROTATE }, (_, i) => purchase(purse, i));
    const coldPolicy = policy();
    const verifiedCache = new CertificateCache();
    const warmPolicy = policy({ verifiedCache });
    const accepts = (p: AcceptancePolicy, x: { slip: Verified<PurchaseSlip>; check: Uint8Array }) =>
      acceptCheck(x.check, x.slip, p).decision === 'accept';
    mustBe(
      cold.every((x) => accepts(coldPolicy, x)),
      'acceptCheck (cold) accepts 64 genuine checks',
    );
    mustBe(accepts(warmPolicy, warm[0]!), 'acceptCheck (warm) accepts the first check of the returning card');
    const primed = verifiedCache.size;
    mustBe(primed === 2, `the certificate cache holds the purse's chain (2 certificates), holds ${primed}`);
    mustBe(
      warm.every((x) => accepts(warmPolicy, x)) && verifiedCache.size === primed,
      'acceptCheck (warm) accepts 64 checks, cache unchanged',
    );
    for (const [name, p, x] of [
      ['cold', coldPolicy, cold[0]!],
      ['warm', warmPolicy, warm[0]!],
    ] as const) {
      const bad = acceptCheck(tampered(x.check), x.slip, p);
      mustBe(
        bad.decision === 'refuse' && bad.code === ErrorCode.BadSignature,
        `acceptCheck (${name}) refuses a tampered check (200)`,
      );
      const other = acceptCheck(x.check, cold[1]!.slip, p);
      mustBe(
        other.decision === 'refuse' && other.code === ErrorCode.SlipMismatch,
        `acceptCheck (${name}) refuses a check for another slip`,
      );
    }
    // A revoked purse is found on the list (the lookup runs on every accepted check too).
    const revokedList: RevocationList = { ...list, revoked: [...list.revoked, purse.id].sort() };
    const onList = acceptCheck(warm[0]!.check, warm[0]!.slip, policy({ revocationLists: [revokedList] }));
    mustBe(
      onList.decision === 'refuse' && onList.code === ErrorCode.Revoked,
      'acceptCheck refuses a revoked purse (206)',
    );

    let k = 0;
    addAccept(
      ACCEPT_OP,
      COL.cold,
      await measure(() => {
        k = (k + 1) % ROTATE;
        return acceptCheck(cold[k]!.check, cold[k]!.slip, coldPolicy);
      }, opts),
    );
    addAccept(
      ACCEPT_OP,
      COL.warm,
      await measure(() => {
        k = (k + 1) % ROTATE;
        return acceptCheck(warm[k]!.check, warm[k]!.slip, warmPolicy);
      }, opts),
    );
    mustBe(verifiedCache.size === primed, 'the warm cache did not grow while timed');

    // What one acceptance is made of, to read the two figures above.
    const addPart = table(T.parts, rows);
    const check = warm[0]!.check;
    const signed = parseSign1(check);
    const parse = () => {
      const s = parseSign1(check);
      const leaf = parseCertificate(s.certificate as Uint8Array);
      const bank = parseCertificate(leaf.issuerCertificate as Uint8Array);
      return [digitalCheck.decode(s.payload), leaf, bank];
    };
    mustBe((parse()[0] as DigitalCheck).purseId === purse.id, 'parse: the check body names the purse');
    mustBe(ed25519.verify(signed.signature, signed.toBeSigned, purse.publicKey), 'the check signature verifies');
    const revoked = revokedSet([list]);
    const key = (subject: string) => revocationKey(w.bank.id, subject);
    mustBe(
      revoked.size === REVOKED_COUNT && !revoked.has(key(purse.id)) && revoked.has(key('purse-r000123')),
      'revoked set of the list',
    );
    addPart('parse: COSE_Sign1, 2 certificates, check body (deterministic CBOR)', 'TS', await measure(parse, opts));
    addPart(
      '1 Ed25519 verify (per signature: 1 warm, 3 cold)',
      'TS',
      await measure(() => ed25519.verify(signed.signature, signed.toBeSigned, purse.publicKey), opts),
    );
    addPart(
      `revokedSet([list]): the ${REVOKED_COUNT.toLocaleString('en')} entries as issuer/subject keys`,
      'TS',
      await measure(() => revokedSet([list]), opts),
    );
    addPart(
      '2 revocation lookups (bank, purse certificates)',
      'TS',
      await measure(
        () => revoked.has(revocationKey('root-eu', w.bank.id)) || revoked.has(revocationKey(w.bank.id, purse.id)),
        opts,
      ),
    );
    addPart('the check hash (SHA-256 of its payload)', 'TS', await measure(() => hashOf(check), opts));
  }

  // --- The bank: batch check verification in the core, per check. ---
  const addBatch = table(T.batch, rows);
  {
    const single = checkBatch(w, slips, maxN, maxN);
    // Frozen, as a bank holds its current list: src/protocol/verifier/checks.ts checks and packs it once.
    const revoked = Object.freeze([...revokedSet([list])]);
    const withList: VerifyChecksOptions = { anchors: w.anchors, now: NOW, revoked };
    const noList: VerifyChecksOptions = { anchors: w.anchors, now: NOW };
    const tsContext: VerifyContext = { anchors: w.anchors, now: NOW, revoked: revokedSet([list]) };
    for (const n of CHECK_BATCH_SIZES) {
      const op = batchOp(n);
      const a = { checks: spread.checks.slice(0, n), signatures: checkBatch(w, slips, n, BATCH_PURSES).signatures };
      const b = { checks: single.checks.slice(0, n), signatures: checkBatch(w, slips, n, n).signatures };
      mustBe(
        a.signatures.length === n + BATCH_PURSES + 1 && b.signatures.length === 2 * n + 1,
        'signature counts of the two batches',
      );
      const raw = signedItems(n);
      // Correctness of every closure about to be timed, and refusal of a tampered check in a batch.
      mustBe(ed25519.verifyBatch(raw).valid, `verifyBatch: ${n} distinct-key signatures valid`);
      for (const [name, x] of [
        ['32 purses', a],
        ['1 purse per check', b],
      ] as const) {
        mustBe(
          ed25519.verifyBatch(x.signatures).valid,
          `verifyBatch: the ${name} batch's ${x.signatures.length} signatures valid`,
        );
        const verdicts = verifyChecks(x.checks, withList);
        mustBe(allOk(verdicts, n), `verifyChecks (${name}, n = ${n}) accepts every check`);
        const first = verdicts[0] as CheckVerdict & { ok: true };
        const body = digitalCheck.decode(parseSign1(x.checks[0] as Uint8Array).payload);
        mustBe(
          first.purseId === body.purseId &&
            first.serial === body.serial &&
            first.amount === body.amount &&
            Buffer.from(first.checkHash).equals(hashOf(x.checks[0] as Uint8Array)),
          `verifyChecks (${name}) returns the check's fields`,
        );
        const bad = x.checks.slice();
        bad[n >> 1] = tampered(bad[n >> 1] as Uint8Array);
        const got = verifyChecks(bad, withList);
        mustBe(
          got.every((v, i) => (i === n >> 1 ? !v.ok && v.code === ErrorCode.BadSignature : v.ok)),
          `verifyChecks (${name}) refuses exactly the tampered check (200)`,
        );
        const onList = verifyChecks(x.checks, {
          ...withList,
          revoked: [...revoked, revocationKey(w.bank.id, purse.id)],
        });
        mustBe(
          onList.every((v, i) =>
            i % (name === '32 purses' ? BATCH_PURSES : n) === 0 ? !v.ok && v.code === ErrorCode.Revoked : v.ok,
          ),
          `verifyChecks (${name}) refuses exactly the checks of a revoked purse (206)`,
        );
      }
      mustBe(allOk(verifyChecks(a.checks, noList), n), 'verifyChecks without a revocation list accepts every check');

      // A target is a ratio of two of these: more samples than the quick default of 2 per mark.
      const timed = (fn: () => unknown) => measure(fn, opts, BATCH_MIN_SAMPLES);
      addBatch(op, COL.raw, await timed(() => mustTrue(ed25519.verifyBatch(raw).valid)), n);
      addBatch(op, COL.spread, await timed(() => verifyChecks(a.checks, withList)), n);
      addBatch(op, COL.spreadNoList, await timed(() => verifyChecks(a.checks, noList)), n);
      addBatch(op, COL.single, await timed(() => verifyChecks(b.checks, withList)), n);
      addBatch(op, COL.rawSameSpread, await timed(() => mustTrue(ed25519.verifyBatch(a.signatures).valid)), n);
      addBatch(op, COL.rawSameSingle, await timed(() => mustTrue(ed25519.verifyBatch(b.signatures).valid)), n);
      if (n === 256) {
        mustBe(
          a.checks.every((c) => verifyCheck(c, tsContext).body.serial >= 1),
          'verifyCheck accepts every check of the batch',
        );
        mustBe(
          codeOf(() => verifyCheck(tampered(a.checks[0] as Uint8Array), tsContext)) === ErrorCode.BadSignature,
          'verifyCheck refuses a tampered check',
        );
        addBatch(op, COL.tsLoop, await measure(() => a.checks.map((c) => verifyCheck(c, tsContext)), opts), n);
      }
    }
  }

  notes.push(
    `Protocol: certificates chain purse → bank → trusted root (2 certificates per signed message); revocation list of ${REVOKED_COUNT.toLocaleString('en')} subject ids.`,
    "POS acceptance: 64 purchases in turn, each its own slip and check; cold = 64 purses and no `verifiedCache` (bank certificate, purse certificate and check: 3 signatures per call); warm = one returning purse, its chain already in the terminal's CertificateCache (1 signature per call).",
    `Batch: ${BATCH_PURSES}-purse batches carry n + ${BATCH_PURSES + 1} distinct signatures, 1-purse-per-check batches 2n + 1 (the core verifies each distinct certificate once); "own signatures" columns verify exactly those in one ed25519.verifyBatch and are per check (total / n). verifyChecks rows pass the ${REVOKED_COUNT.toLocaleString('en')}-id revocation list unless marked. The TS loop uses a revoked Set built once, no certificate cache (3 signatures per check).`,
  );
  return { name: 'protocol', rows, notes };
}

function mustTrue(ok: boolean): boolean {
  if (!ok) throw new Error('a timed call returned a wrong result');
  return ok;
}
