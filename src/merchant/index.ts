// The merchant role: the book (shared by POS terminals and the web shop), its durable journal,
// and the offline POS terminal. See README.md beside this file. Browser-safe: the Node-only journal
// file (FileCheckStore, node:fs) is its own entry, ./file-store.ts (`smartcheck/merchant/file-store`).

export * from './book.ts';
export * from './errors.ts';
export * from './policy.ts';
export * from './store.ts';
export * from './terminal.ts';
