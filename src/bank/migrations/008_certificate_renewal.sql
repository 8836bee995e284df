-- Certificate renewal (issue 16). purses.certificate is the purse's current certificate; this
-- history keeps every certificate the purse has held (all over the same purse keys), so checks
-- signed under an earlier one stay attributable and the audit verifies each. reason: 'issued'
-- (personalisation or enrolment), 'window' (renewed at a load near its end), 'rotation' (renewed
-- at a load after a bank key rotation), 'counter' (renewed at the bank's counter, back office).
create table purse_certificates (
  id          bigserial primary key,
  purse_id    text not null references purses(purse_id),
  certificate bytea not null unique,
  reason      text not null check (reason in ('issued', 'window', 'rotation', 'counter')),
  recorded_at timestamptz not null default now()
);
create index purse_certificates_purse on purse_certificates (purse_id);

-- The purses of before this migration: their current certificate is their first.
insert into purse_certificates (purse_id, certificate, reason) select purse_id, certificate, 'issued' from purses order by purse_id;

-- The nonces the bank's counter draws for a renewal (src/bank/renewal.ts): the card signs one with
-- its purse key to prove it is the card; each is good once (used_at) and until expires_at.
create table renewal_nonces (
  nonce      bytea primary key check (length(nonce) = 16),
  purse_id   text not null references purses(purse_id),
  expires_at bigint not null,
  used_at    bigint
);

-- Every purse inserted from now on (personalisation, enrolment, any path) starts its history.
create function purse_certificate_issued() returns trigger language plpgsql as $$
begin
  insert into purse_certificates (purse_id, certificate, reason) values (new.purse_id, new.certificate, 'issued');
  return new;
end
$$;
create trigger purse_certificate_issued after insert on purses
  for each row execute function purse_certificate_issued();
