// The report on one purse, from what the bank can know: its shadow account (loaded, captured,
// refunded, outstanding), its serial gaps, and the value signed but not deposited after N days.
// The bank never sees the card's own log (the wallet has it), so a missing check's amount is
// unknown: what is reported is how many checks are missing and known to be older than N days (a
// later serial was deposited before then, gaps.ts), and a bound on their value: no more than the
// purse's outstanding value, nor than that many checks at the certificate's per-check limit.
// Checks signed after the highest serial deposited are invisible to the bank and not counted.
import { parseCertificate } from '../../protocol/certificate.ts';
import type { Queryable } from '../db.ts';
import { BankError } from '../errors.ts';
import { gapsSignedBefore, type SerialGaps, serialGaps } from './gaps.ts';

/** Days after which a missing check is reported by default. */
export const UNDEPOSITED_DAYS = 7;
/** The longest look back a report takes, days. */
export const UNDEPOSITED_DAYS_MAX = 3_650;

export interface PurseReport {
  purseId: string;
  cardholderId: string;
  currency: string;
  status: string;
  /** Unix seconds; null while active. */
  revokedAt: number | null;
  /** A lost card: when its remaining value is paid back (unix seconds). */
  settleAfter: number | null;
  loaded: number;
  captured: number;
  refunded: number;
  /** loaded − captured − refunded: still on the card, or signed and not deposited yet. */
  outstanding: number;
  gaps: SerialGaps;
  undeposited: {
    days: number;
    /** The cut-off, unix seconds: checks known to be signed before it. */
    before: number;
    /** Missing serials known to be signed before the cut-off. */
    count: number;
    /** The highest serial deposited by the cut-off: the missing serials counted are below it. */
    belowSerial: number;
    /** The most those missing checks can be worth, minor units of `currency`. */
    atMost: number;
  };
  /** The certified per-check limit the bound uses. */
  maxPerCheck: number;
}

export async function purseReport(
  q: Queryable,
  purseId: string,
  now: number,
  days = UNDEPOSITED_DAYS,
): Promise<PurseReport> {
  if (!Number.isSafeInteger(days) || days < 0 || days > UNDEPOSITED_DAYS_MAX)
    throw new BankError('bad_request', `days: 0 to ${UNDEPOSITED_DAYS_MAX}`);
  const [p] = await q.query<{
    cardholder_id: string;
    currency: string;
    certificate: Uint8Array;
    status: string;
    loaded: number;
    captured: number;
    refunded: number;
    revoked_at: number | null;
    settle_after: number | null;
  }>(
    'select cardholder_id, currency, certificate, status, loaded, captured, refunded, revoked_at, settle_after from purses where purse_id = $1',
    [purseId],
  );
  if (!p) throw new BankError('not_found', `purse ${purseId}`);
  const outstanding = p.loaded - p.captured - p.refunded;
  const maxPerCheck = parseCertificate(new Uint8Array(p.certificate)).limits?.maxPerCheck ?? outstanding;
  const before = now - days * 86_400;
  const old = await gapsSignedBefore(q, purseId, before);
  const report: PurseReport = {
    purseId,
    cardholderId: p.cardholder_id,
    currency: p.currency,
    status: p.status,
    revokedAt: p.revoked_at,
    settleAfter: p.settle_after,
    loaded: p.loaded,
    captured: p.captured,
    refunded: p.refunded,
    outstanding,
    gaps: await serialGaps(q, purseId),
    undeposited: {
      days,
      before,
      count: old.count,
      belowSerial: old.belowSerial,
      atMost: Math.min(outstanding, old.count * maxPerCheck),
    },
    maxPerCheck,
  };
  return report;
}
