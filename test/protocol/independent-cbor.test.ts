// An independent CBOR implementation (cborg, strict mode) reads every message smartcheck writes:
// each message body, the COSE_Sign1 and COSE_Sign around them, certificates and envelopes. It must
// decode each without complaint, see the same values we do, and re-encode (RFC 8949 deterministic
// rules) to exactly our bytes.

import { Tagged as CborgTagged, decode as cborgDecode, encode as cborgEncode, rfc8949EncodeOptions } from 'cborg';
import { describe, expect, it } from 'vitest';
import { type CborValue, decode, Tagged } from '../../src/protocol/cbor.ts';
import { signMulti } from '../../src/protocol/cose.ts';
import { seal } from '../../src/protocol/envelope.ts';
import * as m from '../../src/protocol/messages.ts';
import { anchorsOf, certifyBank, certifyParty, createRoot } from '../../src/protocol/pki.ts';
import { checkFor, makeSlip, signCheck, verifySlip } from '../../src/protocol/pos.ts';
import { MessageType, Role } from '../../src/protocol/registry.ts';

const NOW = 1_750_000_000;
const b = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const strict = {
  strict: true,
  useMaps: true,
  rejectDuplicateMapKeys: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowBigInt: false,
  tags: { 18: CborgTagged.decoder(18), 98: CborgTagged.decoder(98) },
};

/** Our decoded tree in cborg's shapes, to compare the two readings value by value. */
function asCborg(value: CborValue): unknown {
  if (value instanceof Tagged) return new CborgTagged(value.tag, asCborg(value.value));
  if (Array.isArray(value)) return value.map(asCborg);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, asCborg(v)]));
  return value;
}

const bodies: [string, Uint8Array][] = [
  [
    'value-token request',
    m.valueTokenRequest.encode({
      purseId: 'P-1',
      bankId: 'BANK-A',
      amount: 50_000,
      currency: 'IDR',
      nonce: b(16, 1),
      purseCounter: 3,
      time: NOW,
    }),
  ],
  [
    'value token',
    m.valueToken.encode({
      purseId: 'P-1',
      bankId: 'BANK-A',
      amount: 50_000,
      currency: 'IDR',
      nonce: b(16, 1),
      tokenId: b(16, 2),
      time: NOW,
    }),
  ],
  [
    'purchase slip',
    m.purchaseSlip.encode({
      merchantId: 'M-1',
      amount: 2_500,
      currency: 'IDR',
      time: NOW,
      terminalId: 'T-1',
      terminalTxId: 70_000,
      terminalNonce: b(16, 3),
      channel: 0,
    }),
  ],
  [
    'digital check',
    m.digitalCheck.encode({
      slipHash: b(32, 4),
      amount: 2_500,
      currency: 'IDR',
      merchantId: 'M-1',
      purseId: 'P-1',
      serial: 2 ** 40,
      time: NOW,
      channel: 1,
    }),
  ],
  ['digital-check request', m.digitalCheckRequest.encode({ slip: b(300, 5), cardholderId: 'C-1' })],
  [
    'deposit batch',
    m.depositBatch.encode({ merchantId: 'M-1', batchId: b(16, 6), checks: [b(10, 7), b(700, 8)], time: NOW }),
  ],
  [
    'capture receipt',
    m.captureReceipt.encode({
      merchantId: 'M-1',
      batchId: b(16, 6),
      outcomes: [
        [b(32, 9), 0, 2_500],
        [b(32, 10), 308, 0],
      ],
      totalCredited: 2_500,
      time: NOW,
    }),
  ],
  [
    'revocation list',
    m.revocationList.encode({
      bankId: 'BANK-A',
      issuedAt: NOW,
      nextUpdate: NOW + 86_400,
      revoked: ['P-7', 'P-9'],
      listNumber: 12,
    }),
  ],
  [
    'refund',
    m.refund.encode({
      checkHash: b(32, 11),
      purseId: 'P-1',
      amount: 2_500,
      currency: 'IDR',
      merchantId: 'M-1',
      serial: 2,
      time: NOW,
    }),
  ],
  ['fraud proof', m.fraudProof.encode({ first: b(600, 12), second: b(600, 13) })],
  [
    'envelope',
    m.envelope.encode({
      suite: [32, 1, 3],
      enc: b(32, 14),
      ciphertext: b(100, 15),
      step: MessageType.ValueTokenRequest,
    }),
  ],
];

function signedObjects(): [string, Uint8Array][] {
  const validity = { notBefore: NOW - 86_400, notAfter: NOW + 86_400 };
  const root = createRoot('ROOT-1');
  const bank = certifyBank(root, 'BANK-A', validity);
  const merchant = certifyParty(bank, 'M-1', Role.Merchant, validity);
  const purse = certifyParty(bank, 'P-1', Role.Purse, {
    ...validity,
    limits: { currency: 'IDR', maxBalance: 9, maxPerCheck: 9, maxOfflineChecks: 9, maxOfflineAmount: 9 },
  });
  const cardholder = certifyParty(bank, 'C-1', Role.Cardholder, validity);
  const slip = makeSlip(merchant, {
    merchantId: 'M-1',
    amount: 5,
    currency: 'IDR',
    time: NOW,
    terminalId: 'T-1',
    terminalTxId: 1,
    terminalNonce: b(16, 1),
    channel: 0,
  });
  const check = signCheck(purse, checkFor(verifySlip(slip, { anchors: anchorsOf(root), now: NOW }), 'P-1', 1, NOW));
  const internet = signMulti(
    m.digitalCheck.encode({
      slipHash: b(32, 1),
      amount: 5,
      currency: 'IDR',
      merchantId: 'M-1',
      purseId: 'P-1',
      serial: 2,
      time: NOW,
      channel: 1,
    }),
    [purse, cardholder],
  );
  return [
    ['bank certificate (CWT)', bank.certificate],
    ['purse certificate with limits and its bank inside', purse.certificate],
    ['signed purchase slip (COSE_Sign1)', slip],
    ['signed POS check (COSE_Sign1)', check],
    ['Internet check with two signatures (COSE_Sign)', internet],
    ['sealed deposit envelope', seal(MessageType.DepositBatch, bank.kx!.publicKey, check)],
  ];
}

describe('cborg (independent, strict) reads every message we write', () => {
  for (const [name, bytes] of [...bodies, ...signedObjects()]) {
    it(name, () => {
      const theirs = cborgDecode(bytes, strict);
      expect(theirs).toEqual(asCborg(decode(bytes)));
      expect(Buffer.from(cborgEncode(theirs, rfc8949EncodeOptions)).equals(Buffer.from(bytes))).toBe(true);
    });
  }
});
