// Cards in the simulation: emulated cards (the real applet) whose EEPROM lives in memory, with
// power cuts the fault scheduler arms at a PRNG-chosen EEPROM write of a command, and again of the
// recovery at the next power on. A clone is a second card booted from a copy of the EEPROM image.

import type { Database } from '../../src/bank/db.ts';
import type { Bank } from '../../src/bank/issuing.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { PurseCard, personalise } from '../../src/card/purse.ts';
import { PowerCutError } from '../../src/card/reader.ts';
import { MemoryEeprom } from '../../src/card/store.ts';
import type { OfflineLimits } from '../../src/protocol/certificate.ts';
import type { Faults } from './faults.ts';
import type { Prng } from './prng.ts';

export const PIN = '2468';
export const CURRENCY = 'IDR';
export const LIMITS: OfflineLimits = {
  currency: CURRENCY,
  maxBalance: 2_000_000,
  maxPerCheck: 150_000,
  maxOfflineChecks: 40,
  maxOfflineAmount: 1_500_000,
};

/** The card lost power in the middle of a command: it is before or after it, the host cannot tell. */
export class CardTorn extends Error {
  constructor(readonly write: number) {
    super(`power cut at EEPROM write ${write}`);
    this.name = 'CardTorn';
  }
}

export class SimCard {
  /** Power cuts that struck this card (commands and recoveries). */
  cuts = 0;
  constructor(
    readonly name: string,
    readonly purseId: string,
    readonly cardholderId: string,
    /** The bank that issued it (its purse's issuer). */
    readonly bankId: string,
    readonly store: MemoryEeprom,
    public emulator: EmulatedCard,
    public card: PurseCard,
    /** The card this one was copied from (a clone), if any. */
    readonly cloneOf?: SimCard,
  ) {}

  /**
   * Runs card commands; the fault scheduler may cut the power at one of their EEPROM writes. A cut
   * throws CardTorn after the card is powered on again (its recovery possibly cut too).
   */
  async run<T>(prng: Prng, faults: Faults, fn: (card: PurseCard) => Promise<T>): Promise<T> {
    const arm = faults.decide('card-power-cut');
    if (arm) {
      this.emulator.cutAtWrite = this.emulator.writes + prng.range(1, 10);
      this.emulator.cutLands = prng.chance(0.5) ? 'half' : 'none';
    }
    let result: T;
    try {
      result = await fn(this.card);
    } catch (error) {
      if (!(error instanceof PowerCutError) && this.emulator.powered) throw error;
      // the cut escaped, or a caller (the wallet's recoverLoads) reported it as a result and went on
      this.emulator.cutAtWrite = undefined;
      this.cuts++;
      faults.count('card-power-cut');
      await this.powerUp(prng, faults);
      throw new CardTorn(error instanceof PowerCutError ? error.writes : 0);
    } finally {
      this.emulator.cutAtWrite = undefined;
    }
    if (!this.emulator.powered) {
      this.cuts++;
      faults.count('card-power-cut');
      await this.powerUp(prng, faults);
      throw new CardTorn(0);
    }
    return result;
  }

  /** Powers the card on (the applet completes or rolls back a torn step), selects it, verifies the PIN. */
  async powerUp(prng: Prng, faults: Faults): Promise<void> {
    for (;;) {
      // the recovery itself may be cut (counted as another power cut)
      if (faults.decide('card-power-cut')) {
        this.emulator.cutAtWrite = prng.range(1, 6);
        this.emulator.cutLands = prng.chance(0.5) ? 'half' : 'none';
      }
      try {
        await this.emulator.powerOn();
        this.emulator.cutAtWrite = undefined;
        break;
      } catch (error) {
        this.emulator.cutAtWrite = undefined;
        if (!(error instanceof PowerCutError)) throw error;
        this.cuts++;
        faults.count('card-power-cut');
      }
    }
    await this.card.select();
    await this.card.verifyPin(PIN);
  }
}

/**
 * A card personalised by the bank for `cardholderId`: the card generates its keys (from the
 * platform CSPRNG: the applet's coprocessor is not seeded), the bank certifies them as purse
 * `purseId` and records the purse in its database.
 */
export async function issueCard(
  db: Database,
  bank: Bank,
  o: { name: string; purseId: string; cardholderId: string; now: number },
): Promise<SimCard> {
  const store = new MemoryEeprom();
  const emulator = await EmulatedCard.create({ store });
  const card = new PurseCard(emulator);
  const certificate = await personalise(card, {
    bank: bank.party,
    roots: [{ id: bank.root.id, publicKey: bank.root.publicKey }],
    purseId: o.purseId,
    limits: LIMITS,
    pin: PIN,
    notBefore: o.now - 86_400,
    notAfter: o.now + 3 * 365 * 86_400,
  });
  await db.query('insert into purses (purse_id, cardholder_id, currency, certificate) values ($1, $2, $3, $4)', [
    o.purseId,
    o.cardholderId,
    CURRENCY,
    Buffer.from(certificate),
  ]);
  await card.verifyPin(PIN);
  return new SimCard(o.name, o.purseId, o.cardholderId, bank.id, store, emulator, card);
}

/** A clone: a second card booted from a copy of `of`'s EEPROM image (what an attacker who read it out holds). */
export async function cloneCard(of: SimCard, name: string): Promise<SimCard> {
  const store = new MemoryEeprom(of.store.image);
  const emulator = await EmulatedCard.create({ store });
  const card = new PurseCard(emulator);
  await card.select();
  await card.verifyPin(PIN);
  return new SimCard(name, of.purseId, of.cardholderId, of.bankId, store, emulator, card, of);
}
