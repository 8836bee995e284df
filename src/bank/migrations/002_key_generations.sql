-- Bank key rotation: every signing and key-exchange key pair the bank has had, each with the
-- certificate the root gave it. The highest generation is current: it signs everything the bank
-- signs or issues. Older generations are kept, never deleted: the certificates they issued keep
-- verifying (they carry their bank certificate), and envelopes still sealed to their key-exchange
-- key are opened by trying each generation in turn. bank_keys keeps the root and a copy of the
-- current generation (its number in bank_keys.generation).
create table bank_key_generations (
  bank_id      text not null references bank_keys(bank_id),
  generation   integer not null check (generation >= 1),
  bank_secret  bytea not null,
  bank_public  bytea not null unique,
  kx_secret    bytea not null,
  kx_public    bytea not null unique,
  certificate  bytea not null,
  created_at   timestamptz not null default now(),
  primary key (bank_id, generation)
);

-- A bank created before this migration: its keys are generation 1.
insert into bank_key_generations (bank_id, generation, bank_secret, bank_public, kx_secret, kx_public, certificate, created_at)
  select bank_id, 1, bank_secret, bank_public, kx_secret, kx_public, certificate, created_at from bank_keys;

alter table bank_keys add column generation integer not null default 1;

-- The generation whose key signed each revocation list: a stored list signed by an older
-- generation is not handed out again after a rotation.
alter table revocation_lists add column key_generation integer not null default 1;
