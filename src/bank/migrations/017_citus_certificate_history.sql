-- Issue 18, after 014 (audit positions): on Citus, the first line of a purse's certificate history
-- is written by the bank's code (issuing.ts), not by migration 008's trigger. That trigger runs on
-- the purse's shard, on a worker, where the default nextval('audit_evidence_position') draws from
-- the worker's own range (Citus gives each node group its own: group << 48), not the coordinator's:
-- the row got a position far above every other, the checkpoint stopped there, and every later row
-- was an "inserted" old one. Inserted through the coordinator, the row takes the coordinator's next
-- position like every other evidence row. Nothing changes on PGlite and plain PostgreSQL.
do $$
begin
  if not exists (select 1 from pg_extension where extname = 'citus') then
    return;
  end if;
  drop trigger purse_certificate_issued on purses;
end
$$;
