// The merchant role: the book (shared by POS terminals and the web shop), its durable journal,
// and the offline POS terminal. See README.md beside this file.

export * from './book.ts';
export * from './errors.ts';
export * from './file-store.ts';
export * from './store.ts';
export * from './terminal.ts';
