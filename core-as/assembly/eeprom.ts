// EEPROM writes and the journal. Every change to EEPROM goes through eeWrite, which asks the host's
// EEPROM controller to copy the bytes: the host counts writes, persists the region, and in the
// tearing tests cuts power in the middle of any one of them. A value step is one transaction:
// its new bytes are built in RAM, written to the journal, committed by one single-byte write of
// the flag, then applied; a power cut before the flag leaves the card before the step, after it
// the next power on redoes the entries (the same bytes again: idempotent), so after the step.
import { EE, EE_SIZE, E_JOURNAL, E_JOURNAL_DATA, JBUF, JOURNAL_MAX } from './layout';

@external("eeprom", "write")
declare function hostWrite(dst: usize, src: usize, len: usize): void;

const ONE: usize = 0x6ff0; // RAM byte holding 1
const ZERO: usize = 0x6ff1; // RAM byte holding 0

export function eeWrite(dst: usize, src: usize, len: usize): void {
  if (len == 0) return;
  if (dst < EE || dst + len > EE + EE_SIZE) unreachable();
  hostWrite(dst, src, len);
}

export function eeWriteU8(dst: usize, v: u8): void {
  store<u8>(ZERO + 8, v);
  eeWrite(dst, ZERO + 8, 1);
}

let jlen: usize = 0;

export function txBegin(): void {
  jlen = 0;
}

/** Adds `len` bytes from `src` as the new contents of EEPROM address `dst`. */
export function txAdd(dst: usize, src: usize, len: usize): void {
  if (jlen + 4 + len > JOURNAL_MAX || jlen + 4 + len > 0xc00) unreachable();
  store<u16>(JBUF + jlen, <u16>(dst - EE));
  store<u16>(JBUF + jlen + 2, <u16>len);
  memory.copy(JBUF + jlen + 4, src, len);
  jlen += 4 + len;
}

/** Writes the journal, commits it, applies it, clears it. */
export function txCommit(): void {
  store<u16>(ZERO + 10, <u16>jlen);
  eeWrite(E_JOURNAL_DATA, JBUF, jlen);
  eeWrite(E_JOURNAL + 2, ZERO + 10, 2);
  store<u8>(ONE, 1);
  eeWrite(E_JOURNAL, ONE, 1); // the commit point
  apply(JBUF, jlen);
  store<u8>(ZERO, 0);
  eeWrite(E_JOURNAL, ZERO, 1);
  memory.fill(JBUF, 0, jlen); // the journal may have carried keys or a PIN hash
  jlen = 0;
}

function apply(base: usize, total: usize): void {
  let at: usize = 0;
  while (at + 4 <= total) {
    const dst = EE + <usize>load<u16>(base + at);
    const len = <usize>load<u16>(base + at + 2);
    if (at + 4 + len > total) return;
    eeWrite(dst, base + at + 4, len);
    at += 4 + len;
  }
}

/** At power on: redo a committed journal whose application a power cut interrupted. */
export function recover(): bool {
  if (load<u8>(E_JOURNAL) != 1) return false;
  const total = <usize>load<u16>(E_JOURNAL + 2);
  if (total > JOURNAL_MAX) unreachable();
  // Apply from a RAM copy: the entries' sources must not be EEPROM being overwritten.
  memory.copy(JBUF, E_JOURNAL_DATA, total);
  apply(JBUF, total);
  store<u8>(ZERO, 0);
  eeWrite(E_JOURNAL, ZERO, 1);
  memory.fill(JBUF, 0, total);
  return true;
}
