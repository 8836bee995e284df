// A short load run against `smartcheck bank serve` as a child process (bench/load/): a few seconds
// of overlapping deposits, loads, clones, replays and malformed requests, then the books. It
// asserts what must hold after any amount of traffic — never how fast it went.
import { describe, expect, it } from 'vitest';
import { type LoadOptions, runLoad } from '../../bench/load/index.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';

const PG_URL = process.env.DATABASE_URL ?? process.env.SMARTCHECK_PG_URL;

const small: LoadOptions = {
  seconds: 6,
  merchants: 4,
  purses: 24,
  clonePurses: 3,
  inFlight: 4,
  loaders: 1,
  batchMax: 20,
  malformedShare: 0.3,
  miscIntervalMs: 20,
  loadAmount: 20_000,
  workers: 1,
  seed: 7,
};

const drivers = [
  { name: 'PGlite on disk', url: undefined, skip: false },
  {
    name: PG_URL ? 'PostgreSQL' : 'PostgreSQL (skipped: set DATABASE_URL or SMARTCHECK_PG_URL)',
    url: PG_URL,
    skip: !PG_URL,
  },
];

describe.each(drivers)('load on loopback: $name', ({ url, skip }) => {
  it.skipIf(skip)(
    'keeps the books exact under overlapping deposits, clones, replays and malformed requests',
    { timeout: 180_000 },
    async () => {
      const run = await runLoad({ ...small, ...(url ? { databaseUrl: url } : {}) });
      const { stats, tally } = run.traffic;

      // Nothing unexpected was answered, and no request got a 5xx or a dropped connection.
      expect(stats.violations).toEqual([]);
      expect(stats.serverErrors()).toBe(0);
      // Every malformed request was refused with a 4xx, and the run did send some of each family.
      const rows = stats.answerRows();
      const malformed = rows.filter((r) => r.route.endsWith('(malformed)'));
      expect(malformed.every((r) => r.status >= 400 && r.status < 500)).toBe(true);
      for (const kind of [
        'truncated',
        'tampered',
        'wrong key',
        'wrong signer',
        'reused nonce',
        'garbage',
        'over the body limit (9 MiB)',
      ])
        expect(malformed.some((r) => r.kind === kind)).toBe(true);

      // Real work happened: checks credited, a clone caught (its check paid under the guarantee, so
      // never refused 309: the comparisons count its fraud proof and its guarantee), replays refused as duplicates.
      expect(stats.checksAccepted).toBeGreaterThan(0);
      expect(tally.clonedPurses.size).toBeGreaterThanOrEqual(1);
      expect(stats.outcomes.get(ErrorCode.CloneDetected)).toBeUndefined();
      expect(stats.outcomes.get(ErrorCode.DuplicateCheck) ?? 0).toBeGreaterThan(0);
      expect(run.traffic.finalRevoked.sort()).toEqual([...tally.clonedPurses].sort());

      // The books: the audit command, the ledger invariants, and each count against the receipts.
      expect(run.verification.auditExit).toBe(0);
      expect(run.verification.invariantViolations).toEqual([]);
      expect(run.verification.comparisons.filter((c) => !c.ok)).toEqual([]);
      expect(run.serverExit).toBe(0);
      expect(run.ok).toBe(true);
    },
  );
});
