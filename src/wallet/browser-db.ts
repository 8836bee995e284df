// The browser wallet's own IndexedDB database (the card's EEPROM lives apart, in IndexedDbEeprom):
// the wallet's settings, the cardholder's signing key and the payments made. The page and the
// crypto worker both open it; only the cardholder's crypto (cardholder-crypto.ts) reads `keys`.
const DB_NAME = 'smartcheck-wallet';
const VERSION = 1;
export type StoreName = 'settings' | 'keys' | 'payments';

let opened: Promise<IDBDatabase> | undefined;

function open(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const r = indexedDB.open(DB_NAME, VERSION);
    r.onupgradeneeded = () => {
      r.result.createObjectStore('settings');
      r.result.createObjectStore('keys');
      r.result.createObjectStore('payments');
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  return opened;
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export async function get<T>(store: StoreName, key: IDBValidKey): Promise<T | undefined> {
  const db = await open();
  const r = db.transaction(store, 'readonly').objectStore(store).get(key);
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result as T | undefined);
    r.onerror = () => reject(r.error);
  });
}

export async function getAll<T>(store: StoreName): Promise<T[]> {
  const db = await open();
  const r = db.transaction(store, 'readonly').objectStore(store).getAll();
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result as T[]);
    r.onerror = () => reject(r.error);
  });
}

/** Writes one record; durable when the promise resolves (strict durability: flushed to disk). */
export async function put(store: StoreName, key: IDBValidKey, value: unknown): Promise<void> {
  const db = await open();
  const tx = db.transaction(store, 'readwrite', { durability: 'strict' });
  tx.objectStore(store).put(value, key);
  await done(tx);
}

/** Adds a record only when the key is free; false when it was taken (first writer wins). */
export async function add(store: StoreName, key: IDBValidKey, value: unknown): Promise<boolean> {
  const db = await open();
  const tx = db.transaction(store, 'readwrite', { durability: 'strict' });
  const r = tx.objectStore(store).add(value, key);
  let taken = false;
  r.onerror = (event) => {
    if (r.error?.name !== 'ConstraintError') return;
    taken = true;
    event.preventDefault(); // a taken key is an answer, not a failure: keep the transaction
  };
  await done(tx);
  return !taken;
}
