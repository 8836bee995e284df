-- The auditor's read-only role (issue 19): `smartcheck bank audit` needs to read the signed
-- evidence, the public keys and certificates, and the books; nothing else, and never a secret.
-- smartcheck_auditor (no login) gets SELECT on exactly those, column by column where a table also
-- keeps a secret or what the audit does not need: credentials.token_hash (a credential's hash),
-- activation_codes.code_hash (an enrolment code's hash), back_office_actions.request (the HTTP
-- request's metadata). renewal_nonces and every other table are not granted. The bank's secret
-- keys left the ledger with migration 004. Granted although no signature covers them, because the
-- signed audit checkpoints hash them (audit/checkpoint/): loads.token and token_id (the value
-- token as sealed to its purse: ciphertext only that card opens) and back_office_actions.detail
-- (what an operator asked: amounts, ids, limits, never a secret, back-office/actions.ts). The
-- interbank tables (presentments 012, settlement 013) are evidence too; audit_checkpoints (014)
-- is the one table the auditor also writes.
-- An auditor logs in with its own role, member of this one: see src/bank/README.md § "The auditor".
-- Roles belong to the cluster, so the role is created once (several bank databases or schemas
-- may share a cluster: it may appear concurrently) and the grants are made in this schema. A
-- bank whose database user may not create roles gets a notice and no grants: its DBA creates
-- smartcheck_auditor and applies this file's grants by hand. On PGlite (one user) it is harmless.
do $$
begin
  begin
    if not exists (select from pg_roles where rolname = 'smartcheck_auditor') then
      create role smartcheck_auditor nologin;
    end if;
  exception
    when duplicate_object or unique_violation then null;
    when insufficient_privilege then
      raise notice 'smartcheck_auditor not created (no CREATEROLE): create it and grant as in 015_audit_role.sql';
      return;
  end;
  execute format('grant usage on schema %I to smartcheck_auditor', current_schema());
  grant select on accounts, transactions, entries, purses, checks, fraud_evidence, batches, guarantees,
    refunds, revocations, revocation_lists, bank_keys, bank_key_generations, merchants, cardholders,
    purse_certificates to smartcheck_auditor;
  grant select on presentments, presented_checks, received_presentments, settlement_cycles, settlement_lines,
    settlement_items to smartcheck_auditor;
  grant select, insert on audit_checkpoints to smartcheck_auditor;
  grant select on sequence audit_evidence_position to smartcheck_auditor;
  grant select (request_hash, purse_id, nonce, amount, token_id, token, request, tx_id, created_at, audit_position)
    on loads to smartcheck_auditor;
  grant select (credential_id, name, roles, created_at, revoked_at) on credentials to smartcheck_auditor;
  grant select (cardholder_id, limits, expires_at, issued_by, created_at, used_at, purse_id)
    on activation_codes to smartcheck_auditor;
  grant select (id, at, credential_id, actor, action, subject, detail, audit_position)
    on back_office_actions to smartcheck_auditor;
end
$$;
