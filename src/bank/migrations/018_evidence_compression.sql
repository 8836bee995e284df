-- Issue 13: how the large evidence columns are stored. A 1,000-check deposit (batches.deposit, the
-- merchant-signed bytes, ~330 KB) and a presentment's signed bytes (which carry such deposits) are
-- TOASTed; PostgreSQL's default compression, pglz, costs ~10 ms of the server's CPU per 1,000-check
-- deposit, a quarter of its share of a capture. lz4 stores them as small (~65 % of the raw size) at a
-- fraction of that. A server built without lz4 (PGlite, whose pglz runs in WebAssembly) keeps them
-- uncompressed instead. Either applies to rows written from now on; older rows stay as they are and
-- read the same. On Citus the setting reaches the shards through the coordinator's ALTER TABLE.
do $$
begin
  if exists (select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)) then
    alter table batches alter column deposit set compression lz4;
    alter table presentments alter column bytes set compression lz4;
    alter table received_presentments alter column bytes set compression lz4;
  else
    alter table batches alter column deposit set storage external;
    alter table presentments alter column bytes set storage external;
    alter table received_presentments alter column bytes set storage external;
  end if;
end
$$;
