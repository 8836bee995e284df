-- Signed audit checkpoints (issue 19): an order over the evidence the auditor can page by, and the
-- checkpoints the audit writes (src/bank/audit/checkpoint/).

-- One insertion order over every evidence table: each row takes the next value of one sequence
-- when it is inserted. The column's default does it, so capture, loading, issuing and the back
-- office insert exactly as before (no code change). Safe for concurrent writers: nextval never
-- blocks and never gives a value twice; it is not transactional, so a value may commit after a
-- higher one, or never (a rolled-back insert leaves a gap). The checkpoint handles both: it covers
-- only the positions below which every transaction had ended (audit/checkpoint/position.ts), and
-- its Merkle roots are over the rows present, gaps and all. Adding a column with a volatile
-- default rewrites the table once, giving every existing row its own position (the backfill).
-- checks.status is the one evidence column that changes later (a refund reverses a check): the
-- checkpoint's leaves leave it out.
create sequence audit_evidence_position;

alter table loads add column audit_position bigint not null default nextval('audit_evidence_position');
alter table batches add column audit_position bigint not null default nextval('audit_evidence_position');
alter table checks add column audit_position bigint not null default nextval('audit_evidence_position');
alter table fraud_evidence add column audit_position bigint not null default nextval('audit_evidence_position');
alter table guarantees add column audit_position bigint not null default nextval('audit_evidence_position');
alter table refunds add column audit_position bigint not null default nextval('audit_evidence_position');
alter table purse_certificates add column audit_position bigint not null default nextval('audit_evidence_position');
alter table bank_key_generations add column audit_position bigint not null default nextval('audit_evidence_position');
alter table revocation_lists add column audit_position bigint not null default nextval('audit_evidence_position');
alter table back_office_actions add column audit_position bigint not null default nextval('audit_evidence_position');

-- The auditor pages each table by position (keyset pagination: where audit_position > $1).
create index loads_audit_position on loads (audit_position);
create index batches_audit_position on batches (audit_position);
create index checks_audit_position on checks (audit_position);
create index fraud_evidence_audit_position on fraud_evidence (audit_position);
create index guarantees_audit_position on guarantees (audit_position);
create index refunds_audit_position on refunds (audit_position);
create index purse_certificates_audit_position on purse_certificates (audit_position);
create index bank_key_generations_audit_position on bank_key_generations (audit_position);
create index revocation_lists_audit_position on revocation_lists (audit_position);
create index back_office_actions_audit_position on back_office_actions (audit_position);

-- The checkpoints, a chain per bank: `body` is the canonical CBOR the auditor signed (`signature`,
-- Ed25519 under the auditor's own key, never the bank's); `hash` is SHA-256 of the body, which the
-- next checkpoint names. number, position and created_at repeat the body for queries: the body is
-- what counts, and the audit reports a row that differs from it.
create table audit_checkpoints (
  bank_id    text not null,
  number     integer not null check (number >= 1),
  position   bigint not null,
  body       bytea not null,
  signature  bytea not null,
  hash       bytea not null,
  created_at timestamptz not null default now(),
  primary key (bank_id, number)
);
