// EEPROM writes and the journal. Every change to EEPROM goes through eeWrite, which asks the host's
// EEPROM controller to copy the bytes: the host counts writes, persists the region, and in the
// tearing tests cuts power in the middle of any one of them. A value step is one transaction:
// its new bytes are built in RAM, written to the journal, committed by one single-byte write of
// the flag, then applied; a power cut before the flag leaves the card before the step, after it
// the next power on redoes the entries (the same bytes again: idempotent), so after the step.
import { EE, EE_SIZE, E_JOURNAL, E_JOURNAL_DATA, E_JOURNAL_LEN, JBUF, JBUF_MAX, JournalEntry, JOURNAL_MAX, R_BYTE, R_JOURNAL_LEN, R_ONE, R_ZERO } from './layout';

@external("eeprom", "write")
declare function hostWrite(dst: usize, src: usize, len: usize): void;

export function eeWrite(dst: usize, src: usize, len: usize): void {
  if (len == 0) return;
  if (dst < EE || dst + len > EE + EE_SIZE) unreachable();
  hostWrite(dst, src, len);
}

export function eeWriteU8(dst: usize, v: u8): void {
  store<u8>(R_BYTE, v);
  eeWrite(dst, R_BYTE, 1);
}

let jlen: usize = 0;

export function txBegin(): void {
  jlen = 0;
}

/** Adds `len` bytes from `src` as the new contents of EEPROM address `dst`. */
export function txAdd(dst: usize, src: usize, len: usize): void {
  if (jlen + JournalEntry.data + len > JOURNAL_MAX || jlen + JournalEntry.data + len > JBUF_MAX) unreachable();
  store<u16>(JBUF + jlen + JournalEntry.offset, <u16>(dst - EE));
  store<u16>(JBUF + jlen + JournalEntry.length, <u16>len);
  memory.copy(JBUF + jlen + JournalEntry.data, src, len);
  jlen += JournalEntry.data + len;
}

/** Writes the journal, commits it, applies it, clears it. */
export function txCommit(): void {
  store<u16>(R_JOURNAL_LEN, <u16>jlen);
  eeWrite(E_JOURNAL_DATA, JBUF, jlen);
  eeWrite(E_JOURNAL_LEN, R_JOURNAL_LEN, 2);
  store<u8>(R_ONE, 1);
  eeWrite(E_JOURNAL, R_ONE, 1); // the commit point
  apply(JBUF, jlen);
  store<u8>(R_ZERO, 0);
  eeWrite(E_JOURNAL, R_ZERO, 1);
  memory.fill(JBUF, 0, jlen); // the journal may have carried keys or a PIN hash
  jlen = 0;
}

function apply(base: usize, total: usize): void {
  let at: usize = 0;
  while (at + JournalEntry.data <= total) {
    const dst = EE + <usize>load<u16>(base + at + JournalEntry.offset);
    const len = <usize>load<u16>(base + at + JournalEntry.length);
    if (at + JournalEntry.data + len > total) return;
    eeWrite(dst, base + at + JournalEntry.data, len);
    at += JournalEntry.data + len;
  }
}

/** At power on: redo a committed journal whose application a power cut interrupted. */
export function recover(): bool {
  if (load<u8>(E_JOURNAL) != 1) return false;
  const total = <usize>load<u16>(E_JOURNAL_LEN);
  if (total > JOURNAL_MAX) unreachable();
  // Apply from a RAM copy: the entries' sources must not be EEPROM being overwritten.
  memory.copy(JBUF, E_JOURNAL_DATA, total);
  apply(JBUF, total);
  store<u8>(R_ZERO, 0);
  eeWrite(E_JOURNAL, R_ZERO, 1);
  memory.fill(JBUF, 0, total);
  return true;
}
