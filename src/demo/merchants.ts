// A merchant of one of the demo's banks, as a merchant sets one up: its own keys, certified by its
// bank (the acquirer), its journal on disk, its book trusting the scheme root and holding the
// revocation list of every issuer, refreshed through its own bank. A web shop is such a book behind
// the shop's HTTP API on loopback.
import { join } from 'node:path';
import { ed25519, x25519 } from '../../bindings/index.ts';
import { FileCheckStore } from '../merchant/file-store.ts';
import { DEFAULT_REVOCATION_MAX_AGE_S, type DepositReport, MerchantBook } from '../merchant/index.ts';
import { ShopClient } from '../net/shop-client.ts';
import type { TrustAnchors } from '../protocol/certificate.ts';
import type { Party } from '../protocol/pki.ts';
import { createShopServer } from '../shop/server.ts';
import type { Closers, DemoBank } from './banks.ts';
import { listen } from './loopback.ts';

export interface MerchantSetting {
  anchors: TrustAnchors;
  currency: string;
  dir: string;
  closers: Closers;
}

export async function openMerchant(bank: DemoBank, id: string, o: MerchantSetting): Promise<MerchantBook> {
  const sign = ed25519.keygen();
  const kx = x25519.keygen();
  const r = await bank.client.registerMerchant(id, { signingKey: sign.publicKey, kxKey: kx.publicKey });
  const party: Party = { id, secretKey: sign.secretKey, publicKey: sign.publicKey, certificate: r.certificate, kx };
  const store = new FileCheckStore(join(o.dir, id));
  o.closers.push(() => store.close());
  const book = await MerchantBook.open({
    merchant: party,
    bankCertificate: r.bankCertificate,
    anchors: o.anchors,
    store,
    bank: bank.client,
    policy: { currency: o.currency, revocationMaxAgeS: DEFAULT_REVOCATION_MAX_AGE_S },
  });
  await book.refreshRevocationList();
  return book;
}

export interface WebShop {
  url: string;
  client: ShopClient;
  /** The shop's deposit, started as its operator does (POST /v1/deposit, loopback only). */
  deposit(): Promise<Pick<DepositReport, 'credited' | 'refused' | 'outcomes'>>;
}

export async function openShop(book: MerchantBook, o: MerchantSetting): Promise<WebShop> {
  const app = await createShopServer({ book, currencies: [o.currency] });
  o.closers.push(() => app.close());
  const url = await listen(app);
  return {
    url,
    client: new ShopClient(url),
    deposit: async () =>
      (await fetch(`${url}/v1/deposit`, { method: 'POST' })).json() as ReturnType<WebShop['deposit']>,
  };
}
