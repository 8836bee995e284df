// The EEPROM in the browser: one IndexedDB record per card, replaced in one transaction (IndexedDB
// commits a transaction whole or not at all), with the same header as the file store.
import { decodeImage, type EepromStore, encodeImage } from './store.ts';

const STORE = 'eeprom';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export class IndexedDbEeprom implements EepromStore {
  private db: Promise<IDBDatabase> | undefined;

  constructor(
    readonly cardId: string,
    readonly buildHash: Uint8Array,
    readonly dbName = 'smartcheck-card',
    private readonly factory: IDBFactory = globalThis.indexedDB,
  ) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const r = this.factory.open(this.dbName, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    return this.db;
  }

  async load(): Promise<Uint8Array | undefined> {
    const db = await this.open();
    const stored = (await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(this.cardId))) as
      | ArrayBuffer
      | undefined;
    return stored === undefined ? undefined : decodeImage(new Uint8Array(stored), this.buildHash);
  }

  async save(image: Uint8Array): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(STORE, 'readwrite', { durability: 'strict' });
    tx.objectStore(STORE).put(encodeImage(image, this.buildHash).buffer, this.cardId);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }
}
