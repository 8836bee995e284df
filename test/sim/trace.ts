// The run's trace: one line per event (operation, outcome, fault), folded into a running SHA-256.
// Two runs of one seed must produce the same hash: that is the determinism assertion. Only values
// the seed decides go in (amounts, serials, outcome codes, payload hashes of checks, which are
// functions of seeded fields); bytes that depend on key material or HPKE randomness (signatures,
// envelopes, token ids) never do, since card key generation draws from the platform CSPRNG.
import { createHash, type Hash } from 'node:crypto';

export class Trace {
  private hash: Hash = createHash('sha256');
  events = 0;
  /** The last lines, for the failure report. */
  private readonly tail: string[] = [];
  /** SIM_TRACE=1 prints every line (to follow a replayed seed). */
  private readonly print = process.env.SIM_TRACE === '1';
  constructor(private readonly keep = 40) {}

  add(op: number, line: string): void {
    const text = `${op} ${line}`;
    this.hash.update(text).update('\n');
    this.events++;
    if (this.print) process.stderr.write(`${text}\n`);
    this.tail.push(text);
    if (this.tail.length > this.keep) this.tail.shift();
  }

  /** The hash so far (the trace continues). */
  digest(): string {
    return this.hash.copy().digest('hex');
  }

  recent(): string[] {
    return [...this.tail];
  }
}
