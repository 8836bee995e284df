// A clean ledger for the auditor's tamper tests, built with the bank's own services in-process:
// loads (one replayed, one after a key rotation), deposits (one submitted twice, a duplicate
// check, a clone caught at capture with its fraud proof and its check paid under the guarantee, a
// purse over its loaded value (one check guaranteed, one above its certified limit per check
// refused, 334), an Internet check signed by purse and cardholder), a merchant refund reversing a
// check, another refunded before its check came (the check then refused, 322), a lost card settled
// after its window, two signed revocation lists (one per key generation), and presentments both
// ways with a second bank under the same root (bank-2: this bank presents a check of bank-2's purse
// and applies bank-2's answer; bank-2 presents a check of purse-a1 to this bank, which answers). `buildCleanLedger(db, bank, options)` returns what it made; a
// whole-system simulator can build its own ledger instead and hand the audit that.
import type { Database } from '../../src/bank/db.ts';
import { sendPresentments } from '../../src/bank/interbank/send.ts';
import { type Bank, fund, personalisePurse, registerCardholder, registerMerchant } from '../../src/bank/issuing.ts';
import type { KeyStore } from '../../src/bank/keys/store.ts';
import { checkInvariants } from '../../src/bank/ledger.ts';
import { bookRefund } from '../../src/bank/refunds.ts';
import { BankService } from '../../src/bank/service.ts';
import { reportLost, settleLost } from '../../src/bank/settlement.ts';
import { depositedCheckHash, makeDeposit } from '../../src/protocol/capture.ts';
import { parseSign1 } from '../../src/protocol/cose.ts';
import { open } from '../../src/protocol/envelope.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import {
  approveInternetCheck,
  makeCheckRequest,
  makeInternetSlip,
  signInternetCheck,
} from '../../src/protocol/internet.ts';
import { newPurseState } from '../../src/protocol/load.ts';
import { presentmentAnswer } from '../../src/protocol/messages.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { certifyBank, certifyParty, type Root } from '../../src/protocol/pki.ts';
import { verifyCheck } from '../../src/protocol/pos.ts';
import {
  makePresentment,
  makePresentmentAnswer,
  openPresentment,
  sealPresentment,
} from '../../src/protocol/presentment.ts';
import { makeRefund, sealRefund, verifyDepositedRefund } from '../../src/protocol/refund.ts';
import { BankRole, MessageType, Role } from '../../src/protocol/registry.ts';
import type { VerifierPool } from '../../src/protocol/verifier/index.ts';
import { applyToken, check, deposit, LIMITS, loadRequest, NOW, type World } from '../bank/support.ts';

export interface CleanLedgerOptions {
  verifier: VerifierPool;
  /** The key store `bank` was created with (the ledger rotates the keys once). */
  keys: KeyStore;
  /** The bank clock at the start (Unix seconds); default the bank tests' NOW. */
  now?: number;
  /** Settlement window of the lost card, seconds; default 3,600. */
  lostWindowS?: number;
}

export interface CleanLedger {
  /** The bank after its key rotation (generation 2); audit with this. */
  bank: Bank;
  service: BankService;
  merchants: Party[];
  /** Purse ids by the part they play. */
  purses: {
    twiceLoaded: string;
    plain: string;
    cloned: string;
    lost: string;
    overspent: string;
    refunded: string;
    idle: string;
  };
}

const PURSES = [
  'purse-a0',
  'purse-a1',
  'purse-clone',
  'purse-lost',
  'purse-over',
  'purse-refund',
  'purse-idle',
] as const;
const SMALL_LIMITS = { ...LIMITS, maxPerCheck: 100, maxOfflineChecks: 1, maxOfflineAmount: 100 };
const OWNER: Record<(typeof PURSES)[number], string> = {
  'purse-a0': 'alice',
  'purse-a1': 'alice',
  'purse-clone': 'bob',
  'purse-lost': 'alice',
  'purse-over': 'bob',
  'purse-refund': 'alice',
  'purse-idle': 'bob',
};

export async function buildCleanLedger(db: Database, bank: Bank, o: CleanLedgerOptions): Promise<CleanLedger> {
  let now = o.now ?? NOW;
  const service = new BankService(db, bank, o.verifier, { clock: () => now, keys: o.keys });
  const alice = (await registerCardholder(db, bank, 'alice', { now, certify: true })) as Party;
  await registerCardholder(db, bank, 'bob', { now });
  await fund(db, 'alice', 100_000, 'EUR');
  await fund(db, 'alice', 20_000, 'EUR'); // the same default reference twice: two payments in
  await fund(db, 'bob', 50_000, 'EUR', 'transfer-1');
  const merchants = [];
  for (const id of ['shop-1', 'shop-2', 'shop-3']) merchants.push(await registerMerchant(db, bank, id, { now }));
  const [shop1, shop2] = merchants as [Party, Party];
  const purses: Party[] = [];
  for (const id of PURSES)
    purses.push(
      await personalisePurse(db, bank, id, {
        cardholderId: OWNER[id],
        // The idle purse certifies small offline limits: a tamper gives a cloned purse its certificate.
        limits: id === 'purse-idle' ? SMALL_LIMITS : LIMITS,
        now,
      }),
    );
  // The helpers of the bank tests act as purse and merchant (they read `bank` for its certificate).
  const w: World = {
    db,
    bank,
    keys: o.keys,
    merchant: shop1,
    other: shop2,
    purses,
    states: purses.map(() => newPurseState('EUR')),
    serials: purses.map(() => 0),
  };
  const p = (id: (typeof PURSES)[number]) => PURSES.indexOf(id);
  const load = async (id: (typeof PURSES)[number], amount: number) => {
    const envelope = loadRequest(w, p(id), amount, now);
    applyToken(w, p(id), (await service.load(envelope)).token);
    return envelope;
  };
  const capture = async (checks: Uint8Array[], merchant = shop1) =>
    service.deposit(deposit(w, checks, { merchant }).envelope);

  await service.revocationList(); // list 1: nobody revoked, signed by generation 1
  await load('purse-a0', 10_000);
  const replayed = await load('purse-a1', 10_000);
  if (!(await service.load(replayed)).replayed) throw new Error('a replayed load moved money');
  for (const id of ['purse-clone', 'purse-lost', 'purse-refund'] as const) await load(id, 10_000);
  await load('purse-over', 5_000);
  w.bank = await service.rotateKeys(); // generation 2 from here on
  await load('purse-a0', 10_000); // sealed to generation 1's key-exchange key by a purse of before

  const refunded = check(w, p('purse-refund'), 700);
  const a1First = check(w, p('purse-a1'), 1_000);
  const batchA = deposit(w, [
    check(w, p('purse-a0'), 6_000),
    check(w, p('purse-a0'), 4_500),
    a1First,
    refunded,
  ]).envelope;
  await service.deposit(batchA);
  if (!(await service.deposit(batchA)).replayed) throw new Error('a re-submitted batch was captured again');
  await capture(
    [
      check(w, p('purse-a1'), 4_000, { merchant: shop2 }),
      check(w, p('purse-clone'), 500, { merchant: shop2 }),
      check(w, p('purse-a0'), 1_200, { merchant: shop2 }),
    ],
    shop2,
  );
  // A clone of purse-clone's serial 1, a fresh check, purse-a1's first check again, and an
  // Internet check (purse and cardholder signatures, COSE_Sign) from alice's purse-a1.
  const slip = makeInternetSlip(shop1, {
    merchantId: shop1.id,
    amount: 300,
    currency: 'EUR',
    time: now,
    terminalId: 'web',
    terminalTxId: 1,
    terminalNonce: new Uint8Array(16).fill(7),
  });
  const serial = (w.serials[p('purse-a1')] as number) + 1;
  w.serials[p('purse-a1')] = serial;
  const draft = signInternetCheck(purses[p('purse-a1')] as Party, makeCheckRequest(slip, 'alice'), {
    anchors: bank.anchors,
    now,
    serial,
    time: now,
  });
  const internet = approveInternetCheck(alice, draft, { anchors: bank.anchors, now }).check.bytes;
  // Refunded by the merchant before it deposited the check: recorded, and the check refused (322).
  const refundedFirst = check(w, p('purse-refund'), 300);
  const early = makeRefund(shop1, verifyCheck(refundedFirst, { anchors: bank.anchors, now }), now);
  if ((await service.refund(sealRefund(w.bank.party.certificate, early))).outcome !== 'recorded')
    throw new Error('the early refund was not recorded');
  const c = await capture([
    check(w, p('purse-clone'), 600, { serial: 1 }),
    check(w, p('purse-a0'), 800),
    a1First,
    internet,
    refundedFirst,
  ]);
  // The clone's check is paid under the guarantee (fraud loss).
  if (c.outcomes.map((x) => x.code).join() !== '0,0,308,0,322')
    throw new Error(`batch C outcomes ${c.outcomes.map((x) => x.code).join()}`);
  // Past the loaded value: the second check paid under the guarantee; the third, above what the
  // purse's certificate certified per check (a tampered card signed it), refused at verification (334).
  const d = await capture(
    [
      check(w, p('purse-over'), 3_000, { merchant: shop2 }),
      check(w, p('purse-over'), 3_000, { merchant: shop2 }),
      check(w, p('purse-over'), LIMITS.maxPerCheck + 1, { merchant: shop2 }),
    ],
    shop2,
  );
  if (d.outcomes.map((x) => x.code).join() !== `0,0,${ErrorCode.AboveCertifiedLimit}`)
    throw new Error(`batch D outcomes ${d.outcomes.map((x) => x.code).join()}`);

  const late = check(w, p('purse-lost'), 2_000, { merchant: shop2 });
  await reportLost(db, 'purse-lost', now, o.lostWindowS ?? 3_600);
  await capture([late], shop2); // made before the loss, deposited during the window: still credited
  const refund = makeRefund(shop1, verifyCheck(refunded, { anchors: bank.anchors, now }), now);
  await bookRefund(db, w.bank, verifyDepositedRefund(bank.id, refund, { anchors: bank.anchors, now }));
  now += o.lostWindowS ?? 3_600;
  if ((await settleLost(db, w.bank, now)).map((s) => s.refunded).join() !== '8000')
    throw new Error('the lost card was not settled');
  await service.revocationList(); // list 2: the clone, the overspent and the lost purse, generation 2
  await presentBothWays(db, w, o, now);

  const invariants = await checkInvariants(db);
  if (!invariants.ok) throw new Error(`the clean ledger breaks the invariants: ${invariants.violations.join('; ')}`);
  return {
    bank: w.bank,
    service,
    merchants,
    purses: {
      twiceLoaded: 'purse-a0',
      plain: 'purse-a1',
      cloned: 'purse-clone',
      lost: 'purse-lost',
      overspent: 'purse-over',
      refunded: 'purse-refund',
      idle: 'purse-idle',
    },
  };
}

/**
 * Presentment both ways with bank-2, a bank certified by this bank's own root (a scheme of two):
 * as acquirer, shop-1's check of bank-2's purse presented and answered accepted by bank-2 (played
 * in process); as issuer, purse-a1's check at bank-2's merchant presented here and answered.
 */
async function presentBothWays(db: Database, w: World, o: CleanLedgerOptions, now: number): Promise<void> {
  const root = w.bank.root as Root;
  // From before the ledger began: the checks are dated at its start (NOW).
  const validity = { notBefore: NOW - 60, notAfter: now + 10 * 365 * 86_400 };
  const bank2 = certifyBank(root, 'bank-2', { ...validity, bankRoles: BankRole.Issuer | BankRole.Acquirer });
  const context = { anchors: w.bank.anchors, now };
  const acquiring = new BankService(db, w.bank, o.verifier, {
    clock: () => now,
    keys: o.keys,
    peers: [{ bankId: 'bank-2', url: 'http://127.0.0.1:9' }],
  });
  const purse2 = certifyParty(bank2, 'purse-b2', Role.Purse, { ...validity, limits: LIMITS });
  const foreign = check({ ...w, purses: [purse2], serials: [0] }, 0, 900);
  const r = await acquiring.deposit(deposit(w, [foreign]).envelope);
  if (r.outcomes[0]?.code !== ErrorCode.PresentedToIssuer) throw new Error('the foreign check was not presented');
  const sent = await sendPresentments(
    db,
    w.bank,
    async (_issuer, envelope) => {
      const { presentment } = openPresentment(bank2, envelope, context);
      return makePresentmentAnswer(bank2, presentment, [[depositedCheckHash(foreign), 0, 900]], now);
    },
    () => now,
  );
  if (!sent[0]?.answered) throw new Error(`the presentment was not answered: ${sent[0]?.error}`);

  const shopB2 = certifyParty(bank2, 'shop-b2', Role.Merchant, validity);
  const sealed = makeDeposit(
    shopB2,
    bank2.certificate,
    [check(w, PURSES.indexOf('purse-a1'), 500, { merchant: shopB2 })],
    new Uint8Array(16).fill(9),
    now,
  );
  const signedDeposit = open(MessageType.DepositBatch, bank2.kx?.secretKey as Uint8Array, sealed);
  const presented = makePresentment(bank2, { issuerId: w.bank.id, deposit: signedDeposit, items: [0], time: now });
  const answered = await acquiring.answerPresentment(sealPresentment(w.bank.party.certificate, presented));
  const outcome = presentmentAnswer.decode(parseSign1(answered.answer).payload).outcomes[0];
  if (outcome?.[1] !== 0) throw new Error(`bank-2's presentment was refused ${outcome?.[1]}`);
}
