-- Interbank settlement cycles (docs: src/bank/interbank/README.md). A cycle is one pair of banks'
-- obligations up to a cutoff: the presentment transactions (011) it includes, settled at once.
--
-- settlement_cycles: this bank's side of cycle `cycle` with `counterparty`. 'proposed': this bank
-- closed it and signed its statement, the counterparty has not agreed yet (nothing booked);
-- 'agreed': both statements are held (ours and theirs, each signed by its bank, each the other's
-- mirror) and the net positions are booked as 'settlement' transactions (reference
-- `<counterparty>:<cycle>`, one per currency with a net other than 0). `position` is the highest
-- ledger transaction id the cycle includes on this bank's books.
create table settlement_cycles (
  counterparty   text not null,
  cycle          bigint not null check (cycle >= 1),
  status         text not null check (status in ('proposed', 'agreed')),
  cutoff         bigint not null,
  position       bigint not null,
  statement      bytea not null,
  peer_statement bytea,
  created_at     timestamptz not null default now(),
  agreed_at      timestamptz,
  primary key (counterparty, cycle),
  check ((status = 'agreed') = (peer_statement is not null))
);

-- Per cycle and currency, what the statement says: owed (this bank to the counterparty, gross),
-- due (the counterparty to this bank, gross) and the net booked at the close (owed − due).
create table settlement_lines (
  counterparty text not null,
  cycle        bigint not null,
  currency     text not null check (currency ~ '^[A-Z]{3}$'),
  owed         bigint not null check (owed >= 0),
  due          bigint not null check (due >= 0),
  net          bigint not null check (net = owed - due),
  primary key (counterparty, cycle, currency),
  foreign key (counterparty, cycle) references settlement_cycles (counterparty, cycle) on delete cascade
);

-- Each presentment transaction belongs to at most one cycle: what makes a presentment settled once.
create table settlement_items (
  tx_id        bigint primary key references transactions (id),
  counterparty text not null,
  cycle        bigint not null,
  foreign key (counterparty, cycle) references settlement_cycles (counterparty, cycle) on delete cascade
);
create index settlement_items_cycle on settlement_items (counterparty, cycle);
