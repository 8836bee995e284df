// Simulated time: unix seconds that only the simulator advances. The bank services, terminals,
// shops and cards all read this clock; nothing in a run sleeps or reads the system clock.
export const SIM_EPOCH = 1_800_000_000;

export class SimClock {
  constructor(public now = SIM_EPOCH) {}
  /** The clock as the roles take it (`() => number`, unix seconds). */
  readonly read = (): number => this.now;
  advance(seconds: number): void {
    if (!Number.isSafeInteger(seconds) || seconds < 0) throw new RangeError(`advance(${seconds})`);
    this.now += seconds;
  }
}
