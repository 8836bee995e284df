// The back office: every funding transaction, lost report and settlement has its action record
// (back_office_actions, written in the same transaction, append-only), and every action record
// was allowed: its credential live at that time and holding the action's role (RIGHTS), an
// enrolment backed by the activation code it used. In-process records (no credential: the library,
// tests, the simulator) name their caller and are not checked against a role. An incremental run
// looks only at the funding transactions newer than the last checkpoint (the action records are
// evidence the checkpoint hashes).

import { type BackOfficeAction, RIGHTS } from '../back-office/credentials.ts';
import type { Queryable } from '../db.ts';
import { type AuditContext, TABLES, type TransactionRow } from './context.ts';
import { pages } from './stream.ts';

type ActionRow = {
  id: number;
  action: string;
  subject: string;
  credential_id: string | null;
  roles: string[] | null;
  revoked: boolean;
  enrolled: boolean;
};

export async function auditActions(ctx: AuditContext, q: Queryable): Promise<void> {
  const recorded = new Set(
    (
      await q.query<{ action: string; subject: string }>('select distinct action, subject from back_office_actions')
    ).map((r) => `${r.action}\u0000${r.subject}`),
  );
  const newer = ctx.newTransactions('id');
  for await (const { rows } of pages<TransactionRow>(
    q,
    { ...TABLES.transactions, filter: newer ? `kind = 'fund' and ${newer}` : "kind = 'fund'" },
    ctx.paging,
  ))
    for (const t of rows)
      if (!recorded.has(`fund\u0000${t.reference}`))
        ctx.add(
          'action_missing',
          'transactions',
          String(t.id),
          `funding ${t.reference} has no back-office action record`,
        );
  // A lost report sets the purse lost (settled after its window); an operator's own revoke() of
  // an active purse is another thing (the purse stays active) and is not a lost report.
  for (const p of ctx.rows.purses)
    if ((p.status === 'lost' || p.status === 'settled') && !recorded.has(`lost\u0000${p.purse_id}`))
      ctx.add(
        'action_missing',
        'purses',
        p.purse_id,
        `${p.status} with no back-office action record of its lost report`,
      );
  // A settlement pays a lost card's value back: recorded in its transaction, by the scheduler or
  // an operator.
  for (const p of ctx.rows.purses)
    if (p.status === 'settled' && !recorded.has(`settle\u0000${p.purse_id}`))
      ctx.add('action_missing', 'purses', p.purse_id, 'settled with no back-office action record of its settlement');

  const actions = await q.query<ActionRow>(
    `select a.id, a.action, a.subject, a.credential_id, c.roles,
            coalesce(c.revoked_at <= a.at, false) as revoked,
            exists (select 1 from activation_codes k where k.purse_id = a.subject) as enrolled
       from back_office_actions a left join credentials c using (credential_id) order by a.id`,
  );
  for (const a of actions) {
    const key = String(a.id);
    if (a.action === 'enrol') {
      if (a.credential_id !== null || !a.enrolled)
        ctx.add(
          'action_unauthorised',
          'back_office_actions',
          key,
          `enrolment of ${a.subject} without its activation code`,
        );
      continue;
    }
    if (a.credential_id === null) continue;
    const role = RIGHTS[a.action as BackOfficeAction];
    if (a.revoked)
      ctx.add(
        'action_unauthorised',
        'back_office_actions',
        key,
        `${a.action} by credential ${a.credential_id} after its revocation`,
      );
    else if (!role || !a.roles?.includes(role))
      ctx.add(
        'action_unauthorised',
        'back_office_actions',
        key,
        `${a.action} by credential ${a.credential_id}, whose roles (${a.roles?.join(', ')}) lack ${role}`,
      );
  }
}
