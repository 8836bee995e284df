// The browser's EEPROM store, on fake-indexeddb (a pure-JavaScript IndexedDB, since Node has none):
// the same header and refusals as the file store, and a card that survives a "reload".
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { loadApplet } from '../../src/card/applet.ts';
import { EmulatedCard } from '../../src/card/emulator.ts';
import { IndexedDbEeprom } from '../../src/card/idb-store.ts';
import { PurseCard } from '../../src/card/purse.ts';
import { EepromMismatchError } from '../../src/card/store.ts';
import { load, NOW, newCard, PIN, slip, verify } from './support.ts';

describe('IndexedDbEeprom', () => {
  it('is empty for a new card, and keeps the purse across a reload (a new emulator on the same database)', async () => {
    const { buildHash } = await loadApplet();
    const idb = new IDBFactory();
    expect(await new IndexedDbEeprom('card-1', buildHash, 'db', idb).load()).toBeUndefined();
    const rig = await newCard({ store: new IndexedDbEeprom('card-1', buildHash, 'db', idb) });
    await load(rig, 4_000);
    const check = await rig.card.purchase(slip(rig.w, 1_250), NOW);
    const again = new PurseCard(
      await EmulatedCard.create({ store: new IndexedDbEeprom('card-1', buildHash, 'db', idb) }),
    );
    await again.select();
    await again.verifyPin(PIN);
    expect(await again.status()).toMatchObject({ balance: 2_750, serial: 1 });
    expect(await again.reissueCheck(1)).toEqual(check);
    verify(rig.w, check);
    // another card id in the same database is another, blank, card
    expect(await new IndexedDbEeprom('card-2', buildHash, 'db', idb).load()).toBeUndefined();
  });

  it('refuses an image written by another applet build', async () => {
    const { buildHash } = await loadApplet();
    const idb = new IDBFactory();
    await newCard({ store: new IndexedDbEeprom('card-1', buildHash, 'db', idb) });
    const other = buildHash.slice();
    other[0]! ^= 1;
    await expect(new IndexedDbEeprom('card-1', other, 'db', idb).load()).rejects.toThrow(EepromMismatchError);
  });
});
