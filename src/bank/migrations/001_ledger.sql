-- The ledger: double-entry accounts, balanced transactions, and the bank's evidence tables.
-- Every amount is an integer in minor units, 0 < amount ≤ 2^53 - 1.

create table bank_keys (
  bank_id      text primary key,
  root_id      text not null,
  root_public  bytea not null,
  root_secret  bytea not null,
  bank_secret  bytea not null,
  bank_public  bytea not null,
  kx_secret    bytea not null,
  kx_public    bytea not null,
  certificate  bytea not null,
  created_at   timestamptz not null default now()
);

-- kind: cardholder (the bank owes the cardholder), merchant (the bank owes the merchant),
-- emoney (outstanding e-money liability of one bank: loaded, not yet captured or refunded),
-- funding (money that came in from or went out to the outside world: cash, transfers).
-- balance is the sum of the account's entries; the sum of all balances is 0.
create table accounts (
  id        bigserial primary key,
  kind      text not null check (kind in ('cardholder', 'merchant', 'emoney', 'funding')),
  owner     text not null,
  currency  text not null check (currency ~ '^[A-Z]{3}$'),
  balance   bigint not null default 0,
  created_at timestamptz not null default now(),
  unique (kind, owner, currency)
);

create table transactions (
  id         bigserial primary key,
  kind       text not null check (kind in ('fund', 'load', 'capture', 'refund', 'payout')),
  reference  text not null,
  created_at timestamptz not null default now()
);

create table entries (
  id          bigserial primary key,
  tx_id       bigint not null references transactions(id),
  account_id  bigint not null references accounts(id),
  amount      bigint not null check (amount <> 0)
);
create index entries_tx on entries(tx_id);
create index entries_account on entries(account_id);

create table merchants (
  merchant_id  text primary key,
  certificate  bytea not null,
  created_at   timestamptz not null default now()
);

create table cardholders (
  cardholder_id text primary key,
  certificate   bytea,
  created_at    timestamptz not null default now()
);

-- The shadow account of a purse: what the bank loaded onto it and what it captured from it.
create table purses (
  purse_id       text primary key,
  cardholder_id  text not null references cardholders(cardholder_id),
  currency       text not null,
  certificate    bytea not null,
  loaded         bigint not null default 0 check (loaded >= 0),
  captured       bigint not null default 0 check (captured >= 0),
  refunded       bigint not null default 0 check (refunded >= 0),
  highest_serial bigint not null default 0,
  checks_count   bigint not null default 0,
  status         text not null default 'active' check (status in ('active', 'fraud', 'overspent', 'lost', 'settled')),
  revoked_at     bigint,
  settle_after   bigint,
  check (captured + refunded <= loaded)
);

-- Loads: the request's payload hash is the idempotency key; the token is kept to answer again.
create table loads (
  request_hash  bytea primary key,
  purse_id      text not null references purses(purse_id),
  nonce         bytea not null unique,
  amount        bigint not null check (amount > 0),
  token_id      bytea not null unique,
  token         bytea not null,
  request       bytea not null,
  tx_id         bigint not null references transactions(id),
  created_at    timestamptz not null default now()
);

-- Every accepted (or over-limit) check, one per (purse, serial): the constraint that makes a
-- second copy a duplicate and a second different check a clone. Its signed bytes are kept once, in
-- the merchant-signed deposit it came in (batches.deposit, at batch_index).
create table checks (
  purse_id     text not null,
  serial       bigint not null check (serial >= 1),
  check_hash   bytea not null unique,
  amount       bigint not null,
  merchant_id  text not null,
  batch_hash   bytea not null,
  status       text not null check (status in ('credited', 'overspent', 'refunded')),
  batch_index  integer not null,
  primary key (purse_id, serial)
);

-- Clones: the second check of a (purse, serial), with the fraud proof over both.
create table fraud_evidence (
  check_hash   bytea primary key,
  purse_id     text not null,
  serial       bigint not null,
  bytes        bytea not null,
  proof        bytea not null,
  created_at   timestamptz not null default now()
);

-- Deposit batches by payload hash: the merchant-signed deposit as received (the evidence for its
-- checks) and the signed receipt given for it.
create table batches (
  batch_hash   bytea primary key,
  deposit      bytea not null,
  merchant_id  text not null,
  batch_id     bytea not null,
  receipt      bytea not null,
  credited     bigint not null,
  checks_count integer not null,
  created_at   timestamptz not null default now()
);

create table revocations (
  subject     text primary key,
  reason      text not null,
  revoked_at  bigint not null
);

create table revocation_lists (
  list_number bigserial primary key,
  bytes       bytea not null,
  issued_at   bigint not null,
  subjects    integer not null
);
