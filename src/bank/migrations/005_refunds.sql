-- Merchant refunds deposited at the bank (issue 16): the merchant-signed refund exactly as
-- received is the evidence, one per check and merchant. A refund of a check already credited
-- reversed it (check status 'refunded', transaction `reversal:<check hash>`, purse captured less);
-- a refund of a check not deposited yet keeps it from ever being credited (refused with 322).
-- No purse column changes: `purses.refunded` stays what lost-card settlement paid back to the
-- cardholder; a merchant refund gives the value back to the card, so it only lowers `captured`.
create table refunds (
  refund_hash  bytea primary key,
  check_hash   bytea not null,
  merchant_id  text not null,
  purse_id     text not null references purses(purse_id),
  serial       bigint not null check (serial >= 1),
  amount       bigint not null check (amount >= 0),
  currency     text not null,
  refund       bytea not null,
  created_at   timestamptz not null default now(),
  unique (check_hash, merchant_id)
);
