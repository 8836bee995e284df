// Fuzz: HPKE envelopes (envelope.ts over bindings/hpke.ts) and the signed messages of the other
// protocols: revocation lists, deposit batches, capture receipts, load requests and value tokens,
// refunds, fraud proofs. Three depths per message, so mutants get past each guard in turn:
//   - the bytes as received (an envelope's tag, a signature, stop most mutants early);
//   - `.sealed`: the signed message mutated, then sealed properly (reaches the signature check);
//   - `.resigned`: the body mutated, then signed by the right party (and sealed when the step is),
//     which reaches the body codec and every rule after the signature.
import { DecryptError } from '../../bindings/errors.ts';
import { hpke } from '../../bindings/index.ts';
import { openDeposit, verifyReceipt } from '../../src/protocol/capture.ts';
import { parseSign1, sign1 } from '../../src/protocol/cose.ts';
import { open, seal } from '../../src/protocol/envelope.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { verifyFraudProof } from '../../src/protocol/fraud.ts';
import { applyValueToken, openLoadRequest } from '../../src/protocol/load.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { applyRefund } from '../../src/protocol/refund.ts';
import { MessageType, type SealedStep } from '../../src/protocol/registry.ts';
import { verifyRevocationList } from '../../src/protocol/revocation.ts';
import { fuzzFamily, type Target } from './support/harness.ts';
import * as w from './support/world.ts';

const { pki, context, keys } = w;
const payloadOf = (signed: Uint8Array) => parseSign1(signed).payload;
const resign = (signer: Party, body: Uint8Array) => sign1(body, signer.secretKey, signer.certificate);
const sealTo = (step: SealedStep, party: Party, b: Uint8Array) =>
  seal(step, (party.kx as { publicKey: Uint8Array }).publicKey, b);

const info = (step: SealedStep) => new TextEncoder().encode({ 7: 'smartcheck/1/deposit-batch' }[step as 7] ?? '');
const sealedRaw = hpke.seal(keys.bankKx.publicKey, w.signedDepositBatch, { info: info(MessageType.DepositBatch) });
const hpkeInput = new Uint8Array([...sealedRaw.enc, ...sealedRaw.ciphertext]);

const depositContext = { ...context, maxSkewS: 300 };
const receiptBatch = { batchId: w.batchId, checks: w.depositChecks };

/** A message fuzzed at the depths above. `verify` takes what arrives on the wire. */
function depths(
  name: string,
  o: {
    wire: Uint8Array;
    verify: (b: Uint8Array) => unknown;
    signer: Party;
    seal?: { step: SealedStep; to: Party; signed: Uint8Array };
    budget: number;
    reaches?: number[];
    minRefused?: number;
  },
): Target[] {
  const signed = o.seal ? o.seal.signed : o.wire;
  const wrap = (s: Uint8Array) => (o.seal ? sealTo(o.seal.step, o.seal.to, s) : s);
  const out: Target[] = [
    {
      name,
      seeds: [o.wire, o.wire, ...w.everything],
      budget: o.budget,
      run: (b) => void o.verify(b),
      sanity: () => o.verify(o.wire),
    },
  ];
  if (o.seal)
    out.push({
      name: `${name}.sealed`,
      seeds: [signed, signed, signed, ...w.certificates],
      budget: Math.ceil(o.budget / 4),
      slowFactor: 20,
      run: (b) => void o.verify(wrap(b)),
    });
  const body = payloadOf(signed);
  out.push({
    name: `${name}.resigned`,
    seeds: [body, body, body, w.bodies.refund as Uint8Array],
    budget: Math.ceil(o.budget / 4),
    slowFactor: 20,
    run: (b) => void o.verify(wrap(resign(o.signer, b))),
    structured: true,
    // a mutant body is often still a valid message (a deposit's checks are only bytes here)
    minRefused: o.minRefused ?? 0.4,
    ...(o.reaches ? { reaches: o.reaches } : {}),
  });
  return out;
}

fuzzFamily('protocols', [
  {
    name: 'envelope.open',
    seeds: [w.deposit, w.deposit, w.bodies.envelope as Uint8Array, w.loadRequest, ...Object.values(w.bodies)],
    budget: 2_500,
    run: (b) => void open(MessageType.DepositBatch, keys.bankKx.secretKey, b),
    reaches: [
      ErrorCode.MalformedCbor,
      ErrorCode.BadField,
      ErrorCode.WrongMessageType,
      ErrorCode.WrongEnvelopeStep,
      ErrorCode.EnvelopeOpenFailed,
    ],
    sanity: () => open(MessageType.DepositBatch, keys.bankKx.secretKey, w.deposit),
  },
  {
    // The binding itself: enc (32 bytes) ‖ ciphertext; its one typed refusal is DecryptError.
    name: 'hpke.open',
    seeds: [hpkeInput, hpkeInput, hpkeInput, w.deposit],
    budget: 1_500,
    slowFactor: 20,
    run: (b) =>
      void hpke.open(keys.bankKx.secretKey, b.subarray(0, 32), b.subarray(32), {
        info: info(MessageType.DepositBatch),
      }),
    typed: (e) => e instanceof DecryptError,
    codeOf: () => ErrorCode.EnvelopeOpenFailed,
    sanity: () =>
      hpke.open(keys.bankKx.secretKey, sealedRaw.enc, sealedRaw.ciphertext, { info: info(MessageType.DepositBatch) }),
    maxRandom: 200,
  },
  ...depths('revocation.verifyRevocationList', {
    wire: w.revocationList,
    verify: (b) => verifyRevocationList(b, context),
    signer: pki.bank,
    budget: 2_000,
    reaches: [ErrorCode.BadField, ErrorCode.SubjectMismatch, ErrorCode.MissingField],
  }),
  ...depths('capture.openDeposit', {
    wire: w.deposit,
    verify: (b) => openDeposit(pki.bank, b, depositContext),
    signer: pki.merchant,
    seal: { step: MessageType.DepositBatch, to: pki.bank, signed: w.signedDepositBatch },
    budget: 2_000,
    reaches: [ErrorCode.NotDeterministic, ErrorCode.BadField],
    minRefused: 0.25,
  }),
  ...depths('capture.verifyReceipt', {
    wire: w.receipt,
    verify: (b) => verifyReceipt(pki.merchant, b, receiptBatch, context),
    signer: pki.bank,
    budget: 2_000,
    reaches: [ErrorCode.ReceiptMismatch, ErrorCode.BadField],
  }),
  ...depths('load.openLoadRequest', {
    wire: w.loadRequest,
    verify: (b) => openLoadRequest(pki.bank, b, w.loadContext),
    signer: pki.purse,
    seal: {
      step: MessageType.ValueTokenRequest,
      to: pki.bank,
      signed: open(MessageType.ValueTokenRequest, keys.bankKx.secretKey, w.loadRequest),
    },
    budget: 2_000,
    reaches: [ErrorCode.MessageExpired, ErrorCode.BadField],
  }),
  ...depths('load.applyValueToken', {
    wire: w.valueToken,
    verify: (b) => applyValueToken(w.awaitingToken, pki.purse, b, context),
    signer: pki.bank,
    seal: {
      step: MessageType.ValueToken,
      to: pki.purse,
      signed: open(MessageType.ValueToken, keys.purseKx.secretKey, w.valueToken),
    },
    budget: 2_000,
    reaches: [ErrorCode.NonceMismatch, ErrorCode.BadField],
  }),
  ...depths('refund.applyRefund', {
    wire: w.refund,
    verify: (b) => applyRefund(w.afterSale, pki.purse, b, context),
    signer: pki.merchant,
    budget: 2_000,
    reaches: [ErrorCode.UnknownCheck, ErrorCode.BadField],
  }),
  {
    name: 'fraud.verifyFraudProof',
    seeds: [w.fraudProof, w.fraudProof, w.fraudProof, w.check, w.internetCheck],
    budget: 1_500,
    slowFactor: 40,
    run: (b) => void verifyFraudProof(b, { anchors: pki.anchors, now: context.now }),
    sanity: () => verifyFraudProof(w.fraudProof, { anchors: pki.anchors, now: context.now }),
  },
]);
