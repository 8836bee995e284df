// The bank's revocations as one process holds them: a snapshot of the `revocations` table, read
// again only when its version (migration 009: bumped by triggers on every change of a revocation
// or of a purse's status, by any process) differs from the one the snapshot was read at. Each
// request costs one single-row read instead of the whole table, and the snapshot's id lets the
// verifier's workers keep the core's revoked set across batches (VerifyChecksOptions.revokedVersion).
// Never stale beyond one request: every deposit and load reads the version first.
import { revocationKey } from '../protocol/certificate.ts';
import type { Queryable } from './db.ts';

/** The revocations at one version. */
export interface RevokedNow {
  /** Names these revocations in this process: the same id always means the same lists. */
  version: string;
  /** Every revoked certificate as `issuer/subject`: what a load refuses. */
  all: ReadonlySet<string>;
  /**
   * The same without lost purses (their checks made before the loss stay capturable until the
   * purse is settled) and purses revoked as clones or overspent (capture/book.ts admits their
   * checks dated before the revocation reached the terminals, which the guarantee covers,
   * docs/guarantee.md): what a capture refuses; as a set, and sorted and frozen for the verifier.
   */
  capture: ReadonlySet<string>;
  captureList: readonly string[];
}

export class Revocations {
  // A random prefix: two ledgers in one process (tests, several services) count versions alike.
  readonly #tag = Math.random().toString(36).slice(2, 10);
  #current: { version: number; now: RevokedNow } | undefined;
  #reading: { version: number; promise: Promise<RevokedNow> } | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly bankId: string,
  ) {}

  /** The revocations now: the kept snapshot when the stored version is unchanged, else read again. */
  async current(): Promise<RevokedNow> {
    const [row] = await this.db.query<{ version: number }>('select version from revocation_version');
    const version = row?.version ?? 0;
    if (this.#current?.version === version) return this.#current.now;
    // Requests that find the same new version share one read.
    if (this.#reading?.version !== version) {
      const reading = { version, promise: this.#read() };
      this.#reading = reading;
      // A failed read is not kept: the next request reads again.
      reading.promise.catch(() => {
        if (this.#reading === reading) this.#reading = undefined;
      });
    }
    return this.#reading.promise;
  }

  /** Both lists and the version they belong to, in one statement (one snapshot of the database). */
  async #read(): Promise<RevokedNow> {
    const [row] = await this.db.query<{ version: number; subjects: string[] | null; capturable: string[] | null }>(
      `select (select version from revocation_version) as version,
              (select array_agg(subject order by subject) from revocations) as subjects,
              (select array_agg(r.subject) from revocations r join purses p on p.purse_id = r.subject
                where p.status in ('lost', 'fraud', 'overspent')) as capturable`,
    );
    const version = row?.version ?? 0;
    const capturable = new Set(row?.capturable ?? []);
    const subjects = row?.subjects ?? [];
    const captureList = Object.freeze(
      subjects.filter((s) => !capturable.has(s)).map((s) => revocationKey(this.bankId, s)),
    );
    const now: RevokedNow = {
      version: `revocations ${this.#tag}:${version}`,
      all: new Set(subjects.map((s) => revocationKey(this.bankId, s))),
      capture: new Set(captureList),
      captureList,
    };
    if (!this.#current || this.#current.version < version) this.#current = { version, now };
    return now;
  }
}
