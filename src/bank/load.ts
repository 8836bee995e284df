// Protocol 1 as a service: open the value-token request, verify it, debit the cardholder and
// credit the e-money liability in one transaction, and return the sealed value token. The
// request's payload hash is the idempotency key (loads.request_hash): the same request again
// returns the same stored token and moves no money; another request reusing a nonce is refused.
// Once the load is done, the purse's certificate is renewed when due (renewal.ts): the signed load
// request is the card's proof, and the new certificate goes back with the token.

import { toHex } from '../bytes.ts';
import type { Certificate } from '../protocol/certificate.ts';
import { ErrorCode, ProtocolError } from '../protocol/errors.ts';
import { issueValueToken, openLoadRequest } from '../protocol/load.ts';
import { RENEWAL_WINDOW_S } from '../protocol/renewal.ts';
import { bytea, type Database } from './db.ts';
import type { Bank } from './issuing.ts';
import { openWithAnyKey } from './issuing.ts';
import { accountId, post } from './ledger.ts';
import { renewAtLoad } from './renewal.ts';
import { Revocations } from './revocations.ts';

export interface LoadOptions {
  now: number;
  /** Accepted difference between the request's time and now; default 300 s. */
  maxSkewS?: number;
  /** The service's snapshot of the revocations; without it they are read for the request. */
  revocations?: Revocations;
  /** A purse certificate this close to its end is renewed at a load; default RENEWAL_WINDOW_S (30 days). */
  renewalWindowS?: number;
}

export interface LoadResult {
  token: Uint8Array;
  amount: number;
  purseId: string;
  /** True when this answers a request already served (no money moved this time). */
  replayed: boolean;
  /** The purse's renewed certificate, for the card's RENEW CERTIFICATE, when the bank renewed it (now or earlier). */
  certificate?: Uint8Array;
}

export async function loadValue(db: Database, bank: Bank, envelope: Uint8Array, o: LoadOptions): Promise<LoadResult> {
  const { result, signer } = await serve(db, bank, envelope, o);
  const windowS = o.renewalWindowS ?? RENEWAL_WINDOW_S;
  const certificate = await renewAtLoad(db, bank, signer, { now: o.now, windowS });
  return certificate ? { ...result, certificate } : result;
}

/** The load itself: the result, and the certificate the request was signed under. */
async function serve(
  db: Database,
  bank: Bank,
  envelope: Uint8Array,
  o: LoadOptions,
): Promise<{ result: LoadResult; signer: Certificate }> {
  const revoked = (await (o.revocations ?? new Revocations(db, bank.id)).current()).all;
  // Nonce freshness is the loads table's unique constraint (below), not an in-memory set.
  // Sealed to the current key-exchange key, or to an earlier one by a purse personalised before a
  // key rotation (its certificate carries the earlier bank certificate).
  const open = (maxSkewS: number) =>
    openWithAnyKey(bank, (keys) =>
      openLoadRequest(keys, envelope, { anchors: bank.anchors, now: o.now, maxSkewS, revoked, nonceSeen: () => false }),
    );
  let request: ReturnType<typeof open>;
  try {
    request = open(o.maxSkewS ?? 300);
  } catch (error) {
    // A request served earlier whose reply was lost may come back after the skew window: its
    // genuine signature and stored token still answer it (nothing moves); any other late request
    // stays refused as expired.
    if (!(error instanceof ProtocolError && error.code === ErrorCode.MessageExpired)) throw error;
    const late = open(Number.MAX_SAFE_INTEGER);
    const [done] = await db.query<{ token: Uint8Array }>('select token from loads where request_hash = $1', [
      bytea(late.hash),
    ]);
    if (!done) throw error;
    const result = { token: new Uint8Array(done.token), amount: late.body.amount, purseId: late.body.purseId };
    return { result: { ...result, replayed: true }, signer: late.signer };
  }
  const { body, signer } = request;
  const result = await db.transaction(async (tx): Promise<LoadResult> => {
    const [purse] = await tx.query<{ cardholder_id: string; currency: string; status: string }>(
      'select cardholder_id, currency, status from purses where purse_id = $1 for update',
      [body.purseId],
    );
    if (!purse) throw new ProtocolError(ErrorCode.WrongPurse, `unknown purse ${body.purseId}`);
    const [done] = await tx.query<{ token: Uint8Array }>('select token from loads where request_hash = $1', [
      bytea(request.hash),
    ]);
    if (done) return { token: new Uint8Array(done.token), amount: body.amount, purseId: body.purseId, replayed: true };
    if (purse.status !== 'active')
      throw new ProtocolError(ErrorCode.Revoked, `purse ${body.purseId} is ${purse.status}`);
    if (purse.currency !== body.currency)
      throw new ProtocolError(ErrorCode.CurrencyMismatch, `purse in ${purse.currency}, request in ${body.currency}`);
    const [seen] = await tx.query('select 1 from loads where nonce = $1', [bytea(body.nonce)]);
    if (seen) throw new ProtocolError(ErrorCode.ReplayedNonce, 'value-token request nonce');
    const cardholder = await accountId(tx, 'cardholder', purse.cardholder_id, body.currency);
    const liability = await accountId(tx, 'emoney', bank.id, body.currency);
    const [funds] = await tx.query<{ balance: number }>('select balance from accounts where id = $1 for update', [
      cardholder,
    ]);
    if ((funds?.balance ?? 0) < body.amount)
      throw new ProtocolError(
        ErrorCode.InsufficientFunds,
        `account of ${purse.cardholder_id} holds ${funds?.balance ?? 0}, asked ${body.amount}`,
      );
    const txId = await post(
      tx,
      'load',
      `${body.purseId}:${toHex(request.hash)}`,
      [
        { account: cardholder, amount: -body.amount },
        { account: liability, amount: body.amount },
      ],
      [cardholder],
    );
    const tokenId = crypto.getRandomValues(new Uint8Array(16));
    const token = issueValueToken(bank.party, request, tokenId, o.now);
    await tx.query(
      'insert into loads (request_hash, purse_id, nonce, amount, token_id, token, request, tx_id) values ($1,$2,$3,$4,$5,$6,$7,$8)',
      [
        bytea(request.hash),
        body.purseId,
        bytea(body.nonce),
        body.amount,
        bytea(tokenId),
        bytea(token),
        bytea(request.bytes),
        txId,
      ],
    );
    await tx.query('update purses set loaded = loaded + $2 where purse_id = $1', [body.purseId, body.amount]);
    return { token, amount: body.amount, purseId: body.purseId, replayed: false };
  });
  return { result, signer };
}
