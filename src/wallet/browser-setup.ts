// First start of a browser wallet: the bank personalises this browser's card and certifies the cardholder's approval
// key, over its loopback admin API (BankClient). Every step is safe to run again after a failure:
// the ids are chosen once and kept, and the steps already done (cardholder certified, card keys
// made) are skipped.

import { toHex } from '../bytes.ts';
import type { PurseCard } from '../card/purse.ts';
import type { BankClient, RootKey } from '../net/bank-client.ts';
import type { OfflineLimits } from '../protocol/certificate.ts';
import * as db from './browser-db.ts';
import type { CardholderCrypto } from './cardholder-crypto.ts';
import { issueCard } from './issue.ts';

/** What the wallet keeps about its bank and card (IndexedDB, settings/'wallet'). */
export interface WalletSettings {
  bankUrl: string;
  bankId: string;
  bankCertificate: Uint8Array;
  roots: RootKey[];
  cardholderId: string;
  purseId: string;
  currency: string;
}

/** The card profile this wallet asks the bank for (minor units). */
export function defaultLimits(currency: string): OfflineLimits {
  return { currency, maxBalance: 1_000_000, maxPerCheck: 200_000, maxOfflineChecks: 100, maxOfflineAmount: 500_000 };
}

function newId(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(6)));
}

export async function setUpCard(o: {
  card: PurseCard;
  bank: BankClient;
  crypto: CardholderCrypto;
  pin: string;
  currency: string;
  clock: () => number;
}): Promise<WalletSettings> {
  if (!/^[0-9]{4,8}$/.test(o.pin)) throw new RangeError('PIN: 4 to 8 digits');
  const info = await o.bank.bankInfo();
  await o.crypto.trust(info.roots, info.bankCertificate, o.clock());
  // The ids are chosen once, so a retried setup asks the bank for the same cardholder and purse.
  const ids = (await db.get<{ cardholderId: string; purseId: string }>('settings', 'setup-ids')) ?? {
    cardholderId: `web-${newId()}`,
    purseId: '',
  };
  ids.purseId ||= `purse-${ids.cardholderId.slice(4)}`;
  await db.put('settings', 'setup-ids', ids);

  if ((await o.crypto.cardholderId()) === undefined) {
    const signingKey = await o.crypto.cardholderKey();
    const registered = await o.bank.registerCardholder(ids.cardholderId, { signingKey });
    if (!registered.certificate) throw new Error('the bank did not certify the approval key');
    await o.crypto.certifyCardholder(registered.certificate, o.clock());
  }

  const purse = await issueCard(o.card, o.bank, {
    purseId: ids.purseId,
    cardholderId: ids.cardholderId,
    limits: defaultLimits(o.currency),
    pin: o.pin,
  });

  const settings: WalletSettings = {
    bankUrl: o.bank.baseUrl,
    bankId: purse.bankId,
    bankCertificate: purse.bankCertificate,
    roots: purse.roots,
    cardholderId: ids.cardholderId,
    purseId: ids.purseId,
    currency: o.currency,
  };
  await db.put('settings', 'wallet', settings);
  return settings;
}
