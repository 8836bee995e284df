// The bank server's schedule for settling lost cards: every `everyS` seconds (and once at start,
// to catch up after the process was down) BankService.settleLost runs as SCHEDULER. A run still
// going when the next is due is not doubled; a failed run is logged and the next one tries again
// (a purse is settled in its own transaction, so a failure settles it later, never twice). Several
// bank processes on one database may all run it: settleLost locks each purse and settles it once.
// The runner itself (scheduleRuns) also drives the interbank settlement's schedule.
import { SCHEDULER } from './back-office/actions.ts';
import type { Settled } from './settlement.ts';

/** The default interval of `bank serve --settle-interval`: hourly (a settlement window is days). */
export const SETTLE_INTERVAL_S = 3_600;

/** What the schedule needs of the service and the server (BankService; the server's logger). */
export interface SettleTarget {
  settleLost(by: typeof SCHEDULER): Promise<Settled[]>;
}
export interface SettleLog {
  info(o: object, msg: string): void;
  error(o: object, msg: string): void;
}

/** Calls `run` every `ms` until the returned function is called; the default is setInterval, unref'd. */
export type Timer = (run: () => void, ms: number) => () => void;

const intervalTimer: Timer = (run, ms) => {
  const handle = setInterval(run, ms);
  handle.unref();
  return () => clearInterval(handle);
};

export interface SettleSchedule {
  /** One run now (what the timer calls); resolves when it is done. */
  tick(): Promise<void>;
  /** No run from now on; resolves when the one in progress, if any, is done. */
  stop(): Promise<void>;
}

export function scheduleSettlement(
  service: SettleTarget,
  o: { everyS: number; log: SettleLog; timer?: Timer },
): SettleSchedule {
  return scheduleRuns(
    () =>
      service
        .settleLost(SCHEDULER)
        .then((settled) => {
          if (settled.length) o.log.info({ settled }, 'lost cards settled');
        })
        .catch((error: unknown) =>
          o.log.error({ err: error }, 'settlement of lost cards failed; retried at the next run'),
        ),
    o,
  );
}

/**
 * `run` every `everyS` seconds and once at start, never two at once (a tick while one runs waits
 * for it); `run` handles its own failures (it logs them). Shared by the lost cards' schedule and
 * the interbank settlement's (interbank/schedule.ts).
 */
export function scheduleRuns(run: () => Promise<void>, o: { everyS: number; timer?: Timer }): SettleSchedule {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
  const cancel = (o.timer ?? intervalTimer)(() => void tick(), o.everyS * 1000);
  void tick();
  return {
    tick,
    async stop() {
      stopped = true;
      cancel();
      await running;
    },
  };
}
