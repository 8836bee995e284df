-- Lost cards settled on a schedule, and the reports (issue 16).
--
-- A settlement of a lost card is a back-office action ('settle'), recorded in the transaction that
-- pays the value back: by the bank server's scheduler (actor 'scheduler', no credential) or by an
-- operator's credential (POST /v1/admin/lost-cards/settle). The check constraint is 003's list
-- with 'settle' added.
alter table back_office_actions drop constraint back_office_actions_action_check;
alter table back_office_actions add constraint back_office_actions_action_check
  check (action in ('cardholder', 'fund', 'merchant', 'purse', 'lost', 'unblock', 'activation', 'enrol', 'settle'));

-- A ledger from before this migration: its settled purses were settled by a library call; each is
-- recorded once as such, so the audit finds every settled purse its record.
insert into back_office_actions (actor, action, subject, detail)
  select 'before migration 007', 'settle', purse_id, '{}'::jsonb from purses where status = 'settled';

-- The merchant statement reads a merchant's batches over a period, and their checks, without
-- scanning the whole ledger.
create index batches_merchant_created on batches(merchant_id, created_at);
create index checks_batch on checks(batch_hash);
