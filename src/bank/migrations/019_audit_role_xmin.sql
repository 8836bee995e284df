-- The incremental audit (issue 19) asks, per evidence table, which rows were written since the
-- last checkpoint's snapshot: those whose xmin (the system column naming the transaction that
-- wrote the row) is not older than the snapshot's. Only those periods are rehashed
-- (src/bank/audit/checkpoint/verify.ts). The evidence tables granted whole by 015 give xmin with
-- them; loads and back_office_actions are granted column by column, so xmin is granted on them
-- here. Unavoidable as a migration: the grant belongs to the schema, as 015's do. Like 015, a bank
-- whose database has no smartcheck_auditor role (its user may not create roles) skips it.
do $$
begin
  if exists (select from pg_roles where rolname = 'smartcheck_auditor') then
    grant select (xmin) on loads, back_office_actions to smartcheck_auditor;
  end if;
end
$$;
