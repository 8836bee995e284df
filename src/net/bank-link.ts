// What the roles (terminal, web shop, wallet) need from the bank, as an interface: the HTTP client
// (bank-client.ts) implements it over loopback, tests and the simulator implement it in-process
// over a BankService. Every method takes and returns the protocol's bytes as they travel, but for
// a refund's answer, which the bank gives in JSON (no signed message: src/bank/README.md § Refunds).
import type { RefundOutcome } from '../protocol/refund.ts';

export interface BankLink {
  /** A sealed value-token request (protocol 1) → the sealed value token. */
  load(sealedRequest: Uint8Array): Promise<Uint8Array>;
  /** A sealed deposit batch (protocol 5) → the bank's signed capture receipt. */
  deposit(sealedBatch: Uint8Array): Promise<Uint8Array>;
  /** A merchant's sealed, signed refund (sealRefund) → the check reversed or recorded (src/bank/refunds.ts). */
  refund(sealedRefund: Uint8Array): Promise<RefundOutcome>;
  /** The bank's current signed revocation list. */
  revocationList(): Promise<Uint8Array>;
  /**
   * The purse's current certificate, which after a load may be a renewal the bank issued (the
   * wallet installs it on the card). A link without it never renews online.
   */
  purseCertificate?(purseId: string): Promise<Uint8Array>;
  /**
   * In a scheme: the bank's own list and the latest list of every other issuer it relays, each as
   * its issuer signed it. A link without it (a bank alone) offers its own list only.
   */
  revocationLists?(): Promise<Uint8Array[]>;
}

/** The bank could not be reached (connection refused, timeout, reset): nothing was decided. */
export class BankUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`bank unreachable at ${url}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'BankUnreachableError';
  }
}

/** The bank answered and refused: its HTTP status and typed error body (kind, code, message). */
export class BankRejectedError extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    readonly code: string | number,
    message: string,
  ) {
    super(`bank refused (${status} ${kind}/${code}): ${message}`);
    this.name = 'BankRejectedError';
  }
}
