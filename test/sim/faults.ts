// The fault scheduler: the seeded PRNG decides, at each point where a fault may strike, whether it
// does; every fault injected is counted by kind. Rates are per opportunity, not per operation.
import type { Prng } from './prng.ts';

export const FAULT_KINDS = [
  'card-power-cut', // power cut at an EEPROM write of a card command (or of the recovery after it)
  'terminal-crash-before-store', // the terminal dies after accepting a check, before its journal append
  'terminal-crash-after-store', // ... after the append, before the sale completes
  'bank-crash-mid-capture', // a bank process dies at a capture step (verified/locked/inserted/booked)
  'lost-reply', // the bank did the work, the reply never arrives
  'duplicate-deposit', // the same deposit envelope delivered twice (to either process)
  'reordered-deposit', // a deposit held back and delivered after later ones
  'stale-revocation-list', // a terminal skips its revocation-list refresh while online
  'clone-card', // an EEPROM image copied into a second card that spends offline
  'tamper-slip', // a byte flipped in a purchase slip on its way to the card
  'tamper-check', // ... in a check on its way to the terminal or shop
  'tamper-deposit', // ... in a deposit envelope on its way to the bank
  'tamper-token', // ... in a value token on its way to the card
  'tamper-receipt', // ... in a capture receipt on its way to the merchant
  'acquirer-killed-before-send', // a bank process dies after a deposit committed its presentments, before sending them
  'peer-unreachable', // another bank of the scheme does not answer (a presentment, an offer, a list fetch)
  'lost-interbank-reply', // the other bank did the work, its reply never arrives
  'tamper-presentment', // a byte flipped in a sealed presentment on its way to the issuer
  'tamper-answer', // ... in the issuer's signed answer on its way back
  'tamper-statement', // ... in a settlement offer, or in the statement answering it
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type FaultRates = Record<FaultKind, number>;

export const DEFAULT_RATES: FaultRates = {
  'card-power-cut': 0.04,
  'terminal-crash-before-store': 0.02,
  'terminal-crash-after-store': 0.02,
  'bank-crash-mid-capture': 0.06,
  'lost-reply': 0.06,
  'duplicate-deposit': 0.05,
  'reordered-deposit': 0.05,
  'stale-revocation-list': 0.2,
  'clone-card': 0.004,
  'tamper-slip': 0.01,
  'tamper-check': 0.01,
  'tamper-deposit': 0.03,
  'tamper-token': 0.02,
  'tamper-receipt': 0.03,
  'acquirer-killed-before-send': 0.08,
  'peer-unreachable': 0.06,
  'lost-interbank-reply': 0.08,
  'tamper-presentment': 0.06,
  'tamper-answer': 0.06,
  'tamper-statement': 0.12,
};

export class Faults {
  readonly injected = new Map<FaultKind, number>(FAULT_KINDS.map((k) => [k, 0]));
  constructor(
    private readonly prng: Prng,
    private readonly rates: FaultRates = DEFAULT_RATES,
  ) {}

  /** Does fault `kind` strike at this opportunity? Counts it when it does. */
  strike(kind: FaultKind): boolean {
    if (!this.prng.chance(this.rates[kind])) return false;
    this.count(kind);
    return true;
  }

  /** Decides without counting: for faults armed now that may not fire (counted with count() when they do). */
  decide(kind: FaultKind): boolean {
    return this.prng.chance(this.rates[kind]);
  }

  count(kind: FaultKind): void {
    this.injected.set(kind, (this.injected.get(kind) ?? 0) + 1);
  }

  get total(): number {
    let n = 0;
    for (const v of this.injected.values()) n += v;
    return n;
  }
}

/** A copy of `bytes` with one byte changed at a PRNG-chosen position (never a no-op flip). */
export function flipByte(prng: Prng, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const at = prng.int(out.length);
  out[at] = (out[at] as number) ^ (1 + prng.int(255));
  return out;
}
