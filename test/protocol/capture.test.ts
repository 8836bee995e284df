// Protocol 5, payment capture (protocol level): deposit batch → bank opens → receipt → merchant checks it.
import { beforeAll, describe, expect, it } from 'vitest';
import { ed25519, sha256 } from '../../bindings/index.ts';
import {
  type DepositContext,
  depositedCheckHash,
  makeDeposit,
  makeReceipt,
  openDeposit,
  verifyReceipt,
} from '../../src/protocol/capture.ts';
import { issueCertificate, revocationKey } from '../../src/protocol/certificate.ts';
import { parseMulti, parseSign1, signedHash } from '../../src/protocol/cose.ts';
import { seal } from '../../src/protocol/envelope.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import {
  approveInternetCheck,
  makeCheckRequest,
  makeInternetSlip,
  signInternetCheck,
} from '../../src/protocol/internet.ts';
import { type CaptureReceipt, captureReceipt, type DepositBatch, depositBatch } from '../../src/protocol/messages.ts';
import { newSerial, type Party } from '../../src/protocol/pki.ts';
import { checkFor, makeSlip, signCheck, verifySlip } from '../../src/protocol/pos.ts';
import { AMOUNT_MAX, Channel, MessageType, Role } from '../../src/protocol/registry.ts';
import { signMessage } from '../../src/protocol/signed.ts';
import {
  ctx,
  EXPIRED,
  expectCode,
  flip,
  makeWorld,
  NOT_YET_VALID,
  nonce,
  partyOf,
  reissued,
  rewrap,
  T0,
  VALID,
  type World,
} from './support/world.ts';

let w: World;
let checks: Uint8Array[];
const batchId = new Uint8Array(16).fill(0xb1);

function posCheck(serial: number, amount: number, merchant: Party = w.merchant): Uint8Array {
  const slip = makeSlip(merchant, {
    merchantId: merchant.id,
    amount,
    currency: 'IDR',
    time: T0,
    terminalId: 'taxi-7',
    terminalTxId: serial,
    terminalNonce: nonce(serial),
    channel: Channel.Pos,
  });
  return signCheck(w.purse, checkFor(verifySlip(slip, ctx(w)), 'purse-1', serial, T0));
}

function internetCheck(serial: number, amount: number): Uint8Array {
  const slip = makeInternetSlip(w.merchant, {
    merchantId: 'shop-1',
    amount,
    currency: 'IDR',
    time: T0,
    terminalId: 'web',
    terminalTxId: serial,
    terminalNonce: nonce(serial),
  });
  const draft = signInternetCheck(w.purse, makeCheckRequest(slip, 'alice'), { ...ctx(w), serial, time: T0 });
  return approveInternetCheck(w.cardholder, draft, ctx(w)).check.bytes;
}

beforeAll(() => {
  w = makeWorld();
  checks = [posCheck(1, 10_000), internetCheck(2, 20_000), posCheck(3, 5_000)];
});

const depositCtx = (extra: Partial<DepositContext> = {}): DepositContext => ({ ...ctx(w), ...extra });
const batchOf = (over: Partial<DepositBatch> = {}): DepositBatch => ({
  merchantId: 'shop-1',
  batchId,
  checks,
  time: T0,
  ...over,
});
const sealBatch = (signer: Party, batch: DepositBatch, to: Party = w.bank) =>
  seal(MessageType.DepositBatch, to.kx!.publicKey, signMessage(depositBatch, batch, signer));
const receiptOf = (signer: Party, over: Partial<CaptureReceipt> = {}) =>
  signMessage(
    captureReceipt,
    {
      merchantId: 'shop-1',
      batchId,
      outcomes: checks.map((c) => [signedHash(c), 0, 1] as [Uint8Array, number, number]),
      totalCredited: checks.length,
      time: T0,
      ...over,
    },
    signer,
  );

describe('happy path', () => {
  it('deposits POS and Internet checks and verifies the receipt', () => {
    const envelope = makeDeposit(w.merchant, w.bank.certificate, checks, batchId, T0);
    const batch = openDeposit(w.bank, envelope, depositCtx({ maxSkewS: 600 }));
    expect(batch.body).toEqual(batchOf());
    expect(batch.signer.subject).toBe('shop-1');

    const outcomes = [
      { code: 0, credited: 10_000 },
      { code: 0, credited: 20_000 },
      { code: ErrorCode.DuplicateCheck, credited: 0 },
    ];
    const receipt = makeReceipt(w.bank, batch.body, outcomes, T0 + 60);
    const verified = verifyReceipt(w.merchant, receipt, batchOf(), ctx(w));
    expect(verified.body.totalCredited).toBe(30_000);
    expect(verified.body.outcomes.map(([h, c, a]) => [Buffer.from(h).toString('hex'), c, a])).toEqual(
      checks.map((c, i) => [Buffer.from(signedHash(c)).toString('hex'), outcomes[i]!.code, outcomes[i]!.credited]),
    );
    expect(verified.signer.subject).toBe('bank-a');
  });

  it('opening the same deposit twice gives the same batch (the ledger makes a resubmission harmless)', () => {
    const envelope = makeDeposit(w.merchant, w.bank.certificate, checks, batchId, T0);
    expect(openDeposit(w.bank, envelope, depositCtx()).body).toEqual(openDeposit(w.bank, envelope, depositCtx()).body);
  });
});

describe('receipts name checks by payload hash (WIRE.md § Hashes)', () => {
  it('capture receipts match by payload hash: a check re-wrapped with another certificate of the same purse key is the same check', () => {
    const rewrapped = rewrap(checks[0]!, reissued(w.bank, w.purse).certificate);
    expect(rewrapped).not.toEqual(checks[0]);
    expect(signedHash(rewrapped)).toEqual(signedHash(checks[0]!));
    expect(signedHash(checks[0]!)).not.toEqual(sha256(checks[0]!));
    const outcomes = checks.map(() => ({ code: 0, credited: 1 }));
    const receipt = makeReceipt(w.bank, batchOf(), outcomes, T0);
    const rows = captureReceipt.decode(parseSign1(receipt).payload).outcomes;
    rows.forEach(([hash], i) => {
      expect(hash, `outcome ${i}`).toEqual(signedHash(checks[i]!));
    });
    // the merchant holds the re-wrapped copy: the receipt still matches it, in its place only
    expect(
      verifyReceipt(w.merchant, receipt, batchOf({ checks: [rewrapped, checks[1]!, checks[2]!] }), ctx(w)).body
        .totalCredited,
    ).toBe(3);
    expectCode(
      () => verifyReceipt(w.merchant, receipt, batchOf({ checks: [checks[1]!, rewrapped, checks[2]!] }), ctx(w)),
      ErrorCode.ReceiptMismatch,
    );
  });
  it('an Internet check (COSE_Sign) is named by its shared payload; an item that is not a signed check by the hash of its bytes', () => {
    expect(depositedCheckHash(checks[1]!)).toEqual(sha256(parseMulti(checks[1]!, 2).payload));
    const junk = Uint8Array.of(0x01, 0x02, 0x03);
    expect(depositedCheckHash(junk)).toEqual(sha256(junk));
    const batch = batchOf({ checks: [checks[0]!, junk] });
    const receipt = makeReceipt(
      w.bank,
      batch,
      [
        { code: 0, credited: 5 },
        { code: ErrorCode.MalformedCbor, credited: 0 },
      ],
      T0,
    );
    expect(verifyReceipt(w.merchant, receipt, batch, ctx(w)).body.outcomes.map(([h]) => h)).toEqual([
      signedHash(checks[0]!),
      sha256(junk),
    ]);
  });
});

describe('makeDeposit refuses', () => {
  it('a recipient that is not a bank (WrongRole)', () => {
    expectCode(() => makeDeposit(w.merchant, w.merchantB.certificate, checks, batchId, T0), ErrorCode.WrongRole);
  });
  it('a bank certificate without a key-exchange key (MissingField)', () => {
    const key = ed25519.keygen();
    const bare = issueCertificate(
      {
        issuer: 'root',
        subject: 'bank-a',
        role: Role.Bank,
        ...VALID,
        issuedAt: T0,
        serial: newSerial(),
        signingKey: key.publicKey,
      },
      w.root.secretKey,
    );
    expectCode(() => makeDeposit(w.merchant, bare, checks, batchId, T0), ErrorCode.MissingField);
  });
  it('an empty batch, a batch id that is not 16 bytes (BadField)', () => {
    expectCode(() => makeDeposit(w.merchant, w.bank.certificate, [], batchId, T0), ErrorCode.BadField);
    expectCode(() => makeDeposit(w.merchant, w.bank.certificate, checks, new Uint8Array(15), T0), ErrorCode.BadField);
  });
});

describe('openDeposit refuses', () => {
  it('a deposit sealed to another bank (EnvelopeOpenFailed)', () => {
    expectCode(
      () => openDeposit(w.bankB, makeDeposit(w.merchant, w.bank.certificate, checks, batchId, T0), depositCtx()),
      ErrorCode.EnvelopeOpenFailed,
    );
  });
  it('an envelope of another step (WrongEnvelopeStep)', () => {
    const other = seal(
      MessageType.ValueTokenRequest,
      w.bank.kx!.publicKey,
      signMessage(depositBatch, batchOf(), w.merchant),
    );
    expectCode(() => openDeposit(w.bank, other, depositCtx()), ErrorCode.WrongEnvelopeStep);
  });
  it('a batch signed by a purse (WrongRole)', () => {
    expectCode(
      () => openDeposit(w.bank, sealBatch(w.purse, batchOf({ merchantId: 'purse-1' })), depositCtx()),
      ErrorCode.WrongRole,
    );
  });
  it('a batch with a bad signature (BadSignature)', () => {
    const forged = flip(signMessage(depositBatch, batchOf(), w.merchant), -1);
    expectCode(
      () => openDeposit(w.bank, seal(MessageType.DepositBatch, w.bank.kx!.publicKey, forged), depositCtx()),
      ErrorCode.BadSignature,
    );
  });
  it('a merchant under an unknown root (UnknownIssuer)', () => {
    expectCode(
      () => openDeposit(w.bank, sealBatch(partyOf(w.rogueBank, 'shop-1', Role.Merchant), batchOf()), depositCtx()),
      ErrorCode.UnknownIssuer,
    );
  });
  it('expired, not yet valid and revoked merchants', () => {
    expectCode(
      () =>
        openDeposit(
          w.bank,
          sealBatch(partyOf(w.bank, 'shop-old', Role.Merchant, EXPIRED), batchOf({ merchantId: 'shop-old' })),
          depositCtx(),
        ),
      ErrorCode.CertificateExpired,
    );
    expectCode(
      () =>
        openDeposit(
          w.bank,
          sealBatch(partyOf(w.bank, 'shop-new', Role.Merchant, NOT_YET_VALID), batchOf({ merchantId: 'shop-new' })),
          depositCtx(),
        ),
      ErrorCode.CertificateNotYetValid,
    );
    expectCode(
      () =>
        openDeposit(
          w.bank,
          sealBatch(w.merchant, batchOf()),
          depositCtx({ revoked: new Set([revocationKey('bank-a', 'shop-1')]) }),
        ),
      ErrorCode.Revoked,
    );
  });
  it('a batch naming another merchant than its signer (SubjectMismatch)', () => {
    expectCode(
      () => openDeposit(w.bank, sealBatch(w.merchant, batchOf({ merchantId: 'shop-b' })), depositCtx()),
      ErrorCode.SubjectMismatch,
    );
  });
  it('a merchant of another bank (WrongBank)', () => {
    expectCode(
      () => openDeposit(w.bank, sealBatch(w.merchantB, batchOf({ merchantId: 'shop-b' })), depositCtx()),
      ErrorCode.WrongBank,
    );
  });
  it('an empty batch (BadField)', () => {
    expectCode(
      () => openDeposit(w.bank, sealBatch(w.merchant, batchOf({ checks: [] })), depositCtx()),
      ErrorCode.BadField,
    );
  });
  it('a batch dated too far from now, when the bank sets a skew (MessageExpired)', () => {
    const envelope = sealBatch(w.merchant, batchOf({ time: T0 - 3600 }));
    expectCode(() => openDeposit(w.bank, envelope, depositCtx({ maxSkewS: 600 })), ErrorCode.MessageExpired);
    expect(openDeposit(w.bank, envelope, depositCtx()).body.time).toBe(T0 - 3600);
  });
});

describe('makeReceipt', () => {
  it('gives the same bytes when the caller passes the check hashes (not parsed again)', () => {
    const batch = batchOf({ checks: [...checks, new Uint8Array([0xff, 0x00])] });
    const outcomes = batch.checks.map((_, i) => ({
      code: i === 3 ? ErrorCode.MalformedCbor : 0,
      credited: i === 3 ? 0 : 1,
    }));
    const receipt = makeReceipt(w.bank, batch, outcomes, T0, batch.checks.map(depositedCheckHash));
    expect(receipt).toEqual(makeReceipt(w.bank, batch, outcomes, T0));
    expect(verifyReceipt(w.merchant, receipt, batch, ctx(w)).body.totalCredited).toBe(3);
  });
  it('refuses check hashes that do not fit the batch (programmer error)', () => {
    const outcomes = checks.map(() => ({ code: 0, credited: 1 }));
    expect(() => makeReceipt(w.bank, batchOf(), outcomes, T0, checks.slice(1).map(depositedCheckHash))).toThrow(
      RangeError,
    );
  });
  it('refuses a total that overflows (AmountOverflow)', () => {
    expectCode(
      () =>
        makeReceipt(
          w.bank,
          batchOf({ checks: checks.slice(0, 2) }),
          [
            { code: 0, credited: AMOUNT_MAX },
            { code: 0, credited: 1 },
          ],
          T0,
        ),
      ErrorCode.AmountOverflow,
    );
  });
  it('refuses outcomes that do not fit the batch (programmer errors)', () => {
    expect(() => makeReceipt(w.bank, batchOf(), [{ code: 0, credited: 1 }], T0)).toThrow(RangeError);
    expect(() =>
      makeReceipt(
        w.bank,
        batchOf(),
        checks.map(() => ({ code: ErrorCode.BadSignature, credited: 1 })),
        T0,
      ),
    ).toThrow(RangeError);
  });
});

describe('verifyReceipt refuses', () => {
  const outcomes = () => checks.map((c) => [signedHash(c), 0, 1] as [Uint8Array, number, number]);
  it('a receipt signed by a merchant (WrongRole)', () => {
    expectCode(() => verifyReceipt(w.merchant, receiptOf(w.merchant), batchOf(), ctx(w)), ErrorCode.WrongRole);
  });
  it('a tampered receipt (BadSignature)', () => {
    expectCode(() => verifyReceipt(w.merchant, flip(receiptOf(w.bank), -1), batchOf(), ctx(w)), ErrorCode.BadSignature);
  });
  it('a receipt from an impostor bank (UnknownIssuer) or another bank (WrongBank)', () => {
    expectCode(() => verifyReceipt(w.merchant, receiptOf(w.rogueBank), batchOf(), ctx(w)), ErrorCode.UnknownIssuer);
    expectCode(() => verifyReceipt(w.merchant, receiptOf(w.bankB), batchOf(), ctx(w)), ErrorCode.WrongBank);
  });
  it('a receipt from an expired, not yet valid or revoked bank', () => {
    expectCode(
      () => verifyReceipt(w.merchant, receiptOf(w.bank), batchOf(), ctx(w, { now: T0 + 400 * 86_400 })),
      ErrorCode.CertificateExpired,
    );
    expectCode(
      () => verifyReceipt(w.merchant, receiptOf(w.bank), batchOf(), ctx(w, { now: T0 - 2 * 86_400 })),
      ErrorCode.CertificateNotYetValid,
    );
    expectCode(
      () =>
        verifyReceipt(
          w.merchant,
          receiptOf(w.bank),
          batchOf(),
          ctx(w, { revoked: new Set([revocationKey('root', 'bank-a')]) }),
        ),
      ErrorCode.Revoked,
    );
  });
  it('a receipt for another merchant (WrongMerchant)', () => {
    expectCode(
      () => verifyReceipt(w.merchant, receiptOf(w.bank, { merchantId: 'shop-2' }), batchOf(), ctx(w)),
      ErrorCode.WrongMerchant,
    );
  });
  it('a receipt for another batch, or not one outcome per check in order (ReceiptMismatch)', () => {
    const cases: Partial<CaptureReceipt>[] = [
      { batchId: new Uint8Array(16) },
      { outcomes: outcomes().slice(0, 2), totalCredited: 2 },
      { outcomes: [...outcomes(), [new Uint8Array(32), 0, 1]], totalCredited: 4 },
      { outcomes: [outcomes()[1]!, outcomes()[0]!, outcomes()[2]!] },
      { outcomes: [outcomes()[0]!, outcomes()[1]!, [new Uint8Array(32), 0, 1]] },
      { outcomes: [outcomes()[0]!, outcomes()[1]!, [signedHash(checks[2]!), ErrorCode.DuplicateCheck, 1]] },
      { totalCredited: 4 },
    ];
    for (const over of cases)
      expectCode(
        () => verifyReceipt(w.merchant, receiptOf(w.bank, over), batchOf(), ctx(w)),
        ErrorCode.ReceiptMismatch,
      );
  });
  it('credits that overflow (AmountOverflow)', () => {
    const over = {
      outcomes: [
        [signedHash(checks[0]!), 0, AMOUNT_MAX],
        [signedHash(checks[1]!), 0, 1],
        [signedHash(checks[2]!), 0, 0],
      ] as [Uint8Array, number, number][],
      totalCredited: AMOUNT_MAX,
    };
    expectCode(() => verifyReceipt(w.merchant, receiptOf(w.bank, over), batchOf(), ctx(w)), ErrorCode.AmountOverflow);
  });
  it('something that is not a receipt (WrongMessageType)', () => {
    expectCode(
      () => verifyReceipt(w.merchant, signMessage(depositBatch, batchOf(), w.bank), batchOf(), ctx(w)),
      ErrorCode.WrongMessageType,
    );
  });
});
