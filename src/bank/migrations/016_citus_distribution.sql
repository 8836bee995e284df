-- Issue 18: a schema that distributes on Citus by purse id (docs/citus.md). One schema on every
-- database: the key changes below apply everywhere; the distribution itself (the DO block at the
-- end) only where the citus extension is installed, so PGlite and plain PostgreSQL keep their
-- tables local and their triggers as they were.
--
-- Citus requires every primary key and unique constraint of a distributed table to include its
-- distribution column. Each purse-keyed uniqueness becomes (purse_id, …); it is as strong as the
-- global one it replaces because the key covers the purse id: a check hash, a refund hash and a
-- load request hash are hashes of bytes the purse signed over its own purse id, a purse certificate
-- certifies that purse id, a renewal nonce and a value-token id are drawn at random by the bank
-- (16 bytes) for one purse, and a load nonce is checked across all purses by load.ts anyway.
alter table loads drop constraint loads_pkey;
alter table loads add primary key (purse_id, request_hash);
alter table loads drop constraint loads_nonce_key;
alter table loads add constraint loads_nonce_key unique (purse_id, nonce);
alter table loads drop constraint loads_token_id_key;
alter table loads add constraint loads_token_id_key unique (purse_id, token_id);

alter table checks drop constraint checks_check_hash_key;
alter table checks add constraint checks_check_hash_key unique (purse_id, check_hash);

alter table fraud_evidence drop constraint fraud_evidence_pkey;
alter table fraud_evidence add primary key (purse_id, check_hash);

alter table refunds drop constraint refunds_pkey;
alter table refunds add primary key (purse_id, refund_hash);
alter table refunds drop constraint refunds_check_hash_merchant_id_key;
alter table refunds add constraint refunds_check_hash_merchant_id_key unique (purse_id, check_hash, merchant_id);

alter table guarantees drop constraint guarantees_pkey;
alter table guarantees add primary key (purse_id, check_hash);

alter table purse_certificates drop constraint purse_certificates_pkey;
alter table purse_certificates add primary key (purse_id, id);
alter table purse_certificates drop constraint purse_certificates_certificate_key;
alter table purse_certificates add constraint purse_certificates_certificate_key unique (purse_id, certificate);

alter table renewal_nonces drop constraint renewal_nonces_pkey;
alter table renewal_nonces add primary key (purse_id, nonce);

-- Merchant-keyed: a batch hash is the hash of the merchant-signed deposit, which names the merchant.
alter table batches drop constraint batches_pkey;
alter table batches add primary key (merchant_id, batch_hash);

-- Two references Citus cannot hold, dropped everywhere: a load's ledger transaction lives with the
-- ledger on the coordinator (a distributed table cannot reference a coordinator-local one; the
-- invariants still tie each purse's loads to its loaded value and the e-money liability), and an
-- activation code (a reference table) names the purse it enrolled, which is distributed.
alter table loads drop constraint loads_tx_id_fkey;
alter table activation_codes drop constraint activation_codes_purse_id_fkey;

do $$
begin
  if not exists (select 1 from pg_extension where extname = 'citus') then
    return;
  end if;
  -- Catalogue: small, read by every node, written rarely → reference tables (a copy on each node).
  -- Referenced tables first: a foreign key may point at a reference table from anywhere.
  perform create_reference_table('bank_keys');
  perform create_reference_table('bank_key_generations');
  perform create_reference_table('credentials');
  perform create_reference_table('cardholders');
  perform create_reference_table('merchants');
  perform create_reference_table('activation_codes');
  perform create_reference_table('revocation_lists');
  perform create_reference_table('relayed_revocation_lists');

  -- Coordinator-local (Citus local tables): the double-entry ledger, posted once per batch and
  -- currency (not per check), its accounts and transactions tied by foreign keys and bigserial
  -- ids; the revocations and their version, whose trigger must see both; the append-only
  -- back-office record with its triggers (made Citus-local already by its key to credentials).
  perform citus_add_local_table_to_metadata('entries', cascade_via_foreign_keys => true);
  perform citus_add_local_table_to_metadata('revocations');
  perform citus_add_local_table_to_metadata('revocation_version');

  -- A purse's status change bumps the revocation version from the capture's own code on Citus
  -- (revoke() and settlement.ts): a trigger on a shard cannot write to the coordinator.
  drop trigger purse_status_changed on purses;
  -- The purse's certificate history is written by a trigger on the purse shard into the
  -- co-located purse_certificates shard (same node, same transaction): the one kind of trigger
  -- Citus runs on a shard. It names its table through the schema it was created in.
  execute format('alter function purse_certificate_issued() set search_path = %I', current_schema());
  perform set_config('citus.enable_unsafe_triggers', 'on', true);

  -- Purse-keyed: distributed by purse id, all co-located with purses, so a capture's per-purse
  -- work (lock, checks, shadow, guarantees, fraud evidence) stays in the purse's shard. A local
  -- table cannot reference a distributed one: the keys to purses are dropped while the tables are
  -- distributed one by one, then added again (co-located, each includes the distribution column).
  alter table loads drop constraint loads_purse_id_fkey;
  alter table refunds drop constraint refunds_purse_id_fkey;
  alter table purse_certificates drop constraint purse_certificates_purse_id_fkey;
  alter table renewal_nonces drop constraint renewal_nonces_purse_id_fkey;
  perform create_distributed_table('purses', 'purse_id');
  perform create_distributed_table('checks', 'purse_id', colocate_with => 'purses');
  perform create_distributed_table('loads', 'purse_id', colocate_with => 'purses');
  perform create_distributed_table('fraud_evidence', 'purse_id', colocate_with => 'purses');
  perform create_distributed_table('refunds', 'purse_id', colocate_with => 'purses');
  perform create_distributed_table('guarantees', 'purse_id', colocate_with => 'purses');
  perform create_distributed_table('purse_certificates', 'purse_id', colocate_with => 'purses');
  perform create_distributed_table('renewal_nonces', 'purse_id', colocate_with => 'purses');
  alter table loads add constraint loads_purse_id_fkey foreign key (purse_id) references purses (purse_id);
  alter table refunds add constraint refunds_purse_id_fkey foreign key (purse_id) references purses (purse_id);
  alter table purse_certificates add constraint purse_certificates_purse_id_fkey foreign key (purse_id) references purses (purse_id);
  alter table renewal_nonces add constraint renewal_nonces_purse_id_fkey foreign key (purse_id) references purses (purse_id);

  -- Merchant-keyed: the deposits and receipts, by merchant.
  perform create_distributed_table('batches', 'merchant_id', colocate_with => 'none');
end
$$;
