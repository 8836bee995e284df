// Protocol 3 in the browser, on the one path every wallet takes (Wallet.payInternet): the browser
// wallet gives the Wallet two things of its own. The cardholder's signer is the crypto worker
// (the key never leaves it), and the payment journal is IndexedDB: each payment is written there
// after the card signed and before the check is sent, so a page closed mid-payment sends the same
// check again at the next unlock (Wallet.resumePayment; the shop confirms one check once).
import { ShopClient } from '../net/shop-client.ts';
import * as db from './browser-db.ts';
import type { CardholderCrypto } from './cardholder-crypto.ts';
import type { CardholderSigner, PaymentJournal, PaymentResult, PendingPayment, Wallet } from './wallet.ts';

/** A payment as the browser wallet keeps it (IndexedDB store `payments`, keyed by the check serial). */
export interface PaymentRecord extends PendingPayment {
  /** The shop the check is for (sent there again after a restart). */
  shopUrl: string;
  status: 'sent' | 'paid';
}

/** The cardholder's signer: its crypto (in the worker), which alone holds the key. */
export function cardholderSigner(crypto: CardholderCrypto, cardholderId: string): CardholderSigner {
  return { id: cardholderId, approveAndSeal: (draft, now) => crypto.approve(draft, now) };
}

const shopUrlOf = (shop: unknown): string => {
  if (shop instanceof ShopClient) return shop.baseUrl;
  throw new Error('the browser wallet pays shops through ShopClient');
};

/** Keeps each payment in IndexedDB: 'sent' before the check goes out, 'paid' once confirmed. */
export const paymentJournal: PaymentJournal = {
  async signed(pending, shop) {
    const record: PaymentRecord = { ...pending, shopUrl: shopUrlOf(shop), status: 'sent' };
    await db.put('payments', record.serial, record);
  },
  async confirmed(pending) {
    const kept = await db.get<PaymentRecord>('payments', pending.serial);
    const record: PaymentRecord = { ...(kept ?? pending), shopUrl: kept?.shopUrl ?? '', status: 'paid' };
    await db.put('payments', record.serial, record);
  },
};

/** Sends again the checks the card signed and no shop confirmed (the page closed mid-payment). */
export async function resendUnconfirmed(wallet: Wallet): Promise<PaymentResult[]> {
  const out: PaymentResult[] = [];
  for (const p of await db.getAll<PaymentRecord>('payments')) {
    if (p.status === 'sent') out.push(await wallet.resumePayment(new ShopClient(p.shopUrl), p));
  }
  return out;
}
