// `smartcheck bank settle-lost` and `bank report purse|merchant`: the settlement of lost cards on
// demand and the reports, through a running bank's back office with a credential (role operator),
// like register, fund and revoke. Amounts are shown as money (src/money.ts); --json prints the
// bank's answer as it is (amounts in minor units).
import { type Command, InvalidArgumentError } from 'commander';
// Constants only: the report module loads neither the database nor the server.
import { UNDEPOSITED_DAYS, UNDEPOSITED_DAYS_MAX } from '../bank/reports/purse.ts';
import { formatMoney } from '../money.ts';
import {
  backOfficeClient,
  bankOption,
  emit,
  fields,
  helpText,
  idArg,
  int,
  jsonOption,
  table,
  tokenOption,
} from './common.ts';

type Remote = { bank: string; tokenFile?: string; json?: boolean };

const iso = (unix: number) => new Date(unix * 1000).toISOString().replace('.000Z', 'Z');

/** `--from`/`--to`: an ISO 8601 date (UTC midnight) or date-time, or unix seconds. */
function instant(name: string) {
  return (value: string): number => {
    const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
    if (!Number.isSafeInteger(ms) || ms < 0)
      throw new InvalidArgumentError(`${name}: a date (2026-12-01), a date-time (2026-12-01T08:00Z) or unix seconds`);
    return Math.floor(ms / 1000);
  };
}

/** Serial ranges as "3–4, 9" (and "…" when the bank listed only the first ones). */
function rangesText(gaps: { count: number; ranges: { from: number; to: number }[] }): string {
  const listed = gaps.ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}–${r.to}`));
  const shown = gaps.ranges.reduce((n, r) => n + r.to - r.from + 1, 0);
  return `${listed.join(', ')}${shown < gaps.count ? ', …' : ''}`;
}

export function bankReportCommands(bank: Command): void {
  helpText(
    jsonOption(
      tokenOption(
        bankOption(
          bank
            .command('settle-lost')
            .description(
              "settle now the lost cards past their settlement window (role operator): each one's remaining value back to its cardholder's account; `bank serve` also does it on its schedule (--settle-interval)",
            ),
        ),
      ),
    ).action(async (o: Remote) => {
      const settled = await (await backOfficeClient(o.bank, o)).settleLost();
      emit(o.json, { settled }, () => {
        if (!settled.length) return console.log('no lost card past its settlement window');
        console.log(`settled ${settled.length} lost card${settled.length === 1 ? '' : 's'}:`);
        table(
          ['purse', 'cardholder', 'paid back'],
          settled.map((s) => [s.purseId, s.cardholderId, formatMoney(s.refunded, s.currency)]),
        );
      });
    }),
    `
Idempotent: a card is settled once, whoever runs first (another bank process, the schedule, a
rerun); the answer lists those this run settled. Each is recorded as a back-office action.

Example:
  smartcheck bank settle-lost --json`,
  );

  const report = bank
    .command('report')
    .description('reports of the back office (role operator): a purse, a merchant statement');

  helpText(
    jsonOption(
      tokenOption(
        bankOption(
          report
            .command('purse')
            .description(
              "a purse's shadow account, its serial gaps (checks signed that never reached the bank) and the value signed but not deposited after --days",
            )
            .argument('<purse>', 'purse id', idArg('purse')),
        ),
      ),
    )
      .option(
        '--days <n>',
        'report missing checks known to be older than this',
        int('days', 0, UNDEPOSITED_DAYS_MAX),
        UNDEPOSITED_DAYS,
      )
      .action(async (purseId: string, o: Remote & { days: number }) => {
        const r = await (await backOfficeClient(o.bank, o)).purseReport(purseId, { days: o.days });
        const money = (minor: number) => formatMoney(minor, r.currency);
        const u = r.undeposited;
        emit(o.json, r, () =>
          fields([
            ['purse', `${r.purseId} (cardholder ${r.cardholderId}, ${r.currency}), ${r.status}`],
            ...(r.revokedAt !== null ? [['revoked', iso(r.revokedAt)] as [string, string]] : []),
            ...(r.settleAfter !== null
              ? [[r.status === 'settled' ? 'settled after' : 'settles after', iso(r.settleAfter)] as [string, string]]
              : []),
            ['loaded', money(r.loaded)],
            ['captured', money(r.captured)],
            ['refunded', money(r.refunded)],
            ['outstanding', money(r.outstanding)],
            ['serials', `highest ${r.gaps.highestSerial}, ${r.gaps.deposited} deposited`],
            ['gaps', r.gaps.count ? `${r.gaps.count} missing: ${rangesText(r.gaps)}` : 'none'],
            [
              `after ${u.days} days`,
              u.count
                ? `${u.count} signed before ${iso(u.before)} (below serial ${u.belowSerial}) not deposited, worth at most ${money(u.atMost)}`
                : `nothing signed before ${iso(u.before)} is missing`,
            ],
          ]),
        );
      }),
    `
What the bank knows: the checks deposited. A missing serial below the highest deposited is a check
the card signed that never reached the bank; it is older than --days when a later serial was
deposited before then. Its amount is unknown: at most the outstanding value, and at most the
certified per-check limit each. Checks signed after the highest serial deposited are not seen.

Example:
  smartcheck bank report purse P-alice-1 --days 14`,
  );

  helpText(
    jsonOption(
      tokenOption(
        bankOption(
          report
            .command('merchant')
            .description(
              "a merchant's statement: credited checks and receipts over a period, totals per currency, each batch with its receipt hash",
            )
            .argument('<merchant>', 'merchant id', idArg('merchant')),
        ),
      ),
    )
      .option(
        '--from <when>',
        'start, included: a date, a date-time or unix seconds (default: 30 days before --to)',
        instant('from'),
      )
      .option('--to <when>', 'end, excluded (default: now, everything booked so far)', instant('to'))
      .option('--limit <n>', 'batches listed', int('limit', 1, 1_000), 100)
      .option('--offset <n>', 'batches skipped (the next page)', int('offset', 0, Number.MAX_SAFE_INTEGER), 0)
      .action(async (merchantId: string, o: Remote & { from?: number; to?: number; limit: number; offset: number }) => {
        const r = await (await backOfficeClient(o.bank, o)).merchantStatement(merchantId, {
          ...(o.from !== undefined ? { from: o.from } : {}),
          ...(o.to !== undefined ? { to: o.to } : {}),
          limit: o.limit,
          offset: o.offset,
        });
        emit(o.json, r, () => {
          console.log(`merchant ${r.merchantId}, captured from ${iso(r.from)} to ${iso(r.to)} (excluded)`);
          if (!r.totals.length) console.log('no check credited in this period');
          else
            table(
              ['currency', 'checks', 'credited', 'refunded', 'net'],
              r.totals.map((t) => [
                t.currency,
                t.checks,
                formatMoney(t.credited, t.currency),
                `${formatMoney(t.refunded, t.currency)} (${t.refundedChecks})`,
                formatMoney(t.net, t.currency),
              ]),
            );
          const b = r.batches;
          if (!b.total) return;
          console.log(`\nbatches ${b.offset + 1}–${b.offset + b.items.length} of ${b.total}:`);
          table(
            ['captured', 'checks', 'credited', 'batch id', 'receipt sha-256'],
            b.items.map((i) => [
              iso(i.at),
              i.checks,
              i.credited.map((c) => formatMoney(c.amount, c.currency)).join(', ') || '-',
              i.batchId,
              i.receiptHash,
            ]),
          );
          if (b.offset + b.items.length < b.total) console.log(`more: --offset ${b.offset + b.items.length}`);
        });
      }),
    `
The period is of capture time (when the bank booked each batch). The receipt hash is SHA-256 of
the signed capture receipt the merchant holds: the two can be matched line by line.

Example:
  smartcheck bank report merchant shop-1 --from 2026-11-01 --to 2026-12-01`,
  );
}
