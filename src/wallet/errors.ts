// The wallet's own refusals (the card's are CardError, the bank's BankRejectedError /
// BankUnreachableError, the shop's ShopRejectedError / ShopUnreachableError, a bad message's
// ProtocolError: the wallet passes those through unchanged).
export type WalletErrorCode =
  /** The cardholder declined the purchase (the approve callback said no): nothing was charged. */
  | 'declined'
  /** The shop's signed slip does not say what was ordered (amount, currency, channel): nothing charged. */
  | 'offer_mismatch'
  /** The shop's slip does not verify (signature, merchant chain, signer): nothing charged. */
  | 'offer_invalid'
  /** The shop's order expired before payment: nothing charged. */
  | 'offer_expired'
  /** Internet payment needs a cardholder key certified by the bank. */
  | 'no_cardholder'
  /** A bad argument (amount, order). */
  | 'bad_request'
  /**
   * The card stopped answering inside INTERNET CHECK (power, reader): it may have deducted.
   * `interrupted` holds the order and slip: present the card, unlock it, `wallet.recoverPayment`.
   */
  | 'payment_interrupted'
  /**
   * The card deducted and signed, the shop did not confirm (unreachable, or it refused the check).
   * `pending` holds the sealed check: `wallet.resumePayment` sends it again.
   */
  | 'payment_incomplete';

export class WalletError extends Error {
  override readonly name = 'WalletError';
  constructor(
    readonly code: WalletErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
