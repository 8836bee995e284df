// BankClient: the bank's HTTP API (src/bank/server.ts) over fetch, for Node 20 and browsers.
// Implements BankLink with the protocol's CBOR bytes as bodies, plus the bank's public description
// (GET /v1/bank), the cardholder's enrolment with an activation code (POST /v1/enrol), and the back
// office (/v1/admin/…: a bearer token, option `token`; src/bank/back-office/routes.ts).
// Every failure is typed: BankUnreachableError (no answer: nothing was decided, safe to retry the
// same bytes) or BankRejectedError (the bank answered no, with its kind and code).
// The reports' shapes are the bank's own (types only: nothing of the bank is loaded).
import type { PairClose } from '../bank/interbank/exchange.ts';
import type { MerchantStatement, StatementQuery } from '../bank/reports/merchant.ts';
import type { PurseReport } from '../bank/reports/purse.ts';
import type { Settled } from '../bank/settlement.ts';
import type { OfflineLimits } from '../protocol/certificate.ts';
import type { RefundOutcome } from '../protocol/refund.ts';
import { type BankLink, BankRejectedError, BankUnreachableError } from './bank-link.ts';
import { baseUrlOf, bytesOf, CBOR_TYPE, type ErrorBody, fromBase64, jsonOf, request, toBase64 } from './http.ts';

export interface BankClientOptions {
  /** Per request, milliseconds; default 10,000. A timeout is a BankUnreachableError. */
  timeoutMs?: number;
  /** A back-office credential (`smartcheck bank credential create`), sent on /v1/admin/… calls only. */
  token?: string;
}

export interface RootKey {
  id: string;
  publicKey: Uint8Array;
}

/** What a card, a wallet or a merchant needs to know about the bank before talking to it. */
export interface BankInfo {
  bankId: string;
  /** The bank's certificate (its signing and key-exchange keys, signed by the root). */
  bankCertificate: Uint8Array;
  roots: RootKey[];
}

/** A purse personalised by the bank: what the card installs. */
export interface PersonalisedPurse extends BankInfo {
  purseId: string;
  cardholderId: string;
  certificate: Uint8Array;
}

/** A purse enrolled with an activation code; the approval key's certificate when one was sent. */
export interface EnrolledPurse extends PersonalisedPurse {
  cardholderCertificate?: Uint8Array;
}

export interface RegisteredMerchant extends BankInfo {
  merchantId: string;
  certificate: Uint8Array;
}

export interface RegisteredCardholder {
  cardholderId: string;
  /** Present when a signing key was certified (Internet approvals). */
  certificate?: Uint8Array;
}

interface InfoJson {
  bankId: string;
  bankCertificate: string;
  roots: { id: string; publicKey: string }[];
}

const infoOf = (j: InfoJson): BankInfo => ({
  bankId: j.bankId,
  bankCertificate: fromBase64(j.bankCertificate),
  roots: j.roots.map((r) => ({ id: r.id, publicKey: fromBase64(r.publicKey) })),
});

/** `?a=1&b=2` of the defined values, or nothing. */
function queryOf(o: { [key: string]: number | undefined } | StatementQuery): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined) q.set(k, String(v));
  return q.size ? `?${q}` : '';
}

export class BankClient implements BankLink {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #token: string | undefined;

  constructor(baseUrl: string, o: BankClientOptions = {}) {
    this.baseUrl = baseUrlOf(baseUrl);
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.#token = o.token;
  }

  private unreachable = (url: string) => (cause: unknown) => new BankUnreachableError(url, cause);
  private rejected = (status: number, e: ErrorBody) => new BankRejectedError(status, e.kind, e.code, e.message);

  private async cbor(path: string, body?: Uint8Array): Promise<Uint8Array> {
    const url = this.baseUrl + path;
    const response = await request(
      url,
      { timeoutMs: this.timeoutMs, accept: CBOR_TYPE, ...(body ? { cbor: body } : {}) },
      this.unreachable(url),
      this.rejected,
    );
    return bytesOf(response, this.unreachable(url));
  }

  private async json<T>(path: string, body?: unknown): Promise<T> {
    const url = this.baseUrl + path;
    const response = await request(
      url,
      {
        timeoutMs: this.timeoutMs,
        accept: 'application/json',
        ...(body !== undefined ? { json: body } : {}),
        ...(this.#token && path.startsWith('/v1/admin/')
          ? { headers: { authorization: `Bearer ${this.#token}` } }
          : {}),
      },
      this.unreachable(url),
      this.rejected,
    );
    return jsonOf<T>(response, this.unreachable(url));
  }

  load(sealedRequest: Uint8Array): Promise<Uint8Array> {
    return this.cbor('/v1/load', sealedRequest);
  }

  deposit(sealedBatch: Uint8Array): Promise<Uint8Array> {
    return this.cbor('/v1/deposit', sealedBatch);
  }

  /** Interbank: a settlement offer (src/protocol/settlement.ts) → the peer's signed statement. */
  offerStatement(offer: Uint8Array): Promise<Uint8Array> {
    return this.cbor('/v1/interbank/statements', offer);
  }

  /** Interbank: an acquirer's sealed presentment to this (issuer) bank → its signed answer. */
  present(sealedPresentment: Uint8Array): Promise<Uint8Array> {
    return this.cbor('/v1/interbank/presentments', sealedPresentment);
  }

  async refund(sealedRefund: Uint8Array): Promise<RefundOutcome> {
    const r = await this.json<Omit<RefundOutcome, 'checkHash'> & { checkHash: string }>('/v1/refunds', {
      envelope: toBase64(sealedRefund),
    });
    return { ...r, checkHash: fromBase64(r.checkHash) };
  }

  revocationList(): Promise<Uint8Array> {
    return this.cbor('/v1/revocation-list');
  }

  /**
   * The bank's own signed list and those of the other issuers of its scheme it relays (one
   * issuer's with `issuer`), each as its issuer signed it: the terminal verifies every one.
   */
  async revocationLists(issuer?: string): Promise<Uint8Array[]> {
    const query = issuer === undefined ? '' : `?issuer=${encodeURIComponent(issuer)}`;
    const r = await this.json<{ lists: { bankId: string; list: string }[] }>(`/v1/revocations${query}`);
    return r.lists.map((l) => fromBase64(l.list));
  }

  async bankInfo(): Promise<BankInfo> {
    return infoOf(await this.json<InfoJson>('/v1/bank'));
  }

  /**
   * Enrols this device's purse with the one-time activation code the bank issued for its
   * cardholder (no back-office credential): the bank certifies the card's keys with the limits the
   * code grants and, when given, the cardholder's approval key. Refused with BankRejectedError,
   * protocol code 319 (unknown code), 320 (used) or 321 (expired). Asking again with the same code,
   * purse id and keys (the answer was lost) gives the same certificates.
   */
  async enrol(o: {
    activationCode: string;
    purseId: string;
    signingKey: Uint8Array;
    kxKey: Uint8Array;
    cardholderKey?: Uint8Array;
  }): Promise<EnrolledPurse> {
    const r = await this.json<
      InfoJson & { purseId: string; cardholderId: string; certificate: string; cardholderCertificate?: string }
    >('/v1/enrol', {
      activationCode: o.activationCode,
      purseId: o.purseId,
      signingKey: toBase64(o.signingKey),
      kxKey: toBase64(o.kxKey),
      ...(o.cardholderKey ? { cardholderKey: toBase64(o.cardholderKey) } : {}),
    });
    return {
      ...infoOf(r),
      purseId: r.purseId,
      cardholderId: r.cardholderId,
      certificate: fromBase64(r.certificate),
      ...(r.cardholderCertificate ? { cardholderCertificate: fromBase64(r.cardholderCertificate) } : {}),
    };
  }

  /**
   * A cardholder's own unblock (no back-office credential): `signature` is the cardholder's, with
   * its certified approval key, over unblockRequestMessage(purseId, counter) (src/protocol/unblock.ts).
   * Returns the bank's signature for the card, as unblockSignature does.
   */
  async cardholderUnblock(
    purseId: string,
    counter: number,
    signature: Uint8Array,
  ): Promise<{ purseId: string; counter: number; signature: Uint8Array }> {
    const r = await this.json<{ purseId: string; counter: number; signature: string }>('/v1/unblock', {
      purseId,
      counter,
      signature: toBase64(signature),
    });
    return { purseId: r.purseId, counter: r.counter, signature: fromBase64(r.signature) };
  }

  // ---- the back office: a credential in option `token` (role issuer or operator, as noted)

  /** (issuer) A one-time activation code for a cardholder's own device to enrol a purse with these limits. */
  async issueActivationCode(
    cardholderId: string,
    o: { limits: OfflineLimits; ttlS?: number },
  ): Promise<{ cardholderId: string; code: string; expiresAt: number }> {
    return this.json(`/v1/admin/cardholders/${encodeURIComponent(cardholderId)}/activation-codes`, {
      limits: o.limits,
      ...(o.ttlS !== undefined ? { ttlS: o.ttlS } : {}),
    });
  }

  /** (issuer) Opens a cardholder account; with `signingKey`, the bank also certifies it for Internet approvals. */
  async registerCardholder(cardholderId: string, o: { signingKey?: Uint8Array } = {}): Promise<RegisteredCardholder> {
    const r = await this.json<{ cardholderId: string; certificate?: string }>('/v1/admin/cardholders', {
      cardholderId,
      ...(o.signingKey ? { signingKey: toBase64(o.signingKey) } : {}),
    });
    return { cardholderId: r.cardholderId, ...(r.certificate ? { certificate: fromBase64(r.certificate) } : {}) };
  }

  /** (operator) Pays money into a cardholder's account (cash at the counter, a transfer); returns the new balance. */
  async fund(
    cardholderId: string,
    amount: number,
    currency: string,
    reference?: string,
  ): Promise<{ cardholderId: string; balance: number }> {
    return this.json(`/v1/admin/cardholders/${encodeURIComponent(cardholderId)}/fund`, {
      amount,
      currency,
      ...(reference ? { reference } : {}),
    });
  }

  /** (issuer) Certifies a merchant's own public keys (Ed25519 signing, X25519 key exchange). */
  async registerMerchant(
    merchantId: string,
    keys: { signingKey: Uint8Array; kxKey: Uint8Array },
  ): Promise<RegisteredMerchant> {
    const r = await this.json<InfoJson & { merchantId: string; certificate: string }>('/v1/admin/merchants', {
      merchantId,
      signingKey: toBase64(keys.signingKey),
      kxKey: toBase64(keys.kxKey),
    });
    return { ...infoOf(r), merchantId: r.merchantId, certificate: fromBase64(r.certificate) };
  }

  /** (issuer) Certifies a card's purse keys (from the card's GENERATE KEYS) for a cardholder, with offline limits. */
  async personalisePurse(o: {
    purseId: string;
    cardholderId: string;
    signingKey: Uint8Array;
    kxKey: Uint8Array;
    limits: OfflineLimits;
  }): Promise<PersonalisedPurse> {
    const r = await this.json<InfoJson & { purseId: string; cardholderId: string; certificate: string }>(
      '/v1/admin/purses',
      {
        purseId: o.purseId,
        cardholderId: o.cardholderId,
        signingKey: toBase64(o.signingKey),
        kxKey: toBase64(o.kxKey),
        limits: o.limits,
      },
    );
    return { ...infoOf(r), purseId: r.purseId, cardholderId: r.cardholderId, certificate: fromBase64(r.certificate) };
  }

  /**
   * (operator) The bank's signature that lets a card reset its PIN retry counter (PurseCard.unblock): over
   * unblockMessage(purseId, counter). `counter` must exceed the last one the card applied: unix
   * milliseconds (the default, now) always do. Refused: an unknown purse (404 not_found), a purse
   * not active (422 protocol Revoked), a counter ahead of the bank's clock (400 bad_request).
   */
  async unblockSignature(
    purseId: string,
    counter: number = Date.now(),
  ): Promise<{ purseId: string; counter: number; signature: Uint8Array }> {
    const r = await this.json<{ purseId: string; counter: number; signature: string }>(
      `/v1/admin/purses/${encodeURIComponent(purseId)}/unblock`,
      { counter },
    );
    return { purseId: r.purseId, counter: r.counter, signature: fromBase64(r.signature) };
  }

  /** (operator) Reports a card lost or stolen: revoked at once (the next revocation list names it). */
  /** The purse's current certificate: after a load, a renewal the bank issued for the card to install. */
  async purseCertificate(purseId: string): Promise<Uint8Array> {
    const r = await this.json<{ certificate: string }>(`/v1/purses/${encodeURIComponent(purseId)}/certificate`);
    return fromBase64(r.certificate);
  }

  /** The counter's certificate renewal, step 1 (back office): a nonce for the card to sign. */
  async renewalNonce(purseId: string): Promise<Uint8Array> {
    const r = await this.json<{ nonce: string }>(`/v1/admin/purses/${encodeURIComponent(purseId)}/renewal-nonce`, {});
    return fromBase64(r.nonce);
  }

  /**
   * Step 2: the card's signature over renewalMessage(purseId, nonce) → the renewed certificate.
   * Refused with BankRejectedError, protocol code 330 (unknown or inactive purse), 332 (signature),
   * 333 (nonce used already), 313 (nonce expired).
   */
  async renewCertificate(purseId: string, nonce: Uint8Array, signature: Uint8Array): Promise<Uint8Array> {
    const r = await this.json<{ certificate: string }>(`/v1/admin/purses/${encodeURIComponent(purseId)}/renew`, {
      nonce: toBase64(nonce),
      signature: toBase64(signature),
    });
    return fromBase64(r.certificate);
  }

  async reportLost(purseId: string): Promise<{ purseId: string; status: string }> {
    return this.json(`/v1/admin/purses/${encodeURIComponent(purseId)}/lost`, {});
  }

  /** (operator) Settles now the lost cards past their window; returns those this call settled. */
  async settleLost(): Promise<Settled[]> {
    return (await this.json<{ settled: Settled[] }>('/v1/admin/lost-cards/settle', {})).settled;
  }

  /** (operator) Closes the settlement cycles with every peer bank now (src/bank/interbank/). */
  async closeSettlement(): Promise<PairClose[]> {
    return (await this.json<{ pairs: PairClose[] }>('/v1/admin/settlement/close', {})).pairs;
  }

  /** (operator) A purse's shadow account, serial gaps and value not deposited after `days` (default 7). */
  async purseReport(purseId: string, o: { days?: number } = {}): Promise<PurseReport> {
    return this.json(`/v1/admin/purses/${encodeURIComponent(purseId)}/report${queryOf(o)}`);
  }

  /** (operator) A merchant's credited checks and receipts over [from, to) (unix seconds), a page of batches. */
  async merchantStatement(merchantId: string, o: StatementQuery = {}): Promise<MerchantStatement> {
    return this.json(`/v1/admin/merchants/${encodeURIComponent(merchantId)}/statement${queryOf(o)}`);
  }
}
