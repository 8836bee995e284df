// Issuing a card: the card makes its own key pairs, the bank certifies the public halves with the
// purse's limits, the card takes the roots, its certificate and the PIN. The bank certifies them
// either for the cardholder, who enrols with a one-time activation code (BankClient.enrol: the code
// decides the cardholder and the limits), or for the issuer's back office (BankClient.personalisePurse,
// a credential with role issuer). One function for every issuer: `smartcheck card issue`, the
// demo and the browser wallet's first start. It lives here, not beside the in-process
// `personalise()` in src/card/purse.ts, because it talks to the bank over src/net, which the card
// layer does not depend on; the wallet library is the layer that already drives a card against a
// bank, in Node and in browsers (no node: imports).
import type { PurseCard } from '../card/purse.ts';
import type { BankClient, EnrolledPurse } from '../net/bank-client.ts';
import type { OfflineLimits } from '../protocol/certificate.ts';
import { Lifecycle } from '../protocol/purse-apdu.ts';

export type IssueCardOptions = { purseId: string; pin: string } & (
  | {
      /** The cardholder's activation code; with `cardholderKey`, that approval key is certified too. */
      activationCode: string;
      cardholderKey?: Uint8Array;
    }
  | { cardholderId: string; limits: OfflineLimits }
);

/**
 * Personalises `card`. A card that already made its keys (an earlier attempt failed after GENERATE
 * KEYS) gives those again instead of new ones, so a retried issue asks the bank to certify the same
 * keys (and an enrolment whose answer was lost gets the same certificate for its used code). The
 * bank refuses an unknown, used or expired code, an unknown cardholder or a purse id taken
 * (BankRejectedError) before the card is changed beyond its keys.
 */
export async function issueCard(
  card: PurseCard,
  bank: Pick<BankClient, 'personalisePurse' | 'enrol'>,
  o: IssueCardOptions,
): Promise<EnrolledPurse> {
  await card.select();
  const keys =
    (await card.status()).lifecycle >= Lifecycle.keysGenerated ? await card.publicKeys() : await card.generateKeys();
  const purse =
    'activationCode' in o
      ? await bank.enrol({
          activationCode: o.activationCode,
          purseId: o.purseId,
          signingKey: keys.signingKey,
          kxKey: keys.kxKey,
          ...(o.cardholderKey ? { cardholderKey: o.cardholderKey } : {}),
        })
      : await bank.personalisePurse({
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
