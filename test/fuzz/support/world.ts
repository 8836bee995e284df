// The valid messages the fuzzers mutate: one of every registered message type, signed and sealed
// as the protocols send them, from the deterministic test PKI (test/support/protocol-pki.ts).

import { makeDeposit, makeReceipt } from '../../../src/protocol/capture.ts';
import { encode, Tagged } from '../../../src/protocol/cbor.ts';
import { signMulti } from '../../../src/protocol/cose.ts';
import { seal } from '../../../src/protocol/envelope.ts';
import { makeFraudProof } from '../../../src/protocol/fraud.ts';
import {
  applyValueToken,
  issueValueToken,
  newPurseState,
  openLoadRequest,
  requestValue,
} from '../../../src/protocol/load.ts';
import * as messages from '../../../src/protocol/messages.ts';
import { verifyCheck } from '../../../src/protocol/pos.ts';
import { makeRefund, recordPurchase } from '../../../src/protocol/refund.ts';
import { Channel, MessageType } from '../../../src/protocol/registry.ts';
import { makeRevocationList } from '../../../src/protocol/revocation.ts';
import { signMessage } from '../../../src/protocol/signed.ts';
import { DAY, makePki, NOW, purchase } from '../../support/protocol-pki.ts';

export { DAY, NOW };
export const pki = makePki('fz', 60);
export const context = { anchors: pki.anchors, now: NOW };

const bytes16 = new Uint8Array(16).fill(7);
const bytes32 = new Uint8Array(32).fill(9);

// POS: a slip and its check, and a second check with the same serial (a clone's: a fraud proof).
export const sale = purchase(pki);
export const clone = purchase(pki, { amount: 999 }, 1);
export const check = sale.check;
export const slipBytes = sale.slipBytes;

// Internet: the same body on channel 1, signed by purse then cardholder (COSE_Sign).
export const internetBody = messages.digitalCheck.encode({ ...sale.body, channel: Channel.Internet });
export const internetCheck = signMulti(internetBody, [pki.purse, pki.cardholder]);

/** One encoded body of every message codec (the registry's types except 6, a COSE_Sign). */
export const bodies: Record<string, Uint8Array> = {
  valueTokenRequest: messages.valueTokenRequest.encode({
    purseId: pki.purse.id,
    bankId: pki.bank.id,
    amount: 5_000,
    currency: 'EUR',
    nonce: bytes16,
    purseCounter: 3,
    time: NOW,
  }),
  valueToken: messages.valueToken.encode({
    purseId: pki.purse.id,
    bankId: pki.bank.id,
    amount: 5_000,
    currency: 'EUR',
    nonce: bytes16,
    tokenId: bytes16,
    time: NOW,
  }),
  purchaseSlip: messages.purchaseSlip.encode(sale.slip.body),
  digitalCheck: messages.digitalCheck.encode(sale.body),
  digitalCheckRequest: messages.digitalCheckRequest.encode({ slip: slipBytes, cardholderId: pki.cardholder.id }),
  depositBatch: messages.depositBatch.encode({
    merchantId: pki.merchant.id,
    batchId: bytes16,
    checks: [check, internetCheck],
    time: NOW,
  }),
  captureReceipt: messages.captureReceipt.encode({
    merchantId: pki.merchant.id,
    batchId: bytes16,
    outcomes: [
      [bytes32, 0, 1_234],
      [bytes32, 308, 0],
    ],
    totalCredited: 1_234,
    time: NOW,
  }),
  revocationList: messages.revocationList.encode({
    bankId: pki.bank.id,
    issuedAt: NOW,
    nextUpdate: NOW + DAY,
    revoked: ['purse-x', 'purse-y'],
    listNumber: 4,
  }),
  refund: messages.refund.encode({
    checkHash: bytes32,
    purseId: pki.purse.id,
    amount: 1_234,
    currency: 'EUR',
    merchantId: pki.merchant.id,
    serial: 1,
    time: NOW,
  }),
  fraudProof: messages.fraudProof.encode({ first: check, second: clone.check }),
  presentment: messages.presentment.encode({
    acquirerId: 'BANK-B',
    issuerId: pki.bank.id,
    deposit: bytes32,
    items: [0, 2],
    time: NOW,
  }),
  presentmentAnswer: messages.presentmentAnswer.encode({
    issuerId: pki.bank.id,
    acquirerId: 'BANK-B',
    presentmentId: bytes32,
    outcomes: [
      [bytes32, 0, 1_234],
      [bytes32, 308, 0],
    ],
    time: NOW,
  }),
  settlementStatement: messages.settlementStatement.encode({
    bankId: pki.bank.id,
    counterparty: 'BANK-B',
    cycle: 1,
    cutoff: NOW,
    lines: [
      ['EUR', 4_600, 0, 4_600],
      ['USD', 0, 1_200, -1_200],
    ],
    referencesHash: bytes32,
  }),
};
const bankKx = pki.bank.kx as { secretKey: Uint8Array; publicKey: Uint8Array };
const merchantKx = pki.merchant.kx as { secretKey: Uint8Array; publicKey: Uint8Array };
export const keys = { bankKx, merchantKx, purseKx: pki.purse.kx as { secretKey: Uint8Array; publicKey: Uint8Array } };
bodies.envelope = seal(MessageType.DepositBatch, bankKx.publicKey, bodies.depositBatch as Uint8Array);

export const certificates = [
  pki.purse.certificate,
  pki.merchant.certificate,
  pki.bank.certificate,
  pki.cardholder.certificate,
];

// Signed messages of the other protocols.
export const revocationList = makeRevocationList(pki.bank, {
  revoked: ['purse-x', 'purse-y', 'merchant-zz'],
  issuedAt: NOW,
  nextUpdate: NOW + DAY,
  listNumber: 4,
});
export const batchId = bytes16;
export const depositChecks = [check, internetCheck, clone.check];
export const deposit = makeDeposit(pki.merchant, pki.bank.certificate, depositChecks, batchId, NOW);
export const depositBatchBody = { merchantId: pki.merchant.id, batchId, checks: depositChecks, time: NOW };
export const signedDepositBatch = signMessage(messages.depositBatch, depositBatchBody, pki.merchant);
export const receipt = makeReceipt(
  pki.bank,
  depositBatchBody,
  [
    { code: 0, credited: 1_234 },
    { code: 0, credited: 1_234 },
    { code: 309, credited: 0 },
  ],
  NOW,
);
export const fraudProof = makeFraudProof(check, clone.check);

// Loading: the purse's sealed request, the bank's sealed token, and the purse state that awaits it.
const loadNonce = new Uint8Array(16).fill(3);
const loading = requestValue(newPurseState('EUR'), pki.purse, {
  amount: 5_000,
  currency: 'EUR',
  nonce: loadNonce,
  now: NOW,
});
export const loadRequest = loading.envelope;
export const awaitingToken = loading.state;
export const loadContext = { ...context, nonceSeen: () => false, maxSkewS: 300 };
export const valueToken = issueValueToken(
  pki.bank,
  openLoadRequest(pki.bank, loadRequest, loadContext),
  new Uint8Array(16).fill(4),
  NOW,
);
applyValueToken(awaitingToken, pki.purse, valueToken, context); // valid, or this module throws

// Refund of the sale, and the purse state that made the sale.
export const refund = makeRefund(pki.merchant, verifyCheck(check, context), NOW);
export const afterSale = recordPurchase(newPurseState('EUR', 10_000), sale.body, verifyCheck(check, context).hash);

/** Every valid message above: the splice donors. */
export const everything = [
  ...Object.values(bodies),
  check,
  slipBytes,
  internetCheck,
  ...certificates,
  revocationList,
  deposit,
  signedDepositBatch,
  receipt,
  fraudProof,
  loadRequest,
  valueToken,
  refund,
  encode([1, 'two', new Uint8Array(3), new Map([[4, new Tagged(18, [])]])]),
];
