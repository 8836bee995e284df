-- Issue 13: a version of what capture and loading refuse, so that a bank process keeps its
-- snapshot of the revocations (src/bank/revocations.ts) and reads one row per request instead of
-- the whole table. It changes whenever a revocation is added, changed or removed, and whenever a
-- purse's status changes (a lost purse stays capturable until it is settled), by whatever process
-- or statement does it.
create table revocation_version (
  one      boolean primary key default true check (one),
  version  bigint not null
);
insert into revocation_version (version) values (1);

create function revocation_version_bump() returns trigger language plpgsql as $$
begin
  update revocation_version set version = version + 1;
  return null;
end $$;

-- Deferred to commit: the version row is locked last, after every purse row a capture locks, so
-- two transactions never wait on each other in a cycle; and a reader that sees the new version
-- also sees the change.
create constraint trigger revocations_changed after insert or update or delete on revocations
  deferrable initially deferred for each row execute function revocation_version_bump();
create trigger revocations_truncated after truncate on revocations
  for each statement execute function revocation_version_bump();
create constraint trigger purse_status_changed after update of status on purses
  deferrable initially deferred for each row when (old.status is distinct from new.status)
  execute function revocation_version_bump();
