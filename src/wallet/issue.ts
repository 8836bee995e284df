// Issuing a card through the bank's admin API (BankClient.personalisePurse): the card makes its own
// key pairs, the bank certifies the public halves with the purse's limits, the card takes the
// roots, its certificate and the PIN. One function for every issuer: `smartcheck card issue`, the
// demo and the browser wallet's first start. It lives here, not beside the in-process
// `personalise()` in src/card/purse.ts, because it talks to the bank over src/net, which the card
// layer does not depend on; the wallet library is the layer that already drives a card against a
// bank, in Node and in browsers (no node: imports).
import type { PurseCard } from '../card/purse.ts';
import type { BankClient, PersonalisedPurse } from '../net/bank-client.ts';
import type { OfflineLimits } from '../protocol/certificate.ts';
import { Lifecycle } from '../protocol/purse-apdu.ts';

export interface IssueCardOptions {
  purseId: string;
  cardholderId: string;
  limits: OfflineLimits;
  pin: string;
}

/**
 * Personalises `card` for `cardholderId`. A card that already made its keys (an earlier attempt
 * failed after GENERATE KEYS) gives those again instead of new ones, so a retried issue asks the
 * bank to certify the same keys. The bank refuses an unknown cardholder or a purse id taken
 * (BankRejectedError) before the card is changed beyond its keys.
 */
export async function issueCard(
  card: PurseCard,
  bank: Pick<BankClient, 'personalisePurse'>,
  o: IssueCardOptions,
): Promise<PersonalisedPurse> {
  await card.select();
  const keys =
    (await card.status()).lifecycle >= Lifecycle.keysGenerated ? await card.publicKeys() : await card.generateKeys();
  const purse = await bank.personalisePurse({
    purseId: o.purseId,
    cardholderId: o.cardholderId,
    signingKey: keys.signingKey,
    kxKey: keys.kxKey,
    limits: o.limits,
  });
  for (const root of purse.roots) await card.installRoot(root.id, root.publicKey);
  await card.installCertificate(purse.certificate);
  await card.setPin(o.pin);
  return purse;
}
