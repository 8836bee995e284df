// A whole world over loopback HTTP: a bank server (PGlite, BankService, buildServer) and a web
// shop server (MerchantBook in memory), with cards personalised THROUGH the bank's admin API and
// wallets over BankClient / ShopClient. One clock for everyone, moved by the tests.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ed25519, x25519 } from '../../bindings/index.ts';
import { createCredential } from '../../src/bank/back-office/credentials.ts';
import { type Database, openDatabase } from '../../src/bank/db.ts';
import { memoryKeyStore } from '../../src/bank/keys/memory.ts';
import { balance, checkInvariants } from '../../src/bank/ledger.ts';
import { buildServer, type ServerOptions } from '../../src/bank/server.ts';
import { BankService } from '../../src/bank/service.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { PurseCard } from '../../src/card/purse.ts';
import { MerchantBook } from '../../src/merchant/book.ts';
import { MemoryCheckStore } from '../../src/merchant/store.ts';
import { BankClient } from '../../src/net/bank-client.ts';
import { ShopClient } from '../../src/net/shop-client.ts';
import type { OfflineLimits, TrustAnchors } from '../../src/protocol/certificate.ts';
import type { Party } from '../../src/protocol/pki.ts';
import { createInThreadVerifier } from '../../src/protocol/verifier/index.ts';
import { createShopServer, type ShopServerOptions } from '../../src/shop/server.ts';
import { issueCard } from '../../src/wallet/issue.ts';
import { Wallet, type WalletOptions } from '../../src/wallet/wallet.ts';

export const CURRENCY = 'EUR';
export const PIN = '2468';
export const LIMITS: OfflineLimits = {
  currency: CURRENCY,
  maxBalance: 500_000,
  maxPerCheck: 100_000,
  maxOfflineChecks: 100,
  maxOfflineAmount: 500_000,
};
export const FUNDS = 100_000;
export const MERCHANT_ID = 'webshop-1';

export interface Clock {
  now: number;
  /** Added to the shop's clock only (an order expiring between purchase and payment). */
  shopSkew: number;
}

export interface World {
  clock: Clock;
  /** A back-office token with the roles operator and issuer (`bank` sends it). */
  token: string;
  db: Database;
  service: BankService;
  bankApp: FastifyInstance;
  bankUrl: string;
  bank: BankClient;
  bankCertificate: Uint8Array;
  anchors: TrustAnchors;
  merchant: Party;
  book: MerchantBook;
  shopApp: FastifyInstance;
  shopUrl: string;
  shop: ShopClient;
  close(): Promise<void>;
}

export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

export async function makeWorld(
  o: { bankServer?: ServerOptions; shop?: Partial<ShopServerOptions>; db?: Database } = {},
): Promise<World> {
  const clock: Clock = { now: Math.floor(Date.now() / 1000), shopSkew: 0 };
  // PGlite in memory unless the caller brings a database (a PostgreSQL schema, test/bank/support.ts).
  const db = o.db ?? (await openDatabase(''));
  const service = await BankService.open(db, createInThreadVerifier(), {
    clock: () => clock.now,
    bankId: 'bank-web',
    keys: memoryKeyStore(),
  });
  const bankApp = await buildServer(service, o.bankServer ?? {});
  const bankUrl = await listen(bankApp);
  // The tests' back office: one credential with both roles.
  const { token } = await createCredential(db, { name: 'wallet tests', roles: ['operator', 'issuer'] });
  const bank = new BankClient(bankUrl, { timeoutMs: 5_000, token });
  const info = await bank.bankInfo();
  const anchors: TrustAnchors = new Map(info.roots.map((r) => [r.id, r.publicKey]));

  // The merchant makes its own keys; the bank certifies the public halves.
  const sign = ed25519.keygen();
  const kx = x25519.keygen();
  const registered = await bank.registerMerchant(MERCHANT_ID, { signingKey: sign.publicKey, kxKey: kx.publicKey });
  const merchant: Party = {
    id: MERCHANT_ID,
    secretKey: sign.secretKey,
    publicKey: sign.publicKey,
    certificate: registered.certificate,
    kx,
  };
  const book = await MerchantBook.open({
    merchant,
    bankCertificate: registered.bankCertificate,
    anchors,
    store: new MemoryCheckStore(),
    bank,
    clock: () => clock.now,
    policy: { currency: CURRENCY },
  });
  const shopApp = await createShopServer({ book, clock: () => clock.now + clock.shopSkew, ...(o.shop ?? {}) });
  const shopUrl = await listen(shopApp);
  return {
    clock,
    token,
    db,
    service,
    bankApp,
    bankUrl,
    bank,
    bankCertificate: info.bankCertificate,
    anchors,
    merchant,
    book,
    shopApp,
    shopUrl,
    shop: new ShopClient(shopUrl),
    async close() {
      await shopApp.close();
      await bankApp.close();
      await db.close();
    },
  };
}

export interface Holder {
  cardholderId: string;
  purseId: string;
  card: PurseCard;
  cardholder: Party;
  wallet: Wallet;
}

let holders = 0;
/**
 * A cardholder with a funded account and a certified signing key (made in the wallet), and a card
 * personalised through the admin API: the card makes its keys, the bank certifies the public ones.
 */
export async function newHolder(
  w: World,
  o: { funds?: number; limits?: OfflineLimits; wallet?: Partial<WalletOptions> } = {},
): Promise<Holder> {
  const n = ++holders;
  const cardholderId = `holder-${n}`;
  const purseId = `purse-${n}`;
  const keys = ed25519.keygen();
  const registered = await w.bank.registerCardholder(cardholderId, { signingKey: keys.publicKey });
  if (o.funds !== 0) await w.bank.fund(cardholderId, o.funds ?? FUNDS, CURRENCY);
  const card = new PurseCard(await EmulatedCard.create());
  const p = await issueCard(card, w.bank, { purseId, cardholderId, limits: o.limits ?? LIMITS, pin: PIN });
  const cardholder: Party = {
    id: cardholderId,
    secretKey: keys.secretKey,
    publicKey: keys.publicKey,
    certificate: registered.certificate as Uint8Array,
  };
  const wallet = new Wallet({
    card,
    bank: w.bank,
    bankCertificate: p.bankCertificate,
    anchors: w.anchors,
    cardholder,
    clock: () => w.clock.now,
    ...(o.wallet ?? {}),
  });
  return { cardholderId, purseId, card, cardholder, wallet };
}

/** The bank's books as the tests read them. */
export async function ledger(w: World, cardholderId: string) {
  return {
    cardholder: await balance(w.db, 'cardholder', cardholderId, CURRENCY),
    merchant: await balance(w.db, 'merchant', MERCHANT_ID, CURRENCY),
    emoney: await balance(w.db, 'emoney', w.service.bank.id, CURRENCY),
  };
}

export async function invariants(w: World): Promise<string[]> {
  return (await checkInvariants(w.db)).violations;
}
