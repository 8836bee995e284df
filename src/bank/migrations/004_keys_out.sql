-- Keys out of the ledger: the bank's secret keys (root, signing, key-exchange) live in its key
-- store (src/bank/keys/: an encrypted file or a PKCS#11 token); the database keeps the public
-- keys and certificates only, so a dump or a backup of it holds no secret key.
-- A ledger that still holds secrets is refused, with what to do: `smartcheck bank keys export`
-- moves them into a key store and blanks them (empty bytea), then this migration drops the columns.
do $$ begin if exists (select 1 from bank_keys where length(root_secret) > 0 or length(bank_secret) > 0 or length(kx_secret) > 0) or exists (select 1 from bank_key_generations where length(bank_secret) > 0 or length(kx_secret) > 0) then raise exception 'this ledger still holds the bank''s secret keys (migration 004 drops them): move them into a key store first with: smartcheck bank keys export --key-store <spec>'; end if; end $$;

alter table bank_keys drop column root_secret;
alter table bank_keys drop column bank_secret;
alter table bank_keys drop column kx_secret;
alter table bank_key_generations drop column bank_secret;
alter table bank_key_generations drop column kx_secret;
