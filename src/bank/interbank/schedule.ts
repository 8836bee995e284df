// The bank server's schedule for interbank settlement (`ServerOptions.settleInterbankEveryS`): every
// interval, and once at start, BankService.closeSettlement runs as SCHEDULER, closing the cycle
// with every peer. A cycle that fails (a peer down, a presentment it has not booked yet) stays
// proposed and is offered again unchanged at the next run; several bank processes on one database
// may all run it: cycles are serialised per counterparty (cycles.ts).
import { SCHEDULER } from '../back-office/actions.ts';
import { type SettleLog, type SettleSchedule, scheduleRuns, type Timer } from '../settle-schedule.ts';
import type { PairClose } from './exchange.ts';

/** A day: the default cycle of a bank that settles on a schedule. */
export const INTERBANK_SETTLE_INTERVAL_S = 86_400;

/** What the schedule needs of the service (BankService). */
export interface InterbankSettleTarget {
  closeSettlement(by: typeof SCHEDULER): Promise<PairClose[]>;
}

export function scheduleInterbankSettlement(
  service: InterbankSettleTarget,
  o: { everyS: number; log: SettleLog; timer?: Timer },
): SettleSchedule {
  return scheduleRuns(
    () =>
      service
        .closeSettlement(SCHEDULER)
        .then((pairs) => {
          const failed = pairs.filter((p) => p.error);
          if (pairs.some((p) => p.cycle)) o.log.info({ pairs }, 'interbank settlement cycles closed');
          if (failed.length)
            o.log.error(
              { pairs: failed },
              'interbank settlement refused or unreachable; offered again at the next run',
            );
        })
        .catch((error: unknown) => o.log.error({ err: error }, 'interbank settlement failed; retried at the next run')),
    o,
  );
}
