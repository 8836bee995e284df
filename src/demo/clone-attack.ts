// The clone attack across two acquirers: the card's EEPROM copied, the original spends at the cafe
// (a merchant of BANK-A, the issuer) and the copy the same value at the taxi (a merchant of
// BANK-B), both offline. A captures the cafe's check; B presents the taxi's to A, which finds the
// clone with a fraud proof (its two purse-signed checks, one from each acquirer), pays the honest
// taxi under the guarantee (A's fraud loss, owed to B like any accepted check) and revokes the
// purse on its list; B relays that list, and the taxi's terminal refuses the card after refreshing.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { balance } from '../bank/ledger.ts';
import { equalBytes } from '../bytes.ts';
import { FileEeprom } from '../card/file-store.ts';
import { EmulatedCard, PurseCard } from '../card/index.ts';
import type { MerchantBook, Terminal } from '../merchant/index.ts';
import { TerminalError } from '../merchant/index.ts';
import { formatMoney } from '../money.ts';
import type { TrustAnchors } from '../protocol/certificate.ts';
import { ErrorCode, errorDescriptions } from '../protocol/errors.ts';
import { verifyFraudProof } from '../protocol/fraud.ts';
import { type DemoBank, presentmentsAnswered } from './banks.ts';
import type { Narrator } from './narrator.ts';

export interface CloneOutcome {
  /** The cafe's deposit of the original's check, at the issuer. */
  firstDepositCredited: number;
  /** The taxi's receipt for the copy's check before the issuer answered: presented (337). */
  presentedCode: number;
  /** The taxi's receipt once BANK-A answered: 0, the check paid under the guarantee. */
  secondDepositCode: number;
  secondDepositCredited: number;
  /** What BANK-B credited the taxi for the copy's check. */
  taxiCredited: number;
  /** BANK-A's fraud-loss balance afterwards (minus what the guarantee paid). */
  fraudLoss: number;
  /** The proof verifies offline, one serial, and holds the cafe's check and the taxi's. */
  evidenceVerified: boolean;
  purseStatus: string;
  /** The taxi's terminal (BANK-B) after refreshing through B's relay, and the cafe's (BANK-A). */
  refusedAtB: number | undefined;
  refusedAtA: number | undefined;
}

export async function cloneAttack(
  n: Narrator,
  o: {
    issuer: DemoBank;
    acquirer: DemoBank;
    card: PurseCard;
    purseId: string;
    cardPath: string;
    buildHash: Uint8Array;
    pin: string;
    /** The issuer's merchant, where the original spends, and the other bank's, where the copy does. */
    home: { book: MerchantBook; till: Terminal };
    away: { book: MerchantBook; till: Terminal };
    anchors: TrustAnchors;
    currency: string;
    dir: string;
  },
): Promise<CloneOutcome> {
  const { issuer, acquirer, card, currency } = o;
  const money = (v: number) => formatMoney(v, currency);
  const { purseId } = o;
  // The attacker copies the card's EEPROM file: the copy holds the same keys, balance and serial.
  const clonePath = join(o.dir, 'clone.card');
  copyFileSync(o.cardPath, clonePath);
  const clone = new PurseCard(await EmulatedCard.create({ store: new FileEeprom(clonePath, o.buildHash) }));
  await clone.select();
  await clone.verifyPin(o.pin);
  const copied = await clone.status();
  n.say(`  EEPROM copied: both cards hold balance ${money(copied.balance)}, last serial ${copied.serial}`);
  const spend = 5_000;
  const genuine = await o.home.till.sell(card, spend);
  const copy = await o.away.till.sell(clone, spend);
  const [home, away] = [o.home.book.merchant.id, o.away.book.merchant.id];
  n.say(
    `  offline: ${home} (${issuer.id}) took check #${genuine.serial} from the card, ${away} (${acquirer.id}) took check #${copy.serial} from the copy (${money(spend)} each)`,
  );

  const first = await o.home.book.deposit();
  n.say(`  ${home} deposit at ${issuer.id}: ${money(first.credited)} credited`);
  const taxiBefore = await balance(acquirer.db, 'merchant', away, currency);
  const presented = await o.away.book.deposit();
  const presentedCode = presented.outcomes[0]?.code ?? 0;
  n.say(
    `  ${away} deposit at ${acquirer.id}: receipt ${presentedCode} (presented to ${issuer.id}), ${money(presented.credited)} credited`,
  );
  const presentments = await presentmentsAnswered(acquirer);
  n.say(`  ${acquirer.id} presents the check to ${issuer.id}, the issuer of the purse, which finds the clone`);
  const second = await o.away.book.deposit();
  const code = second.outcomes[0]?.code ?? presentedCode;
  const taxiCredited = (await balance(acquirer.db, 'merchant', away, currency)) - taxiBefore;
  const fraudLoss = await balance(issuer.db, 'fraud_loss', issuer.service.bank.id, currency);
  n.say(
    `  ${away} asks again: ${code === 0 ? `${money(second.credited)} credited, paid by ${issuer.id} under its guarantee (the ${away} took a scheme-certified card offline by the rules)` : `refused ${code} (${errorDescriptions[code as ErrorCode]})`}`,
  );
  n.say(`  ${issuer.id} books the copy's check as fraud loss: ${money(-fraudLoss)}, owed to ${acquirer.id}`);

  const [evidence] = await issuer.db.query<{ proof: Uint8Array }>(
    'select proof from fraud_evidence where purse_id = $1',
    [purseId],
  );
  let evidenceVerified = false;
  if (evidence) {
    const proof = verifyFraudProof(new Uint8Array(evidence.proof), { anchors: o.anchors });
    const holds = (hash: Uint8Array | undefined) => hash !== undefined && proof.hashes.some((h) => equalBytes(h, hash));
    evidenceVerified =
      proof.purseId === purseId &&
      proof.serial === genuine.serial &&
      holds(first.outcomes[0]?.checkHash) &&
      holds(presented.outcomes[0]?.checkHash);
    n.say(
      `  fraud evidence at ${issuer.id}: two checks of ${proof.purseId} with serial ${proof.serial}, deposited at ${issuer.id} and ${acquirer.id}, both purse-signed (verified offline against the scheme root)`,
    );
  }
  const [purse] = await issuer.db.query<{ status: string }>('select status from purses where purse_id = $1', [purseId]);
  n.say(`  purse ${purseId}: ${purse?.status}`);
  const refusedAfterRefresh = async (at: { book: MerchantBook; till: Terminal }, where: string) => {
    await at.book.refreshRevocationList();
    try {
      await at.till.sell(card, 100);
    } catch (error) {
      if (!(error instanceof TerminalError)) throw error;
      n.say(`  ${where}: ${error.message.split(':')[0]} (${error.code}: revoked)`);
      return error.code;
    }
    return undefined;
  };
  const refusedAtB = await refusedAfterRefresh(
    o.away,
    `${away} (${acquirer.id}) after refreshing through ${acquirer.id}'s relay of ${issuer.id}'s list`,
  );
  const refusedAtA = await refusedAfterRefresh(o.home, `${home} (${issuer.id}) after refreshing its lists`);

  n.expect(`the first deposit of the value is credited (${home}, at ${issuer.id})`, first.credited === spend);
  n.expect(
    `the copy's check at ${away} is presented to ${issuer.id} (337), nothing credited until it answers`,
    presentedCode === ErrorCode.PresentedToIssuer && presented.credited === 0,
  );
  n.expect(`${acquirer.id} presented it and ${issuer.id} answered`, presentments.answered === presentments.made);
  n.expect(
    `the honest ${away} is paid the copy's check under ${issuer.id}'s guarantee`,
    code === 0 && second.credited === spend && taxiCredited === spend,
  );
  n.expect(`${issuer.id}'s fraud loss is the copy's check`, fraudLoss === -spend);
  n.expect('the fraud evidence verifies and holds the checks of both acquirers', evidenceVerified);
  n.expect('the purse is revoked for fraud', purse?.status === 'fraud');
  n.expect(
    `a terminal of ${acquirer.id} refuses the revoked purse after refreshing through its bank (206)`,
    refusedAtB === ErrorCode.Revoked,
  );
  n.expect(`a terminal of ${issuer.id} refuses it too (206)`, refusedAtA === ErrorCode.Revoked);
  return {
    firstDepositCredited: first.credited,
    presentedCode,
    secondDepositCode: code,
    secondDepositCredited: second.credited,
    taxiCredited,
    fraudLoss,
    evidenceVerified,
    purseStatus: purse?.status ?? '',
    refusedAtB,
    refusedAtA,
  };
}
