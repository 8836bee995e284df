// First start of a browser wallet: the cardholder enrols this browser's card with the one-time
// activation code the bank sent (POST /v1/enrol, BankClient.enrol); the bank certifies the card's
// keys and the cardholder's approval key. Every step is safe to run again after a failure.

import { toHex } from '../bytes.ts';
import type { PurseCard } from '../card/purse.ts';
import type { BankClient, RootKey } from '../net/bank-client.ts';
import { type OfflineLimits, parseCertificate } from '../protocol/certificate.ts';
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

function newId(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(6)));
}

/**
 * Enrols this browser's card with the cardholder's one-time activation code (the bank issued it
 * for a cardholder, with the card's limits): no back-office credential. The cardholder's approval
 * key is certified in the same request. The purse id is chosen once and kept, and the card keeps
 * its keys, so a set-up retried after a lost answer sends the same request and gets the same
 * certificates back.
 */
export async function setUpCard(o: {
  card: PurseCard;
  bank: BankClient;
  crypto: CardholderCrypto;
  pin: string;
  activationCode: string;
  clock: () => number;
}): Promise<WalletSettings> {
  if (!/^[0-9]{4,8}$/.test(o.pin)) throw new RangeError('PIN: 4 to 8 digits');
  if (!o.activationCode.trim()) throw new RangeError('the activation code from your bank is required');
  const info = await o.bank.bankInfo();
  await o.crypto.trust(info.roots, info.bankCertificate, o.clock());
  const ids = (await db.get<{ purseId: string }>('settings', 'setup-ids')) ?? { purseId: `purse-web-${newId()}` };
  await db.put('settings', 'setup-ids', ids);

  const purse = await issueCard(o.card, o.bank, {
    purseId: ids.purseId,
    activationCode: o.activationCode,
    cardholderKey: await o.crypto.cardholderKey(),
    pin: o.pin,
  });
  if (!purse.cardholderCertificate) throw new Error('the bank did not certify the approval key');
  if ((await o.crypto.cardholderId()) === undefined)
    await o.crypto.certifyCardholder(purse.cardholderCertificate, o.clock());

  const settings: WalletSettings = {
    bankUrl: o.bank.baseUrl,
    bankId: purse.bankId,
    bankCertificate: purse.bankCertificate,
    roots: purse.roots,
    cardholderId: purse.cardholderId,
    purseId: purse.purseId,
    currency: (parseCertificate(purse.certificate).limits as OfflineLimits).currency,
  };
  await db.put('settings', 'wallet', settings);
  return settings;
}
