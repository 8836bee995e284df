-- The authenticated back office (issue 15): credentials, the append-only record of every
-- back-office action, and the one-time activation codes cardholders enrol with.

-- A back-office credential: a bearer token `scb_<credential_id>_<secret>`; only the SHA-256 of
-- the whole token is kept. roles: 'operator' (fund, lost, unblock), 'issuer' (cardholders,
-- merchants, purses, activation codes). Revoked, never deleted: the action records name it.
create table credentials (
  credential_id text primary key,
  name          text not null,
  roles         text[] not null check (roles <@ array['operator', 'issuer']::text[] and cardinality(roles) >= 1),
  token_hash    bytea not null check (length(token_hash) = 32),
  created_at    timestamptz not null default now(),
  revoked_at    timestamptz
);

-- Every back-office action that took effect, written in the transaction of the change it records
-- (funding, lost reports, cardholders, merchants, purses, enrolments) or before the answer leaves
-- (unblock signatures, activation codes). credential_id is null for a call made in-process (the
-- library, tests, the simulator): actor then names the caller. detail: what was asked (amounts,
-- keys, limits), never a secret; request: the HTTP request (id, method, url, address), if any.
create table back_office_actions (
  id            bigserial primary key,
  at            timestamptz not null default now(),
  credential_id text references credentials(credential_id),
  actor         text not null,
  action        text not null check (action in ('cardholder', 'fund', 'merchant', 'purse', 'lost', 'unblock', 'activation', 'enrol')),
  subject       text not null,
  detail        jsonb not null,
  request       jsonb
);
create index back_office_actions_subject on back_office_actions(action, subject);

-- A ledger from before this migration: its fundings and lost reports were made by the
-- unauthenticated back office; they are recorded as such, once, so the audit finds each its record.
insert into back_office_actions (actor, action, subject, detail)
  select 'before migration 003', 'fund', reference, '{}'::jsonb from transactions where kind = 'fund' group by reference;
insert into back_office_actions (actor, action, subject, detail)
  select 'before migration 003', 'lost', purse_id, '{}'::jsonb from purses where status in ('lost', 'settled');

-- Append-only, enforced by the database: no update, delete or truncate, whoever asks.
create function back_office_actions_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'back_office_actions is append-only (% refused)', tg_op;
end
$$;
create trigger back_office_actions_no_change before update or delete on back_office_actions
  for each row execute function back_office_actions_append_only();
create trigger back_office_actions_no_truncate before truncate on back_office_actions
  for each statement execute function back_office_actions_append_only();

-- A one-time activation code for a cardholder's enrolment (a purse personalised by the cardholder's
-- own device). Only the SHA-256 of the code is kept; it works once (used_at, purse_id), until
-- expires_at (unix seconds). limits: the offline limits the bank grants that purse.
create table activation_codes (
  code_hash     bytea primary key check (length(code_hash) = 32),
  cardholder_id text not null references cardholders(cardholder_id),
  limits        jsonb not null,
  expires_at    bigint not null,
  issued_by     text references credentials(credential_id),
  created_at    timestamptz not null default now(),
  used_at       bigint,
  purse_id      text references purses(purse_id)
);
