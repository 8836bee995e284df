-- Presentment of foreign checks (docs: src/bank/interbank/README.md). At the acquirer: the outbox of
-- signed presentments (one per captured deposit and issuer, written in the capture's transaction)
-- and the foreign checks they carry, each once (check_hash unique: the same check deposited again
-- is a duplicate here, as for the bank's own purses), with the issuer's signed answer once it
-- came. At the issuer: each presentment received, by id, with the answer given, so that the same
-- presentment sent again gets the same answer and books nothing.
create table presentments (
  presentment_id      bytea primary key,
  issuer_id           text not null,
  -- The issuer's bank certificate from the checks' purse chain: its key-exchange key seals the presentment.
  issuer_certificate  bytea not null,
  batch_hash          bytea not null,
  merchant_id         text not null,
  bytes               bytea not null,
  created_at          bigint not null,
  attempts            integer not null default 0,
  last_error          text,
  answer              bytea,
  answered_at         bigint
);
create index presentments_unanswered on presentments(created_at) where answer is null;
create index presentments_batch on presentments(batch_hash);

create table presented_checks (
  check_hash      bytea primary key,
  presentment_id  bytea references presentments(presentment_id),
  position        integer,
  batch_hash      bytea not null,
  batch_index     integer not null,
  purse_id        text not null,
  serial          bigint not null,
  amount          bigint not null,
  currency        text not null,
  status          text not null default 'presented' check (status in ('presented', 'accepted', 'refused')),
  code            integer,
  credited        bigint not null default 0
);
create index presented_checks_presentment on presented_checks(presentment_id, position);
create index presented_checks_batch on presented_checks(batch_hash);

create table received_presentments (
  presentment_id  bytea primary key,
  acquirer_id     text not null,
  batch_hash      bytea not null unique,
  bytes           bytea not null,
  answer          bytea not null,
  received_at     bigint not null
);
