// The record of back-office actions (table back_office_actions, append-only in the database:
// migration 003's trigger refuses update, delete and truncate). Each operation writes its record
// in the transaction of the change it makes, so a change without its record cannot commit; the
// audit (audit/actions.ts) checks funding and lost reports against their records, and every
// record against its credential's roles.
import type { Queryable } from '../db.ts';
import type { BackOfficeAction } from './credentials.ts';

/** Who acts: a back-office credential (over HTTP), or an in-process caller named by `name`. */
export interface Actor {
  /** The credential's id; null for a call made in this process (library, tests, simulator). */
  credentialId: string | null;
  name: string;
  /** The HTTP request the action came in (id, method, url, address), if any. */
  request?: Record<string, unknown>;
}

/** A caller in this process, not through the back office (the library used directly). */
export const IN_PROCESS: Actor = { credentialId: null, name: 'in-process' };

/**
 * The bank server's own schedule (settlement of lost cards): the system, not a person, so no
 * credential; one name for every bank process, since which process ran it does not matter (a
 * purse is settled once whichever runs first).
 */
export const SCHEDULER: Actor = { credentialId: null, name: 'scheduler' };

export type RecordedAction = BackOfficeAction | 'enrol';

/** Appends one action record; `detail` is what was asked (amounts, keys, limits), never a secret. */
export async function recordAction(
  q: Queryable,
  by: Actor,
  action: RecordedAction,
  subject: string,
  detail: Record<string, unknown>,
): Promise<void> {
  await q.query(
    'insert into back_office_actions (credential_id, actor, action, subject, detail, request) values ($1, $2, $3, $4, $5, $6)',
    [by.credentialId, by.name, action, subject, JSON.stringify(detail), by.request ? JSON.stringify(by.request) : null],
  );
}
