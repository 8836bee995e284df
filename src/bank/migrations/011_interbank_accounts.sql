-- Several banks in one scheme (docs: src/bank/interbank/README.md): what one bank owes another.
-- interbank: one account per counterparty bank (owner = its bank id) and currency. Its balance is
-- positive when this bank owes the counterparty (as issuer, for foreign merchants' checks drawn on
-- its purses) and negative when the counterparty owes this bank (as acquirer, for its merchants'
-- checks drawn on the counterparty's purses). The sum of all balances stays 0 within each bank.
-- 'presentment': a foreign check booked (issuer: e-money liability → interbank; acquirer:
-- interbank → merchant). 'settlement': an interbank position paid at a cycle's close.
alter table accounts drop constraint accounts_kind_check;
alter table accounts add constraint accounts_kind_check
  check (kind in ('cardholder', 'merchant', 'emoney', 'funding', 'fraud_loss', 'interbank'));
alter table transactions drop constraint transactions_kind_check;
alter table transactions add constraint transactions_kind_check
  check (kind in ('fund', 'load', 'capture', 'refund', 'payout', 'guarantee', 'presentment', 'settlement'));
