// The merchant test world: an in-process bank (BankService over PGlite) reached through a BankLink,
// a merchant registered at it, and emulated cards personalised by that bank and loaded through
// protocol 1. Time is a variable the tests move (`world.now`).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/bank/db.ts';
import { type Bank, createBank, fund, registerCardholder, registerMerchant } from '../../src/bank/issuing.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { balance, checkInvariants } from '../../src/bank/ledger.ts';
import { migrate } from '../../src/bank/migrate.ts';
import type { SchemeMembership } from '../../src/bank/scheme.ts';
import { BankService } from '../../src/bank/service.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { PurseCard } from '../../src/card/purse.ts';
import { MemoryEeprom } from '../../src/card/store.ts';
import {
  type CardPort,
  type CheckStore,
  MemoryCheckStore,
  MerchantBook,
  type MerchantPolicy,
} from '../../src/merchant/index.ts';
import type { BankLink } from '../../src/net/bank-link.ts';
import {
  issueCertificate,
  MessageType,
  newSerial,
  type OfflineLimits,
  type Party,
  Role,
  sealEnvelope,
} from '../../src/protocol/index.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';

export const NOW = 1_700_000_000;
export const DAY = 86_400;
export const PIN = '1234';
export const LIMITS: OfflineLimits = {
  currency: 'EUR',
  maxBalance: 1_000_000,
  maxPerCheck: 200_000,
  maxOfflineChecks: 1_000,
  maxOfflineAmount: 1_000_000,
};

const verifier = createInThreadVerifier();

export interface World {
  now: number;
  clock: () => number;
  bank: Bank;
  service: BankService;
  link: BankLink;
  merchant: Party;
  other: Party;
  merchantBalance(): Promise<number>;
  invariants(): Promise<string[]>;
}

/** The four-line BankLink over a BankService. */
export const linkTo = (service: BankService): BankLink => ({
  load: async (request) => (await service.load(request)).token,
  deposit: async (batch) => (await service.deposit(batch)).receipt,
  refund: (sealed) => service.refund(sealed),
  revocationList: () => service.revocationList(),
});

/**
 * A bank with its own database, a funded cardholder and two merchants; by default a bank alone
 * under its own root, or with `scheme` a bank of that scheme (then name each bank and merchant).
 */
export async function makeWorld(
  o: { bankId?: string; scheme?: SchemeMembership; merchantId?: string } = {},
): Promise<World> {
  const db = await openDatabase('', {});
  await migrate(db);
  const w = { now: NOW } as World;
  w.clock = () => w.now;
  const keys = memoryKeyStore();
  w.bank = await createBank(db, keys, {
    bankId: o.bankId ?? 'bank-m',
    now: NOW,
    ...(o.scheme ? { scheme: o.scheme } : {}),
  });
  await registerCardholder(db, w.bank, 'alice', { now: NOW });
  await fund(db, 'alice', 100_000_000, 'EUR');
  w.merchant = await registerMerchant(db, w.bank, o.merchantId ?? 'shop-m', { now: NOW });
  w.other = await registerMerchant(db, w.bank, `${o.merchantId ?? 'shop'}-other`, { now: NOW });
  w.service = new BankService(db, w.bank, verifier, { clock: w.clock, keys });
  w.link = linkTo(w.service);
  w.merchantBalance = () => balance(db, 'merchant', w.merchant.id, 'EUR');
  w.invariants = async () => (await checkInvariants(db)).violations;
  return w;
}

export interface CardRig {
  card: PurseCard;
  emulator: EmulatedCard;
  eeprom: MemoryEeprom;
  purseId: string;
}

let purseCounter = 0;
/**
 * An emulated card personalised by the world's bank (its keys made on the card, its certificate
 * and the purse row at the bank), PIN verified, loaded with `loadAmount` through protocol 1.
 */
export async function newCard(
  w: World,
  o: {
    loadAmount?: number;
    validity?: { notBefore: number; notAfter: number };
    limits?: OfflineLimits;
    cardholderId?: string;
  } = {},
): Promise<CardRig> {
  const purseId = `purse-m-${++purseCounter}`;
  const eeprom = new MemoryEeprom();
  const emulator = await EmulatedCard.create({ store: eeprom });
  const card = new PurseCard(emulator);
  await card.select();
  const keys = await card.generateKeys();
  const validity = o.validity ?? { notBefore: NOW - DAY, notAfter: NOW + 365 * DAY };
  const limits = o.limits ?? LIMITS;
  const certificate = issueCertificate(
    {
      issuer: w.bank.id,
      subject: purseId,
      role: Role.Purse,
      ...validity,
      issuedAt: validity.notBefore,
      serial: newSerial(),
      signingKey: keys.signingKey,
      kxKey: keys.kxKey,
      limits,
    },
    w.bank.party.secretKey,
    w.bank.party.certificate,
  );
  await w.service.db.query(
    'insert into purses (purse_id, cardholder_id, currency, certificate) values ($1, $2, $3, $4)',
    [purseId, o.cardholderId ?? 'alice', limits.currency, Buffer.from(certificate)],
  );
  await card.installRoot(w.bank.root.id, w.bank.root.publicKey);
  await card.installCertificate(certificate);
  await card.setPin(PIN);
  await card.verifyPin(PIN);
  if (o.loadAmount) await loadCard(w, card, o.loadAmount);
  return { card, emulator, eeprom, purseId };
}

/** Protocol 1 through the bank service: the card's request, sealed; the bank's token applied. */
export async function loadCard(w: World, card: PurseCard, amount: number): Promise<number> {
  const request = await card.loadRequest(amount, w.now);
  const token = await w.link.load(sealEnvelope(MessageType.ValueTokenRequest, w.bank.party.kx!.publicKey, request));
  return card.applyToken(token, w.now);
}

export async function openBook(
  w: World,
  store: CheckStore = new MemoryCheckStore(),
  policy: MerchantPolicy = { currency: 'EUR' },
  bank: BankLink = w.link,
): Promise<MerchantBook> {
  return MerchantBook.open({
    merchant: w.merchant,
    bankCertificate: w.bank.party.certificate,
    anchors: w.bank.anchors,
    store,
    bank,
    clock: w.clock,
    policy,
  });
}

export const tempDir = (name: string) => mkdtempSync(join(os.tmpdir(), `smartcheck-${name}-`));

export const balanceOf = async (card: PurseCard) => (await card.status()).balance;

/** The card's port, to wrap one method (a tampering card, a dead reader, a lost reply). */
export function portOf(card: PurseCard): CardPort {
  return {
    certificate: () => card.certificate(),
    purchase: (slip, now) => card.purchase(slip, now),
    readLog: (i) => card.readLog(i),
    reissueCheck: (s) => card.reissueCheck(s),
    refund: (r, n) => card.refund(r, n),
  };
}
