// How the demo speaks: headings, lines, each step with its time, and each check that must hold
// (kept for the verdict at the end). Quiet in tests: everything is still recorded, nothing printed.
import { formatMoney } from '../money.ts';

export interface Check {
  what: string;
  ok: boolean;
}

export interface Timing {
  step: string;
  ms: number;
  ops?: number;
}

export interface Narrator {
  say(line?: string): void;
  heading(text: string): void;
  /** Records a check that must hold and prints it with its outcome. */
  expect(what: string, ok: boolean): void;
  /** Runs one step and prints its time (per operation too when `ops` is given). */
  timed<T>(step: string, fn: () => Promise<T>, ops?: number): Promise<T>;
  /** An amount right-aligned for the demo's tables. */
  money(v: number): string;
  readonly checks: Check[];
  readonly timings: Timing[];
}

export function narrator(o: { quiet?: boolean; currency: string }): Narrator {
  const say = o.quiet ? () => {} : (line = '') => console.log(line);
  const checks: Check[] = [];
  const timings: Timing[] = [];
  return {
    say,
    heading: (text) => say(`\n${text}\n${'─'.repeat(text.length)}`),
    expect(what, ok) {
      checks.push({ what, ok });
      say(`  ${ok ? 'ok  ' : 'FAIL'}  ${what}`);
    },
    async timed(step, fn, ops) {
      const t = performance.now();
      const r = await fn();
      const ms = performance.now() - t;
      timings.push({ step, ms, ...(ops ? { ops } : {}) });
      say(
        `  ${step.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms${ops ? `  ${((ms * 1000) / ops).toFixed(0).padStart(7)} µs/op × ${ops}` : ''}`,
      );
      return r;
    },
    money: (v) => formatMoney(v, o.currency).padStart(14),
    checks,
    timings,
  };
}
