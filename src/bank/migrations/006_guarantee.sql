-- The issuer's guarantee (docs/guarantee.md): a check a terminal accepted offline by the rules is
-- paid even when its purse turns out to be cloned or overspent; what the purse's loaded value does
-- not cover is the issuer's fraud loss, bounded per purse by its certificate's offline limits.

-- fraud_loss: the issuer's own money paid to merchants under the guarantee, one account per bank
-- and currency; its balance is minus the loss. 'guarantee': the transactions that pay it.
alter table accounts drop constraint accounts_kind_check;
alter table accounts add constraint accounts_kind_check
  check (kind in ('cardholder', 'merchant', 'emoney', 'funding', 'fraud_loss'));
alter table transactions drop constraint transactions_kind_check;
alter table transactions add constraint transactions_kind_check
  check (kind in ('fund', 'load', 'capture', 'refund', 'payout', 'guarantee'));

-- 'guaranteed': a check past its purse's loaded value (an overspent copy) paid under the guarantee;
-- it is not in the purse's captured (that stays within loaded).
alter table checks drop constraint checks_status_check;
alter table checks add constraint checks_status_check check (status in ('credited', 'overspent', 'refunded', 'guaranteed'));

-- Every check paid under the guarantee: clone (a second check of a serial already captured; its
-- bytes and proof in fraud_evidence) or not (a check past the loaded value: checks row 'guaranteed').
-- The check's deposit and receipt are in batches (batch_hash, batch_index). The sum per purse is
-- its fraud loss, which the certificate's maxOfflineAmount and maxOfflineChecks bound.
create table guarantees (
  check_hash   bytea primary key,
  purse_id     text not null,
  serial       bigint not null,
  amount       bigint not null check (amount > 0),
  merchant_id  text not null,
  batch_hash   bytea not null,
  batch_index  integer not null,
  clone        boolean not null
);
create index guarantees_purse on guarantees(purse_id);
