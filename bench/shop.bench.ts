// The web shop (protocol 3) over loopback: purchases per second, each one an order (the shop signs
// an Internet slip) and a payment (the shop opens the sealed, dual-signed check, verifies both
// chains and signatures under its acceptance policy, records it in the merchant's journal and
// confirms). Measured two ways, one purchase at a time:
//   - shop: only the two HTTP round trips are timed; the client's work between them (the purse's
//     signature by the protocol code in-process, the cardholder's approval, sealing) is not.
//   - end to end: Wallet.payInternet with the emulated card (the applet checks the slip, deducts
//     and signs through its crypto coprocessor), the cardholder's signature, sealing and both trips.
// Writes bench/results/shop.{json,md} itself (the run's other writers leave it alone).
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { ed25519, x25519 } from '../bindings/index.ts';
import { createCredential } from '../src/bank/back-office/credentials.ts';
import { openDatabase } from '../src/bank/db.ts';
import { memoryKeyStore } from '../src/bank/keys/memory.ts';
import { buildServer } from '../src/bank/server.ts';
import { BankService } from '../src/bank/service.ts';
import { EmulatedCard } from '../src/card/emulator.ts';
import { PurseCard } from '../src/card/purse.ts';
import { MerchantBook } from '../src/merchant/book.ts';
import { MemoryCheckStore } from '../src/merchant/store.ts';
import { BankClient } from '../src/net/bank-client.ts';
import { ShopClient } from '../src/net/shop-client.ts';
import { approveInternetCheck, makeCheckRequest, signInternetCheck } from '../src/protocol/internet.ts';
import type { Party } from '../src/protocol/pki.ts';
import { createInThreadVerifier } from '../src/protocol/verifier/index.ts';
import { createShopServer } from '../src/shop/server.ts';
import { Wallet } from '../src/wallet/wallet.ts';
import type { Row, RunOptions, SuiteResult } from './harness.ts';

const LIMITS = {
  currency: 'EUR',
  maxBalance: 2 ** 50,
  maxPerCheck: 1_000_000,
  maxOfflineChecks: 1_000_000,
  maxOfflineAmount: 2 ** 50,
};
const order = { item: 'bench', amount: 100, currency: 'EUR' };

function row(
  op: string,
  impl: string,
  seconds: number,
  n: number,
  detail: string,
): Row & { detail: string; perS: number } {
  const usPerOp = (seconds * 1e6) / n;
  return {
    table: 'web shop',
    op,
    impl,
    usPerOp,
    perCall: 1,
    raw: { usPerOp, rmePct: 0, samples: n, harness: 'hrtime' },
    detail,
    perS: Math.round(n / seconds),
  } as Row & { detail: string; perS: number };
}

export async function run(opts: RunOptions): Promise<SuiteResult> {
  const now = () => Math.floor(Date.now() / 1000);
  const db = await openDatabase('');
  const service = await BankService.open(db, createInThreadVerifier(), {
    bankId: 'bank-bench',
    keys: memoryKeyStore(),
  });
  const bankApp = await buildServer(service);
  await bankApp.listen({ host: '127.0.0.1', port: 0 });
  // The back office needs a credential: one with both roles, made on the bank's database.
  const { token } = await createCredential(db, { name: 'shop bench', roles: ['operator', 'issuer'] });
  const bank = new BankClient(`http://127.0.0.1:${(bankApp.server.address() as AddressInfo).port}`, { token });
  const info = await bank.bankInfo();
  const anchors = new Map(info.roots.map((r) => [r.id, r.publicKey]));
  const kx = x25519.keygen();
  const sign = ed25519.keygen();
  const m = await bank.registerMerchant('shop-bench', { signingKey: sign.publicKey, kxKey: kx.publicKey });
  const merchant: Party = {
    id: 'shop-bench',
    secretKey: sign.secretKey,
    publicKey: sign.publicKey,
    certificate: m.certificate,
    kx,
  };
  const book = await MerchantBook.open({
    merchant,
    bankCertificate: info.bankCertificate,
    anchors,
    store: new MemoryCheckStore(),
    bank,
  });
  const shopApp = await createShopServer({ book });
  await shopApp.listen({ host: '127.0.0.1', port: 0 });
  const shop = new ShopClient(`http://127.0.0.1:${(shopApp.server.address() as AddressInfo).port}`);

  const holderKeys = ed25519.keygen();
  const holder = await bank.registerCardholder('holder-bench', { signingKey: holderKeys.publicKey });
  await bank.fund('holder-bench', 2 ** 50, 'EUR');
  const cardholder = {
    id: 'holder-bench',
    secretKey: holderKeys.secretKey,
    certificate: holder.certificate as Uint8Array,
  };
  const rows: (Row & { detail: string; perS: number })[] = [];

  // Shop side: a purse in-process (protocol code), keys certified through the admin API.
  const purseSign = ed25519.keygen();
  const purseKx = x25519.keygen();
  const p = await bank.personalisePurse({
    purseId: 'purse-proto',
    cardholderId: 'holder-bench',
    signingKey: purseSign.publicKey,
    kxKey: purseKx.publicKey,
    limits: LIMITS,
  });
  const purse: Party = {
    id: 'purse-proto',
    secretKey: purseSign.secretKey,
    publicKey: purseSign.publicKey,
    certificate: p.certificate,
    kx: purseKx,
  };
  const n1 = opts.quick ? 60 : 600;
  let serial = 0;
  let shopSeconds = 0;
  const wall0 = performance.now();
  for (let i = 0; i < n1 + 5; i++) {
    const t0 = performance.now();
    const offer = await shop.purchase(order);
    const t1 = performance.now();
    const ctx = { anchors, now: now() };
    const draft = signInternetCheck(purse, makeCheckRequest(offer.slip, cardholder.id), {
      ...ctx,
      serial: ++serial,
      time: ctx.now,
    });
    const { envelope } = approveInternetCheck(cardholder, { ...draft, slip: offer.slip }, ctx);
    const t2 = performance.now();
    const paid = await shop.pay(offer.orderId, envelope);
    const t3 = performance.now();
    if (paid.serial !== serial) throw new Error('shop bench: wrong confirmation');
    if (i >= 5) shopSeconds += (t1 - t0 + (t3 - t2)) / 1000; // 5 warm-up purchases not counted
  }
  const wallSeconds = (performance.now() - wall0) / 1000;
  rows.push(
    row(
      'purchase (slip + pay)',
      'shop: HTTP round trips only',
      shopSeconds,
      n1,
      `${n1} purchases, ${((shopSeconds * 1000) / n1).toFixed(2)} ms each`,
    ),
  );
  console.log(`  shop only: ${Math.round(n1 / shopSeconds)} purchases/s`);
  rows.push(
    row(
      'purchase (slip + pay)',
      'client in-process purse + shop',
      (wallSeconds * n1) / (n1 + 5),
      n1,
      `with the protocol-code purse signature, approval and sealing between the trips`,
    ),
  );

  // End to end: the emulated card, personalised through the admin API, in a Wallet.
  const card = new PurseCard(await EmulatedCard.create());
  await card.select();
  const keys = await card.generateKeys();
  const cp = await bank.personalisePurse({
    purseId: 'purse-card',
    cardholderId: 'holder-bench',
    ...keys,
    limits: LIMITS,
  });
  for (const r of cp.roots) await card.installRoot(r.id, r.publicKey);
  await card.installCertificate(cp.certificate);
  await card.setPin('1234');
  const wallet = new Wallet({ card, bank, bankCertificate: info.bankCertificate, anchors, cardholder });
  await wallet.unlock('1234');
  const n2 = opts.quick ? 20 : 200;
  await wallet.load((n2 + 5) * order.amount);
  for (let i = 0; i < 3; i++) await wallet.payInternet(shop, order);
  const e0 = performance.now();
  for (let i = 0; i < n2; i++) await wallet.payInternet(shop, order);
  const e2e = (performance.now() - e0) / 1000;
  rows.push(
    row(
      'purchase (slip + pay)',
      'end to end: Wallet + emulated card',
      e2e,
      n2,
      `${n2} purchases, ${((e2e * 1000) / n2).toFixed(2)} ms each`,
    ),
  );
  console.log(`  end to end with the card: ${Math.round(n2 / e2e)} purchases/s`);
  if (book.pending().length !== n1 + 5 + n2 + 3) throw new Error('shop bench: the journal does not hold every check');

  await shopApp.close();
  await bankApp.close();
  await db.close();
  return {
    name: 'shop',
    rows,
    notes: [
      'One purchase at a time on loopback, on a machine shared with other jobs (see the load average: figures are lower bounds); PGlite bank (not on the purchase path); merchant journal in memory (MemoryCheckStore: no fsync).',
    ],
  };
}

/** shop.{json,md}. */
export function writeShop(dir: URL, meta: object, suite: SuiteResult): string {
  const out = [
    '# Web shop (protocol 3) on loopback',
    '',
    '| operation | how | purchases/s | ms each | detail |',
    '|---|---|---:|---:|---|',
  ];
  for (const r of suite.rows as (Row & { detail: string; perS: number })[])
    out.push(`| ${r.op} | ${r.impl} | ${r.perS} | ${(r.usPerOp / 1000).toFixed(2)} | ${r.detail} |`);
  out.push(
    '',
    ...suite.notes.map((n) => `- ${n}`),
    `- Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average at the end of the run ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}.`,
  );
  const md = `${out.join('\n')}\n`;
  writeFileSync(new URL('shop.md', dir), md);
  writeFileSync(new URL('shop.json', dir), `${JSON.stringify({ meta, suites: [suite] }, null, 2)}\n`);
  return md;
}

/** The suite as bench/run.ts registers it: runs, then writes its own result files. */
export async function runAndWrite(opts: RunOptions): Promise<SuiteResult> {
  const started = Date.now();
  const suite = await run(opts);
  console.log(
    `\n${writeShop(new URL('./results/', import.meta.url), { quick: opts.quick, durationS: Math.round((Date.now() - started) / 1000), date: new Date().toISOString() }, suite)}`,
  );
  console.log('wrote bench/results/shop.{json,md}');
  return suite;
}
