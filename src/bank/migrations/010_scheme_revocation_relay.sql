-- Several banks in one scheme: the latest signed revocation list of every other issuer this bank
-- has received, kept as its issuer signed it so the bank can relay it to its merchants' terminals
-- (GET /v1/revocations), which verify it against the scheme root themselves. One row per issuer;
-- a list replaces the row only when its list number is higher.
create table relayed_revocation_lists (
  issuer_id    text primary key,
  list_number  bigint not null check (list_number >= 0),
  issued_at    bigint not null,
  bytes        bytea not null,
  received_at  bigint not null
);
