// The emulated card in the page: the AssemblyScript applet (core-as) runs in the page's thread with
// its crypto coprocessor backed by core-rs, and its EEPROM image is one IndexedDB record, replaced
// in a strict-durability transaction after every command that wrote to it.
import { loadApplet } from '../card/applet.ts';
import { EmulatedCard } from '../card/emulator.ts';
import { IndexedDbEeprom } from '../card/idb-store.ts';
import { PurseCard } from '../card/purse.ts';

/** The IndexedDB key of this browser's card (one card per browser profile and origin). */
export const CARD_ID = 'purse';

export async function openCard(): Promise<{ card: PurseCard; reader: EmulatedCard }> {
  const applet = await loadApplet();
  const reader = await EmulatedCard.create({ store: new IndexedDbEeprom(CARD_ID, applet.buildHash) });
  const card = new PurseCard(reader);
  await card.select();
  return { card, reader };
}
