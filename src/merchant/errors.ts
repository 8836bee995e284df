// The merchant role's one error type. `kind` says what went wrong in terms a POS application can
// act on; `code` is the protocol ErrorCode (src/protocol/errors.ts) when there is one (a refused
// check, a card refusal that reported one), `sw` the card's status word for card refusals.
import type { CardError } from '../card/purse.ts';
import type { Verdict } from '../protocol/acceptance.ts';

export type TerminalErrorKind =
  /** The check (or the card's certificate, checked before the card is charged) was refused offline. */
  | 'check_refused'
  /** The revocation list is missing or older than policy allows: go online and refresh it. */
  | 'stale_revocation_list'
  /** The card answered with an error status: nothing was charged. */
  | 'card_refused'
  /** The card stopped answering in the middle of a command: call recover(card) (or retry the cancel). */
  | 'card_interrupted'
  /** The card presented is not the one the interrupted transaction was with. */
  | 'wrong_card'
  /** The bank could not be reached: nothing changed, retry later. */
  | 'bank_unreachable'
  /** The bank answered and refused the whole batch: its checks are pending again. */
  | 'bank_rejected'
  /** The bank's receipt did not verify against the batch: nothing was reconciled, retry. */
  | 'bad_receipt'
  /** No sale to cancel, or it is already in a deposit, deposited, voided or being refunded. */
  | 'not_cancellable'
  /** A refund whose outcome on the card cannot be known: the check stays held, not deposited. */
  | 'refund_unresolved'
  /** A check from another merchant, or recorded twice. */
  | 'bad_record';

export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  constructor(
    readonly kind: TerminalErrorKind,
    message: string,
    readonly details: {
      /** Protocol ErrorCode (verdict code, or the code the card reported). */
      code?: number;
      /** Card status word. */
      sw?: number;
      verdict?: Verdict;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
  }

  get code(): number | undefined {
    return this.details.code;
  }

  get sw(): number | undefined {
    return this.details.sw;
  }

  get verdict(): Verdict | undefined {
    return this.details.verdict;
  }

  static fromCard(error: CardError, what: string): TerminalError {
    return new TerminalError('card_refused', `${what}: ${error.message}`, {
      sw: error.sw,
      ...(error.code ? { code: error.code } : {}),
      cause: error,
    });
  }
}
